package main

import (
	"context"
	"fmt"
	"io"
	"slices"
	"strings"
	"time"

	"github.com/dmirror/dmirror/kernel/kerneltest"
)

// kernel is a started dmirror kernel and its process id.
type kernel struct {
	*kerneltest.Kernel
	pid int
}

func (b *bench) start(bin binary, env ...string) (*kernel, error) {
	k, err := kerneltest.Start(b.ctx, kerneltest.Options{Dir: b.dir, Env: env, Stderr: io.Discard, ReadyTimeout: time.Minute},
		bin.path, "kernel", "{connection_file}")
	if err != nil {
		return nil, err
	}
	pid, err := kernelPID(k.ConnFile)
	if err != nil {
		k.Close()
		return nil, err
	}
	return &kernel{Kernel: k, pid: pid}, nil
}

// startAll starts one kernel per binary; stop closes them.
func (b *bench) startAll(env ...string) (ks []*kernel, stop func(), err error) {
	stop = func() {
		for _, k := range ks {
			k.Close()
		}
	}
	for _, bin := range b.bins {
		k, err := b.start(bin, env...)
		if err != nil {
			stop()
			return nil, nil, fmt.Errorf("%s: %w", bin.name, err)
		}
		ks = append(ks, k)
	}
	return ks, stop, nil
}

// exec runs a cell and returns its latency in milliseconds; the cell must
// succeed.
func (b *bench) exec(k *kernel, code string) (float64, error) {
	ctx, cancel := context.WithTimeout(b.ctx, 5*time.Minute)
	defer cancel()
	t0 := time.Now()
	r, err := k.Execute(ctx, code)
	d := ms(time.Since(t0))
	if err != nil {
		return 0, err
	}
	if r.Status() != "ok" {
		return 0, fmt.Errorf("cell %q failed: %v", code, kerneltest.Fields(r.Reply))
	}
	return d, nil
}

// each runs code on every kernel, in alternating order from call to call.
func (b *bench) each(ks []*kernel, turn int, code func(i int) string, into [][]float64) error {
	for j := range ks {
		i := j
		if turn%2 == 1 {
			i = len(ks) - 1 - j
		}
		d, err := b.exec(ks[i], code(i))
		if err != nil {
			return fmt.Errorf("%s: %w", b.bins[i].name, err)
		}
		if into != nil {
			into[i] = append(into[i], d)
		}
	}
	return nil
}

// mixedCell is cell n (from 2) of the mixed session: funcs, types with
// methods, variables set from them, prints, loops, consts, map updates and
// results, in a cycle of ten.
func mixedCell(n int) string {
	switch n % 10 {
	case 0:
		return fmt.Sprintf("func f%d(x int) int { return x + %d }", n, n)
	case 1:
		return fmt.Sprintf("v%d := f%d(%d)", n, n-1, n)
	case 2:
		return fmt.Sprintf("type T%d struct{ A, B int }\n\nfunc (t T%d) Sum() int { return t.A + t.B }", n, n)
	case 3:
		return fmt.Sprintf("w%d := T%d{%d, 1}.Sum()", n, n-1, n)
	case 4:
		return fmt.Sprintf("fmt.Println(v%d)", n-3)
	case 5:
		return "s := 0\nfor i := range 10 {\n\ts += i\n}\ns"
	case 6:
		return "1 + 1"
	case 7:
		return fmt.Sprintf("const c%d = %d", n, n)
	case 8:
		return fmt.Sprintf("m[%d] = v%d + c%d", n, n-7, n-1)
	default:
		return "strings.Repeat(\"ab\", 3)"
	}
}

const sessionSetup = "import (\n\t\"fmt\"\n\t\"strings\"\n)\n\nm := map[int]int{}\n\nfunc f0(x int) int { return x }"

// session runs the mixed session on every binary, cell by cell in turn,
// with five redefinitions of f0 after cell 100 and after the last cell.
func (b *bench) session(cells int) error {
	ks, stop, err := b.startAll()
	if err != nil {
		return err
	}
	defer stop()
	n := len(b.bins)
	lat := make([][]float64, cells+1) // lat[cell][binary]
	early, late := make([][]float64, n), make([][]float64, n)
	redefs := 0
	redefine := func(into [][]float64) error {
		for range 5 {
			redefs++
			code := fmt.Sprintf("func f0(x int) int { return x * %d }", redefs)
			if err := b.each(ks, redefs, func(int) string { return code }, into); err != nil {
				return err
			}
		}
		return nil
	}
	for c := 1; c <= cells; c++ {
		code := sessionSetup
		if c > 1 {
			code = mixedCell(c + 8) // cell 2 declares a func: every reference is to an earlier cell
		}
		lat[c] = make([]float64, n)
		per := make([][]float64, n)
		if err := b.each(ks, c, func(int) string { return code }, per); err != nil {
			return fmt.Errorf("cell %d: %w", c, err)
		}
		for i := range per {
			lat[c][i] = per[i][0]
		}
		if c == 100 {
			if err := redefine(early); err != nil {
				return err
			}
		}
		if c%500 == 0 {
			fmt.Fprintf(stderr, "  cell %d/%d\n", c, cells)
		}
	}
	if err := redefine(late); err != nil {
		return err
	}
	window := func(from, to, i int) []float64 {
		var out []float64
		for c := max(from, 1); c <= min(to, cells); c++ {
			out = append(out, lat[c][i])
		}
		return out
	}
	fmt.Fprintf(b.out, "\nmixed session of %d cells: median latency in ms (execute_request to idle)\n", cells)
	fmt.Fprintf(b.out, "%-8s %12s %14s %14s %14s\n", "binary", "cells 1-100", fmt.Sprintf("cells %d-%d", cells-99, cells), "redef early", "redef late")
	for i, bin := range b.bins {
		fmt.Fprintf(b.out, "%-8s %12.2f %14.2f %14.2f %14.2f\n", bin.name,
			median(window(1, 100, i)), median(window(cells-99, cells, i)), median(early[i]), median(late[i]))
	}
	for i, k := range ks {
		if img, err := imagePID(k.pid); err == nil {
			r, _ := rss(img)
			kc, _ := cpu(k.pid)
			ic, _ := cpu(img)
			fmt.Fprintf(b.out, "%-8s image RSS after the session: %.1f MiB; CPU: kernel %.1f s, image %.1f s\n", b.bins[i].name, mib(r), kc, ic)
		}
	}
	return nil
}

// trivial measures the image process's RSS growth per trivial cell, over
// the last two thirds of the cells: the first third lets the heap reach
// the collector's goal, which is not growth.
func (b *bench) trivial(cells int) error {
	ks, stop, err := b.startAll()
	if err != nil {
		return err
	}
	defer stop()
	n := len(b.bins)
	one := func(int) string { return "1 + 1" }
	lat := make([][]float64, n)
	var samples [][]uint64
	third := cells / 3
	for t := range cells {
		if t == 0 || t == third || t == cells-1 {
			r, err := b.imageRSS(ks)
			if err != nil {
				return err
			}
			samples = append(samples, r)
		}
		if err := b.each(ks, t, one, lat); err != nil {
			return err
		}
	}
	fmt.Fprintf(b.out, "\n%d trivial cells (1 + 1): image RSS at cells 1, %d and %d; growth per cell over the last two thirds\n", cells, third+1, cells)
	fmt.Fprintf(b.out, "%-8s %10s %10s %10s %14s %12s\n", "binary", "RSS 1", "RSS 1/3", "RSS end", "growth/cell", "median ms")
	for i, bin := range b.bins {
		growth := (float64(samples[2][i]) - float64(samples[1][i])) / float64(cells-1-third)
		fmt.Fprintf(b.out, "%-8s %8.1f M %8.1f M %8.1f M %11.1f KB %12.2f\n", bin.name, mib(samples[0][i]), mib(samples[1][i]), mib(samples[2][i]), growth/1024, median(lat[i]))
	}
	return nil
}

func (b *bench) imageRSS(ks []*kernel) ([]uint64, error) {
	out := make([]uint64, len(ks))
	for i, k := range ks {
		img, err := imagePID(k.pid)
		if err != nil {
			return nil, err
		}
		if out[i], err = rss(img); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// runawayCell is the default of -runaway: a loop that cannot end.
const runawayCell = "s := []int{}\nfor {\n\ts = append(s, 1)\n}"

// runaway runs the runaway append reps times on each binary, one kernel
// at a time (each may take the memory limit) and in alternating order, and
// reports the median time to stop it and the image's RSS after it.
func (b *bench) runaway(limit uint64, reps int) error {
	res := make([][]runawayResult, len(b.bins))
	for rep := range reps {
		for j := range b.bins {
			i := j
			if rep%2 == 1 {
				i = len(b.bins) - 1 - j
			}
			r, err := b.runawayOne(b.bins[i], limit)
			if err != nil {
				return fmt.Errorf("%s: %w", b.bins[i].name, err)
			}
			fmt.Fprintf(stderr, "  %s: stopped in %.1f s (%s), RSS %.0f MiB at the reply, %.0f MiB a second later\n", b.bins[i].name, r.stop, r.ename, mib(r.atReply), mib(r.later))
			res[i] = append(res[i], r)
		}
	}
	fmt.Fprintf(b.out, "\nrunaway append (%s) with DMIRROR_IMAGE_MEMORY=%d (%.1f GiB), %d runs each: medians\n", strings.ReplaceAll(b.runawayCell, "\n", " "), limit, float64(limit)/(1<<30), reps)
	fmt.Fprintf(b.out, "%-8s %10s %-12s %14s %14s %12s\n", "binary", "stop s", "error", "RSS at reply", "RSS after 1s", "next cell ms")
	for i, bin := range b.bins {
		var stop, at, later, next []float64
		for _, r := range res[i] {
			stop, at, later, next = append(stop, r.stop), append(at, mib(r.atReply)), append(later, mib(r.later)), append(next, r.next)
		}
		fmt.Fprintf(b.out, "%-8s %10.2f %-12s %12.1f M %12.1f M %12.2f\n", bin.name, median(stop), res[i][0].ename, median(at), median(later), median(next))
	}
	return nil
}

type runawayResult struct {
	stop           float64 // seconds
	ename          string
	atReply, later uint64
	next           float64 // ms
}

func (b *bench) runawayOne(bin binary, limit uint64) (runawayResult, error) {
	var res runawayResult
	k, err := b.start(bin, fmt.Sprintf("DMIRROR_IMAGE_MEMORY=%d", limit))
	if err != nil {
		return res, err
	}
	defer k.Close()
	if _, err := b.exec(k, "kept := 7"); err != nil {
		return res, err
	}
	ctx, cancel := context.WithTimeout(b.ctx, 10*time.Minute)
	defer cancel()
	t0 := time.Now()
	stopTrace := b.traceRSS(k, t0)
	r, err := k.Execute(ctx, b.runawayCell)
	res.stop = time.Since(t0).Seconds()
	stopTrace()
	if err != nil {
		return res, err
	}
	res.ename, _ = kerneltest.Fields(r.Reply)["ename"].(string)
	if img, err := imagePID(k.pid); err == nil {
		res.atReply, _ = rss(img)
	}
	time.Sleep(time.Second) // the measurement is of an idle image after a second
	if img, err := imagePID(k.pid); err == nil {
		res.later, _ = rss(img)
	}
	t1 := time.Now()
	r, err = k.Execute(ctx, "kept + 1")
	res.next = ms(time.Since(t1))
	if err != nil {
		return res, err
	}
	if got := resultText(r); got != "8" {
		return res, fmt.Errorf("after the runaway cell, kept + 1 = %q, want 8", got)
	}
	return res, nil
}

func resultText(r *kerneltest.Result) string {
	for _, m := range r.Of("execute_result") {
		data, _ := kerneltest.Fields(m)["data"].(map[string]any)
		s, _ := data["text/plain"].(string)
		return s
	}
	return ""
}

func median(xs []float64) float64 {
	if len(xs) == 0 {
		return 0
	}
	s := slices.Clone(xs)
	slices.Sort(s)
	return s[len(s)/2]
}

func ms(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }

func mib(b uint64) float64 { return float64(b) / (1 << 20) }

func contains(list, name string) bool {
	return slices.Contains(strings.Split(list, ","), name)
}

// traceRSS prints the image's RSS every half second on stderr until the
// returned func is called, for -trace.
func (b *bench) traceRSS(k *kernel, t0 time.Time) (stop func()) {
	if !b.trace {
		return func() {}
	}
	done := make(chan struct{})
	finished := make(chan struct{})
	go func() {
		defer close(finished)
		t := time.NewTicker(500 * time.Millisecond)
		defer t.Stop()
		for {
			select {
			case <-done:
				return
			case <-t.C:
			}
			if img, err := imagePID(k.pid); err == nil {
				r, _ := rss(img)
				fmt.Fprintf(stderr, "  %5.1f s: image RSS %.0f MiB\n", time.Since(t0).Seconds(), mib(r))
			}
		}
	}()
	return func() { close(done); <-finished }
}

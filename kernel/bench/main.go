// Command bench measures dmirror against ipykernel in the same run, over
// the real protocol: start-up to the first kernel_info_reply, the round
// trip of a trivial cell to idle (median and p90), a CPU-bound cell
// (recursive fib(27)), a cell printing 10,000 lines, and interrupting a
// loop and a sleeping call, with the ratios dmirror/ipykernel. It is a
// measurement, not a test.
//
//	go run ./kernel/bench [-dmirror PATH] [-python /usr/bin/python3] [-starts 5] [-rtt 200] [-reps 5]
//
// Without -dmirror it builds the binary from the repository first.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"time"

	"github.com/dmirror/dmirror/kernel"
	"github.com/dmirror/dmirror/kernel/kerneltest"
)

// subject is one kernel and the cells that do the same work in its language.
type subject struct {
	name    string
	argv    []string
	env     []string
	setup   string // run once before the measured cells
	trivial string
	fibDef  string
	fibCall string
	lines   string
	loop    string // runs until interrupted
	sleep   string // blocks in a call until interrupted
}

// stats are the measurements of one subject, in milliseconds.
type stats struct {
	startup, rtt, fib, lines, intrLoop, intrSleep []float64
}

func main() {
	if err := run(); err != nil {
		fmt.Fprintln(os.Stderr, "bench:", err)
		os.Exit(1)
	}
}

func run() error {
	dmirror := flag.String("dmirror", "", "dmirror binary (default: build it)")
	python := flag.String("python", "/usr/bin/python3", "Python with ipykernel")
	starts := flag.Int("starts", 5, "kernel starts per subject")
	rtts := flag.Int("rtt", 200, "trivial round trips per subject")
	reps := flag.Int("reps", 5, "repetitions of the fib and output cells")
	flag.Parse()
	// Catching SIGINT also matters for the kernels: a signal ignored here
	// (as in a background job) would stay ignored in them, and a kernel
	// that is interrupted by signal could not be interrupted.
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()

	tmp, err := os.MkdirTemp("", "dmirror-bench-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(tmp)
	if *dmirror == "" {
		*dmirror = filepath.Join(tmp, "dmirror")
		build := exec.CommandContext(ctx, "go", "build", "-o", *dmirror, ".")
		build.Dir = repoRoot()
		build.Stderr = os.Stderr
		if err := build.Run(); err != nil {
			return fmt.Errorf("build dmirror: %w", err)
		}
	}
	subjects := []subject{
		{
			name: "dmirror", argv: []string{*dmirror, "kernel", "{connection_file}"},
			setup:   `import "fmt"`,
			trivial: "x := 1",
			fibDef:  "func fib(n int) int {\n\tif n < 2 {\n\t\treturn n\n\t}\n\treturn fib(n-1) + fib(n-2)\n}",
			fibCall: "fib(27)",
			lines:   "for i := 0; i < 10000; i++ {\n\tfmt.Println(i)\n}",
			loop:    "n := 0\nfor {\n\tn++\n}",
			sleep:   "import \"time\"\ntime.Sleep(time.Hour)",
		},
		{
			name: "ipykernel", argv: []string{*python, "-m", "ipykernel_launcher", "-f", "{connection_file}"},
			env:     []string{"IPYTHONDIR=" + filepath.Join(tmp, "ipython")},
			setup:   "import sys",
			trivial: "x = 1",
			fibDef:  "def fib(n):\n    return n if n < 2 else fib(n-1) + fib(n-2)",
			fibCall: "fib(27)",
			lines:   "for i in range(10000):\n    print(i)",
			loop:    "n = 0\nwhile True:\n    n += 1",
			sleep:   "import time\ntime.sleep(3600)",
		},
	}
	results := make([]stats, len(subjects))
	// Alternate the subjects so that load on the machine hits both alike.
	for i := range *starts {
		for j, s := range subjects {
			fmt.Fprintf(os.Stderr, "%s: start %d/%d\n", s.name, i+1, *starts)
			if err := measure(ctx, s, &results[j], tmp, i == 0, *rtts, *reps); err != nil {
				return fmt.Errorf("%s: %w", s.name, err)
			}
		}
	}
	report(os.Stdout, subjects, results, *rtts)
	return nil
}

// measure starts the kernel once; the first start also runs the cells.
func measure(ctx context.Context, s subject, st *stats, dir string, cells bool, rtts, reps int) error {
	ctx, cancel := context.WithTimeout(ctx, 10*time.Minute)
	defer cancel()
	k, err := kerneltest.Start(ctx, kerneltest.Options{Dir: dir, Env: s.env, Stderr: io.Discard, ReadyTimeout: time.Minute}, s.argv...)
	if err != nil {
		return err
	}
	defer k.Close()
	st.startup = append(st.startup, ms(k.FirstReply.Sub(k.Started)))
	if cells {
		if err := runCells(ctx, k, s, st, rtts, reps); err != nil {
			return err
		}
	}
	if _, err := k.Shutdown(ctx, kerneltest.Control, false); err != nil {
		return err
	}
	return k.Wait(ctx)
}

func runCells(ctx context.Context, k *kerneltest.Kernel, s subject, st *stats, rtts, reps int) error {
	timed := func(code string, check func(*kerneltest.Result) error) (float64, error) {
		t0 := time.Now()
		r, err := k.Execute(ctx, code)
		d := ms(time.Since(t0))
		if err != nil {
			return 0, err
		}
		if r.Status() != "ok" {
			return 0, fmt.Errorf("cell %q failed: %v", code, kerneltest.Fields(r.Reply))
		}
		if check != nil {
			if err := check(r); err != nil {
				return 0, err
			}
		}
		return d, nil
	}
	if _, err := timed(s.setup, nil); err != nil {
		return err
	}
	for range 5 { // warm-up
		if _, err := timed(s.trivial, nil); err != nil {
			return err
		}
	}
	for range rtts {
		d, err := timed(s.trivial, nil)
		if err != nil {
			return err
		}
		st.rtt = append(st.rtt, d)
	}
	if _, err := timed(s.fibDef, nil); err != nil {
		return err
	}
	for range reps {
		d, err := timed(s.fibCall, func(r *kerneltest.Result) error {
			if len(r.Of("execute_result")) != 1 {
				return errors.New("fib(27): no result")
			}
			return nil
		})
		if err != nil {
			return err
		}
		st.fib = append(st.fib, d)
	}
	for range reps {
		d, err := timed(s.lines, func(r *kerneltest.Result) error {
			if n := strings.Count(r.Stream("stdout"), "\n"); n != 10000 {
				return fmt.Errorf("output cell delivered %d lines, want 10000", n)
			}
			return nil
		})
		if err != nil {
			return err
		}
		st.lines = append(st.lines, d)
	}
	for range reps {
		for _, c := range []struct {
			code string
			into *[]float64
		}{{s.loop, &st.intrLoop}, {s.sleep, &st.intrSleep}} {
			d, err := interrupt(ctx, k, c.code)
			if err != nil {
				return err
			}
			*c.into = append(*c.into, d)
		}
	}
	return nil
}

// interrupt starts code, interrupts it once it runs, and returns the time
// from interrupt_request to the cell's execute_reply.
func interrupt(ctx context.Context, k *kerneltest.Kernel, code string) (float64, error) {
	// Without stop_on_error: a kernel may abort requests that arrive soon
	// after an error, and the next measurement would never start.
	content := kerneltest.ExecuteContent(code)
	content["stop_on_error"] = false
	cell, err := k.NewRequest("execute_request", content)
	if err != nil {
		return 0, err
	}
	if err := k.SendMessage(kerneltest.Shell, cell); err != nil {
		return 0, err
	}
	started, cancel := context.WithTimeout(ctx, time.Minute)
	defer cancel()
	if _, err := k.WaitFor(started, kerneltest.IOPub, func(m *kernel.Message) bool {
		return m.Header.MsgType == "execute_input" && m.ParentID() == cell.Header.MsgID
	}); err != nil {
		return 0, fmt.Errorf("cell %q did not start: %w", code, err)
	}
	// A user interrupts a cell that has been running for a while; right
	// after execute_input a kernel may not listen for interrupts yet.
	time.Sleep(200 * time.Millisecond)
	t0 := time.Now()
	var r *kerneltest.Result
	for r == nil {
		if _, err := k.Send(kerneltest.Control, "interrupt_request", map[string]any{}); err != nil {
			return 0, err
		}
		// Ask again, as a user would, if the cell goes on.
		wait, cancel := context.WithTimeout(ctx, 2*time.Second)
		r, err = k.Await(wait, kerneltest.Shell, cell)
		cancel()
		if err != nil && ctx.Err() != nil {
			return 0, err
		}
	}
	d := ms(time.Since(t0))
	if r.Status() != "error" {
		return 0, fmt.Errorf("interrupted cell %q: status %q", code, r.Status())
	}
	return d, nil
}

func report(w io.Writer, subjects []subject, res []stats, rtts int) {
	d, p := res[0], res[1]
	row := func(name string, a, b float64) {
		fmt.Fprintf(w, "%-34s %10.2f %10.2f %8.2f\n", name, a, b, a/b)
	}
	fmt.Fprintf(w, "%-34s %10s %10s %8s\n", "ms (same run)", subjects[0].name, subjects[1].name, "ratio")
	row(fmt.Sprintf("start-up to kernel_info_reply (n=%d)", len(d.startup)), median(d.startup), median(p.startup))
	row(fmt.Sprintf("trivial cell to idle, median (n=%d)", rtts), median(d.rtt), median(p.rtt))
	row(fmt.Sprintf("trivial cell to idle, p90 (n=%d)", rtts), pct(d.rtt, 0.9), pct(p.rtt, 0.9))
	row(fmt.Sprintf("fib(27) cell to idle, median (n=%d)", len(d.fib)), median(d.fib), median(p.fib))
	row(fmt.Sprintf("10,000-line cell to idle, median (n=%d)", len(d.lines)), median(d.lines), median(p.lines))
	row(fmt.Sprintf("interrupt a loop, to reply, median (n=%d)", len(d.intrLoop)), median(d.intrLoop), median(p.intrLoop))
	row(fmt.Sprintf("interrupt a sleep, to reply, median (n=%d)", len(d.intrSleep)), median(d.intrSleep), median(p.intrSleep))
}

func ms(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }

func median(xs []float64) float64 { return pct(xs, 0.5) }

// pct is the nearest-rank percentile.
func pct(xs []float64, q float64) float64 {
	if len(xs) == 0 {
		return 0
	}
	s := slices.Clone(xs)
	slices.Sort(s)
	i := int(q*float64(len(s))+0.5) - 1
	return s[max(0, min(i, len(s)-1))]
}

// repoRoot is the module root, found from the working directory.
func repoRoot() string {
	dir, _ := os.Getwd()
	for d := dir; d != filepath.Dir(d); d = filepath.Dir(d) {
		if _, err := os.Stat(filepath.Join(d, "go.mod")); err == nil {
			return d
		}
	}
	return dir
}

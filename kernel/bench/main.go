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
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"path/filepath"
	"slices"
	"syscall"
	"time"

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

// newSubjects are the two kernels, with cells doing the same work.
func newSubjects(dmirror, python, tmp string) []subject {
	return []subject{
		{
			name: "dmirror", argv: []string{dmirror, "kernel", "{connection_file}"},
			setup:   `import "fmt"`,
			trivial: "x := 1",
			fibDef:  "func fib(n int) int {\n\tif n < 2 {\n\t\treturn n\n\t}\n\treturn fib(n-1) + fib(n-2)\n}",
			fibCall: "fib(27)",
			lines:   "for i := 0; i < 10000; i++ {\n\tfmt.Println(i)\n}",
			loop:    "n := 0\nfor {\n\tn++\n}",
			sleep:   "import \"time\"\ntime.Sleep(time.Hour)",
		},
		{
			name: "ipykernel", argv: []string{python, "-m", "ipykernel_launcher", "-f", "{connection_file}"},
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
		if *dmirror, err = kerneltest.BuildBinary(ctx, tmp); err != nil {
			return err
		}
	}
	subjects := newSubjects(*dmirror, *python, tmp)
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

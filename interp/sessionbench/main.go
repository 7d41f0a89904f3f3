// Command sessionbench measures long sessions and runaway memory through
// the real protocol, for two dmirror binaries in the same run (a baseline,
// typically main's build, and a candidate), alternating between them cell
// by cell so that load on the machine hits both alike:
//
//   - the median latency (execute_request to idle) of cells 1–100 and of
//     the last 100 cells of a mixed session of -cells cells (funcs, types
//     and methods, variables, prints, loops, results);
//   - the median latency of a cell that redefines a func, early (after
//     100 cells) and late (after the whole session);
//   - the image process's RSS growth per trivial cell (`1 + 1`) over
//     -trivial cells, after a warm-up;
//   - the time to stop `for { s = append(s, 1) }` with a memory limit of
//     -limit bytes, the error it gets, and the image processes' RSS right
//     after the reply and one second later.
//
// It is a measurement, not a test.
//
//	go run ./interp/sessionbench -before /tmp/main-dmirror [-after PATH] [-cells 2000] [-trivial 1000] [-limit 3221225472]
//
// Without -after it builds the binary from the repository.
package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"

	"github.com/dmirror/dmirror/kernel/kerneltest"
)

func main() {
	if err := run(); err != nil {
		fmt.Fprintln(os.Stderr, "sessionbench:", err)
		os.Exit(1)
	}
}

func run() error {
	before := flag.String("before", "", "baseline dmirror binary (required)")
	after := flag.String("after", "", "candidate dmirror binary (default: build it)")
	cells := flag.Int("cells", 2000, "cells of the mixed session")
	trivial := flag.Int("trivial", 1000, "trivial cells for the RSS growth")
	limit := flag.Uint64("limit", 3<<30, "DMIRROR_IMAGE_MEMORY for the runaway cell (bytes)")
	reps := flag.Int("reps", 3, "runs of the runaway cell per binary")
	cell := flag.String("runaway", runawayCell, "the runaway cell")
	trace := flag.Bool("trace", false, "print the image's RSS every half second during the runaway cell")
	skip := flag.String("skip", "", "comma-separated phases to skip: session, trivial, runaway")
	flag.Parse()
	if *before == "" {
		return fmt.Errorf("-before is required")
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	tmp, err := os.MkdirTemp("", "dmirror-sessionbench-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(tmp)
	if *after == "" {
		if *after, err = kerneltest.BuildBinary(ctx, tmp); err != nil {
			return err
		}
	}
	bins := []binary{{name: "before", path: *before}, {name: "after", path: *after}}
	b := &bench{ctx: ctx, dir: tmp, bins: bins, out: os.Stdout, trace: *trace, runawayCell: *cell}
	phases := []struct {
		name string
		run  func() error
	}{
		{"session", func() error { return b.session(*cells) }},
		{"trivial", func() error { return b.trivial(*trivial) }},
		{"runaway", func() error { return b.runaway(*limit, *reps) }},
	}
	for _, p := range phases {
		if contains(*skip, p.name) {
			continue
		}
		fmt.Fprintf(os.Stderr, "phase %s\n", p.name)
		if err := p.run(); err != nil {
			return fmt.Errorf("%s: %w", p.name, err)
		}
	}
	return nil
}

// binary is one of the dmirror binaries compared.
type binary struct {
	name, path string
}

type bench struct {
	ctx   context.Context
	dir   string
	bins  []binary
	out   io.Writer
	trace bool
	// runawayCell is the cell the runaway phase runs.
	runawayCell string
}

var stderr io.Writer = os.Stderr

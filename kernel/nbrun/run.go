// Package nbrun runs a notebook headless: `dmirror run`. It executes every
// code cell in order in a fresh engine.Engine, with no Jupyter installation,
// and writes the outputs into the notebook the way nbconvert --execute does.
package nbrun

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"path/filepath"
	"strings"
	"time"

	"github.com/dmirror/dmirror/kernel/engine"
)

// NewEngine starts the engine a run executes its cells in (main passes
// interp.NewSession, tests a fake).
type NewEngine func(ctx context.Context) (engine.Engine, error)

// Usage is the help of `dmirror run`.
const Usage = `usage: dmirror run NOTEBOOK.ipynb [-o OUT.ipynb | --inplace] [-p NAME=VALUE ...] [--allow-errors] [--timeout D]

Runs every code cell of a Go notebook in order, in a fresh session, and
writes the notebook with its outputs (nbformat 4, as jupyter nbconvert
--execute writes it). Progress goes to stderr, one line per cell.

Output: NOTEBOOK.out.ipynb next to NOTEBOOK.ipynb unless -o says where
(-o - writes to stdout); --inplace overwrites NOTEBOOK.ipynb. The notebook
is written even when a cell fails, so that the failure can be looked at.

Exit status: 0 when every cell ran; 1 when a cell failed (the run stops
there and the cell's error is printed), unless --allow-errors; 2 for a
command-line mistake. A cell tagged raises-exception is expected to fail:
its error is kept and the run goes on.

Parameters: -p NAME=VALUE sets a variable declared in the cell tagged
"parameters" (n := 10, var rate = 0.5, d := 2 * time.Second). A cell tagged
"injected-parameters" is inserted after it, assigning the values with the
declared types: int and float kinds, string, bool, time.Duration (as 1.5s).
Values of other types are Go expressions: -p 'xs=[]int{1, 2}'.

Flags:
`

// options are the parsed command line.
type options struct {
	input, output string
	inplace       bool
	params        paramList
	allowErrors   bool
	timeout       time.Duration
}

// Main runs `dmirror run` with its arguments and returns the exit status.
// An error is returned for bad input (a missing or invalid notebook, an
// unknown parameter); a failing cell gives status 1 and no error.
func Main(ctx context.Context, args []string, stdout, stderr io.Writer, newEngine NewEngine) (int, error) {
	opts, err := parseArgs(args)
	if errors.Is(err, flag.ErrHelp) {
		fmt.Fprint(stdout, Usage)
		printDefaults(stdout)
		return 0, nil
	}
	if err != nil {
		fmt.Fprintf(stderr, "dmirror run: %v\n(dmirror run --help explains the command)\n", err)
		return 2, nil
	}
	nb, err := readNotebook(opts.input)
	if err != nil {
		return 1, err
	}
	if err := injectParameters(nb, opts.params); err != nil {
		return 1, fmt.Errorf("%s: %w", opts.input, err)
	}
	eng, err := newEngine(ctx)
	if err != nil {
		return 1, fmt.Errorf("start the session: %w", err)
	}
	r := &runner{nb: nb, opts: opts, eng: eng, stderr: stderr}
	failed := r.run(ctx)
	closeErr := eng.Close()
	if err := r.write(stdout); err != nil {
		return 1, errors.Join(err, closeErr)
	}
	if closeErr != nil {
		return 1, fmt.Errorf("stop the session: %w", closeErr)
	}
	if ctx.Err() != nil {
		return 1, fmt.Errorf("run interrupted (%w): %s holds the cells run so far", context.Cause(ctx), opts.output)
	}
	if failed != nil {
		fmt.Fprintf(stderr, "dmirror run: %s failed:\n%s\n", failed.where, failed.err)
		return 1, nil
	}
	return 0, nil
}

// flags returns the flag set of `dmirror run`, storing into opts. It prints
// nothing: errors come back from Parse.
func flags(opts *options) *flag.FlagSet {
	fs := flag.NewFlagSet("run", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	fs.Usage = func() {}
	fs.StringVar(&opts.output, "o", "", "write the executed notebook to `OUT.ipynb` (- for stdout)")
	fs.BoolVar(&opts.inplace, "inplace", false, "overwrite the input notebook")
	fs.Var(&opts.params, "p", "set parameter `NAME=VALUE` (repeatable)")
	fs.BoolVar(&opts.allowErrors, "allow-errors", false, "run every cell even when some fail, and exit 0")
	fs.DurationVar(&opts.timeout, "timeout", 0, "interrupt a cell that runs longer than `D` (e.g. 30s; 0: no limit)")
	return fs
}

func printDefaults(w io.Writer) {
	fs := flags(&options{})
	fs.SetOutput(w)
	fs.PrintDefaults()
}

func parseArgs(args []string) (*options, error) {
	opts := &options{}
	fs := flags(opts)
	// Flags may come before or after the notebook.
	var positional []string
	for {
		if err := fs.Parse(args); err != nil {
			return nil, err
		}
		if fs.NArg() == 0 {
			break
		}
		positional = append(positional, fs.Arg(0))
		args = fs.Args()[1:]
	}
	switch {
	case len(positional) == 0:
		return nil, errors.New("no notebook given")
	case len(positional) > 1:
		return nil, fmt.Errorf("one notebook at a time, got %s", strings.Join(positional, " "))
	case opts.inplace && opts.output != "":
		return nil, errors.New("-o and --inplace cannot be used together")
	case opts.timeout < 0:
		return nil, errors.New("--timeout must not be negative")
	}
	opts.input = positional[0]
	switch {
	case opts.inplace:
		opts.output = opts.input
	case opts.output == "":
		opts.output = strings.TrimSuffix(opts.input, filepath.Ext(opts.input)) + ".out.ipynb"
	}
	return opts, nil
}

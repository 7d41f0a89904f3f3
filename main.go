// Command dmirror is a Jupyter kernel for Go with DMirror-style parallel
// mirrors. See README.md.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"path/filepath"
	"strings"
	"syscall"

	"github.com/dmirror/dmirror/interp"
	"github.com/dmirror/dmirror/interp/native/child"
	"github.com/dmirror/dmirror/kernel"
	"github.com/dmirror/dmirror/kernel/engine"
	"github.com/dmirror/dmirror/kernel/nbrun"
	"github.com/dmirror/dmirror/kernelspec"
)

// Version is set at build time with -ldflags "-X main.Version=...".
var Version = "0.1.0"

const usage = `dmirror: a Jupyter kernel for Go with parallel mirrors

usage:
  dmirror install [--user | --sys-prefix | --prefix DIR] [--slurm [--name NAME] [--slurm-args ARGS]]
                                                           install the kernelspec "dmirror" (or
                                                           "dmirror-slurm", whose mirrors are Slurm steps)
  dmirror kernel CONNECTION_FILE                           serve the Jupyter protocol
  dmirror run NOTEBOOK.ipynb [-o OUT.ipynb] [-p NAME=VALUE ...] [--allow-errors] [--timeout D]
              [--mirrors local|slurm]
                                                           run a notebook headless
  dmirror version                                          print the version
`

// errUsage marks command-line mistakes, which exit with status 2.
var errUsage = errors.New("usage")

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM)
	err := run(ctx, os.Args[1:], os.Stdout, os.Stderr)
	stop()
	if err == nil {
		return
	}
	var exit *exitError
	switch {
	case errors.As(err, &exit):
		os.Exit(exit.code)
	case errors.Is(err, errUsage):
		fmt.Fprintf(os.Stderr, "dmirror: %v\n\n%s", err, usage)
		os.Exit(2)
	default:
		fmt.Fprintf(os.Stderr, "dmirror: %v\n", err)
		os.Exit(1)
	}
}

// exitError carries a specific exit status out of run.
type exitError struct{ code int }

func (e *exitError) Error() string { return fmt.Sprintf("exit status %d", e.code) }

func run(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	if len(args) == 0 {
		return fmt.Errorf("%w: no command given", errUsage)
	}
	log := slog.New(slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: slog.LevelInfo}))
	cmd, rest := args[0], args[1:]
	switch cmd {
	case "version", "--version", "-v":
		fmt.Fprintf(stdout, "dmirror %s\n", Version)
		return nil
	case "help", "--help", "-h":
		fmt.Fprint(stdout, usage)
		return nil
	case "install":
		return runInstall(rest, stdout)
	case "kernel":
		if len(rest) != 1 {
			return fmt.Errorf("%w: kernel needs exactly one connection file", errUsage)
		}
		return runKernel(ctx, rest[0], log)
	case "run":
		// Ctrl-C interrupts the running cell and ends the run, which still
		// writes the notebook; the session itself lives until the run closes
		// it, so it gets the outer context.
		runCtx, stop := signal.NotifyContext(ctx, os.Interrupt)
		defer stop()
		quiet := slog.New(slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))
		rest, env, err := mirrorsFlag(rest)
		if err != nil {
			return err
		}
		code, err := nbrun.Main(runCtx, rest, stdout, stderr, func(context.Context) (engine.Engine, error) {
			return interp.NewSession(ctx, interp.SessionOptions{Log: quiet, Env: env})
		})
		if err != nil {
			return err
		}
		if code != 0 {
			return &exitError{code}
		}
		return nil
	}
	if child.IsMode(cmd) {
		err := child.Run(ctx, cmd, stderr)
		if errors.Is(err, child.ErrNotChild) {
			return &exitError{2}
		}
		return err
	}
	return fmt.Errorf("%w: unknown command %q", errUsage, cmd)
}

// mirrorsFlag takes `--mirrors local|slurm` out of dmirror run's
// arguments and returns the session's environment that says it (nil: the
// kernel's own, whose DMIRROR_MIRRORS then decides).
func mirrorsFlag(args []string) ([]string, []string, error) {
	var rest []string
	mirrors := ""
	for i := 0; i < len(args); i++ {
		a := args[i]
		switch {
		case a == "--mirrors" || a == "-mirrors":
			if i+1 == len(args) {
				return nil, nil, fmt.Errorf("%w: --mirrors needs local or slurm", errUsage)
			}
			i++
			mirrors = args[i]
		case strings.HasPrefix(a, "--mirrors=") || strings.HasPrefix(a, "-mirrors="):
			mirrors = a[strings.IndexByte(a, '=')+1:]
		default:
			rest = append(rest, a)
		}
	}
	switch mirrors {
	case "":
		return rest, nil, nil
	case "local", "slurm":
		return rest, append(os.Environ(), "DMIRROR_MIRRORS="+mirrors), nil
	}
	return nil, nil, fmt.Errorf("%w: --mirrors %q: want local or slurm", errUsage, mirrors)
}

func runInstall(args []string, stdout io.Writer) error {
	fs := flag.NewFlagSet("install", flag.ContinueOnError)
	user := fs.Bool("user", false, "install for the current user")
	sysPrefix := fs.Bool("sys-prefix", false, "install into the sys.prefix of the Python that runs jupyter (/usr for Debian's)")
	prefix := fs.String("prefix", "", "install into `DIR`/share/jupyter/kernels")
	slurm := fs.Bool("slurm", false, "a kernelspec whose mirrors are Slurm job steps (named dmirror-slurm)")
	name := fs.String("name", "", "the kernelspec's `NAME` (default dmirror, or dmirror-slurm with --slurm)")
	slurmArgs := fs.String("slurm-args", "", "salloc's options for the mirrors' allocation (`ARGS`, as DMIRROR_SLURM_ARGS)")
	if err := fs.Parse(args); err != nil {
		return fmt.Errorf("%w: %v", errUsage, err)
	}
	if *slurmArgs != "" && !*slurm {
		return fmt.Errorf("%w: --slurm-args needs --slurm", errUsage)
	}
	opts := kernelspec.Options{User: *user, SysPrefix: *sysPrefix, Prefix: *prefix, Slurm: *slurm, SlurmArgs: *slurmArgs, Name: *name}
	dir, err := kernelspec.Install(opts)
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "installed kernelspec %s in %s\n", filepath.Base(dir), dir)
	return nil
}

func runKernel(ctx context.Context, connFile string, log *slog.Logger) error {
	eng, err := interp.NewSession(ctx, interp.SessionOptions{Log: log})
	if err != nil {
		return err
	}
	kernel.Version = Version // implementation_version in kernel_info_reply
	serveErr := kernel.Serve(ctx, connFile, eng, log)
	closeErr := eng.Close()
	return errors.Join(serveErr, closeErr)
}

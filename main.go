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
  dmirror install [--user | --sys-prefix | --prefix DIR]   install the kernelspec "dmirror"
  dmirror kernel CONNECTION_FILE                           serve the Jupyter protocol
  dmirror run NOTEBOOK.ipynb [-o OUT.ipynb] [-p NAME=VALUE ...] [--allow-errors] [--timeout D]
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
		code, err := nbrun.Main(runCtx, rest, stdout, stderr, func(context.Context) (engine.Engine, error) {
			return interp.NewSession(ctx, interp.SessionOptions{Log: quiet})
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

func runInstall(args []string, stdout io.Writer) error {
	fs := flag.NewFlagSet("install", flag.ContinueOnError)
	user := fs.Bool("user", false, "install for the current user")
	sysPrefix := fs.Bool("sys-prefix", false, "install into the sys.prefix of the Python that runs jupyter (/usr for Debian's)")
	prefix := fs.String("prefix", "", "install into `DIR`/share/jupyter/kernels")
	if err := fs.Parse(args); err != nil {
		return fmt.Errorf("%w: %v", errUsage, err)
	}
	dir, err := kernelspec.Install(kernelspec.Options{User: *user, SysPrefix: *sysPrefix, Prefix: *prefix})
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "installed kernelspec dmirror in %s\n", dir)
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

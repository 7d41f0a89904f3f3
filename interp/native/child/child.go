// Package child runs the hidden modes of a dmirror binary: the image
// process and a mirror. Both the dmirror command and the image binaries
// generated for compiled packages (package interp/native) use it, so a
// generated binary is a dmirror binary without the kernel.
package child

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"

	"github.com/dmirror/dmirror/interp"
	"github.com/dmirror/dmirror/interp/childproc"
	"github.com/dmirror/dmirror/mirror"
)

// ErrNotChild is returned when a hidden mode is run by hand.
var ErrNotChild = errors.New("not started by the dmirror kernel")

// IsMode reports whether cmd names a hidden mode.
func IsMode(cmd string) bool {
	return cmd == interp.ImageMode || cmd == mirror.WorkerMode || cmd == mirror.RelayMode
}

// Run serves the hidden mode named mode, which only the kernel starts: it
// sets childproc.ModeEnv to the mode's name. Run by hand, it explains itself on
// stderr and returns ErrNotChild.
func Run(ctx context.Context, mode string, stderr io.Writer) error {
	if childproc.Mode() != mode {
		fmt.Fprintf(stderr, "dmirror %s is a worker mode that the dmirror kernel starts for itself;\n"+
			"it talks a private protocol over its pipes and is not meant to be run by hand.\n"+
			"To use dmirror, run: dmirror install --user, then pick \"Go (dmirror)\" in Jupyter.\n", mode)
		return ErrNotChild
	}
	signal.Ignore(syscall.SIGINT) // the kernel coordinates interrupts
	switch mode {
	case interp.ImageMode:
		return interp.ServeImage(ctx)
	case mirror.WorkerMode:
		return mirror.ServeWorker(ctx)
	case mirror.RelayMode:
		return mirror.ServeRelay(ctx, os.Args[2:]) // os.Args[1] is the mode
	}
	return fmt.Errorf("unknown mode %q", mode)
}

// Main is the main func of a generated image binary: it runs the hidden
// mode named by its first argument and exits.
func Main() {
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM)
	err := errors.New("no mode given")
	if len(os.Args) > 1 {
		err = Run(ctx, os.Args[1], os.Stderr)
	}
	stop()
	switch {
	case err == nil:
		os.Exit(0)
	case errors.Is(err, ErrNotChild):
		os.Exit(2)
	default:
		fmt.Fprintf(os.Stderr, "dmirror: %v\n", err)
		os.Exit(1)
	}
}

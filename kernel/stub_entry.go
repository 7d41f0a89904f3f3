package kernel

// TEMPORARY entry point so that main builds while the package is written;
// the owner of package kernel replaces this file.

import (
	"context"
	"errors"
	"log/slog"

	"github.com/dmirror/dmirror/kernel/engine"
)

// Serve serves the Jupyter protocol described by connFile until shutdown
// or ctx ends.
func Serve(ctx context.Context, connFile string, eng engine.Engine, log *slog.Logger) error {
	return errors.New("kernel: not implemented yet")
}

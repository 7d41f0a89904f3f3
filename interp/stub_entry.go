package interp

// TEMPORARY entry points so that main builds while the package is written;
// the owner of package interp replaces this file.

import (
	"context"
	"errors"
	"log/slog"

	"github.com/dmirror/dmirror/kernel/engine"
)

// ImageMode is the hidden command that runs the image process.
const ImageMode = "__image"

// SessionOptions configures a Session.
type SessionOptions struct {
	Log *slog.Logger
}

// NewSession starts a session (and its image process).
func NewSession(ctx context.Context, opts SessionOptions) (engine.Engine, error) {
	return nil, errors.New("interp: not implemented yet")
}

// ServeImage runs the image process over its pipes.
func ServeImage(ctx context.Context) error { return errors.New("interp: not implemented yet") }

package interp

import (
	"context"
	"errors"

	"github.com/dmirror/dmirror/kernel/engine"
)

// NewSession starts a session and its image process.
func NewSession(ctx context.Context, opts SessionOptions) (engine.Engine, error) {
	return nil, errors.New("interp: the frontend is not wired in yet")
}

package interp

import (
	"context"

	"github.com/dmirror/dmirror/interp/frontend"
	"github.com/dmirror/dmirror/kernel/engine"
)

// NewSession starts a session and its image process.
func NewSession(ctx context.Context, opts SessionOptions) (engine.Engine, error) {
	im := frontend.NewImage(frontend.Options{})
	s, err := newSession(ctx, opts, im)
	if err != nil {
		im.Close()
		return nil, err
	}
	s.onClose = im.Close
	return s, nil
}

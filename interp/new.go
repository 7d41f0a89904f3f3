package interp

import (
	"context"
	"errors"

	"github.com/dmirror/dmirror/interp/frontend"
	"github.com/dmirror/dmirror/interp/modules"
	"github.com/dmirror/dmirror/kernel/engine"
)

// NewSession starts a session and its image process. Cells may import Go
// modules (see package modules): they are fetched before the cell compiles.
func NewSession(ctx context.Context, opts SessionOptions) (engine.Engine, error) {
	mods := modules.NewCells(modules.Options{Env: opts.Env})
	im := frontend.NewImage(frontend.Options{Modules: mods.Set})
	s, err := newSession(ctx, opts, im)
	if err != nil {
		im.Close()
		return nil, errors.Join(err, mods.Close())
	}
	s.mods = mods
	s.onClose = func() error {
		im.Close()
		return mods.Close()
	}
	return s, nil
}

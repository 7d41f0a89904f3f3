package interp

import (
	"context"
	"errors"
	"os"

	"github.com/traefik/yaegi/stdlib"

	"github.com/dmirror/dmirror/interp/frontend"
	"github.com/dmirror/dmirror/interp/modules"
	"github.com/dmirror/dmirror/interp/native"
	"github.com/dmirror/dmirror/kernel/engine"
)

// NewSession starts a session and its image process. Cells may import Go
// modules (see package modules): they are fetched before the cell compiles.
func NewSession(ctx context.Context, opts SessionOptions) (engine.Engine, error) {
	// HasStd: a module package that imports a standard package the
	// interpreter lacks is refused by name, before yaegi fails on it.
	env := opts.Env
	if env == nil {
		env = os.Environ()
	}
	compiled, withMods, why := newCompiledPackages(env)
	declsWhy := why
	if compiled != nil {
		declsWhy = native.CgoMissing(env)
	}
	mods := modules.NewCells(modules.Options{Env: opts.Env, HasStd: modules.StdFromSymbols(stdlib.Symbols), Compiled: compiled})
	im := frontend.NewImage(frontend.Options{Modules: mods.Set, Compiled: compiled != nil, CompiledDecls: declsWhy == ""})
	s, err := newSession(ctx, opts, im)
	if err != nil {
		im.Close()
		return nil, errors.Join(err, mods.Close())
	}
	s.mods = mods
	s.gens.offWhy = declsWhy
	if withMods != nil {
		s.compiled = withMods(mods)
	} else {
		s.interpretedWhy = why
	}
	s.onClose = func() error {
		im.Close()
		return mods.Close()
	}
	return s, nil
}

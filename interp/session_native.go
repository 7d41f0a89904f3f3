package interp

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/dmirror/dmirror/interp/frontend"
	"github.com/dmirror/dmirror/interp/modules"
	"github.com/dmirror/dmirror/interp/native"
	"github.com/dmirror/dmirror/kernel/engine"
)

// NativeEnv turns compiled packages off when set to 0: cells' imports are
// then interpreted from source, as a fallback.
const NativeEnv = "DMIRROR_NATIVE"

// progressAfter is how long a build runs before the cell says so.
const progressAfter = time.Second

// compiledPackages is the kernel side of compiled packages: the packages
// cells import run as compiled Go in an image binary built for the session
// (package interp/native); the image process and the mirrors run it.
type compiledPackages struct {
	builder *native.Builder
	mods    *modules.Cells
	pkgs    []string // the packages of the binary the session runs, sorted
	insts   []native.Instance
	exe     string // that binary; "" while it is dmirror's own
	// pluginHost: the session has compiled declarations, so every binary
	// it builds must load their plugins; exeHost: exe is one.
	pluginHost, exeHost bool
}

// newCompiledPackages sets up compiled packages, or says why cells'
// imports will be interpreted instead.
func newCompiledPackages(env []string) (*modules.Compiled, func(*modules.Cells) *compiledPackages, string) {
	if v, _ := lookup(env, NativeEnv); v == "0" {
		return nil, nil, NativeEnv + "=0"
	}
	gocmd, err := modules.FindGo()
	if err != nil {
		return nil, nil, err.Error()
	}
	modCache, _ := lookup(env, "GOMODCACHE")
	if modCache == "" {
		if gopath, _ := lookup(env, "GOPATH"); gopath != "" {
			modCache = filepath.Join(filepath.SplitList(gopath)[0], "pkg", "mod")
		} else if home, err := os.UserHomeDir(); err == nil {
			modCache = filepath.Join(home, "go", "pkg", "mod")
		}
	}
	src, err := native.FindSource(env, modCache)
	if err != nil {
		return nil, nil, err.Error()
	}
	goMod, err := os.ReadFile(filepath.Join(src.Dir, "go.mod"))
	if err != nil {
		return nil, nil, err.Error()
	}
	goSum, _ := os.ReadFile(filepath.Join(src.Dir, "go.sum"))
	builder, err := native.NewBuilder(src, gocmd, env)
	if err != nil {
		return nil, nil, err.Error()
	}
	goLine := "go 1.26\n"
	for _, l := range strings.Split(string(goMod), "\n") {
		if strings.HasPrefix(l, "go ") {
			goLine = l + "\n"
		}
	}
	linked := map[string]string{}
	inRequire := false
	for _, l := range strings.Split(string(goMod), "\n") {
		l = strings.TrimSpace(strings.Split(l, "//")[0])
		switch {
		case l == "require (":
			inRequire = true
		case l == ")":
			inRequire = false
		case inRequire || strings.HasPrefix(l, "require "):
			if f := strings.Fields(strings.TrimPrefix(l, "require ")); len(f) == 2 {
				linked[f[0]] = f[1]
			}
		}
	}
	compiled := &modules.Compiled{
		Linked: linked,
		GoMod: fmt.Sprintf("%s\nrequire %s v0.0.0-00010101000000-000000000000\n\nreplace %s => %s\n",
			goLine, native.ModulePath, native.ModulePath, src.Dir),
		GoSum: goSum,
	}
	return compiled, func(mods *modules.Cells) *compiledPackages {
		return &compiledPackages{builder: builder, mods: mods}
	}, ""
}

func lookup(env []string, key string) (string, bool) {
	for i := len(env) - 1; i >= 0; i-- {
		if v, ok := strings.CutPrefix(env[i], key+"="); ok {
			return v, true
		}
	}
	return "", false
}

// want returns the packages a binary must have for the session after
// code: those it has, code's imports of modules, the standard packages
// the cell needs compiled, and the packages of the instantiations.
func (c *compiledPackages) want(code string, plan *frontend.Plan, insts []native.Instance) []string {
	pkgs := append(slices.Clone(c.pkgs), plan.NativeStd...)
	for _, in := range insts {
		pkgs = append(pkgs, in.Path)
	}
	// The cell's own imports, and those the frontend added to name types
	// of packages the cell did not import (a split assignment's typed
	// temporaries): yaegi would import those from source otherwise.
	for _, p := range append(modules.ImportPaths(code), plan.Imports...) {
		if !modules.IsStd(p) && p != frontend.NativePath {
			pkgs = append(pkgs, p)
		}
	}
	slices.Sort(pkgs)
	return slices.Compact(pkgs)
}

// useCompiled makes the image process (and later mirrors) run a binary with
// the packages code imports compiled in, building it if no cached one fits.
// A build that takes long says so on out; cancelling ctx stops it, and the
// session is then as it was.
func (s *Session) useCompiled(ctx context.Context, code string, plan *frontend.Plan, versionsChanged bool, out engine.Sink, silent bool) error {
	c := s.compiled
	if c == nil {
		s.noteInterpreted(code, out, silent)
		return nil
	}
	insts, newInsts := c.wantInstances(plan.Instances)
	pkgs := c.want(code, plan, insts)
	if len(pkgs) == 0 || (slices.Equal(pkgs, c.pkgs) && !newInsts && !versionsChanged) {
		return nil
	}
	if err := c.mods.Init(ctx); err != nil {
		return err
	}
	exe, err := s.buildWithProgress(ctx, c, pkgs, insts, out, silent)
	if err != nil {
		return err
	}
	c.pkgs, c.insts = pkgs, insts
	if exe == c.exe {
		return nil
	}
	c.exe, c.exeHost = exe, c.pluginHost
	return s.switchExe(ctx, exe, out, silent)
}

// wantInstances returns the instantiations a binary must have after the
// cell's, and whether the cell adds any.
func (c *compiledPackages) wantInstances(cell []frontend.Instance) ([]native.Instance, bool) {
	insts := slices.Clone(c.insts)
	added := false
	for _, in := range cell {
		if !slices.ContainsFunc(insts, func(x native.Instance) bool { return x.Table == in.Table && x.Symbol == in.Symbol }) {
			insts = append(insts, native.Instance{Path: in.Path, Name: in.Name, TypeArgs: in.TypeArgs, Symbol: in.Symbol, Table: in.Table, Type: in.Type})
			added = true
		}
	}
	return insts, added
}

func (s *Session) buildWithProgress(ctx context.Context, c *compiledPackages, pkgs []string, insts []native.Instance, out engine.Sink, silent bool) (string, error) {
	// Progress is a display, updated in place when the build ends, so that
	// the cell's stdout and stderr stay what its program prints.
	id := fmt.Sprintf("dmirror-build-%d", time.Now().UnixNano())
	what := strings.Join(pkgs, ", ")
	shown := make(chan bool, 1)
	done := make(chan struct{})
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		t := time.NewTimer(progressAfter)
		defer t.Stop()
		select {
		case <-t.C:
			if !silent {
				out.Display(engine.Bundle{"text/plain": "compiling " + what + " …"}, nil, id, false)
			}
			shown <- !silent
		case <-done:
			shown <- false
		}
	}()
	t0 := time.Now()
	exe, err := c.builder.Build(ctx, native.Request{ModDir: c.mods.ModDir(), Packages: pkgs, Instances: insts, PluginHost: c.pluginHost})
	close(done)
	wg.Wait()
	if <-shown {
		status := fmt.Sprintf("compiled %s in %.1f s", what, time.Since(t0).Seconds())
		if err != nil {
			status = fmt.Sprintf("compiling %s stopped after %.1f s", what, time.Since(t0).Seconds())
		}
		out.Display(engine.Bundle{"text/plain": status}, nil, id, true)
	}
	return exe, err
}

// switchExe restarts the image process on exe and restores the image in
// it; mirrors move to exe as they start.
func (s *Session) switchExe(ctx context.Context, exe string, out engine.Sink, silent bool) error {
	if err := s.rebuildGeneration(ctx, exe); err != nil {
		return err
	}
	if p := s.process(); p != nil {
		p.stop()
	}
	s.exe = exe
	s.pool.SetExe(exe)
	reset, err := s.start(ctx)
	if err != nil {
		return fmt.Errorf("interp: restart the image process with compiled packages: %w", err)
	}
	if len(reset) > 0 && !silent {
		out.Stream("stderr", "The image process was restarted with compiled packages.\n"+resetLines(reset))
	}
	return nil
}

// noteInterpreted says once, at the first import of a module, that
// packages are interpreted from source and why.
func (s *Session) noteInterpreted(code string, out engine.Sink, silent bool) {
	if s.toldWhy || silent || s.mods == nil {
		return
	}
	for _, p := range modules.ImportPaths(code) {
		if !modules.IsStd(p) {
			s.toldWhy = true
			out.Stream("stderr", fmt.Sprintf("note: imported packages run interpreted from source, not compiled (%s): "+
				"slower, and packages with assembly, cgo or unsafe cannot load\n", s.interpretedWhy))
			return
		}
	}
}

// compiledError is the cell's error when its packages could not be
// compiled or the image process could not move to them.
func compiledError(ctx context.Context, cell int, err error) *engine.Error {
	if ctx.Err() != nil {
		return &engine.Error{Name: "Interrupted", Value: "the cell was interrupted while compiling its packages; the session is as it was",
			Traceback: []string{fmt.Sprintf("cell[%d]: interrupted while compiling", cell)}}
	}
	return &engine.Error{Name: "BuildError", Value: err.Error(),
		Traceback: []string{fmt.Sprintf("cell[%d]: %v", cell, err)}}
}

package interp

import (
	"context"
	"errors"
	"fmt"
	"regexp"
	"time"

	"github.com/dmirror/dmirror/interp/frontend"
	"github.com/dmirror/dmirror/interp/native"
	"github.com/dmirror/dmirror/kernel/engine"
)

// maxGenerations is how many generations of compiled declarations an
// image process loads before the Session replaces it (and the mirrors):
// plugins are never unloaded, and each keeps about 4 MiB (3.8 MiB in
// BenchmarkGenerationBuild).
var maxGenerations = 32

// generations is the kernel side of compiled declarations: the committed
// generation and its plugin for the image binary the session runs.
type generations struct {
	committed *frontend.Generation
	path      string // its plugin, built for the current image binary
	loaded    int    // generations the current image process has loaded
	hostOK    bool   // the image binary the session runs is a plugin host
	toldWhy   bool   // the fallback notice was shown
	// offWhy says why the frontend makes no generations ("" when it does).
	offWhy string
}

// generationSwitch is implemented by a frontend that can stop making
// generations, so that a session that finds at its first declaration cell
// that it cannot build plugins (no working C compiler) interprets its
// declarations as before. DisableGenerations reports whether it did: it
// cannot once a generation is committed.
type generationSwitch interface {
	DisableGenerations() bool
}

// generationRejecter is implemented by a frontend that can leave the
// declarations Go's compiler rejects interpreted (with what uses them)
// when it compiles a cell again.
type generationRejecter interface {
	RejectCompiled(p *frontend.Plan, output string) []frontend.Rejection
}

// maxRejectedBuilds bounds the builds of one cell's generation that end in
// declarations the compiler rejects (each build names at least one).
const maxRejectedBuilds = 8

// prepareGeneration builds the plugin of plan's generation for the image
// binary the session runs (moving the session to a plugin host first). It
// returns the plugin's path, or, when compiled declarations are not
// available, a plan compiled again without them (or without those the
// compiler rejects) and a one-line notice on out.
func (s *Session) prepareGeneration(ctx context.Context, code string, plan *frontend.Plan, out engine.Sink, silent bool) (*frontend.Plan, string, error) {
	for builds := 0; ; builds++ {
		if plan.Generation == nil {
			s.noteInterpretedDecls(plan, out, silent)
			return plan, "", nil
		}
		if err := s.pluginHost(ctx, out, silent); err != nil {
			if ctx.Err() != nil {
				return nil, "", err
			}
			return s.withoutGenerations(code, plan, out, silent, err)
		}
		path, err := s.buildGeneration(ctx, plan.Generation, out, silent)
		if err == nil {
			return plan, path, nil
		}
		if ctx.Err() != nil || builds == maxRejectedBuilds || !s.rejectDecls(plan, err, out, silent) {
			return nil, "", err
		}
		if plan, err = s.compile(code, plan.Cell); err != nil {
			return nil, "", err
		}
	}
}

// withoutGenerations compiles the cell again with the session's
// declarations interpreted from now on, for why (the session cannot build
// plugins), with a notice shown once.
func (s *Session) withoutGenerations(code string, plan *frontend.Plan, out engine.Sink, silent bool, why error) (*frontend.Plan, string, error) {
	var be *native.BuildError
	sw, canSwitch := s.fe.(generationSwitch)
	if !canSwitch || !(errors.Is(why, errNoPluginHost) || errors.Is(why, native.ErrNoCgo) || errors.As(why, &be)) || !sw.DisableGenerations() {
		return nil, "", why
	}
	if !silent && !s.gens.toldWhy {
		s.gens.toldWhy = true
		reason := firstLines(why.Error(), 1)
		if be != nil {
			reason = be.Summary()
		}
		out.Stream("stderr", fmt.Sprintf("note: declarations run interpreted, not compiled: %s\n", reason))
	}
	plan, err := s.compile(code, plan.Cell)
	if err == nil && plan.Generation != nil {
		return nil, "", why
	}
	return plan, "", err
}

// rejectDecls tells the frontend which of plan's compiled declarations
// the compiler rejected in err (a failed build of its generation), with a
// notice per declaration. It reports false when err names none.
func (s *Session) rejectDecls(plan *frontend.Plan, err error, out engine.Sink, silent bool) bool {
	var be *native.BuildError
	rj, ok := s.fe.(generationRejecter)
	if !ok || !errors.As(err, &be) {
		return false
	}
	rejected := rj.RejectCompiled(plan, be.Output)
	if !silent {
		for _, r := range rejected {
			out.Stream("stderr", fmt.Sprintf("note: %s runs interpreted, not compiled, with what uses it: %s\n", r.Name, r.Why))
		}
	}
	return len(rejected) > 0
}

// declaresCode matches a func or type declaration in a plan's Decls.
var declaresCode = regexp.MustCompile(`(?m)^(?:/\*line [^*]*\*/)?(?:func|type) `)

// noteInterpretedDecls says once, at the first cell that declares a func
// or type, why declarations are interpreted.
func (s *Session) noteInterpretedDecls(plan *frontend.Plan, out engine.Sink, silent bool) {
	if s.gens.offWhy == "" || s.gens.toldWhy || silent || !declaresCode.MatchString(plan.Decls+plan.ImageDecls) {
		return
	}
	s.gens.toldWhy = true
	out.Stream("stderr", fmt.Sprintf("note: declarations run interpreted, not compiled: %s\n", s.gens.offWhy))
}

// errNoPluginHost says why a session cannot compile its declarations.
var errNoPluginHost = errors.New("compiled code is off")

// pluginHost moves the session to a plugin host, if it can.
func (s *Session) pluginHost(ctx context.Context, out engine.Sink, silent bool) error {
	if s.compiled == nil {
		return fmt.Errorf("%w (%s)", errNoPluginHost, s.interpretedWhy)
	}
	return s.usePluginHost(ctx, out, silent)
}

// buildGeneration returns the plugin of gen for the session's plugin host.
func (s *Session) buildGeneration(ctx context.Context, gen *frontend.Generation, out engine.Sink, silent bool) (string, error) {
	c := s.compiled
	what := fmt.Sprintf("the session's declarations (generation %d)", gen.N)
	return withProgress(ctx, out, silent, what, func() (string, error) {
		return c.builder.BuildGeneration(ctx, c.exe, native.Generation{N: gen.N, Files: gen.Files})
	})
}

// usePluginHost moves the session to an image binary that loads plugins,
// with the packages it has: from now on every image binary the session
// builds is one.
func (s *Session) usePluginHost(ctx context.Context, out engine.Sink, silent bool) error {
	c := s.compiled
	if s.gens.hostOK || c.exeHost {
		s.gens.hostOK = true
		return nil
	}
	if err := c.builder.CheckCgo(ctx); err != nil {
		return err
	}
	if err := c.mods.Init(ctx); err != nil {
		return err
	}
	c.pluginHost = true
	exe, err := withProgress(ctx, out, silent, "the image binary for compiled declarations", func() (string, error) {
		return c.builder.Build(ctx, native.Request{ModDir: c.mods.ModDir(), Packages: c.pkgs, Instances: c.insts, PluginHost: true})
	})
	if err != nil {
		c.pluginHost = false
		return err
	}
	s.gens.hostOK = true
	c.exe, c.exeHost = exe, true
	return s.switchExe(ctx, exe, out, silent)
}

// committedGeneration records the generation of a committed cell, and
// replaces an image process that loaded many (their plugins stay in its
// memory).
func (s *Session) committedGeneration(ctx context.Context, plan *frontend.Plan, path string, out engine.Sink) {
	if plan.Generation == nil {
		return
	}
	s.gens.committed, s.gens.path = plan.Generation, path
	s.gens.loaded++
	if s.gens.loaded < maxGenerations {
		return
	}
	if p := s.process(); p != nil {
		p.stop()
	}
	s.pool.Recycle()
	reset, err := s.start(context.WithoutCancel(ctx))
	if err != nil {
		s.log.Warn("restarting the image process after many generations", "err", err)
		return
	}
	if len(reset) > 0 {
		out.Stream("stderr", "The image process was restarted to free the memory of earlier declarations.\n"+resetLines(reset))
	}
}

// rebuildGeneration builds the committed generation again for a new image
// binary (new packages): a plugin loads only in the host it was built for.
func (s *Session) rebuildGeneration(ctx context.Context, exe string) error {
	if s.gens.committed == nil {
		return nil
	}
	g := s.gens.committed
	path, err := s.compiled.builder.BuildGeneration(ctx, exe, native.Generation{N: g.N, Files: g.Files})
	if err != nil {
		return fmt.Errorf("rebuild the session's declarations for the new image binary: %w", err)
	}
	s.gens.path = path
	return nil
}

// withProgress runs build, showing what it builds on out (a display
// updated in place when it ends) if it takes longer than progressAfter.
func withProgress(ctx context.Context, out engine.Sink, silent bool, what string, build func() (string, error)) (string, error) {
	id := fmt.Sprintf("dmirror-build-%d", time.Now().UnixNano())
	t0 := time.Now()
	t := time.NewTimer(progressAfter)
	defer t.Stop()
	type result struct {
		path string
		err  error
	}
	done := make(chan result, 1)
	go func() {
		p, err := build()
		done <- result{p, err}
	}()
	shown := false
	for {
		select {
		case <-t.C:
			if !silent {
				shown = true
				out.Display(engine.Bundle{"text/plain": "compiling " + what + " …"}, nil, id, false)
			}
		case r := <-done:
			if shown {
				status := fmt.Sprintf("compiled %s in %.1f s", what, time.Since(t0).Seconds())
				if r.err != nil {
					status = fmt.Sprintf("compiling %s stopped after %.1f s", what, time.Since(t0).Seconds())
				}
				out.Display(engine.Bundle{"text/plain": status}, nil, id, true)
			}
			return r.path, r.err
		}
	}
}

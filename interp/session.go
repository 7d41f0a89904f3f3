package interp

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/dmirror/dmirror/interp/frontend"
	"github.com/dmirror/dmirror/interp/modules"
	"github.com/dmirror/dmirror/kernel/engine"
	"github.com/dmirror/dmirror/mirror"
)

// interruptGrace is how long a cancelled cell has to end on its own before
// the image process is killed and restored: a cell blocked in compiled code
// (time.Sleep, a channel of a library, wg.Wait) cannot be stopped otherwise.
const interruptGrace = time.Second

// SessionOptions configures a Session.
type SessionOptions struct {
	Log *slog.Logger
	// Executable is the binary started in ImageMode; empty means this one.
	Executable string
	// Env is the image process's environment; nil means this process's.
	Env []string
}

// compiler is what a Session needs of the frontend; *frontend.Image
// provides it.
type compiler interface {
	Compile(code string, cell int) (*frontend.Plan, error)
	Commit(p *frontend.Plan)
	Source() string
	Vars() []frontend.Var
	Blocks() []frontend.Block
	Chunks() (generation int, chunks []string)
}

// Session runs cells in an image process and keeps the committed image,
// so that it can restore the image in a new process when user code kills
// the old one. It implements engine.Engine.
type Session struct {
	log *slog.Logger
	exe string
	env []string
	fe  compiler
	out *outputs
	// mods fetches the modules cells import; nil means cells import only
	// the standard library.
	mods *modules.Cells
	// compiled runs the packages cells import as compiled Go; nil means
	// they are interpreted from source, for the reason interpretedWhy.
	compiled       *compiledPackages
	interpretedWhy string
	// gens is the state of compiled declarations; nextGen is the plugin of
	// the generation of the cell being sent to the image process.
	gens    generations
	nextGen string
	toldWhy bool
	// onClose releases what the frontend holds, after the image process.
	onClose func() error

	execMu sync.Mutex // one Execute at a time; guards the fields below
	values map[string][]byte
	live   map[string]bool // variables whose values only the image process holds
	lastID uint64
	// imageVars are the variables the image process knows of (runMsg.SameVars).
	imageVars []frontend.Var
	// uncommitted numbers the declaration logs of calls made by cells that
	// add declarations (see jobDecls).
	uncommitted atomic.Int64
	pool        *mirror.Pool

	mu     sync.Mutex // guards proc and closed; never held while waiting for a cell
	proc   *imageProc
	closed bool
}

var _ engine.Engine = (*Session)(nil)

func newSession(ctx context.Context, opts SessionOptions, fe compiler) (*Session, error) {
	s := &Session{
		log:    opts.Log,
		exe:    opts.Executable,
		env:    opts.Env,
		fe:     fe,
		out:    newOutputs(),
		values: map[string][]byte{},
		live:   map[string]bool{},
	}
	if s.log == nil {
		s.log = slog.New(slog.DiscardHandler)
	}
	if s.exe == "" {
		exe, err := os.Executable()
		if err != nil {
			return nil, fmt.Errorf("interp: find the dmirror binary: %w", err)
		}
		s.exe = exe
	}
	if s.env == nil {
		s.env = os.Environ()
	}
	// Mirrors run on this machine, or as Slurm steps when the
	// environment says so (mirror.MirrorsEnv).
	slurm, err := mirror.SlurmFromEnv(s.env)
	if err != nil {
		return nil, fmt.Errorf("interp: %w", err)
	}
	s.pool = mirror.NewPool(mirror.PoolOptions{Exe: s.exe, Args: []string{mirror.WorkerMode}, Env: s.env, Log: s.log, Slurm: slurm})
	if _, err := s.start(ctx); err != nil {
		return nil, err
	}
	return s, nil
}

// start starts an image process and restores the committed image in it.
// It returns the variables that could not be restored.
func (s *Session) start(ctx context.Context) ([]string, error) {
	if s.isClosed() {
		return nil, errClosed
	}
	p, err := startImage(s.exe, s.env, s.out)
	if err != nil {
		return nil, err
	}
	s.mu.Lock()
	closed := s.closed
	if !closed {
		s.proc = p
	}
	s.mu.Unlock()
	if closed {
		p.stop()
		return nil, errClosed
	}
	init := initMsg{Decls: s.fe.Source(), Vars: s.fe.Vars(), Values: s.values, Blocks: s.fe.Blocks(), Modules: s.modules(), Gen: s.gens.path}
	s.gens.loaded = 0
	if init.Gen != "" {
		s.gens.loaded = 1
	}
	s.imageVars = init.Vars
	if err := p.send(msgInit, 0, init); err != nil {
		return nil, fmt.Errorf("interp: image process: %w", err)
	}
	select {
	case m, ok := <-p.frames:
		if !ok {
			<-p.dead
			tail, werr := p.death()
			return nil, fmt.Errorf("interp: image process died while starting (%v): %s", werr, firstLines(tail, 5))
		}
		var ready readyMsg
		if err := m.Decode(&ready); err != nil {
			return nil, err
		}
		if ready.Err != "" {
			return nil, fmt.Errorf("interp: image process: %s", ready.Err)
		}
		reset := ready.Reset
		for _, n := range sortedKeys(s.live) {
			reset = append(reset, n+": its value could not be copied out of the image process")
		}
		// Those variables now hold zero values in the new process.
		s.live = map[string]bool{}
		return reset, nil
	case <-ctx.Done():
		p.kill()
		return nil, ctx.Err()
	}
}

// prepareModules runs a cell's `%go get` lines and fetches the modules
// of its imports. It returns the cell without those lines, and whether a
// module changed version. The versions `%go get` chose are shown on out.
func (s *Session) prepareModules(ctx context.Context, code string, out engine.Sink, silent bool) (string, bool, error) {
	if s.mods == nil {
		return code, false, nil
	}
	p, err := s.mods.Prepare(ctx, code)
	if err != nil {
		return "", false, err
	}
	if len(p.Pinned) > 0 && !silent {
		var b strings.Builder
		for _, m := range p.Pinned {
			fmt.Fprintf(&b, "go get: %s\n", m)
		}
		out.Stream("stderr", b.String())
	}
	return p.Code, len(p.Changed) > 0, nil
}

// modules lists the session's modules for the image process.
func (s *Session) modules() []modules.Module {
	if s.mods == nil {
		return nil
	}
	return s.mods.Set().Modules()
}

// errClosed fails cells run after Close.
var errClosed = errors.New("the session is closed")

func (s *Session) isClosed() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.closed
}

// process returns the current image process, or nil once closed.
func (s *Session) process() *imageProc {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.proc
}

// Close stops the image process and waits for it.
func (s *Session) Close() error {
	s.mu.Lock()
	s.closed = true
	p := s.proc
	s.mu.Unlock()
	if p != nil {
		p.stop()
	}
	var err error
	if s.pool != nil {
		err = s.pool.Close()
	}
	if s.onClose != nil {
		err = errors.Join(err, s.onClose())
	}
	return err
}

// Execute runs one cell.
func (s *Session) Execute(ctx context.Context, req engine.ExecuteRequest, out engine.Sink) engine.Result {
	if name, ok := pagerQuery(req.Code); ok {
		return s.page(name, out)
	}
	s.execMu.Lock()
	defer s.execMu.Unlock()
	code, fresh, err := s.prepareModules(ctx, req.Code, out, req.Silent)
	if err != nil {
		return engine.Result{Error: &engine.Error{Name: "ModuleError", Value: err.Error(),
			Traceback: []string{fmt.Sprintf("cell[%d]: %v", req.Count, err)}}}
	}
	plan, err := s.compile(code, req.Count)
	if err != nil {
		return engine.Result{Error: frontendError(req.Count, err)}
	}
	if plan.Generation != nil && s.compiled != nil {
		// A cell that imports packages and declares compiled code gets one
		// binary, a plugin host, rather than two.
		s.compiled.pluginHost = true
	}
	if err := s.useCompiled(ctx, code, plan, fresh, out, req.Silent); err != nil {
		return engine.Result{Error: compiledError(ctx, req.Count, err)}
	}
	plan, genPath, err := s.prepareGeneration(ctx, code, plan, out, req.Silent)
	if err != nil {
		var ce *frontend.CompileError
		if errors.As(err, &ce) {
			return engine.Result{Error: frontendError(req.Count, err)}
		}
		return engine.Result{Error: compiledError(ctx, req.Count, err)}
	}
	if fresh && !plan.Rebuild {
		// A module the interpreter may have loaded changed version: the
		// image process must start from a fresh interpreter.
		plan.NeedRebuild()
	}
	s.out.begin(plan.Cell, out, req.Silent)
	p, err := s.ready(ctx, out)
	if err != nil {
		return engine.Result{Error: &engine.Error{Name: "ImageProcessDied", Value: err.Error()}}
	}
	if plan.Decls == "" && plan.BodyFunc == "" && !plan.Rebuild {
		s.fe.Commit(plan)
		return engine.Result{}
	}
	s.nextGen = genPath
	res := s.run(ctx, p, plan, req, out)
	s.nextGen = ""
	if res.Error == nil {
		s.committedGeneration(ctx, plan, genPath, out)
	}
	return res
}

// ready returns a live image process, restarting it (and saying so) if it
// died since the last cell.
func (s *Session) ready(ctx context.Context, out engine.Sink) (*imageProc, error) {
	p := s.process()
	if p == nil || s.isClosed() {
		return nil, errClosed
	}
	select {
	case <-p.dead:
	default:
		if !p.reaped() {
			return p, nil
		}
		<-p.dead // the child is gone; its pipes are being drained
	}
	tail, werr := p.death()
	e := deathError(tail, werr)
	s.log.Warn("image process ended between cells; restarting it", "error", e.Name, "exit", werr)
	reset, err := s.start(ctx)
	if err != nil {
		return nil, err
	}
	note := fmt.Sprintf("The image process died between cells (%s: %s); it was restarted and the image restored.\n", e.Name, e.Value)
	out.Stream("stderr", note+resetLines(reset))
	return s.process(), nil
}

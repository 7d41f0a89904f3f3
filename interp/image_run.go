package interp

import (
	"context"
	"fmt"
	"reflect"
	"runtime/debug"
	"strings"

	yaegi "github.com/traefik/yaegi/interp"

	"github.com/dmirror/dmirror/display"
	"github.com/dmirror/dmirror/interp/frontend"
	"github.com/dmirror/dmirror/interp/modules"
	"github.com/dmirror/dmirror/interp/vm"
	"github.com/dmirror/dmirror/kernel/engine"
	"github.com/dmirror/dmirror/mirror"
)

// newVM returns a fresh interpreter wired to this image process: output
// attributed to cells, stdin through input requests, goroutine hooks, and
// the display API.
func (s *imageServer) newVM(gen *vm.Generation) (*yaegi.Interpreter, error) {
	stdout := cellWriter{img: s, name: "stdout"}
	stderr := cellWriter{img: s, name: "stderr"}
	osOut := &stdFile{w: stdout, fd: 1, path: "/dev/stdout"}
	osErr := &stdFile{w: stderr, fd: 2, path: "/dev/stderr"}
	osIn := s.stdin
	return vm.New(vm.Config{
		Stdin:  s.stdin,
		Stdout: stdout,
		Stderr: stderr,
		Hooks:  vm.Hooks{GoStart: s.goStart, GoEnd: s.goEnd, At: s.mark, GoCell: s.goCell, Exit: s.exit, Print: s.print},
		Exports: []yaegi.Exports{
			{"os/os": {
				"Stdout": reflect.ValueOf(&osOut).Elem(),
				"Stderr": reflect.ValueOf(&osErr).Elem(),
				"Stdin":  reflect.ValueOf(&osIn).Elem(),
			}},
			display.Exports(s),
			mirror.ImageExports(s.mirrorHooks()),
		},
		GoPath:     modules.GoPath,
		SourceFS:   s.src.FS(),
		Generation: gen,
	})
}

// build returns a fresh interpreter holding decls, evaluated in order, with
// the compiled declarations of gen (nil for none).
func (s *imageServer) build(gen *vm.Generation, decls []string) (*yaegi.Interpreter, error) {
	ip, err := s.newVM(gen)
	if err != nil {
		return nil, err
	}
	for _, d := range decls {
		if err := evalSafe(ip, d); err != nil {
			return nil, err
		}
	}
	return ip, nil
}

// declsAfter are the declarations of the image after plan.
func (s *imageServer) declsAfter(plan *frontend.Plan) []string {
	switch {
	case plan.Rebuild:
		return []string{plan.ImageDecls}
	case plan.Decls != "":
		return append(s.decls[:len(s.decls):len(s.decls)], plan.Decls)
	}
	return s.decls
}

// files is the declarations of an init message as files.
func files(src string) []string {
	if src == "" {
		return nil
	}
	return []string{src}
}

// init builds the image from declarations and encoded values: at start-up,
// and after the process that held the image died.
func (s *imageServer) init(m initMsg) readyMsg {
	s.src.Update(m.Modules)
	decls := files(m.Decls)
	var gen *vm.Generation
	if m.Gen != "" {
		var err error
		if gen, err = vm.LoadGeneration(m.Gen); err != nil {
			return readyMsg{Err: err.Error()}
		}
	}
	ip, err := s.build(gen, decls)
	if err != nil {
		return readyMsg{Err: fmt.Sprintf("rebuilding the declarations: %v", err)}
	}
	names := make([]string, len(m.Vars))
	for i, v := range m.Vars {
		names[i] = v.Name
	}
	globals := globalsOf(ip, m.Vars, names)
	dec := decoderFor(ip, decls)
	var reset []string
	for _, v := range m.Vars {
		g, ok := globals[v.Name]
		if !ok {
			continue
		}
		data, ok := m.Values[v.Name]
		if !ok {
			continue // never assigned, or not copyable: the kernel names those
		}
		if err := setEncoded(g, dec, data); err != nil {
			reset = append(reset, fmt.Sprintf("%s (%s): %v", v.Name, v.Type, err))
		}
	}
	s.ip, s.decls, s.vars, s.gen = ip, decls, m.Vars, gen
	s.setActive(ip)
	s.addBlocks(m.Blocks)
	return readyMsg{Reset: reset}
}

// execute runs one cell. On failure the image is put back as it was
// before the cell: touched values restored, added declarations dropped.
func (s *imageServer) execute(parent context.Context, id uint64, m runMsg) doneMsg {
	plan := m.Plan
	if plan == nil {
		return doneMsg{Error: &engine.Error{Name: "InternalError", Value: "run without a plan"}}
	}
	if m.SameVars {
		plan.Vars = s.vars
	}
	if s.ip == nil {
		return doneMsg{Error: &engine.Error{Name: "InternalError", Value: "run before init"}}
	}
	s.src.Update(m.Modules)
	ctx, cancel := context.WithCancelCause(parent)
	defer cancel(nil)
	heapBefore := liveHeap()
	s.begin(&activeRun{id: id, cell: plan.Cell, ctx: ctx, cancel: cancel, allowStdin: m.AllowStdin,
		vars: plan.Vars, endless: plan.Endless, liveStart: heapBefore})
	defer s.end()

	s.addBlocks(plan.Blocks)
	gen, fail := s.generation(plan, m.Gen)
	if fail != nil {
		return doneMsg{Error: fail}
	}
	snap := snapshot(s.ip, s.vars, plan.Touched)
	target, result, reset, fail := s.apply(ctx, plan, gen)
	defer func() { s.setActive(s.ip) }()
	if fail != nil {
		if gen != s.gen {
			s.gen.Activate() // the cell's generation is dropped
		}
		fail.Traceback = append(fail.Traceback, s.restore(plan, target, snap, ctx.Err() != nil)...)
		done := doneMsg{Error: fail}
		if fail.Name == "OutOfMemory" {
			done.Restart = !s.freeMemory(heapBefore)
		}
		if ctx.Err() != nil && (gen != nil || s.gen != nil) && stuckInCompiled() {
			done.Restart, done.Stuck = true, true
		}
		s.out.flush()
		return done
	}
	if len(reset) > 0 {
		s.out.write(plan.Cell, "stderr", []byte(resetNote(reset)))
	}
	done := doneMsg{}
	done.Values, done.Live = collect(target, plan, s.vars)
	s.ip = target
	s.decls = s.declsAfter(plan)
	s.vars = plan.Vars
	s.gen = gen
	if plan.HasResult && !(plan.ResultIsError && isNil(result)) {
		done.Data, done.Metadata = renderResult(result)
	}
	s.out.flush()
	return done
}

func (s *imageServer) begin(r *activeRun) {
	s.stdin.reset()
	s.traces.takeCell()
	s.cells.setCurrent(r.cell)
	s.mu.Lock()
	s.run = r
	s.mu.Unlock()
}

func (s *imageServer) end() {
	s.mu.Lock()
	s.run = nil
	s.mu.Unlock()
}

// apply runs the plan's declarations and body. It returns the interpreter
// that holds the outcome (the live one, or a fresh one when the plan
// rebuilds the image), the cell's result, and the variables a rebuild
// could not carry over.
func (s *imageServer) apply(ctx context.Context, plan *frontend.Plan, gen *vm.Generation) (*yaegi.Interpreter, reflect.Value, []string, *engine.Error) {
	target := s.ip
	var reset []string
	switch {
	case plan.Rebuild:
		fresh, err := s.build(gen, files(plan.ImageDecls))
		if err != nil {
			return target, reflect.Value{}, nil, compileError(plan.Cell, err)
		}
		reset = transfer(s.ip, fresh, files(plan.ImageDecls), s.vars, plan.Vars)
		target = fresh
	case plan.Decls != "":
		if err := evalSafe(target, plan.Decls); err != nil {
			return target, reflect.Value{}, nil, compileError(plan.Cell, err)
		}
	}
	if plan.BodyFunc == "" {
		return target, reflect.Value{}, reset, nil
	}
	// The body func runs once: what yaegi keeps of it is dropped after,
	// or a long session's image grows with every cell.
	defer vm.Forget(target, plan.BodyFunc)
	bodyFiles := target.FileSet().Base()
	if err := evalSafe(target, markLines(plan.Body, plan.BodyFunc, plan.Cell)); err != nil {
		return target, reflect.Value{}, nil, compileError(plan.Cell, err)
	}
	s.prepareJobDecoder(target, s.declsAfter(plan))
	s.setActive(target)
	callFiles := target.FileSet().Base()
	v, err := s.callBody(ctx, target, plan.BodyFunc)
	if err != nil {
		return target, reflect.Value{}, nil, s.runtimeError(ctx, plan.Cell, err)
	}
	// The positions of the call are needed no more; those of the body
	// are, by the func values it made (closures, goroutines), if any.
	if strings.Count(plan.Body, "func") > 1 {
		vm.ForgetFiles(target, callFiles)
	} else {
		vm.ForgetFiles(target, bodyFiles)
	}
	return target, v, reset, nil
}

// generation returns the compiled declarations the image holds after
// plan: those of the plugin at path when the plan makes a new generation,
// else the committed ones.
func (s *imageServer) generation(plan *frontend.Plan, path string) (*vm.Generation, *engine.Error) {
	if plan.Generation == nil {
		return s.gen, nil
	}
	if path == "" {
		return nil, &engine.Error{Name: "InternalError", Value: fmt.Sprintf("generation %d of the declarations came without its plugin", plan.Generation.N)}
	}
	gen, err := vm.LoadGeneration(path)
	if err != nil {
		return nil, &engine.Error{Name: "CompileError", Value: err.Error(),
			Traceback: []string{fmt.Sprintf("cell[%d]: %v", plan.Cell, err)}}
	}
	return gen, nil
}

// restore puts the image back as it was before a failed cell and says so,
// as lines for the traceback.
func (s *imageServer) restore(plan *frontend.Plan, target *yaegi.Interpreter, snap map[string]saved, interrupted bool) []string {
	var problems []string
	switch {
	case target != s.ip:
		// A rebuilt interpreter is dropped; the live one never ran the cell
		// but may share data with the dropped one.
	case plan.Decls != "" || interrupted:
		// The live interpreter holds declarations the image must not keep
		// (yaegi cannot remove them), or an interrupted body that yaegi
		// resumes at the interpreter's next evaluation (cancellation only
		// parks it): rebuild from the committed declarations, so that
		// whatever is left of the cell runs, if ever, in a dropped
		// interpreter.
		fresh, err := s.build(s.gen, s.decls)
		if err != nil {
			problems = append(problems, fmt.Sprintf("could not drop the cell's declarations: %v", err))
			break
		}
		problems = append(problems, transfer(s.ip, fresh, s.decls, s.vars, s.vars)...)
		s.ip = fresh
	}
	problems = append(problems, restoreSnapshot(s.ip, s.decls, s.vars, snap)...)
	if len(problems) > 0 {
		return append([]string{fmt.Sprintf("The image was restored to its state before cell[%d], except:", plan.Cell)}, problems...)
	}
	if len(snap) == 0 && plan.Decls == "" {
		return nil
	}
	return []string{fmt.Sprintf("The image was restored to its state before cell[%d].", plan.Cell)}
}

// callBody runs the running cell's body func under ctx.
func (s *imageServer) callBody(ctx context.Context, ip *yaegi.Interpreter, name string) (reflect.Value, error) {
	if r := s.current(); r != nil {
		r.inBody.Store(true)
		defer r.inBody.Store(false)
	}
	return call(ctx, ip, name)
}

// call runs a cell's body func under ctx.
func call(ctx context.Context, ip *yaegi.Interpreter, name string) (v reflect.Value, err error) {
	defer func() {
		if r := recover(); r != nil {
			err = yaegi.Panic{Value: r, Stack: debug.Stack()}
		}
	}()
	return ip.EvalWithContext(ctx, name+"()")
}

// evalSafe evaluates src (see vm.Eval).
func evalSafe(ip *yaegi.Interpreter, src string) error {
	_, err := vm.Eval(ip, src)
	return err
}

// isNil reports whether a cell's result is a nil interface.
func isNil(v reflect.Value) bool {
	for v.IsValid() && v.Kind() == reflect.Interface {
		if v.IsNil() {
			return true
		}
		v = v.Elem()
	}
	return !v.IsValid()
}

package mirror

import (
	"context"
	"errors"
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"io"
	"reflect"
	"regexp"
	"runtime"
	"strings"
	"sync"
	"time"

	yaegi "github.com/traefik/yaegi/interp"

	"github.com/dmirror/dmirror/interp/values"
	"github.com/dmirror/dmirror/interp/vm"
)

// Bounds of a post-mortem re-run: stepping costs about 6 µs per node, so a
// failing element that ran long is cut off and reported without frames.
const (
	postMortemTimeout = 3 * time.Second
	postMortemSteps   = 400_000
	stepperGrace      = time.Second // see recordLast
)

// debugFile names the wrapper code of a post-mortem program and of
// blocks that are not func literals, whose frames are not shown. Its base
// name is the cells' (_.go): yaegi keys a file's imports by base name, and
// the code after a wrapper (a chunk's loop, which names the captures'
// package types) is in this file too.
const debugFile = "__dmdebug/_.go"

var errTooLong = errors.New("the failing element ran too long to be re-run under the debugger")

// postMortem re-runs the failing block call in a fresh interpreter under
// yaegi's debugger, stepping into every node and keeping the last event, so
// that the frames and locals at the panic can be read. The block is
// compiled again inside the debugged program: func values made before a
// debug session crash the debugger.
func (e *engine) postMortem(ctx context.Context, m *runMsg, fail *callFailure) ([]Frame, error) {
	b := m.Blocks[fail.block]
	// The re-run's output and displays are not shown again.
	i, err := e.build(e.native, e.decls, io.Discard, io.Discard, nil)
	if err != nil {
		return nil, err
	}
	var known *values.Decoder
	dec := func() *values.Decoder {
		if known == nil {
			known = knownDecoder(i, e.decls)
		}
		return known
	}
	if err := setGlobals(i, dec, m.Globals, m.Ptrs); err != nil {
		return nil, err
	}
	capType := captureFuncType(b, i)
	caps, err := decodeCaptures(dec, b, capType, 0)
	if err != nil {
		return nil, err
	}
	src, args, err := debugProgram(b, inTypes(capType), fail.args)
	if err != nil {
		return nil, err
	}
	e.driverMu.Lock()
	e.dbgArgs = append(valuesToAny(caps), valuesToAny(args)...)
	e.driverMu.Unlock()
	if err := evalSafe(i, src); err != nil {
		return nil, fmt.Errorf("compile the post-mortem program: %w", err)
	}
	prog, err := i.Compile("__dmDebug()")
	if err != nil {
		return nil, fmt.Errorf("compile the post-mortem program: %w", err)
	}
	last, err := recordLast(ctx, i, prog)
	if err != nil {
		return nil, err
	}
	return framesOf(last, typeNames(i, e.decls)), nil
}

// captureFuncType is the type of a func taking the block's captures, as the
// fresh interpreter declares them.
func captureFuncType(b JobBlock, i *yaegi.Interpreter) reflect.Type {
	var sb strings.Builder
	sb.WriteString("(func(")
	for k, c := range b.Captures {
		if k > 0 {
			sb.WriteString(", ")
		}
		sb.WriteString(c.Type)
	}
	sb.WriteString(") {})")
	v, err := vm.Eval(i, sb.String())
	if err != nil || v.Kind() != reflect.Func {
		return reflect.FuncOf(nil, nil, false)
	}
	return v.Type()
}

func valuesToAny(vs []reflect.Value) []any {
	out := make([]any, len(vs))
	for k, v := range vs {
		if v.IsValid() && v.CanInterface() {
			out[k] = v.Interface()
		}
	}
	return out
}

// debugProgram declares __dmDebug, which binds the captures, evaluates the
// block and calls it with the failing arguments. capTypes are the types
// of the captures in the interpreter (see bindArg).
func debugProgram(b JobBlock, capTypes []reflect.Type, args []reflect.Value) (string, []reflect.Value, error) {
	params, err := paramTypes(b.Type)
	if err != nil {
		return "", nil, err
	}
	if len(params) != len(args) {
		return "", nil, fmt.Errorf("block type %s takes %d arguments, the failing call had %d", b.Type, len(params), len(args))
	}
	var sb strings.Builder
	sb.WriteString("//line " + debugFile + ":1\nfunc __dmDebug() {\n")
	for k, c := range b.Captures {
		var t reflect.Type
		if k < len(capTypes) {
			t = capTypes[k]
		}
		sb.WriteString(bindArg(c.Name, fmt.Sprintf("__dmw.DebugArg(%d)", k), c.Type, t))
		fmt.Fprintf(&sb, "\t_ = %s\n", c.Name)
	}
	fmt.Fprintf(&sb, "\t__dmBlock := (\n%s)\n//line %s:100\n", blockSource(b), debugFile)
	argSrc := make([]string, len(args))
	for k, p := range params {
		argSrc[k] = fmt.Sprintf("__dmArg%d", k)
		var t reflect.Type
		if args[k].IsValid() {
			t = args[k].Type()
		}
		sb.WriteString(bindArg(argSrc[k], fmt.Sprintf("__dmw.DebugArg(%d)", len(b.Captures)+k), p, t))
	}
	fmt.Fprintf(&sb, "\t__dmBlock(%s)\n}\n", strings.Join(argSrc, ", "))
	return sb.String(), args, nil
}

// paramTypes returns the source of the parameter types of a func type.
func paramTypes(typ string) ([]string, error) {
	expr, err := parser.ParseExpr(typ)
	if err != nil {
		return nil, fmt.Errorf("block type %q: %w", typ, err)
	}
	ft, ok := expr.(*ast.FuncType)
	if !ok {
		return nil, fmt.Errorf("block type %q is not a func type", typ)
	}
	var out []string
	for _, f := range ft.Params.List {
		src := typ[f.Type.Pos()-1 : f.Type.End()-1]
		n := len(f.Names)
		if n == 0 {
			n = 1
		}
		for k := 0; k < n; k++ {
			out = append(out, src)
		}
	}
	return out, nil
}

// resultTypes returns the source of the results of a func type.
func resultTypes(typ string) (string, error) {
	expr, err := parser.ParseExpr(typ)
	if err != nil {
		return "", fmt.Errorf("block type %q: %w", typ, err)
	}
	ft, ok := expr.(*ast.FuncType)
	if !ok {
		return "", fmt.Errorf("block type %q is not a func type", typ)
	}
	if ft.Results == nil {
		return "", nil
	}
	return typ[ft.Results.Pos()-1 : ft.Results.End()-1], nil
}

var posPattern = regexp.MustCompile(`^(\S+) line (\d+)`)

// lineDirective makes the block's source carry its position in the
// notebook, from a Pos such as "cell[4] line 2".
func lineDirective(pos string) string {
	m := posPattern.FindStringSubmatch(pos)
	if m == nil {
		return ""
	}
	return "//line " + m[1] + ":" + m[2] + "\n"
}

// recordLast runs prog under the debugger, stepping into every node, and
// returns the last event before the end: after a panic its frames still
// hold the values at the failure.
//
// A run cut short (too many steps, too long, or ctx done) is ended with
// Terminate from the event callback, between two steps, rather than by
// cancelling the debugger's context: yaegi's Step hands a step over on an
// unbuffered channel, and a cancelled program stops receiving, which would
// leave the stepping goroutine blocked for ever. Terminate closes that
// channel instead; a Step blocked on it panics, which the stepping
// goroutine recovers. Only a program blocked in compiled code, which makes
// no steps, is stopped by cancelling the context.
func recordLast(ctx context.Context, i *yaegi.Interpreter, prog *yaegi.Program) (*yaegi.DebugEvent, error) {
	dctx, cancel := context.WithCancel(context.WithoutCancel(ctx))
	defer cancel()
	deadline := time.Now().Add(postMortemTimeout)
	var (
		mu       sync.Mutex
		last     *yaegi.DebugEvent
		steps    int
		cutShort bool
		dbg      *yaegi.Debugger
		paused   = make(chan struct{}, 1) // the main goroutine waits for its next step
	)
	mu.Lock() // the callback runs once the first step is taken, after dbg is set
	dbg = i.Debug(dctx, prog, func(ev *yaegi.DebugEvent) {
		switch ev.Reason() {
		case yaegi.DebugTerminate, yaegi.DebugExitGoRoutine, yaegi.DebugEnterGoRoutine:
			return
		}
		mu.Lock()
		defer mu.Unlock()
		if cutShort {
			return
		}
		last = ev
		steps++
		if steps > postMortemSteps || ctx.Err() != nil || time.Now().After(deadline) {
			cutShort = true
			dbg.Terminate()
			return
		}
		if ev.GoRoutine() == 1 {
			select {
			case paused <- struct{}{}:
			default:
			}
		}
	}, &yaegi.DebugOptions{GoRoutineStartAt1: true})
	mu.Unlock()
	// Step blocks until the program takes the step, and cannot be called
	// from the event callback: a goroutine drives it, one step per event of
	// the main goroutine (which then waits for the step). Stepping whenever
	// Step does not say ErrRunning, as before, sent a second step in the
	// window in which yaegi has resumed the goroutine but not yet marked it
	// running; when that goroutine panicked next, nothing ever took that
	// step, and the stepper stayed blocked (a second per failed element,
	// and a goroutine and interpreter left behind).
	stepper := make(chan struct{})
	go func() {
		defer close(stepper)
		defer func() { _ = recover() }() // a Step blocked when Terminate closed its channel
		for {
			err := dbg.Step(1, yaegi.DebugStepInto)
			for err == yaegi.ErrRunning && dctx.Err() == nil {
				// The event came; the goroutine is about to wait.
				runtime.Gosched()
				err = dbg.Step(1, yaegi.DebugStepInto)
			}
			if err != nil {
				return
			}
			select {
			case <-paused:
			case <-dctx.Done():
				return
			}
		}
	}()
	// A program that makes no steps (blocked in compiled code) is stopped by
	// cancelling the debugger once the time is up; one that steps is ended
	// by the callback, also when ctx is done.
	timer := time.AfterFunc(postMortemTimeout, cancel)
	defer timer.Stop()
	_, runErr := dbg.Wait()
	cancel()
	dbg.Terminate() // releases a Step still handing over to the main goroutine
	select {
	case <-stepper:
	case <-time.After(stepperGrace):
		// The program was cancelled while blocked in compiled code just as
		// a step was handed over, and its goroutine has already exited:
		// nothing can release the Step, which stays blocked in this
		// discarded interpreter.
	}
	mu.Lock()
	defer mu.Unlock()
	switch {
	case cutShort && ctx.Err() != nil:
		return nil, ctx.Err()
	case cutShort || runErr == nil && time.Now().After(deadline):
		return nil, errTooLong
	case runErr == nil:
		return nil, errors.New("the element did not fail when re-run")
	case last == nil:
		return nil, errors.New("the debugger recorded no step")
	}
	return last, nil
}

// framesOf turns the event's frames into Frames, innermost first, without
// the post-mortem wrapper.
func framesOf(ev *yaegi.DebugEvent, names map[reflect.Type]string) []Frame {
	var out []Frame
	for _, df := range ev.Frames(0, ev.FrameDepth()) {
		name := df.Name()
		pos := df.Position()
		if name == "<init>" || strings.HasPrefix(name, "__dm") || pos.Filename == debugFile {
			continue
		}
		if name == "<anonymous>" {
			name = "func literal"
		}
		f := Frame{Func: name, Pos: formatPos(pos)}
		for _, sc := range df.Scopes() {
			for _, v := range sc.Variables() {
				if v.Name == "_" || strings.HasPrefix(v.Name, "__dm") || !v.Value.IsValid() {
					continue
				}
				f.Locals = append(f.Locals, Local{Name: v.Name, Type: typeString(v.Value.Type(), names), Value: printValue(v.Value)})
			}
		}
		out = append(out, f)
	}
	return out
}

func formatPos(p token.Position) string {
	if !p.IsValid() {
		return ""
	}
	s := fmt.Sprintf("line %d", p.Line)
	if p.Column > 0 {
		s += fmt.Sprintf(" col %d", p.Column)
	}
	// The session's files are named cell[N]/_.go (see the frontend): the
	// cell is what users know.
	if name := strings.TrimSuffix(p.Filename, "/_.go"); name != "" && name != "_.go" {
		s = name + " " + s
	}
	return s
}

// typeNames maps the session's interpreted struct types, which reflect
// shows without a name, to the names the session declared them with.
func typeNames(i *yaegi.Interpreter, decls []string) map[reflect.Type]string {
	names := map[reflect.Type]string{}
	fset := token.NewFileSet()
	for _, d := range decls {
		// A chunk is a file of its own or a list of declarations.
		f, err := parser.ParseFile(fset, "", d, parser.SkipObjectResolution)
		if err != nil {
			if f, err = parser.ParseFile(fset, "", "package main\n"+d, parser.SkipObjectResolution); err != nil {
				continue
			}
		}
		for _, decl := range f.Decls {
			gd, ok := decl.(*ast.GenDecl)
			if !ok || gd.Tok != token.TYPE {
				continue
			}
			for _, spec := range gd.Specs {
				ts := spec.(*ast.TypeSpec)
				if ts.TypeParams != nil {
					continue
				}
				v, err := vm.Eval(i, "(*"+ts.Name.Name+")(nil)")
				if err == nil && v.IsValid() && v.Kind() == reflect.Pointer {
					names[v.Type().Elem()] = ts.Name.Name
				}
			}
		}
	}
	return names
}

// typeString prints t with the session's type names.
func typeString(t reflect.Type, names map[reflect.Type]string) string {
	if n, ok := names[t]; ok {
		return n
	}
	switch t.Kind() {
	case reflect.Slice:
		return "[]" + typeString(t.Elem(), names)
	case reflect.Pointer:
		return "*" + typeString(t.Elem(), names)
	case reflect.Array:
		return fmt.Sprintf("[%d]%s", t.Len(), typeString(t.Elem(), names))
	case reflect.Map:
		return "map[" + typeString(t.Key(), names) + "]" + typeString(t.Elem(), names)
	}
	return t.String()
}

// maxPrinted bounds a printed value in a failure report.
const maxPrinted = 300

// printValue prints a value for a failure report.
func printValue(v reflect.Value) string {
	if !v.IsValid() {
		return "<nil>"
	}
	var s string
	if v.CanInterface() {
		x := v.Interface()
		if str, ok := x.(string); ok {
			s = fmt.Sprintf("%q", str)
		} else {
			s = fmt.Sprintf("%+v", x)
		}
	} else {
		s = v.String()
	}
	if len(s) > maxPrinted {
		s = s[:maxPrinted] + "…"
	}
	return s
}

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
)

// Bounds of a post-mortem re-run: stepping costs about 6 µs per node, so a
// failing element that ran long is cut off and reported without frames.
const (
	postMortemTimeout = 3 * time.Second
	postMortemSteps   = 400_000
)

// debugFile names the wrapper code of a post-mortem program, whose frames
// are not shown.
const debugFile = "__dmdebug"

var errTooLong = errors.New("the failing element ran too long to be re-run under the debugger")

// postMortem re-runs the failing block call in a fresh interpreter under
// yaegi's debugger, stepping into every node and keeping the last event, so
// that the frames and locals at the panic can be read. The block is
// compiled again inside the debugged program: func values made before a
// debug session crash the debugger.
func (e *engine) postMortem(ctx context.Context, m *runMsg, fail *callFailure) ([]Frame, error) {
	b := m.Blocks[fail.block]
	// The re-run's output and displays are not shown again.
	i, err := e.build(e.decls, io.Discard, io.Discard, nil)
	if err != nil {
		return nil, err
	}
	if err := setGlobals(i, m.Globals); err != nil {
		return nil, err
	}
	src, args, err := debugProgram(b, fail.args)
	if err != nil {
		return nil, err
	}
	caps, err := decodeCaptures(b, captureFuncType(b, i), 0)
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
	v, err := evalValue(i, sb.String())
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
// block and calls it with the failing arguments.
func debugProgram(b JobBlock, args []reflect.Value) (string, []reflect.Value, error) {
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
		fmt.Fprintf(&sb, "\t%s, _ := __dmw.DebugArg(%d).(%s)\n\t_ = %s\n", c.Name, k, c.Type, c.Name)
	}
	fmt.Fprintf(&sb, "\t__dmBlock := (\n%s)\n//line %s:100\n", blockSource(b), debugFile)
	argSrc := make([]string, len(args))
	for k, p := range params {
		fmt.Fprintf(&sb, "\t__dmArg%d, _ := __dmw.DebugArg(%d).(%s)\n", k, len(b.Captures)+k, p)
		argSrc[k] = fmt.Sprintf("__dmArg%d", k)
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
func recordLast(ctx context.Context, i *yaegi.Interpreter, prog *yaegi.Program) (*yaegi.DebugEvent, error) {
	ctx, cancel := context.WithTimeout(ctx, postMortemTimeout)
	defer cancel()
	var mu sync.Mutex
	var last *yaegi.DebugEvent
	steps := 0
	dbg := i.Debug(ctx, prog, func(ev *yaegi.DebugEvent) {
		mu.Lock()
		defer mu.Unlock()
		switch ev.Reason() {
		case yaegi.DebugTerminate, yaegi.DebugExitGoRoutine, yaegi.DebugEnterGoRoutine:
			return
		}
		last = ev
		steps++
		if steps > postMortemSteps {
			cancel()
		}
	}, &yaegi.DebugOptions{GoRoutineStartAt1: true})
	// Step blocks until the program takes the step, and cannot be called
	// from the event callback: a separate goroutine drives it. It ends when
	// the main goroutine of the program is gone; if the run is cut off
	// between a step's check and its hand-over, yaegi's debugger offers no
	// way to wake it, and it stays parked in this discarded interpreter.
	go func() {
		for {
			err := dbg.Step(1, yaegi.DebugStepInto)
			if err == yaegi.ErrNotLive || ctx.Err() != nil {
				return
			}
			if err == yaegi.ErrRunning {
				runtime.Gosched()
			}
		}
	}()
	_, runErr := dbg.Wait()
	mu.Lock()
	defer mu.Unlock()
	if steps > postMortemSteps || errors.Is(ctx.Err(), context.DeadlineExceeded) && runErr == nil {
		return nil, errTooLong
	}
	if runErr == nil {
		return nil, errors.New("the element did not fail when re-run")
	}
	if last == nil {
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
				v, err := evalValue(i, "(*"+ts.Name.Name+")(nil)")
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

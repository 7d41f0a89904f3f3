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
	"strings"
	"sync"
	"time"

	yaegi "github.com/traefik/yaegi/interp"

	"github.com/dmirror/dmirror/display"
	"github.com/dmirror/dmirror/interp/modules"
	"github.com/dmirror/dmirror/interp/vm"
)

// driverPath is the binary package through which a mirror runs a chunk
// inside EvalWithContext (so that cancelling stops interpreted code the way
// yaegi supports) and passes values to a post-mortem program.
const driverPath = "dmirror/mirrordriver"

// engine is a mirror's interpreter and what it has replayed. It runs one
// chunk at a time.
type engine struct {
	stdout, stderr io.Writer

	i      *yaegi.Interpreter
	gen    int
	decls  []string
	blocks map[string]reflect.Value // block factories by source, for this interpreter
	src    *modules.Source          // sources of the session's modules

	driverMu sync.Mutex
	chunk    func()    // what RunChunk runs now
	dbgArgs  []any     // what DebugArg returns now
	progress func(int) // reports elements done
}

func newEngine(stdout, stderr io.Writer) *engine {
	return &engine{stdout: stdout, stderr: stderr, gen: -1, src: modules.NewSource(nil)}
}

// build returns a fresh interpreter with the prelude, the driver package and
// decls replayed.
func (e *engine) build(decls []string, stdout, stderr io.Writer) (*yaegi.Interpreter, error) {
	driver := yaegi.Exports{driverPath + "/mirrordriver": {
		"RunChunk": reflect.ValueOf(func() {
			e.driverMu.Lock()
			f := e.chunk
			e.driverMu.Unlock()
			f()
		}),
		"DebugArg": reflect.ValueOf(func(k int) any {
			e.driverMu.Lock()
			defer e.driverMu.Unlock()
			return e.dbgArgs[k]
		}),
	}}
	i, err := vm.New(vm.Config{
		Stdout: stdout,
		Stderr: stderr,
		// Displays made by a block in a mirror are not shown.
		Exports: []yaegi.Exports{WorkerExports(), display.Exports(nil), driver},
		GoPath:  modules.GoPath,
		// Declarations may import module packages; their sources come from
		// the module cache, as in the image process.
		SourceFS: e.src.FS(),
	})
	if err != nil {
		return nil, err
	}
	if err := evalSafe(i, `import __dmw "`+driverPath+`"`); err != nil {
		return nil, fmt.Errorf("import driver: %w", err)
	}
	for k, d := range decls {
		if err := replay(i, d); err != nil {
			return nil, fmt.Errorf("replay declarations %d: %w", k+1, err)
		}
	}
	return i, nil
}

// replay evaluates a declaration chunk. A chunk that is a file (package
// main) keeps its imports to itself, so they are imported again at the
// top level, where the blocks and post-mortem programs are evaluated.
func replay(i *yaegi.Interpreter, chunk string) error {
	if err := evalSafe(i, chunk); err != nil {
		return err
	}
	f, err := parser.ParseFile(token.NewFileSet(), "", chunk, parser.ImportsOnly)
	if err != nil || f.Name == nil {
		return nil
	}
	for _, spec := range f.Imports {
		src := "import " + spec.Path.Value
		if spec.Name != nil {
			src = "import " + spec.Name.Name + " " + spec.Path.Value
		}
		// A name imported twice (another cell's import of it) is no error:
		// the first import stands.
		_ = evalSafe(i, src)
	}
	return nil
}

// sync brings the interpreter to the declaration state of m.
func (e *engine) sync(m *runMsg) error {
	e.src.Update(m.Modules)
	if m.Rebuild || e.i == nil || e.gen != m.Generation {
		if !m.Rebuild {
			return fmt.Errorf("mirror at generation %d got a delta for generation %d", e.gen, m.Generation)
		}
		e.i, e.gen, e.decls, e.blocks = nil, -1, nil, nil
		i, err := e.build(m.Decls, e.stdout, e.stderr)
		if err != nil {
			return err
		}
		e.i, e.gen, e.decls = i, m.Generation, append([]string(nil), m.Decls...)
		e.blocks = map[string]reflect.Value{}
		return nil
	}
	if m.Base != len(e.decls) {
		e.gen = -1
		return fmt.Errorf("mirror has %d declaration chunks, got a delta from %d", len(e.decls), m.Base)
	}
	for k, d := range m.Decls {
		if err := replay(e.i, d); err != nil {
			e.gen = -1 // half-replayed: rebuild next time
			return fmt.Errorf("replay declarations %d: %w", m.Base+k+1, err)
		}
		e.decls = append(e.decls, d)
	}
	return nil
}

// setGlobals gives the interpreter's package variables the shipped values.
func setGlobals(i *yaegi.Interpreter, globals map[string][]byte) error {
	if len(globals) == 0 {
		return nil
	}
	live := i.Globals()
	for name, data := range globals {
		g, ok := live[name]
		if !ok || !g.CanSet() {
			return fmt.Errorf("global %s is not declared in the mirror", name)
		}
		v, err := decodeValue(data, g.Type())
		if err != nil {
			return fmt.Errorf("global %s: %w", name, err)
		}
		g.Set(v)
	}
	return nil
}

// factorySource is a func that takes the block's captures and returns the
// block.
func factorySource(b JobBlock) string {
	var sb strings.Builder
	sb.WriteString("(func(")
	for k, c := range b.Captures {
		if k > 0 {
			sb.WriteString(", ")
		}
		fmt.Fprintf(&sb, "%s %s", c.Name, c.Type)
	}
	// The block is bound to a variable first: yaegi mistypes a func literal
	// returned in parentheses.
	fmt.Fprintf(&sb, ") %s {\n\t__dmBlock := (\n%s)\n\treturn __dmBlock\n})", b.Type, blockSource(b))
	return sb.String()
}

// blockSource is the block as a func literal carrying its notebook
// position. A block given by name (a func, a method value) is wrapped in a
// literal that calls it: yaegi cannot hand a declared func out of a closure
// as a value.
func blockSource(b JobBlock) string {
	if e, err := parser.ParseExpr(b.Expr); err == nil {
		if _, ok := e.(*ast.FuncLit); ok {
			return lineDirective(b.Pos) + b.Expr
		}
	}
	params, err := paramTypes(b.Type)
	results := ""
	if err == nil {
		results, err = resultTypes(b.Type)
	}
	if err != nil {
		return lineDirective(b.Pos) + b.Expr // the factory's compile error will say why
	}
	decl := make([]string, len(params))
	use := make([]string, len(params))
	for k, p := range params {
		decl[k] = fmt.Sprintf("__dmA%d %s", k, p)
		use[k] = fmt.Sprintf("__dmA%d", k)
	}
	// Bound to a variable first: yaegi fails on a parenthesised func name
	// called from a closure.
	return fmt.Sprintf("func(%s) %s {\n\t__dmF :=\n%s%s\n\treturn __dmF(%s)\n}", strings.Join(decl, ", "), results, lineDirective(b.Pos), b.Expr, strings.Join(use, ", "))
}

// block evaluates the block's factory (once per interpreter) and calls it
// with the decoded captures.
func (e *engine) block(b JobBlock) (reflect.Value, error) {
	src := factorySource(b)
	f, ok := e.blocks[src]
	if !ok {
		v, err := evalValue(e.i, src)
		if err != nil {
			return reflect.Value{}, fmt.Errorf("block at %s: %w", b.Pos, err)
		}
		if v.Kind() != reflect.Func {
			return reflect.Value{}, fmt.Errorf("block at %s: not a func but %s", b.Pos, v.Type())
		}
		f, e.blocks[src] = v, v
	}
	caps, err := decodeCaptures(b, f.Type())
	if err != nil {
		return reflect.Value{}, err
	}
	block, fail := callBlock(0, f, caps...)
	if fail != nil {
		return reflect.Value{}, fmt.Errorf("block at %s: %s", b.Pos, panicMessage(fail.value))
	}
	return block, nil
}

func decodeCaptures(b JobBlock, factory reflect.Type) ([]reflect.Value, error) {
	caps := make([]reflect.Value, len(b.Captures))
	for k, c := range b.Captures {
		v, err := decodeValue(c.Value, factory.In(k))
		if err != nil {
			return nil, fmt.Errorf("captured variable %s: %w", c.Name, err)
		}
		caps[k] = v
	}
	return caps, nil
}

// runChunk runs one chunk. ctx cancels it (interrupt, timeout, or the answer
// is known elsewhere).
func (e *engine) runChunk(ctx context.Context, m *runMsg, progress func(done int)) resultMsg {
	res := e.runChunkState(ctx, m, progress)
	res.Generation, res.Seen = e.gen, len(e.decls)
	if e.gen < 0 {
		res.Seen = -1
	}
	return res
}

func (e *engine) runChunkState(ctx context.Context, m *runMsg, progress func(done int)) resultMsg {
	setupFailure := func(err error) resultMsg {
		return resultMsg{Failure: &Failure{Mirror: m.Mirror, Index: -1, Kind: KindError, Message: err.Error()}}
	}
	info, err := lookupOp(m.Op)
	if err != nil {
		return setupFailure(err)
	}
	if len(m.Blocks) != info.blocks {
		return setupFailure(fmt.Errorf("%s needs %d blocks, got %d", m.Op, info.blocks, len(m.Blocks)))
	}
	if err := e.sync(m); err != nil {
		return setupFailure(err)
	}
	if err := setGlobals(e.i, m.Globals); err != nil {
		return setupFailure(err)
	}
	blocks := make([]reflect.Value, len(m.Blocks))
	for k, b := range m.Blocks {
		if blocks[k], err = e.block(b); err != nil {
			return setupFailure(err)
		}
	}
	xs := make([]reflect.Value, len(m.Elements))
	for k, data := range m.Elements {
		if xs[k], err = decodeValue(data, blocks[0].Type().In(0)); err != nil {
			return setupFailure(fmt.Errorf("element %d: %w", m.Offset+k, err))
		}
	}
	return e.drive(ctx, m, info, blocks, xs, progress)
}

// drive applies the blocks to the elements inside EvalWithContext, so that
// cancelling ctx stops the interpreted code between and within elements.
func (e *engine) drive(ctx context.Context, m *runMsg, info opInfo, blocks []reflect.Value, xs []reflect.Value, progress func(int)) resultMsg {
	res := resultMsg{Outputs: make([][]byte, len(xs)), Flags: make([]bool, len(xs))}
	var fail *callFailure
	var fatal error
	done := make(chan struct{})
	e.driverMu.Lock()
	e.chunk = func() {
		defer close(done)
		last := time.Now()
		for k, x := range xs {
			if ctx.Err() != nil {
				res.Stopped = true
				return
			}
			s, f := applyElement(m.Op, info, blocks, x, m.Offset+k)
			if ctx.Err() != nil { // a cancelled block returns zero values
				res.Stopped = true
				return
			}
			if f != nil {
				fail = f
				failAt := k
				res.Failure = &Failure{Index: m.Offset + failAt, Element: printValue(x)}
				return
			}
			res.Flags[k] = s.keep
			if s.keep && s.out.IsValid() && hasOutput(m.Op) {
				data, err := encodeValue(s.out)
				if err != nil {
					fatal = fmt.Errorf("result of element %d: %w", m.Offset+k, err)
					return
				}
				res.Outputs[k] = data
			}
			if info.deciding && s.decided {
				res.Decided = true
				return
			}
			if time.Since(last) > 100*time.Millisecond {
				progress(k + 1)
				last = time.Now()
			}
		}
	}
	e.driverMu.Unlock()
	_, err := e.i.EvalWithContext(ctx, "__dmw.RunChunk()")
	<-done // the chunk loop checks ctx, so it ends soon after a cancel
	switch {
	case fatal != nil:
		return resultMsg{Failure: &Failure{Mirror: m.Mirror, Index: -1, Kind: KindError, Message: fatal.Error()}}
	case fail != nil:
		res.Failure = e.failure(ctx, m, blocks, fail, res.Failure)
		res.Outputs, res.Flags = nil, nil
		return res
	case res.Stopped || errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded):
		res.Stopped = true
		return res
	case err != nil:
		return resultMsg{Failure: &Failure{Mirror: m.Mirror, Index: -1, Kind: KindError, Message: err.Error()}}
	}
	return res
}

// failure describes a failed element, with the interpreted frames and
// locals recovered by re-running it under the debugger.
func (e *engine) failure(ctx context.Context, m *runMsg, blocks []reflect.Value, fail *callFailure, f *Failure) *Failure {
	f.Mirror = m.Mirror
	f.Kind = KindPanic
	f.Message = panicMessage(fail.value)
	frames, err := e.postMortem(ctx, m, fail)
	if err != nil {
		f.Frames = []Frame{{Func: "(frames unavailable: " + err.Error() + ")", Pos: m.Blocks[fail.block].Pos}}
		return f
	}
	f.Frames = frames
	return f
}

func panicMessage(v any) string {
	switch x := v.(type) {
	case error:
		return x.Error()
	case reflect.Value:
		if x.IsValid() && x.CanInterface() {
			return fmt.Sprint(x.Interface())
		}
	}
	return fmt.Sprint(v)
}

// evalSafe evaluates src, turning a panic that escapes yaegi into an error.
func evalSafe(i *yaegi.Interpreter, src string) error {
	_, err := evalValue(i, src)
	return err
}

func evalValue(i *yaegi.Interpreter, src string) (v reflect.Value, err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("interpreter panic: %v", r)
		}
	}()
	return i.Eval(src)
}

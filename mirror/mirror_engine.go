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
	"strings"
	"sync"

	yaegi "github.com/traefik/yaegi/interp"

	"github.com/dmirror/dmirror/display"
	"github.com/dmirror/dmirror/interp/modules"
	"github.com/dmirror/dmirror/interp/values"
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
	displays       display.Publisher // where blocks' displays go; nil drops them

	i      *yaegi.Interpreter
	native *vm.Generation // the compiled declarations i imports
	gen    int
	decls  []string
	loops  map[string]loopFunc // chunk funcs by loopKey, for this interpreter
	nLoops int                 // chunk funcs declared so far, to name them
	src    *modules.Source     // sources of the session's modules

	driverMu sync.Mutex
	args     []any                                    // what Args returns now
	result   func(bool)                               // what Result calls now
	dbgArgs  []any                                    // what DebugArg returns now
	tick     func(st []int, done int) (next, end int) // what Tick calls now
	started  func()                                   // what Args calls now
	serial   int                                      // of the running chunk: Args is called with it

	gcCycles func() uint64 // the collector's cycles so far (vm.GCCycles; tests fake it)

	dec   *values.Decoder    // see decoder
	decI  *yaegi.Interpreter // the interpreter dec was made for
	decN  int                // and its number of declaration chunks
	known []reflect.Type     // the types dec knows, in the order found
	seen  map[reflect.Type]bool
}

func newEngine(stdout, stderr io.Writer, displays display.Publisher) *engine {
	return &engine{stdout: stdout, stderr: stderr, displays: displays, gen: -1, src: modules.NewSource(nil), gcCycles: vm.GCCycles}
}

// build returns a fresh interpreter with the prelude, the driver package and
// decls replayed.
func (e *engine) build(native *vm.Generation, decls []string, stdout, stderr io.Writer, displays display.Publisher) (*yaegi.Interpreter, error) {
	driver := yaegi.Exports{driverPath + "/mirrordriver": {
		"Args": reflect.ValueOf(func(serial int) []any {
			e.driverMu.Lock()
			defer e.driverMu.Unlock()
			if serial != e.serial {
				// A chunk cancelled before yaegi started its goroutine,
				// which yaegi then runs as current: it gets no arguments
				// and panics out before its first element.
				return nil
			}
			if e.started != nil {
				e.started() // first thing on the chunk's goroutine
			}
			return e.args
		}),
		"Result": reflect.ValueOf(func(decided bool) {
			e.driverMu.Lock()
			f := e.result
			e.driverMu.Unlock()
			f(decided)
		}),
		"Tick": reflect.ValueOf(func(st []int, done int) (next, end int) {
			e.driverMu.Lock()
			f := e.tick
			e.driverMu.Unlock()
			if f == nil {
				return stopLoop()
			}
			return f(st, done)
		}),
		"DebugArg": reflect.ValueOf(func(k int) any {
			e.driverMu.Lock()
			defer e.driverMu.Unlock()
			return e.dbgArgs[k]
		}),
	}}
	i, err := vm.New(vm.Config{
		Stdout:  stdout,
		Stderr:  stderr,
		Exports: []yaegi.Exports{WorkerExports(), display.Exports(displays), driver},
		GoPath:  modules.GoPath,
		// Declarations may import module packages; their sources come from
		// the module cache, as in the image process.
		SourceFS:   e.src.FS(),
		Generation: native,
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
	if m.Rebuild || e.i == nil || e.gen < 0 {
		if !m.Rebuild {
			return errors.New("mirror without declarations got a delta")
		}
		e.i, e.gen, e.decls, e.loops, e.native = nil, -1, nil, nil, nil
		var native *vm.Generation
		if m.Gen != "" {
			if err := genOnNode(m.Gen); err != nil {
				return err
			}
			var err error
			if native, err = vm.LoadGeneration(m.Gen); err != nil {
				return err
			}
		}
		i, err := e.build(native, m.Decls, e.stdout, e.stderr, e.displays)
		if err != nil {
			return err
		}
		e.i, e.gen, e.decls, e.native = i, m.Generation, append([]string(nil), m.Decls...), native
		e.loops = map[string]loopFunc{}
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

// decoder returns the decoder for values sent to the engine's interpreter:
// it knows the declared types, so that recursive session types held in
// interfaces decode. The types are looked up once per declaration chunk,
// and the decoder made again only when chunks were added.
func (e *engine) decoder() *values.Decoder {
	if e.decI != e.i || e.decN > len(e.decls) {
		e.dec, e.decI, e.decN, e.known, e.seen = nil, e.i, 0, nil, map[reflect.Type]bool{}
	}
	if e.dec == nil || e.decN != len(e.decls) {
		// KnownTypes gives the globals' types too, each time: kept once.
		for _, t := range values.KnownTypes(e.i, values.TypeNames(e.decls[e.decN:]...)...) {
			if !e.seen[t] {
				e.seen[t] = true
				e.known = append(e.known, t)
			}
		}
		e.dec, e.decN = values.NewDecoder(e.known...), len(e.decls)
	}
	return e.dec
}

// knownDecoder returns a decoder that knows the types of i's globals and
// the types that decls declare.
func knownDecoder(i *yaegi.Interpreter, decls []string) *values.Decoder {
	return values.NewDecoder(values.KnownTypes(i, values.TypeNames(decls...)...)...)
}

// setGlobals gives the interpreter's package variables the shipped values;
// those that live in its compiled declarations are set through their
// pointers (ptrs).
func setGlobals(i *yaegi.Interpreter, dec func() *values.Decoder, globals map[string][]byte, ptrs map[string]string) error {
	if len(globals) == 0 {
		return nil
	}
	live := i.Globals()
	for name, data := range globals {
		g, ok := live[name]
		if key, compiled := ptrs[name]; compiled {
			g, ok = vm.GenerationOf(i).Var(key)
		}
		if !ok || !g.CanSet() {
			return fmt.Errorf("global %s is not declared in the mirror", name)
		}
		v, err := decodeValue(dec, data, g.Type())
		if err != nil {
			return fmt.Errorf("global %s: %w", name, err)
		}
		g.Set(v)
	}
	return nil
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
	// called from a closure. The call is placed in the post-mortem's own
	// file, so that the wrapper's frame is not shown.
	return fmt.Sprintf("func(%s) %s {\n\t__dmF :=\n%s%s\n//line %s:1\n\treturn __dmF(%s)\n}", strings.Join(decl, ", "), results, lineDirective(b.Pos), b.Expr, debugFile, strings.Join(use, ", "))
}

// failure describes a failed element, with the interpreted frames and
// locals recovered by re-running it under the debugger.
func (e *engine) failure(ctx context.Context, m *runMsg, a *chunkArgs, value any) *Failure {
	f := &Failure{Mirror: m.Mirror, Index: -1, Kind: KindPanic, Message: panicMessage(value)}
	fail, x, err := failedCall(m.Op, m.Blocks, a, value)
	if err != nil {
		f.Frames = []Frame{{Func: "(frames unavailable: " + err.Error() + ")", Pos: m.Blocks[0].Pos}}
		return f
	}
	f.Index, f.Element = m.Offset+a.state[0], printValue(x)
	frames, err := e.postMortem(ctx, m, fail)
	if err != nil {
		f.Frames = []Frame{{Func: "(frames unavailable: " + err.Error() + ")", Pos: m.Blocks[fail.block].Pos}}
		return f
	}
	f.Frames = frames
	return f
}

// generatedPos is the position yaegi puts before a runtime error in code
// without a file name: in a mirror, the generated chunk func into which a
// block is inlined, which means nothing to the user (the report's frames
// say where the block failed).
var generatedPos = regexp.MustCompile(`^\d+:\d+: `)

func panicMessage(v any) string {
	switch x := v.(type) {
	case error:
		if t := reflect.TypeOf(x); t.Kind() == reflect.Pointer && isInterpWrapper(t.Elem()) {
			return generatedPos.ReplaceAllString(x.Error(), "")
		}
		return x.Error()
	case reflect.Value:
		if x.IsValid() && x.CanInterface() {
			return fmt.Sprint(x.Interface())
		}
	}
	return fmt.Sprint(v)
}

// evalSafe evaluates src (see vm.Eval).
func evalSafe(i *yaegi.Interpreter, src string) error {
	_, err := vm.Eval(i, src)
	return err
}

package mirror

import (
	"bytes"
	"context"
	"reflect"
	"strings"
	"sync"
	"testing"

	yaegi "github.com/traefik/yaegi/interp"

	"github.com/dmirror/dmirror/interp/frontend"
	"github.com/dmirror/dmirror/interp/values"
	"github.com/dmirror/dmirror/interp/vm"
)

// session is an image-process interpreter whose Parallel calls run through
// a fake Run hook: a mirror engine in this process, with the whole workload
// as one chunk. It tests the image-side runtime and the mirror engine
// without processes.
type session struct {
	t      *testing.T
	i      *yaegi.Interpreter
	decls  []string
	blocks map[int]frontend.Block
	out    bytes.Buffer

	dec *values.Decoder // the image's decoder, made by decl

	mu   sync.Mutex
	jobs []*Job
	eng  *engine
	gen  int
}

func newSession(t *testing.T) *session {
	t.Helper()
	s := &session{t: t, blocks: map[int]frontend.Block{}}
	var mout bytes.Buffer
	s.eng = newEngine(&mout, &mout, nil)
	i, err := vm.New(vm.Config{Stdout: &s.out, Stderr: &s.out, Exports: []yaegi.Exports{ImageExports(ImageHooks{
		Run:   s.run,
		Block: func(id int) (frontend.Block, bool) { b, ok := s.blocks[id]; return b, ok },
		Global: func(name string) (reflect.Value, bool) {
			v, ok := s.i.Globals()[name]
			return v, ok
		},
		Context: context.Background,
		Decoder: func() *values.Decoder { return s.dec },
	})}})
	if err != nil {
		t.Fatal(err)
	}
	s.i = i
	return s
}

// decl evaluates declarations in the image and records them for mirrors.
func (s *session) decl(src string) {
	s.t.Helper()
	if _, err := s.i.Eval(src); err != nil {
		s.t.Fatalf("decl %q: %v", src, err)
	}
	s.decls = append(s.decls, src)
	s.dec = knownDecoder(s.i, s.decls)
}

func (s *session) eval(src string) (reflect.Value, error) {
	return vm.Eval(s.i, src)
}

func (s *session) run(ctx context.Context, job *Job) (*Outcome, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.jobs = append(s.jobs, job)
	out := &Outcome{Mirrors: 1}
	for _, ch := range job.Chunks {
		m := &runMsg{Generation: 1, Rebuild: s.eng.gen != 1, Base: len(s.eng.decls), Op: job.Op, Blocks: job.Blocks,
			Globals: job.Globals, Data: ch.Data, Offset: ch.Lo, Mirror: 1}
		if m.Rebuild {
			m.Base = 0
		}
		m.Decls = s.decls[m.Base:]
		res := s.eng.runChunk(ctx, m, chunkHooks{})
		if res.Failure != nil {
			out.Failures = append(out.Failures, *res.Failure)
			continue
		}
		out.Chunks = append(out.Chunks, ChunkOutcome{Lo: ch.Lo, Hi: ch.Hi, Outputs: res.Outputs, Flags: res.Flags})
		if res.Decided {
			out.Decided = true
			break
		}
	}
	return out, nil
}

func TestInProcessCollect(t *testing.T) {
	s := newSession(t)
	s.decl(`type Point struct { X, Y int; Tags []string }`)
	s.decl(`func scale(p Point, k int) Point { return Point{X: p.X * k, Y: p.Y * k, Tags: append(p.Tags, "s")} }`)
	s.decl(`var factor int`)
	if _, err := s.eval(`factor = 3`); err != nil {
		t.Fatal(err)
	}
	s.blocks[1] = frontend.Block{ID: 1, Expr: "func(p Point) Point { return scale(p, factor+k) }", Type: "func(Point) Point",
		Captures: []frontend.Var{{Name: "k", Type: "int"}}, Globals: []string{"factor"}, Pos: "cell[5] line 1"}
	s.decl(`var got []Point`)
	if _, err := s.eval(`func() { k := 1; got = ParallelCollect[Point, Point]([]Point{{X: 1, Y: 2}, {X: 3}}, func(p Point) Point { return scale(p, factor+k) }, __dmBlock(1, k)) }()`); err != nil {
		t.Fatal(err)
	}
	got := s.i.Globals()["got"].Interface()
	want, _ := s.eval(`[]Point{{X: 4, Y: 8, Tags: []string{"s"}}, {X: 12, Tags: []string{"s"}}}`)
	if !reflect.DeepEqual(got, want.Interface()) {
		t.Fatalf("got %+v, want %+v", got, want)
	}
}

func TestInProcessFailureFrames(t *testing.T) {
	if raceEnabled {
		t.Skip("yaegi's debugger races on its own step state; TestPoolFailureFramesAndLocals covers this in a mirror process")
	}
	s := newSession(t)
	s.decl("\n//line cell[1]:1\nfunc ratio(a, b int) int {\n\tq := a * 2\n\treturn q / b\n}")
	s.blocks[1] = frontend.Block{ID: 1, Expr: "func(x int) int {\n\ty := x + 1\n\treturn ratio(y, x-2)\n}", Type: "func(int) int", Pos: "cell[2] line 1"}
	_, err := s.eval(`ParallelCollect[int, int]([]int{1, 2, 3}, func(x int) int { y := x + 1; return ratio(y, x-2) }, __dmBlock(1))`)
	if err == nil {
		t.Fatal("no error")
	}
	p, ok := err.(yaegi.Panic)
	if !ok {
		t.Fatalf("error %T %v, want a yaegi.Panic", err, err)
	}
	me, ok := p.Value.(*Error)
	if !ok {
		t.Fatalf("panic value %T %v, want *Error", p.Value, p.Value)
	}
	t.Log(me.Error())
	t.Log(RenderFailures(me.Failures)["text/plain"])
	f := me.Failures[0]
	if f.Index != 1 || f.Element != "2" || len(f.Frames) < 2 {
		t.Fatalf("failure %+v", f)
	}
	if f.Frames[0].Func != "ratio" || f.Frames[0].Pos != "cell[1] line 3" {
		t.Fatalf("innermost frame %+v", f.Frames[0])
	}
}

func TestUncopyableFailsBeforeAnyMirror(t *testing.T) {
	s := newSession(t)
	s.decl(`var jobs chan int`)
	s.decl(`var n int`)
	if _, err := s.eval(`jobs = make(chan int)`); err != nil {
		t.Fatal(err)
	}
	s.blocks[1] = frontend.Block{ID: 1, Expr: "func(x int) int { return x + len(jobs) }", Type: "func(int) int", Globals: []string{"jobs", "n"}, Pos: "cell[3] line 1"}
	s.blocks[2] = frontend.Block{ID: 2, Expr: "func(x int) int { return f(x) }", Type: "func(int) int",
		Captures: []frontend.Var{{Name: "f", Type: "func(int) int"}}, Pos: "cell[4] line 1"}
	for _, tc := range []struct{ src, want string }{
		{`ParallelCollect[int, int]([]int{1}, func(x int) int { return x + len(jobs) }, __dmBlock(1))`,
			"global variable jobs (chan int) cannot be sent to a mirror"},
		{`func() { f := func(x int) int { return x }; ParallelCollect[int, int]([]int{1}, func(x int) int { return f(x) }, __dmBlock(2, f)) }()`,
			"variable f (func(int) int) captured by the block at cell[4] line 1 cannot be sent to a mirror"},
	} {
		_, err := s.eval(tc.src)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Fatalf("error %v, want one saying %q", err, tc.want)
		}
	}
	if len(s.jobs) != 0 {
		t.Fatalf("%d jobs reached the mirrors, want none", len(s.jobs))
	}
}

func TestSessionStructTypesBothWays(t *testing.T) {
	s := newSession(t)
	s.decl(`import "time"`)
	s.decl(`type Part struct { ID int; Weight float64 }`)
	s.decl(`type Item struct { Name string; Tags map[string]int; When time.Time; Next *Item; Parts []Part }`)
	s.decl(`var items []Item`)
	s.decl(`var heavy []Item`)
	if _, err := s.eval(`items = []Item{{Name: "a", Tags: map[string]int{"x": 1}, When: time.Unix(100, 0).UTC(), Next: &Item{Name: "b"}, Parts: []Part{{1, 2.5}, {2, 9}}}, {Name: "c", Parts: []Part{{3, 1}}}}`); err != nil {
		t.Fatal(err)
	}
	s.blocks[1] = frontend.Block{ID: 1, Expr: "func(it Item) bool { w := 0.0; for _, p := range it.Parts { w += p.Weight }; return w > 5 }", Type: "func(Item) bool", Pos: "cell[6] line 1"}
	if _, err := s.eval(`heavy = ParallelSelect[Item](items, func(it Item) bool { w := 0.0; for _, p := range it.Parts { w += p.Weight }; return w > 5 }, __dmBlock(1))`); err != nil {
		t.Fatal(err)
	}
	g := s.i.Globals()
	if got, want := g["heavy"].Interface(), g["items"].Slice(0, 1).Interface(); !reflect.DeepEqual(got, want) {
		t.Fatalf("got %+v, want %+v", got, want)
	}
	s.blocks[2] = frontend.Block{ID: 2, Expr: "func(it Item) Item { it.Name += \"!\"; it.Tags = map[string]int{\"n\": len(it.Parts)}; return it }", Type: "func(Item) Item", Pos: "cell[7] line 1"}
	if _, err := s.eval(`heavy = ParallelCollect[Item, Item](items, func(it Item) Item { it.Name += "!"; it.Tags = map[string]int{"n": len(it.Parts)}; return it }, __dmBlock(2))`); err != nil {
		t.Fatal(err)
	}
	v, err := s.eval(`heavy[0].Name == "a!" && heavy[0].Next.Name == "b" && heavy[0].When.Equal(time.Unix(100, 0)) && heavy[0].Tags["n"] == 2 && heavy[1].Parts[0].Weight == 1`)
	if err != nil || !v.Bool() {
		t.Fatalf("round trip of Item: %v %v (%+v)", v, err, g["heavy"])
	}
}

// TestRecursiveTypeInInterfaceResults: results of type any holding pointers
// to a recursive session type decode in the image with the image's
// decoder, which knows its declared types.
func TestRecursiveTypeInInterfaceResults(t *testing.T) {
	s := newSession(t)
	s.decl(`type Node struct { V int; Next *Node }`)
	s.decl(`var got []any`)
	s.blocks[1] = frontend.Block{ID: 1, Expr: "func(x int) any { return &Node{V: x, Next: &Node{V: x + 1}} }", Type: "func(int) any", Pos: "cell[3] line 1"}
	if _, err := s.eval(`got = ParallelCollect[int, any]([]int{1, 2}, func(x int) any { return &Node{V: x, Next: &Node{V: x + 1}} }, __dmBlock(1))`); err != nil {
		t.Fatal(err)
	}
	v, err := s.eval(`len(got) == 2 && got[0].(*Node).V == 1 && got[1].(*Node).Next.V == 3`)
	if err != nil || !v.Bool() {
		t.Fatalf("results %v: %v %v", s.i.Globals()["got"], v, err)
	}
}

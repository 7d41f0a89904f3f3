package mirror

import (
	"bytes"
	"context"
	"fmt"
	"reflect"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"
)

func TestInlinable(t *testing.T) {
	k := []Capture{{Name: "k", Type: "int"}}
	for _, tc := range []struct {
		expr string
		caps []Capture
		want bool
	}{
		{"func(x int) int { return x * 10 }", nil, true},
		{"func(x int) int { if x > k { return x }; for i := 0; i < 3; i++ { if i == x { return i } }; return -x }", k, true},
		{"func(x int) int { f := func() int { return x }; return f() }", nil, true},
		{"fib", nil, false},
		{"func(x int) (r int) { r = x; return }", nil, false},
		{"func(x int) int { defer println(); return x }", nil, false},
		{"func(x int) int { defer func() { recover() }(); return x }", nil, false},
		{"func(x int) int { k++; return x + k }", k, false},
		{"func(x int) int { k = x; return k }", k, false},
		{"func(x int) int { p := &k; return *p + x }", k, false},
		{"func(x int) int { f := func() { k = 1 }; f(); return x }", k, false},
		{"func(x int) int { k.Add(x); return x }", k, false},
		{"func(x int) int { L: for { break L }; return x }", nil, false},
		{"func(x int) int { for k = range 3 { }; return x }", k, false},
	} {
		_, got := inlinable(JobBlock{Expr: tc.expr, Type: "func(int) int", Captures: tc.caps})
		if got != tc.want {
			t.Errorf("inlinable(%q) = %v, want %v", tc.expr, got, tc.want)
		}
	}
}

// runEngineChunk runs a chunk of ints through an in-process mirror engine.
func runEngineChunk(t *testing.T, e *engine, op string, blocks []JobBlock, xs []int) resultMsg {
	t.Helper()
	m := &runMsg{Rebuild: e.i == nil, Op: op, Blocks: blocks, Data: mustEncode(t, xs), Mirror: 1,
		Decls: []string{"func double(x int) int { return 2 * x }"}}
	if e.i != nil {
		m.Base, m.Decls = len(e.decls), nil
	}
	return e.runChunk(context.Background(), m, chunkHooks{})
}

// TestLoopKeepsBlockMeaning runs blocks that are inlined and blocks that
// are called, and checks what a closure would do: a captured counter keeps
// counting across elements, defers run per element, returns inside loops
// and switches return.
func TestLoopKeepsBlockMeaning(t *testing.T) {
	var out bytes.Buffer
	e := newEngine(&out, &out, nil)
	n := []Capture{{Name: "n", Type: "int", Value: mustEncode(t, 100)}}
	for _, tc := range []struct {
		name    string
		block   JobBlock
		want    []int
		inlined bool
	}{
		{"inlined with returns in a loop and a switch", JobBlock{Expr: "func(x int) int {\n\tfor i := 0; ; i++ {\n\t\tswitch {\n\t\tcase i*i >= x:\n\t\t\treturn i + n\n\t\t}\n\t}\n}", Captures: n}, []int{100, 101, 102, 102, 102, 103}, true},
		{"captured counter", JobBlock{Expr: "func(x int) int { n++; return n }", Captures: n}, []int{101, 102, 103, 104, 105, 106}, false},
		{"deferred", JobBlock{Expr: "func(x int) (r int) { defer func() { r *= 2 }(); return x }"}, []int{0, 2, 4, 6, 8, 10}, false},
		{"declared func", JobBlock{Expr: "double"}, []int{0, 2, 4, 6, 8, 10}, false},
		{"capture redeclared", JobBlock{Expr: "func(x int) int { n := x; return n }", Captures: n}, []int{0, 1, 2, 3, 4, 5}, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			tc.block.Type, tc.block.Pos = "func(int) int", "cell[2] line 1"
			clear(e.loops)
			res := runEngineChunk(t, e, OpCollect, []JobBlock{tc.block}, []int{0, 1, 2, 3, 4, 5})
			if res.Failure != nil {
				t.Fatalf("failure %+v", res.Failure)
			}
			v, err := decodeValue(nil, res.Outputs, reflect.TypeOf([]int(nil)))
			if err != nil {
				t.Fatal(err)
			}
			if got := v.Interface().([]int); !reflect.DeepEqual(got, tc.want) {
				t.Fatalf("got %v, want %v", got, tc.want)
			}
			lit, _, err := loopSource(OpCollect, []JobBlock{tc.block}, true)
			if err != nil {
				t.Fatal(err)
			}
			f := e.loops[loopKey(OpCollect, []JobBlock{tc.block})]
			inlined := strings.Contains(lit, "break __dmL0") && f.name != "" && f.inline
			if inlined != tc.inlined {
				t.Fatalf("inlined %v, want %v", inlined, tc.inlined)
			}
		})
	}
}

func TestCalledByName(t *testing.T) {
	for _, tc := range []struct {
		block JobBlock
		want  string
	}{
		{JobBlock{Expr: "//line cell[6]/_.go:2\n__dms.F_fib"}, "__dms.F_fib"},
		{JobBlock{Expr: "//line cell[3]/_.go:1\nfib"}, "fib"},
		{JobBlock{Expr: "fib"}, "fib"},
		{JobBlock{Expr: "fib", Captures: []Capture{{Name: "k", Type: "int"}}}, ""},
		{JobBlock{Expr: "//line cell[3]/_.go:1\np.Scale"}, ""}, // a method value binds its receiver once
		{JobBlock{Expr: "func(x int) int { return x }"}, ""},
		{JobBlock{Expr: "fibs[0]"}, ""},
		{JobBlock{Expr: "__dms.F_fib.X"}, ""},
	} {
		got, ok := calledByName(tc.block)
		if got != tc.want || ok != (tc.want != "") {
			t.Errorf("calledByName(%q) = %q, %v; want %q", tc.block.Expr, got, ok, tc.want)
		}
	}
}

// TestLoopReusedAcrossCells checks that a call of a declared func repeated
// in a new cell reuses its chunk func, while a func literal block, whose
// source carries its position, gets one of its own.
func TestLoopReusedAcrossCells(t *testing.T) {
	var out bytes.Buffer
	e := newEngine(&out, &out, nil)
	run := func(expr string, cell int) {
		t.Helper()
		b := JobBlock{Expr: fmt.Sprintf("//line cell[%d]/_.go:1\n%s", cell, expr), Type: "func(int) int", Pos: fmt.Sprintf("cell[%d] line 1", cell)}
		res := runEngineChunk(t, e, OpCollect, []JobBlock{b}, []int{1, 2, 3})
		if res.Failure != nil {
			t.Fatalf("cell %d: failure %+v", cell, res.Failure)
		}
		v, err := decodeValue(nil, res.Outputs, reflect.TypeOf([]int(nil)))
		if err != nil {
			t.Fatal(err)
		}
		if got := v.Interface().([]int); !reflect.DeepEqual(got, []int{2, 4, 6}) {
			t.Fatalf("cell %d: got %v, want [2 4 6]", cell, got)
		}
	}
	run("double", 2)
	declared := e.nLoops
	run("double", 3)
	if e.nLoops != declared {
		t.Errorf("the call of double from another cell declared %d more chunk funcs, want none", e.nLoops-declared)
	}
	run("func(x int) int { return double(x) }", 4)
	run("func(x int) int { return double(x) }", 5)
	if e.nLoops != declared+2 {
		t.Errorf("func literal blocks of two cells declared %d chunk funcs, want 2", e.nLoops-declared)
	}
}

// TestLoopFailureNamesElementAndBlock checks the element and block a panic
// is reported at, for the second block of a two-block op.
func TestLoopFailureNamesElementAndBlock(t *testing.T) {
	if raceEnabled {
		t.Skip("the post-mortem re-run uses yaegi's debugger, which races on its own state")
	}
	var out bytes.Buffer
	e := newEngine(&out, &out, nil)
	blocks := []JobBlock{
		{Expr: "func(x int) int { return x - 3 }", Type: "func(int) int", Pos: "cell[2] line 1"},
		{Expr: "func(r int) bool { return 6/r > 0 }", Type: "func(int) bool", Pos: "cell[2] line 2"},
	}
	res := runEngineChunk(t, e, OpCollectThenSelect, blocks, []int{1, 2, 3, 4})
	f := res.Failure
	if f == nil || f.Index != 2 || f.Element != "3" || !strings.Contains(f.Message, "divide by zero") {
		t.Fatalf("failure %+v, want element 2 (3) dividing by zero", f)
	}
	if len(f.Frames) == 0 || f.Frames[0].Pos != "cell[2] line 2" || len(f.Frames[0].Locals) == 0 || f.Frames[0].Locals[0] != (Local{"r", "int", "0"}) {
		t.Fatalf("frames %+v, want the predicate's frame with r = 0", f.Frames)
	}
}

// cancelWriter cancels a context at the first write once armed.
type cancelWriter struct {
	mu     sync.Mutex
	cancel context.CancelFunc
}

func (w *cancelWriter) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.cancel != nil {
		w.cancel()
	}
	return len(p), nil
}

// TestLoopAfterInterrupt runs a block again after a chunk of it was
// interrupted: yaegi stops an interrupted evaluation by changing its run
// id, which must not stop the next chunks.
func TestLoopAfterInterrupt(t *testing.T) {
	w := &cancelWriter{}
	e := newEngine(w, w, nil)
	b := []JobBlock{{Expr: "func(x int) bool {\n\tif x > 1000 {\n\t\tprintln(\"spinning\")\n\t}\n\tfor i := 0; i < x; i++ {\n\t}\n\treturn x > 100\n}", Type: "func(int) bool", Pos: "cell[2] line 1"}}
	if res := runEngineChunk(t, e, OpNoneSatisfy, b, []int{1}); res.Failure != nil || res.Decided {
		t.Fatalf("first chunk: %+v", res)
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	w.mu.Lock()
	w.cancel = cancel // the block says it spins: interrupt it
	w.mu.Unlock()
	m := &runMsg{Op: OpNoneSatisfy, Blocks: b, Data: mustEncode(t, []int{1 << 50}), Mirror: 1, Base: len(e.decls)}
	if res := e.runChunk(ctx, m, chunkHooks{}); !res.Stopped {
		t.Fatalf("interrupted chunk: %+v, want stopped", res)
	}
	for k := 0; k < 2; k++ {
		if res := runEngineChunk(t, e, OpNoneSatisfy, b, []int{600}); !res.Decided || res.Failure != nil {
			t.Fatalf("chunk %d after the interrupt: %+v, want decided", k, res)
		}
	}
}

// TestPostMortemCutShort: a failing element whose re-run under the
// debugger takes too many steps is reported without frames, and the
// re-run's goroutines end.
func TestPostMortemCutShort(t *testing.T) {
	if raceEnabled {
		t.Skip("the post-mortem re-run uses yaegi's debugger, which races on its own state")
	}
	before := runtime.NumGoroutine()
	var out bytes.Buffer
	e := newEngine(&out, &out, nil)
	b := []JobBlock{{Expr: "func(x int) int {\n\ts := 0\n\tfor i := 0; i < x; i++ {\n\t\ts += i\n\t}\n\tpanic(s)\n}", Type: "func(int) int", Pos: "cell[2] line 1"}}
	res := runEngineChunk(t, e, OpCollect, b, []int{1 << 20})
	f := res.Failure
	if f == nil || f.Index != 0 || len(f.Frames) != 1 || !strings.Contains(f.Frames[0].Func, errTooLong.Error()) {
		t.Fatalf("failure %+v, want element 0 without frames: %v", f, errTooLong)
	}
	deadline := time.Now().Add(10 * time.Second)
	for runtime.NumGoroutine() > before && time.Now().Before(deadline) {
		runtime.Gosched()
	}
	if n := runtime.NumGoroutine(); n > before {
		t.Fatalf("%d goroutines after the post-mortem, %d before", n, before)
	}
}

package frontend_test

import (
	"fmt"
	"reflect"
	"strings"
	"testing"
	"time"
)

// step is one cell of an end-to-end session and what it must give.
type step struct {
	code  string
	out   string // expected output
	value string // expected value, "" for none
	err   string // substring of the expected compile error
}

func runSteps(t *testing.T, steps []step) {
	t.Helper()
	for _, st := range steps {
		if raceEnabled && strings.Contains(st.code, "go func") {
			t.Skip("a cell starts interpreted goroutines, in which yaegi races on its own state; .ci/test runs this test without -race too")
		}
	}
	s := newSession(t)
	for _, st := range steps {
		out, value, err := s.run(st.code)
		if st.err != "" {
			if err == nil || !strings.Contains(err.Error(), st.err) {
				t.Fatalf("cell %q: error %v, want one containing %q", st.code, err, st.err)
			}
			continue
		}
		if err != nil {
			t.Fatalf("cell %q: %v", st.code, err)
		}
		if out != st.out || value != st.value {
			t.Fatalf("cell %q: out %q value %q, want out %q value %q", st.code, out, value, st.out, st.value)
		}
	}
}

func TestEndToEnd(t *testing.T) {
	tests := map[string][]step{
		"mixed cell and later use": {
			{code: "import \"fmt\"\nx := 1\nfunc f() int { return x * 10 }\nfmt.Println(f())\nx + 1", out: "10\n", value: "2"},
			{code: "x = 5\nf()", value: "50"},
		},
		"per-iteration loop variables": {
			{code: "import \"fmt\"\nvar fs []func() int\nfor i := 0; i < 3; i++ { fs = append(fs, func() int { return i }) }\nfor _, f := range fs { fmt.Print(f()) }", out: "012"},
			{code: "var gs []func() string\nfor _, s := range []string{\"a\", \"b\"} { gs = append(gs, func() string { return s }) }\ngs[0]() + gs[1]()", value: "ab"},
			{code: "n := 0\nvar hs []func() int\nfor i := 0; i < 6; i++ { if i%2 == 0 { continue }; i++; hs = append(hs, func() int { return i }) }\nfor _, h := range hs { n = n*10 + h() }\nn", value: "246"},
		},
		"var of a session interface type is nil": {
			{code: "type Shape interface{ Area() float64 }\nvar g Shape\ng == nil", value: "true"},
			{code: "var e error\nvar n int\ne == nil && n == 0", value: "true"},
		},
		"range over int": {
			{code: "sum := 0\nfor i := range 5 { sum += i }\nsum", value: "10"},
			{code: "type Count int\nvar k Count = 3\nc := 0\nfor range k { c++ }\nc", value: "3"},
			{code: "var got []int\nfor i := range 3 { i := i * 2; got = append(got, i) }\ngot", value: "[0 2 4]"},
		},
		"min max clear": {
			{code: "min(3, 1, 2) + max(2.5, 1)", value: "3.5"},
			{code: "a, b := 3, 7\nmin(a, b) * max(a, b, 1)", value: "21"},
			{code: "s := \"b\"\nmin(s, \"a\", \"c\")", value: "a"},
			{code: "m := map[string]int{\"a\": 1}\nclear(m)\nlen(m)", value: "0"},
			{code: "xs := []int{1, 2}\nclear(xs)\nxs", value: "[0 0]"},
		},
		"generic calls at top level": {
			{code: "func Map[T, R any](xs []T, f func(T) R) []R { var out []R; for _, x := range xs { out = append(out, f(x)) }; return out }\nimport \"strconv\"\nys := Map([]int{1, 2}, strconv.Itoa)\nys", value: "[1 2]"},
			{code: "type Pair[K comparable, V any] struct { Key K; Val V }\nfunc MakePair[K comparable, V any](k K, v V) Pair[K, V] { return Pair[K, V]{k, v} }\np := MakePair(\"a\", 2.5)\np.Val", value: "2.5"},
			{code: "lens := ParallelCollect([]string{\"a\", \"bb\"}, func(s string) int { return len(s) })\nlens", value: "[1 2]"},
		},
		"redefinition seen by earlier callers": {
			{code: "func g() int { return 1 }\nfunc h() int { return g() * 10 }\nh()", value: "10"},
			{code: "func g() int { return 2 }\nh()", value: "20"},
			{code: "type P struct{ X int }\nfunc (p P) Get() int { return p.X }\nq := P{3}\nq.Get()", value: "3"},
			{code: "type P struct{ X, Y int }\nfunc (p P) Get() int { return p.X + p.Y }\nq = P{3, 4}\nq.Get()", value: "7"},
			{code: "x := 1\nx", value: "1"},
			{code: "x := \"s\"\nx + x", value: "ss"},
			{code: "const K = 2\nK * 2", value: "4"},
			{code: "const K = \"k\"\nK + K", value: "kk"},
		},
		"goroutines": {
			{code: "done := make(chan int)\ngo func(v int) { done <- v * 2 }(21)\n<-done", value: "42"},
			{code: "func send(c chan int, v int) { c <- v }\nfor i := 0; i < 3; i++ { go send(done, i) }\ns := 0\nfor range 3 { s += <-done }\ns", value: "3"},
		},
		"blocks": {
			{code: "import \"strings\"\nfunc shout(words []string, suffix string) []string {\n\treturn ParallelCollect(words, func(w string) string { return strings.ToUpper(w) + suffix })\n}\nshout([]string{\"a\", \"b\"}, \"!\")", value: "[A! B!]"},
			{code: "k := 10\nParallelSelect([]int{5, 15, 25}, func(x int) bool { return x > k })", value: "[15 25]"},
			{code: "CreateMirror(func(x int, id int) int { return x*100 + id }, []int{7, 8}).Run()", value: "[700 801]"},
			{code: "CreateMirror(func(x int) int { return -x }, []int{7, 8}).Run()", value: "[-7 -8]"},
			{code: "type Pt struct{ X, Y int }\nfunc (p Pt) Norm1() int { return p.X + p.Y }\nParallelCollect([]Pt{{1, 2}, {3, 4}}, Pt.Norm1)", value: "[3 7]"},
			{code: "ParallelGroupedBy([]string{\"ab\", \"c\", \"de\"}, func(s string) int { return len(s) })[2]", value: "[ab de]"},
		},
		"display methods": {
			{code: "type Card struct{ Name string }\nfunc (c Card) HTML() string { return \"<b>\" + c.Name + \"</b>\" }\nCard{\"ace\"}", value: "map[text/html:<b>ace</b> text/plain:ace]"},
		},
		"type redefinition seen after rebuild": {
			{code: "type Shape struct{ W, H int }\nfunc area(s Shape) int { return s.W * s.H }\narea(Shape{2, 3})", value: "6"},
			{code: "type Shape struct{ W, H, D int }\nfunc area(s Shape) int { return s.W * s.H * s.D }\narea(Shape{2, 3, 4})", value: "24"},
		},
		"yaegi pitfalls": {
			{code: "type Point struct{ X, Y int }\ntype Other struct{ Z string }\nfunc kind(a any) string {\n\tswitch a.(type) {\n\tcase Other:\n\t\treturn \"other\"\n\tcase Point:\n\t\treturn \"point\"\n\t}\n\treturn \"none\"\n}\nkind(Point{1, 2})", value: "point"},
			{code: "func pair() (int, error) {\n\tvar n int\n\tvar err error\n\tn, err = 1, nil\n\treturn n, err\n}\nn, err := pair()\nn", value: "1"},
		},
		"rebuild rewrites old code with new types": {
			{code: "func id[T any](x T) T { return x }\ncount := 1\nfunc g() any { return id(count) }\nfunc m() any { return min(count, 2) }\nfunc mirrorIDs() []int { return CreateMirror(func(x, i int) int { return i }, []int{5, 6}).Run() }\ng()", value: "1"},
			{code: "import \"fmt\"\ncount := 0.5\nfmt.Sprint(g(), m(), mirrorIDs())", value: "0.5 0.5 [0 1]"},
		},
		"cell run again": {
			{code: "import \"strings\"\nfunc shout(s string) string { return strings.ToUpper(s) }\ncount := 0\ncount++\nshout(\"a\")", value: "A"},
			{code: "import \"strings\"\nfunc shout(s string) string { return strings.ToUpper(s) }\ncount := 0\ncount++\nshout(\"a\")", value: "A"},
			{code: "count", value: "1"},
		},
		"interpreter limits": {
			{code: "import (\n\t\"encoding/json\"\n\t\"errors\"\n\t\"fmt\"\n)\ntype myErr struct{ code int }\nfunc (e *myErr) Error() string { return fmt.Sprint(\"code \", e.code) }\nfmt.Errorf(\"wrap: %w\", &myErr{3}).Error()", value: "wrap: code 3"},
			{code: "type In struct{ A int }\ntype Out struct {\n\tIn\n\tB int\n}\nb, _ := json.Marshal(Out{In{1}, 2})\nstring(b)", err: "cell[2] line 6: encoding/json of Out with the embedded field In is not supported by the interpreter"},
			{code: "type valErr struct{ s string }\nfunc (e valErr) Error() string { return \"val \" + e.s }\nfmt.Sprint(&myErr{4}, valErr{\"v\"}, errors.New(\"x\"))", value: "code 4 val v x"},
			{code: "var e error = valErr{\"x\"}\nfunc wrapped() error { var w error; w = valErr{\"w\"}; return fmt.Errorf(\"in: %w\", w) }\nfmt.Sprint(e, \" \", wrapped(), \" \", errors.Is(wrapped(), valErr{\"w\"}))", value: "val x in: val w true"},
		},
		"early return": {
			// A cell that returns before its last expression has no value: nil.
			{code: "stop := true\nif stop {\n\treturn\n}\nf := func() { return }\nf()\n42", value: "<nil>"},
			{code: "stop = false\nif stop {\n\treturn\n}\n42", value: "42"},
		},
		"no stale value": {
			{code: "\"secret\"", value: "secret"},
			{code: "if true {}"},
			{code: "func noRet() {}\nnoRet()"},
		},
		"failed cell leaves image": {
			{code: "v := 10\nfunc keep() int { return v }"},
			{code: "v := \"x\"\nfunc keep() int { return undefinedName }", err: "cell[2] line 2: undefined: undefinedName"},
			{code: "keep() + v", value: "20"},
		},
	}
	for name, steps := range tests {
		t.Run(name, func(t *testing.T) { runSteps(t, steps) })
	}
}

// TestGoroutinePanic checks that a panic in a goroutine a cell started is
// reported to the image process's hook with the cell, instead of killing
// the process.
func TestGoroutinePanic(t *testing.T) {
	s := newSession(t)
	s.must("func crash(msg string) { panic(msg) }")
	if _, _, err := s.run("msg := \"boom\"\ngo crash(msg)\nmsg = \"changed\""); err != nil {
		t.Fatal(err)
	}
	ev := <-s.goEnds
	if ev.cell != 2 || fmt.Sprint(ev.recovered) != "boom" {
		t.Errorf("goroutine ended with %+v, want cell 2 and boom", ev)
	}
}

// TestReplay evaluates the image's declarations in fresh interpreters, as a
// restarted image process (Source) and a mirror (Chunks) do.
func TestReplay(t *testing.T) {
	s := newSession(t)
	s.must("import \"strings\"\nfunc up(s string) string { return strings.ToUpper(s) }")
	s.must("import \"fmt\"\ntype P struct{ N int }\nfunc (p P) Show() string { return fmt.Sprint(up(\"n\"), p.N) }")
	s.must("func up(s string) string { return strings.Repeat(s, 2) }") // a rebuild
	s.must("import \"time\"\nvar d time.Duration\nfunc wait() string { return d.String() }")
	gen, chunks := s.im.Chunks()
	if len(chunks) != 2 || gen != 1 {
		t.Fatalf("generation %d, %d chunks, want 1 and 2", gen, len(chunks))
	}
	for name, sources := range map[string][]string{"source": {s.im.Source()}, "chunks": chunks} {
		i := s.newVM()
		for _, src := range sources {
			if _, err := eval(i, src); err != nil {
				t.Fatalf("%s: %v\n%s", name, err, src)
			}
		}
		v, err := eval(i, "P{3}.Show() + wait()")
		if err != nil || v.Interface() != "nn30s" {
			t.Errorf("%s: %v, %v; want nn30s", name, v, err)
		}
	}
}

// TestBlockFactory builds a block in a fresh interpreter the way Block's
// documentation says a mirror should: the session's chunks, then a file
// named Block.File with the block at Block.Line and Block.Col, taking the
// captures as parameters.
func TestBlockFactory(t *testing.T) {
	s := newSession(t)
	s.must("import (\n\t\"strings\"\n\t\"time\"\n)\nunit := time.Second")
	p, err := s.im.Compile("func label(xs []string, sep string) []string {\n\treturn ParallelCollect(xs, func(x string) string { var d time.Duration = unit; return strings.ToUpper(x) + sep + d.String() })\n}", 2)
	if err != nil {
		t.Fatal(err)
	}
	s.im.Commit(p)
	b := p.Blocks[0]
	_, chunks := s.im.Chunks()
	i := s.newVM()
	for _, c := range chunks {
		if _, err := eval(i, c); err != nil {
			t.Fatalf("%v\n%s", err, c)
		}
	}
	g := i.Globals()["unit"]
	g.Set(reflect.ValueOf(time.Second))
	var params []string
	for _, c := range b.Captures {
		params = append(params, c.Name+" "+c.Type)
	}
	// A func declaration: yaegi reports a definition loop for a package
	// var initialised with a func literal that uses a global.
	src := fmt.Sprintf("/*line %s:1:1*/package main\nfunc __dmFactory%d(%s) %s {\n\tb := (\n%s)\n\treturn b\n}",
		b.File, b.ID, strings.Join(params, ", "), b.Type, b.Expr)
	if _, err := eval(i, src); err != nil {
		t.Fatalf("%v\n%s", err, src)
	}
	f, err := eval(i, fmt.Sprintf("__dmFactory%d(\"!\")", b.ID))
	if err != nil {
		t.Fatal(err)
	}
	out := f.Call([]reflect.Value{reflect.ValueOf("ab")})
	if got := out[0].Interface(); got != "AB!1s" {
		t.Errorf("block(ab) = %v, want AB!1s", got)
	}
}

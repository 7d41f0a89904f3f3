package frontend

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"
)

// compileAll compiles and commits cells 1..n-1 and returns the plan of the
// last cell (not committed).
func compileAll(t *testing.T, im *Image, cells ...string) *Plan {
	t.Helper()
	commit(t, im, cells[:len(cells)-1]...)
	p, err := im.Compile(cells[len(cells)-1], len(cells))
	if err != nil {
		t.Fatalf("cell %q: %v", cells[len(cells)-1], err)
	}
	return p
}

func newImage(t *testing.T) *Image {
	im := NewImage(Options{})
	t.Cleanup(im.Close)
	return im
}

// bodyLines returns the lines of a plan's body that come from the cell,
// indexed by cell line (1-based; index 0 unused).
func bodyLines(t *testing.T, p *Plan) []string {
	t.Helper()
	dir := lineDirective(p.Cell, 1, 1)
	i := strings.LastIndex(p.Body, dir)
	if i < 0 {
		t.Fatalf("body has no directive %s:\n%s", dir, p.Body)
	}
	text := strings.TrimSuffix(p.Body[i+len(dir):], "\n}\n")
	return append([]string{""}, strings.Split(text, "\n")...)
}

func TestMixedCell(t *testing.T) {
	im := newImage(t)
	p := compileAll(t, im, "x := 1\nimport \"fmt\"\nfunc f() int { return x }\nfmt.Println(f())\ntype T struct{ A int }\nvar t T = T{2}\nx + t.A")
	if !slices.Equal(p.Imports, []string{"fmt"}) {
		t.Errorf("Imports = %v", p.Imports)
	}
	for _, want := range []string{
		fileHeader(1) + "\nimport (\"fmt\")",
		lineDirective(1, 1, 1) + "var x int",
		lineDirective(1, 3, 1) + "func f() int { return x }",
		lineDirective(1, 5, 1) + "type T struct{ A int }",
		lineDirective(1, 6, 5) + "var t T",
	} {
		if !strings.Contains(p.Decls, want) {
			t.Errorf("Decls lacks %q:\n%s", want, p.Decls)
		}
	}
	lines := bodyLines(t, p)
	want := map[int]string{1: "x  = 1", 4: "fmt.Println(f())", 6: "    t   = T{2}", 7: "__dmV := x + t.A; return __dmV"}
	for n, w := range want {
		if strings.TrimRight(lines[n], " ") != w {
			t.Errorf("body line %d = %q, want %q", n, lines[n], w)
		}
	}
	if !p.HasResult || p.BodyFunc != "__cell1" || !strings.Contains(p.Body, "func __cell1() any {") {
		t.Errorf("HasResult %v BodyFunc %q body:\n%s", p.HasResult, p.BodyFunc, p.Body)
	}
	if !slices.Equal(p.Vars, []Var{{Name: "x", Type: "int"}, {Name: "t", Type: "T"}}) || !slices.Equal(p.Touched, []string{"t", "x"}) {
		t.Errorf("Vars %v Touched %v", p.Vars, p.Touched)
	}
}

func TestStatementsOnOneLine(t *testing.T) {
	p, err := newImage(t).Compile("a := 1; b := 2; func f() int { return a }; type T int; a + b", 1)
	if err != nil {
		t.Fatal(err)
	}
	if !p.HasResult || !strings.Contains(p.Decls, "func f() int { return a }") || !strings.Contains(p.Body, "a  = 1; b  = 2;") {
		t.Errorf("decls:\n%s\nbody:\n%s", p.Decls, p.Body)
	}
}

func TestResults(t *testing.T) {
	tests := []struct {
		code   string
		result bool
	}{
		{"1 + 2", true},
		{"func two() (int, int) { return 1, 2 }\ntwo()", false},
		{"func none() {}\nnone()", false},
		{"x := 3\nx", true},
		{"x := 3", false},
		{"if true {}", false},
		{"import \"fmt\"\nfmt.Sprint(1)", true},
		{"import \"fmt\"\nfmt.Println(1)", false},
		{"len(\"abc\")", true},
	}
	for _, tt := range tests {
		p, err := newImage(t).Compile(tt.code, 1)
		if err != nil {
			t.Fatalf("%q: %v", tt.code, err)
		}
		if p.HasResult != tt.result {
			t.Errorf("%q: HasResult = %v, want %v", tt.code, p.HasResult, tt.result)
		}
	}
}

func TestCompileErrors(t *testing.T) {
	tests := []struct {
		cells []string
		want  []string // lines of the error message
	}{
		{[]string{"x := 1\ny := x + z"}, []string{"cell[1] line 2: undefined: z"}},
		{[]string{"a := b\nc := d"}, []string{"cell[1] line 1: undefined: b", "cell[1] line 2: undefined: d"}},
		{[]string{"package foo"}, []string{"cell[1] line 1: package foo: every cell is part of package main"}},
		{[]string{"import \"no/such/pkg\""}, []string{`cell[1] line 1: cannot import "no/such/pkg"`}},
		{[]string{"func f() {\n\treturn 1\n}"}, []string{"cell[1] line 2: too many return values"}},
		{[]string{"x := 1\ny := )"}, []string{"cell[1] line 2: expected operand"}},
		{[]string{"\"v\"\nx := 1"}, []string{"cell[1] line 1: \"v\" (untyped string constant) is not used"}},
		{[]string{"import \"math/rand\"\nimport \"crypto/rand\""}, []string{"cell[1] line 2: rand redeclared in this cell"}},
		{[]string{"type T struct{ A int }\nfunc get(t T) int { return t.A }", "type T struct{ B int }"}, []string{"cell[1] line 2: t.A undefined (type T has no field or method A)"}},
		{[]string{"for x := range func(yield func(int) bool) {} {\n\tdefer println(x)\n}"}, []string{"cell[1] line 1: range over func with defer in its body is not supported by the interpreter"}},
		{[]string{"import \"iter\""}, []string{`cell[1] line 1: package "iter" is not available in the interpreter`}},
		{[]string{"import \"slices\"\nxs := []int{2, 1}\nslices.Sort(xs)\nslices.Index(xs, 1)"}, []string{"cell[1] line 3: slices.Sort is not available in the interpreter"}},
		// The interpreter's generic source of maps.Clone panics at run time:
		// without compiled packages it is refused at compile time.
		{[]string{"import \"maps\"\nm := map[string]int{\"a\": 1}\nc := maps.Clone(m)"}, []string{"cell[1] line 3: maps.Clone is not supported by the interpreter"}},
		{[]string{"p := new(5)"}, []string{"cell[1] line 1: new(5) requires go1.26 or later; the interpreter runs Go 1.22"}},
		{[]string{"type A[T any] = []T"}, []string{"cell[1] line 1: a generic type alias is not supported by the interpreter (it runs Go 1.22)"}},
		{[]string{"func main(x int) {}"}, []string{"cell[1] line 1: func main must have no arguments and no return values"}},
		{[]string{"x := 1\nfunc x() {}"}, []string{"cell[1] line 1: x redeclared in this cell"}},
	}
	for _, tt := range tests {
		im := newImage(t)
		commit(t, im, tt.cells[:len(tt.cells)-1]...)
		_, err := im.Compile(tt.cells[len(tt.cells)-1], len(tt.cells))
		var ce *CompileError
		if !errors.As(err, &ce) {
			t.Errorf("%q: error %v, want a *CompileError", tt.cells, err)
			continue
		}
		var lines []string
		for _, e := range ce.Errors {
			lines = append(lines, e.String())
		}
		if len(lines) != len(tt.want) {
			t.Errorf("%q: error\n%s\nwant %d lines %q", tt.cells, err, len(tt.want), tt.want)
			continue
		}
		for i, w := range tt.want {
			if !strings.HasPrefix(lines[i], w) {
				t.Errorf("%q: error line %q, want prefix %q", tt.cells, lines[i], w)
			}
		}
	}
}

func TestFailedCellLeavesImage(t *testing.T) {
	im := newImage(t)
	commit(t, im, "import \"fmt\"\nx := 1\nfunc f() int { return x }", "type P struct{ A int }")
	src, vars, blocks := im.Source(), im.Vars(), im.Blocks()
	gen, chunks := im.Chunks()
	for _, bad := range []string{
		"func f() string { return 1 }\ny := 2",
		"x := \"s\"\nfunc g() { fmt.Println(undefinedThing) }",
		"type P int\nz := P(1)\nz.A",
	} {
		if _, err := im.Compile(bad, 3); err == nil {
			t.Fatalf("%q compiled", bad)
		}
	}
	// A plan that compiles but is not committed changes nothing either.
	if _, err := im.Compile("func f() int { return 2 }\nw := ParallelCollect([]int{1}, func(i int) int { return i })", 3); err != nil {
		t.Fatal(err)
	}
	gen2, chunks2 := im.Chunks()
	if im.Source() != src || !slices.Equal(im.Vars(), vars) || len(im.Blocks()) != len(blocks) || gen2 != gen || !slices.Equal(chunks2, chunks) {
		t.Errorf("image changed:\n%s\nwas\n%s", im.Source(), src)
	}
}

func TestRedefinition(t *testing.T) {
	im := newImage(t)
	commit(t, im, "func g() int { return 1 }\nfunc h() int { return g() }\nx := 1\nconst K = 1")
	gen0, _ := im.Chunks()
	tests := []struct {
		code     string
		rebuild  bool
		newDecls bool
		present  []string
		absent   []string
	}{
		{"x := 5", false, false, []string{"var x int"}, nil},
		{"x = 6\nvar y = 2", false, true, []string{"var x int", "var y int"}, nil},
		{"func g() int { return 2 }", true, true, []string{"return 2", "func h()"}, []string{"return 1 }"}},
		{"x := \"s\"", true, true, []string{"var x string"}, []string{"var x int"}},
		{"const K = \"k\"", true, true, []string{"const K = \"k\""}, []string{"const K = 1"}},
		{"import \"strings\"", false, true, []string{`"strings"`}, nil},
	}
	for i, tt := range tests {
		p, err := im.Compile(tt.code, i+2)
		if err != nil {
			t.Fatalf("%q: %v", tt.code, err)
		}
		if p.Rebuild != tt.rebuild || (p.Decls != "") != tt.newDecls {
			t.Errorf("%q: Rebuild %v Decls %q", tt.code, p.Rebuild, p.Decls)
		}
		if tt.rebuild != (p.ImageDecls != "") {
			t.Errorf("%q: Rebuild %v with ImageDecls:\n%s", tt.code, p.Rebuild, p.ImageDecls)
		}
		im.Commit(p)
		for _, s := range tt.present {
			if !strings.Contains(im.Source(), s) {
				t.Errorf("%q: the image lacks %q:\n%s", tt.code, s, im.Source())
			}
		}
		for _, s := range tt.absent {
			if strings.Contains(im.Source(), s) {
				t.Errorf("%q: the image still has %q:\n%s", tt.code, s, im.Source())
			}
		}
		gen, chunks := im.Chunks()
		if tt.rebuild && (gen == gen0 || len(chunks) != 1 || chunks[0] != im.Source()) {
			t.Errorf("%q: generation %d chunks %d after a rebuild", tt.code, gen, len(chunks))
		}
		gen0 = gen
	}
}

func TestCellRunAgain(t *testing.T) {
	im := newImage(t)
	cell := "// Sq squares.\nfunc Sq(x int) int { return x * x }\ntype T struct{ A int }\nn := Sq(3)\nn"
	commit(t, im, cell)
	p, err := im.Compile(cell, 2)
	if err != nil {
		t.Fatal(err)
	}
	if p.Rebuild || strings.Contains(p.Decls, "func Sq") || !p.HasResult {
		t.Errorf("Rebuild %v, decls:\n%s", p.Rebuild, p.Decls)
	}
	im.Commit(p)
	p, err = im.Compile("// Sq squares.\nfunc Sq(x int) int { return x * x * 1 }", 3)
	if err != nil || !p.Rebuild {
		t.Errorf("a changed func: Rebuild %v, %v", p.Rebuild, err)
	}
}

func TestImportReplaced(t *testing.T) {
	im := newImage(t)
	commit(t, im, "import \"math/rand\"")
	p, err := im.Compile("import \"crypto/rand\"\nb := make([]byte, 2)\n_, _ = rand.Read(b)", 2)
	if err != nil {
		t.Fatal(err)
	}
	if !p.Rebuild || strings.Contains(p.ImageDecls, "math/rand") {
		t.Errorf("Rebuild %v ImageDecls:\n%s", p.Rebuild, p.ImageDecls)
	}
}

func TestExplicitTypeArgs(t *testing.T) {
	im := newImage(t)
	p := compileAll(t, im,
		"func Map[T, R any](xs []T, f func(T) R) []R { var out []R; for _, x := range xs { out = append(out, f(x)) }; return out }\nfunc Id[T any](x T) T { return x }",
		"import \"strconv\"\nys := Map([]int{1}, strconv.Itoa)\nz := Id(Id[float64](2))\nw := Map[int]([]int{1}, func(i int) bool { return i > 0 })")
	for _, want := range []string{"Map[int, string]([]int{1}, strconv.Itoa)", "Id[float64](Id[float64](2))", "Map[int, bool]([]int{1}"} {
		if !strings.Contains(p.Body, want) {
			t.Errorf("body lacks %q:\n%s", want, p.Body)
		}
	}
	if !strings.Contains(p.Decls, "var ys []string") || !strings.Contains(p.Decls, "var z float64") {
		t.Errorf("decls:\n%s", p.Decls)
	}
}

func TestRewrites(t *testing.T) {
	tests := []struct {
		code string
		want []string
	}{
		{"a, b := 1, 2\nc := min(a, b)", []string{"c  = func(__dmR int, __dmXs ...int) int { for _, __dmX := range __dmXs { if __dmX < __dmR { __dmR = __dmX } }; return __dmR }(a, b)"}},
		{"f := max(1.5, 2.0)\ng := min(1, 2)\nconst s = max(\"a\", \"b\")", []string{"f  = float64(2.0)", "g  = int(1)", `const s = "b"`}},
		{"m := map[int]int{}\nclear(m)", []string{"func(__dmM map[int]int) { for __dmK := range __dmM { delete(__dmM, __dmK) } }(m)"}},
		{"s := 0\nfor i := range 3 { s += i }", []string{"for __dmI1, __dmN2 := int(0), int(3); __dmI1 < __dmN2; __dmI1++ { i := __dmI1; { s += i }}"}},
		{"var n int64 = 2\nfor range n {}", []string{"for __dmI1, __dmN2 := int64(0), int64(n); __dmI1 < __dmN2; __dmI1++ {}"}},
		{"var fs []func() int\nfor i := 0; i < 2; i++ { fs = append(fs, func() int { return i }) }", []string{"for __dmL1 := 0; __dmL1 < 2; __dmL1++ { i := __dmL1; { fs = append(fs, func() func() int { return func() int { return i } }()) }; __dmL1 = i }"}},
		{"var fs []func() int\nfor i := 0; i < 2; i++ { if i == 0 { continue }; fs = append(fs, func() int { return i }) }", []string{"{ __dmL1 = i; continue }"}},
		{"var fs []func() string\nfor _, s := range []string{\"a\"} { fs = append(fs, func() string { return s }) }", []string{"{ s := s; { fs = append(fs, func() func() string { return func() string { return s } }()) }}"}},
		{"for i := 0; i < 2; i++ { println(i) }", []string{"for i := 0; i < 2; i++ { __dmPrintln(i) }"}},
		{"func f(a, b int) {}\nx := 1\ngo f(x, 2)", []string{"func() { __dmF1 := f; var __dmA2 int = x; __dmGo(__dmGoCell(1), func() { __dmF1(__dmA2, 2) }) }()"}},
		{"func f(xs ...int) {}\nvar ys []int\ngo f(ys...)\ngo println(1)", []string{"__dmF1(__dmA2...)", "__dmGo(__dmGoCell(1), func() { __dmPrintln(1) })"}},
		{"type P struct{ X int }\nfunc (p P) Plus(k int) int { return p.X + k }\nf := P.Plus", []string{"f  = func(__dmP0 P, __dmP1 int) (int) { return __dmP0.Plus(__dmP1) }"}},
		{"var a any\nswitch a.(type) {\ncase int:\n}", []string{"switch __dmTS1 := a.(type) {"}},
		{"var n int\nvar err error\nn, err = 1, nil", []string{"n, err = 1, (error)(nil)"}},
		{"func add(i int) {}\nfunc l() { for i := 0; i < 3; i++ { defer add(i) } }", []string{"{ var __dmA1 int = i; defer add(__dmA1) }"}},
		{"func bg() { go func() {}() }", []string{"func() { __dmF1 := func() {}; __dmGo(__dmGoCell(1), func() { __dmF1() }) }()"}},
	}
	for _, tt := range tests {
		p, err := newImage(t).Compile(tt.code, 1)
		if err != nil {
			t.Fatalf("%q: %v", tt.code, err)
		}
		for _, w := range tt.want {
			if !strings.Contains(p.Body+p.Decls, w) {
				t.Errorf("%q: plan lacks %q:\n%s\n%s", tt.code, w, p.Decls, p.Body)
			}
		}
	}
}

func TestBlocks(t *testing.T) {
	im := newImage(t)
	commit(t, im, "factor := 3\nfunc scale(x int) int { return x * factor }\nvar offset = 1\ntype S struct{ N int }\nfunc (s S) Get() int { return s.N + offset }")
	p, err := im.Compile("func run(k int) []int {\n\tbase := 10\n\treturn ParallelCollect([]int{1}, func(x int) int { return scale(x) + base + k })\n}\nxs := []int{1, 2}\nys := ParallelSelect(xs, func(x int) bool { return S{x}.Get() > 1 }, WithMirrors(2))\nms := CreateMirror(func(x int, id int) string { return \"\" }, xs).Run()", 2)
	if err != nil {
		t.Fatal(err)
	}
	if len(p.Blocks) != 3 {
		t.Fatalf("blocks: %+v", p.Blocks)
	}
	b := p.Blocks[0]
	if b.Type != "func(int) int" || b.Pos != "cell[2] line 3" || !slices.Equal(b.Captures, []Var{{Name: "base", Type: "int"}, {Name: "k", Type: "int"}}) ||
		!slices.Equal(b.Globals, []string{"factor"}) || b.Expr != exprDirective(2, 3)+"func(x int) int { return scale(x) + base + k }" || b.File != "cell[2]/_.go" || b.Line != 3 || b.Col != 35 {
		t.Errorf("block 0: %+v", b)
	}
	if !strings.Contains(p.Decls, fmt.Sprintf("return scale(x) + base + k }, __dmBlock(%d, base, k))", b.ID)) {
		t.Errorf("decls:\n%s", p.Decls)
	}
	b = p.Blocks[1]
	if len(b.Captures) != 0 || !slices.Equal(b.Globals, []string{"offset"}) || b.Type != "func(int) bool" {
		t.Errorf("block 1: %+v", b)
	}
	if !strings.Contains(p.Body, fmt.Sprintf("WithMirrors(2), __dmBlock(%d))", b.ID)) || !strings.Contains(p.Body, "ParallelSelect[int](") {
		t.Errorf("body:\n%s", p.Body)
	}
	if b = p.Blocks[2]; !strings.Contains(p.Body, "CreateMirrorWithID[int, string](") || b.Type != "func(int, int) string" {
		t.Errorf("CreateMirror: %+v\n%s", b, p.Body)
	}
	if p.Blocks[0].ID == p.Blocks[1].ID || p.Blocks[1].ID == p.Blocks[2].ID {
		t.Errorf("block IDs not unique: %+v", p.Blocks)
	}
	im.Commit(p)
	if got := im.Blocks(); len(got) != 3 {
		t.Errorf("Image.Blocks() = %+v", got)
	}
	// A rebuild rewrites run's block again: same ID, in the plan's blocks.
	pr, err := im.Compile("type S struct{ N, M int }", 3)
	if err != nil {
		t.Fatal(err)
	}
	if !pr.Rebuild || len(pr.Blocks) != 1 || pr.Blocks[0].ID != p.Blocks[0].ID || pr.Blocks[0].Expr != p.Blocks[0].Expr {
		t.Errorf("blocks after a rebuild: %+v", pr.Blocks)
	}
	p2, err := im.Compile("zs := ParallelCollect(xs, scale)", 3)
	if err != nil {
		t.Fatal(err)
	}
	if len(p2.Blocks) != 1 || p2.Blocks[0].ID <= p.Blocks[2].ID || p2.Blocks[0].Expr != exprDirective(3, 1)+"scale" || !slices.Equal(p2.Blocks[0].Globals, []string{"factor"}) {
		t.Errorf("later block: %+v", p2.Blocks)
	}
}

func TestTouched(t *testing.T) {
	im := newImage(t)
	commit(t, im, "n := 1\ncounter := 0\nfunc bump() { counter++ }\nnames := []string{}\ntype P struct{ X int }\np := P{}\nfunc (q *P) Inc() { q.X++ }\nfunc read() int { return n }", "hook := func() { n++ }")
	tests := []struct {
		code string
		want []string
	}{
		{"read()", nil},
		{"n = 2", []string{"n"}},
		{"bump()", []string{"counter"}},
		{"len(names)", []string{"names"}},
		{"p.Inc()", []string{"p"}},
		{"p.X + n", nil},
		{"q := &p\nq.X = 3", []string{"p", "q"}},
		{"fresh := 1", []string{"fresh"}},
		{"hook()", []string{"counter", "hook", "n", "names", "p"}},
	}
	for i, tt := range tests {
		p, err := im.Compile(tt.code, i+3)
		if err != nil {
			t.Fatalf("%q: %v", tt.code, err)
		}
		if !slices.Equal(p.Touched, tt.want) {
			t.Errorf("%q: Touched = %v, want %v", tt.code, p.Touched, tt.want)
		}
	}
}

func TestTypesOfPackagesNotImported(t *testing.T) {
	im := newImage(t)
	commit(t, im, "import \"net/http\"")
	p, err := im.Compile("req, _ := http.NewRequest(\"GET\", \"http://x\", nil)\nu := req.URL", 2)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(p.Decls, `__dm_net_url "net/url"`) || !strings.Contains(p.Decls, "var u *__dm_net_url.URL") {
		t.Errorf("decls:\n%s", p.Decls)
	}
	im.Commit(p)
	if _, err := im.Compile("url := \"http://y\"\nurl", 3); err != nil {
		t.Errorf("the name url is still free: %v", err)
	}
}

func TestDisplayResult(t *testing.T) {
	im := newImage(t)
	p := compileAll(t, im, "type H struct{}\nfunc (H) HTML() string { return \"<b>h</b>\" }\nfunc (*H) String() string { return \"h\" }\nH{}")
	if !strings.Contains(p.Body, `return __dmRich(__dmV, map[string]any{"HTML": __dmV.HTML(), "String": __dmV.String()})`) {
		t.Errorf("body:\n%s", p.Body)
	}
}

// TestCreateMirrorWithIDInDeclaration: a func declared in a cell without
// top-level variables may pass CreateMirror a block that takes the
// element's position; the call must become CreateMirrorWithID there too.
func TestCreateMirrorWithIDInDeclaration(t *testing.T) {
	im := newImage(t)
	p, err := im.Compile("func squeeze(xs []string) []string {\n\treturn CreateMirror(func(s string, id int) string { return s }, xs).Run()\n}", 1)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(p.Decls, "CreateMirrorWithID[string, string](") || len(p.Blocks) != 1 || p.Blocks[0].Type != "func(string, int) string" {
		t.Errorf("blocks %+v\ndecls:\n%s", p.Blocks, p.Decls)
	}
}

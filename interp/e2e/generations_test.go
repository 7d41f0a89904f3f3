package e2e

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/dmirror/dmirror/kernel"
	"github.com/dmirror/dmirror/kernel/kerneltest"
)

// generationsDir holds cell programs of issue 11 (compiled declarations),
// in the format of semanticsDir.
const generationsDir = "testdata/generations"

// TestGenerations runs each file of testdata/generations through the real
// binary, whose cells' declarations are compiled: redefinition while
// values exist, methods seen by fmt/json/errors/sort, package vars
// written by statements and read by compiled funcs, output order, mirrors
// on a new generation.
func TestGenerations(t *testing.T) {
	needsCompiled(t)
	kerneltest.SharedBinary(t)
	for _, f := range semFiles(t, generationsDir) {
		t.Run(strings.TrimSuffix(f.name, ".txtar"), func(t *testing.T) { runSemFile(t, f) })
	}
}

const spinDecls = `import "fmt"

var calls int

func spin() {
	calls++
	for {
	}
}

func deep(n int) int { return deep(n+1) + 1 }`

// TestGenerationKillers: an interrupt ends a cell stuck in a compiled
// for {} (the image process is replaced and the image restored), and a
// stack overflow in compiled code is reported with the image restored.
func TestGenerationKillers(t *testing.T) {
	k := start(t)
	ctx := ctxT(t)
	ok(t, k, spinDecls)
	ok(t, k, "kept := 5")
	m, err := k.NewRequest("execute_request", kerneltest.ExecuteContent("kept = 6\nfmt.Println(\"spinning\")\nspin()"))
	if err != nil {
		t.Fatal(err)
	}
	if err := k.SendMessage(kerneltest.Shell, m); err != nil {
		t.Fatal(err)
	}
	if _, err := k.WaitFor(ctx, kerneltest.IOPub, func(s *kernel.Message) bool {
		text, _ := kerneltest.Fields(s)["text"].(string)
		return s.ParentID() == m.Header.MsgID && strings.Contains(text, "spinning")
	}); err != nil {
		t.Fatal(err)
	}
	t0 := time.Now()
	if _, err := k.Interrupt(ctx); err != nil {
		t.Fatal(err)
	}
	r, err := k.Await(ctx, kerneltest.Shell, m)
	if err != nil {
		t.Fatal(err)
	}
	took := time.Since(t0)
	t.Logf("interrupt of a compiled for {}: %v", took)
	if kernelEname(r) != "Interrupted" || took > 3*time.Second {
		t.Errorf("reply %v after %v, want Interrupted within 3 s", kerneltest.Fields(r.Reply), took)
	}
	expect(t, k, "kept", "5")
	r = fails(t, k, "kept = 7\ndeep(0)", "StackOverflow")
	if !strings.Contains(errorText(r), "restored") {
		t.Errorf("the stack overflow's error does not say the image was restored:\n%s", errorText(r))
	}
	expect(t, k, "kept", "5")
	expect(t, k, "calls", "0") // the interrupted cell's call is undone too
}

// TestGenerationPostMortem: an element failing in compiled code shows the
// compiled frame with its cell line, marked as having no locals.
func TestGenerationPostMortem(t *testing.T) {
	needsCompiled(t)
	k := start(t)
	ok(t, k, "func pick(xs []int, i int) int {\n\treturn xs[i]\n}")
	r := fails(t, k, "xs := []int{1, 2}\nParallelCollect([]int{0, 1, 5}, func(i int) int { return pick(xs, i) })", "MirrorError")
	text := displayText(r)
	for _, want := range []string{"index out of range [5] with length 2", "at pick (cell[1] line 2) [compiled: no locals]", "i int = 5"} {
		if !strings.Contains(text, want) {
			t.Errorf("the failure shows\n%s\nwant %q", text, want)
		}
	}
}

// TestGenerationFallback: without a C compiler, with one that fails (the
// plugin host does not build: found at the first declaration cell), or
// with DMIRROR_NATIVE=0, declarations are interpreted, with a one-line
// notice naming the reason, and cells still give Go's results.
func TestGenerationFallback(t *testing.T) {
	for _, tc := range []struct{ env, why string }{
		{"CC=/nonexistent/cc", "no C compiler (/nonexistent/cc)"},
		{"CC=false", "compiling the image binary failed: "},
		{"DMIRROR_NATIVE=0", "DMIRROR_NATIVE=0"},
	} {
		t.Run(tc.env, func(t *testing.T) {
			// DMIRROR_NATIVE=1 first: the test process may run with
			// DMIRROR_NATIVE=0 (the interpreted mode), which would be the
			// reason named instead of the missing C compiler.
			k := start(t, "DMIRROR_NATIVE=1", tc.env)
			r := ok(t, k, "import \"fmt\"\n\nfunc twice(x int) int { return 2 * x }")
			notice := stderrText(r)
			if strings.Count(notice, "\n") != 1 || !strings.Contains(notice, "declarations run interpreted") || !strings.Contains(notice, tc.why) {
				t.Errorf("notice %q, want one line naming %q", notice, tc.why)
			}
			r = ok(t, k, "func thrice(x int) int { return 3 * x }\nfmt.Println(twice(2), thrice(2))")
			if got := stdout(r); got != "4 6\n" || stderrText(r) != "" {
				t.Errorf("second cell printed %q, stderr %q; want 4 6 and no second notice", got, stderrText(r))
			}
		})
	}
}

// TestGenerationBuildInterrupted: interrupting a declaration cell while
// its code compiles leaves nothing in the cache and the session as it was.
func TestGenerationBuildInterrupted(t *testing.T) {
	needsCompiled(t)
	cache := t.TempDir()
	// -a makes the go command rebuild every package: the build is still
	// running when the interrupt comes.
	k := start(t, "DMIRROR_CACHE="+cache, "GOFLAGS=-a")
	ctx := ctxT(t)
	ok(t, k, "kept := 5")
	m, err := k.NewRequest("execute_request", kerneltest.ExecuteContent("func twice(x int) int { return 2 * x }\nkept = twice(kept)"))
	if err != nil {
		t.Fatal(err)
	}
	if err := k.SendMessage(kerneltest.Shell, m); err != nil {
		t.Fatal(err)
	}
	if _, err := k.WaitFor(ctx, kerneltest.IOPub, func(s *kernel.Message) bool {
		data, _ := kerneltest.Fields(s)["data"].(map[string]any)
		text, _ := data["text/plain"].(string)
		return s.ParentID() == m.Header.MsgID && strings.Contains(text, "compiling")
	}); err != nil {
		t.Fatal(err)
	}
	if _, err := k.Interrupt(ctx); err != nil {
		t.Fatal(err)
	}
	r, err := k.Await(ctx, kerneltest.Shell, m)
	if err != nil {
		t.Fatal(err)
	}
	if kernelEname(r) != "Interrupted" {
		t.Errorf("reply %v, want Interrupted", kerneltest.Fields(r.Reply))
	}
	if left := cacheEntries(t, cache); len(left) != 0 {
		t.Errorf("the cache holds %v after the interrupt, want nothing", left)
	}
	expect(t, k, "kept", "5")
	fails(t, k, "twice(1)", "CompileError")
}

// TestGenerationNewPackages: importing a module after declarations were
// compiled moves the session to a new image binary, for which the
// generation is built again; the compiled code and values carry over.
func TestGenerationNewPackages(t *testing.T) {
	k := start(t)
	ok(t, k, "import \"fmt\"\n\ntype Pt struct{ x, Y int }\n\nfunc (p Pt) String() string { return fmt.Sprint(p.x, \"/\", p.Y) }\n\nfunc mk(x int) Pt { return Pt{x, x + 1} }")
	ok(t, k, "p := mk(4)")
	r := ok(t, k, "import \"github.com/google/uuid\"\n\nfunc id() string { return uuid.NewSHA1(uuid.NameSpaceDNS, []byte(p.String())).String() }\nfmt.Println(p, id() != \"\")")
	if got := stdout(r); got != "4/5 true\n" {
		t.Errorf("after the import: %q, want %q", got, "4/5 true\n")
	}
	expect(t, k, "fmt.Sprintf(\"%T %v\", p, mk(1))", `"main.Pt 1/2"`)
}

// rejectedDecls declare a type Go's compiler rejects (larger than the
// address space) where go/types and the interpreter accept it, a func
// that uses it, and one that does not.
const rejectedDecls = `type Grid [1 << 51]byte

func describe(g *Grid) string {
	if g == nil {
		return "no grid"
	}
	return "a grid"
}

func twice(x int) int { return 2 * x }`

// TestGenerationRejected: a declaration Go's compiler rejects runs
// interpreted, with what uses it, after a one-line notice naming it and
// go build's message; the cell's other declarations, earlier compiled
// ones and values stay compiled and usable, a later declaration cell
// builds without a failed build, and mirrors, a crash of the image process
// and an interrupt keep the image.
func TestGenerationRejected(t *testing.T) {
	needsCompiled(t)
	why := goRejects(t, "package main\n\n"+rejectedDecls+"\n\nfunc main() { println(describe(nil), twice(1)) }\n")
	want := goStdout(t, `package main

import "fmt"

type Pt struct{ x, Y int }

func (p Pt) String() string { return fmt.Sprint(p.x, "/", p.Y) }

func mk(x int) Pt { return Pt{x, x + 1} }

func twice(x int) int { return 2 * x }

func thrice(x int) int { return twice(x) + x }

func main() {
	p := mk(4)
	fmt.Println(twice(21), p)
	fmt.Printf("%T %v\n", p, mk(1))
	fmt.Println(thrice(5))
	var out []int
	for _, i := range []int{1, 2, 3} {
		out = append(out, twice(i))
	}
	fmt.Println(out)
}
`)
	k := start(t)
	var got strings.Builder
	cell := func(code string, wantStderr string) {
		t.Helper()
		r := ok(t, k, code)
		got.WriteString(stdout(r))
		if s := stderrText(r); s != wantStderr {
			t.Errorf("cell %q wrote on stderr\n%q\nwant\n%q", code, s, wantStderr)
		}
	}
	cell("import \"fmt\"\n\ntype Pt struct{ x, Y int }\n\nfunc (p Pt) String() string { return fmt.Sprint(p.x, \"/\", p.Y) }\n\nfunc mk(x int) Pt { return Pt{x, x + 1} }\n\np := mk(4)\nkept := 5", "")
	cell(rejectedDecls+"\n\nfmt.Println(twice(21), p)",
		"note: Grid runs interpreted, not compiled, with what uses it: cell[2]/_.go:1:6: "+why+"\n")
	cell("fmt.Printf(\"%T %v\\n\", p, mk(1))", "")
	expect(t, k, "describe(nil)", `"no grid"`)
	// describe is interpreted with Grid: thrice, which does not use them, is
	// compiled with twice, and the cell builds once, without a notice.
	cell("func thrice(x int) int { return twice(x) + x }\n\nfunc deep(n int) int { return deep(n+1) + 1 }\n\nfmt.Println(thrice(5))", "")
	cell("fmt.Println(ParallelCollect([]int{1, 2, 3}, twice))", "")
	if got.String() != want {
		t.Errorf("stdout:\n%s\nwant (Go):\n%s", got.String(), want)
	}
	r := ok(t, k, "fmt.Println(ParallelCollect([]int{1, 2}, func(i int) string { return describe(nil) }))")
	if s := stdout(r); s != "[no grid no grid]\n" {
		t.Errorf("mirrors with the interpreted Grid printed %q, want [no grid no grid]", s)
	}

	r = fails(t, k, "kept = 7\ndeep(0)", "StackOverflow")
	if !strings.Contains(errorText(r), "restored") {
		t.Errorf("the stack overflow's error does not say the image was restored:\n%s", errorText(r))
	}
	expect(t, k, "fmt.Sprintf(\"%v %v %v %v %v\", kept, p, twice(2), thrice(1), describe(nil))", `"5 4/5 4 3 no grid"`)

	cell("func spin(g *Grid) {\n\tfor {\n\t}\n}", "")
	ctx := ctxT(t)
	m, err := k.NewRequest("execute_request", kerneltest.ExecuteContent("kept = 6\nfmt.Println(\"spinning\")\nspin(nil)"))
	if err != nil {
		t.Fatal(err)
	}
	if err := k.SendMessage(kerneltest.Shell, m); err != nil {
		t.Fatal(err)
	}
	if _, err := k.WaitFor(ctx, kerneltest.IOPub, func(s *kernel.Message) bool {
		text, _ := kerneltest.Fields(s)["text"].(string)
		return s.ParentID() == m.Header.MsgID && strings.Contains(text, "spinning")
	}); err != nil {
		t.Fatal(err)
	}
	if _, err := k.Interrupt(ctx); err != nil {
		t.Fatal(err)
	}
	if r, err := k.Await(ctx, kerneltest.Shell, m); err != nil || kernelEname(r) != "Interrupted" {
		t.Fatalf("reply %v (%v), want Interrupted", r, err)
	}
	expect(t, k, "fmt.Sprintf(\"%v %v %v %v\", kept, p, thrice(2), describe(nil))", `"5 4/5 6 no grid"`)
}

// collisionProgram declares, at top level, every name under which the
// generation's own files imported a package (reflect, go/constant,
// go/token, path, and p3, p4, ... for the packages their types name) and
// the declarations that make those files import them: untyped constants,
// a session interface (its wrapper), unexported fields and methods of
// package types (their accessors); and len and any, builtins the table's
// code used.
const collisionProgram = `package main

import (
	"fmt"
	"io"
	"strings"
)

func reflect(s string) string {
	out := ""
	for _, r := range s {
		out = string(r) + out
	}
	return out
}

func shout(s string) string { return strings.ToUpper(reflect(s)) }

type token struct {
	kind string
	text strings.Builder
}

func (t *token) add(parts ...string) *token {
	for _, p := range parts {
		t.text.WriteString(p)
	}
	return t
}

func (t *token) String() string { return t.kind + ":" + t.text.String() }

var path = []string{"usr", "local", "go"}

const constant = 7

const ratio = 2.5

const greeting = "hi"

type Shape interface {
	Area() float64
	Describe(w io.Writer) int
}

type rect struct{ w, h float64 }

func (r rect) Area() float64 { return r.w * r.h }

func (r rect) Describe(w io.Writer) int {
	n, _ := fmt.Fprintf(w, "rect %vx%v", r.w, r.h)
	return n
}

func describe(s Shape, sb *strings.Builder) string {
	n := s.Describe(sb)
	return fmt.Sprintf("%s (%d bytes, area %v)", sb.String(), n, s.Area())
}

var p3 = "three"

func p4(i int) string { return path[i] }

type p5 struct {
	out io.Writer
	n   int
}

func (p *p5) write(s string) {
	n, _ := io.WriteString(p.out, s)
	p.n += n
}

const p6 = constant * 6

func twice(x int) int { return 2 * x }

type any = interface{}

func len(parts []string) int {
	n := 0
	for range parts {
		n++
	}
	return n
}

func count(xs ...any) int { return 100 + len(path) + constant*0 + len(nil) + xs[0].(int) }

func main() {
	fmt.Println(reflect("abc"), shout("xy"), twice(4))
	t := &token{kind: "ident"}
	fmt.Println(t.add("x", "y", "z"))
	fmt.Println(strings.Join(path, "/"), p4(1), p3, len(path), count(1))
	fmt.Println(constant, ratio*constant, greeting, p6)
	var sb strings.Builder
	fmt.Println(describe(rect{2, 3}, &sb))
	w := &p5{out: &sb}
	w.write("!")
	fmt.Println(sb.String(), w.n)
}
`

// TestGenerationCollidingNames: a program whose top-level names are those
// of the packages the generation's own files import compiles, without a
// notice, and prints what go run prints. The failure of p4 in a mirror
// shows its frame compiled. Interpreted (DMIRROR_NATIVE=0) too, the names
// are the program's.
func TestGenerationCollidingNames(t *testing.T) {
	want := goStdout(t, collisionProgram)
	k := start(t)
	r := ok(t, k, asCell(collisionProgram))
	if got := stdout(r); got != want {
		t.Errorf("stdout %q, want (Go) %q", got, want)
	}
	s := stderrText(r)
	if interpretedMode() {
		s = withoutNotice(s) // that declarations run interpreted
	}
	if s != "" {
		t.Errorf("stderr %q, want nothing", s)
	}
	expect(t, k, "twice(5) + len(path) + len([]string{p4(2)})", "14")
	if interpretedMode() {
		return
	}
	r = fails(t, k, "ParallelCollect([]int{0, 3}, p4)", "MirrorError")
	if text := displayText(r); !strings.Contains(text, "at p4 (cell[1] line 61) [compiled: no locals]") {
		t.Errorf("the failure of p4 shows\n%s\nwant its compiled frame", text)
	}
}

// variadicProgram passes values of session types to variadic parameters
// of compiled funcs and methods (...Shape, Shape a session interface, and
// ...Point, a session struct): values of compiled types and of types that
// stay interpreted (their methods start goroutines), as arguments, none,
// a slice with ..., nil..., through func and method values and method
// expressions, in deferred calls.
const variadicProgram = `package main

import (
	"fmt"
	"strings"
)

type Shape interface {
	Area() float64
	Name() string
}

type Square struct{ S float64 }

func (s Square) Area() float64 { return s.S * s.S }
func (s Square) Name() string  { return fmt.Sprintf("square(%v)", s.S) }

// blob stays interpreted: its method starts a goroutine.
type blob struct{ r float64 }

func (b blob) Area() float64 {
	ch := make(chan float64)
	go func() { ch <- 3 * b.r * b.r }()
	return <-ch
}

func (b blob) Name() string { return fmt.Sprintf("blob(%v)", b.r) }

// tally stays interpreted too, implemented by a pointer.
type tally struct{ n int }

func (t *tally) Area() float64 {
	done := make(chan bool)
	go func() { t.n++; done <- true }()
	<-done
	return float64(t.n)
}

func (t *tally) Name() string { return fmt.Sprintf("tally(%d)", t.n) }

type Point struct{ X, Y int }

func total(xs ...Shape) float64 {
	s := 0.0
	for _, x := range xs {
		s += x.Area()
	}
	return s
}

func names(sep string, xs ...Shape) string {
	var parts []string
	for _, x := range xs {
		parts = append(parts, x.Name())
	}
	return fmt.Sprintf("%d %v [%s]", len(xs), xs == nil, strings.Join(parts, sep))
}

func sum(ps ...Point) Point {
	var r Point
	for _, p := range ps {
		r.X += p.X
		r.Y += p.Y
	}
	return r
}

func first(ps ...Point) (Point, bool) {
	if len(ps) == 0 {
		return Point{}, false
	}
	ps[0].X = -ps[0].X // the caller's slice, as Go passes s...
	return ps[0], true
}

func apply(f func(...Shape) float64, xs ...Shape) float64 { return f(xs...) + f() }

type Bag struct{ items []Shape }

func (b *Bag) Add(xs ...Shape) *Bag {
	b.items = append(b.items, xs...)
	return b
}

func (b *Bag) add(xs ...Shape) int {
	b.items = append(b.items, xs...)
	return len(b.items)
}

func (b Bag) Names(sep string, more ...Shape) string {
	return names(sep, append(append([]Shape(nil), b.items...), more...)...)
}

func (p Point) Shift(ds ...Point) Point { return sum(append([]Point{p}, ds...)...) }

func main() {
	sq, bl, tl := Square{2}, blob{1}, &tally{}
	fmt.Println(total(sq, bl, tl), total(), total(bl))
	s := []Shape{bl, sq, tl}
	fmt.Println(total(s...), total(s[:0]...), total(nil...))
	fmt.Println(names(",", sq, bl, tl))
	fmt.Println(names(","))
	fmt.Println(names("+", s...))
	fmt.Println(names("-", nil...))
	fmt.Println(sum(Point{1, 2}, Point{3, 4}), sum())
	ps := []Point{{5, 6}, {7, 8}}
	fmt.Println(sum(ps...))
	fmt.Println(first(ps...))
	fmt.Println(ps)
	fmt.Println(first())
	fmt.Println(Point{1, 1}.Shift(Point{2, 2}, Point{3, 3}), Point{1, 1}.Shift(ps...), Point{}.Shift())

	b := &Bag{}
	b.Add(sq).Add(bl, tl).Add()
	b.Add(s...)
	fmt.Println(b.add(), b.add(Square{1}, blob{2}), b.add(s[:1]...))
	fmt.Println(b.Names(" "), b.Names(" ", blob{3}), b.Names("/", s...))

	var f func(...Shape) float64 = total
	fmt.Println(f(sq, bl), f(), f(s...))
	fmt.Println(apply(total, sq, bl), apply(total), apply(total, s...))
	fmt.Println(apply(func(xs ...Shape) float64 { return float64(len(xs)) }, bl, sq))
	add, shift := b.Add, Point{10, 10}.Shift
	add(blob{4}, Square{5})
	fmt.Println(len(b.items), shift(Point{1, 2}, Point{3, 4}), shift())
	fmt.Println((*Bag).Add(b, sq).add(bl, sq))
	var n func(string, ...Shape) string = b.Names
	fmt.Println(n(";", tl, sq))
	func() {
		defer fmt.Println(len(b.items), names(";", bl), total(nil...))
		defer b.Add(bl, sq)
		defer b.add(blob{6})
	}()
	fmt.Println(len(b.items))
}
`

// TestGenerationInterpretedTypeVariadic: the statements of
// variadicProgram, interpreted, call its compiled declarations (a cell
// before) and print what go run prints; interpreted (DMIRROR_NATIVE=0)
// too.
func TestGenerationInterpretedTypeVariadic(t *testing.T) {
	want := goStdout(t, variadicProgram)
	k := start(t)
	decls, body := asCells(variadicProgram)
	r := ok(t, k, decls)
	if s := withoutNotice(stderrText(r)); s != "" {
		t.Errorf("the declarations wrote on stderr %q, want nothing", s)
	}
	r = ok(t, k, body)
	if got := stdout(r); got != want {
		t.Errorf("stdout:\n%s\nwant (Go):\n%s", got, want)
	}
	if s := stderrText(r); s != "" {
		t.Errorf("stderr %q, want nothing", s)
	}
}

// TestCompiledBlockPostMortem: an element failing in a compiled block (a
// literal with a loop) shows the element, the panic and the block's frame
// with its line in the cell that ran it (not the cell that first compiled
// it), marked compiled; the same block written so that it stays
// interpreted (it writes a variable it did not declare) shows its locals.
func TestCompiledBlockPostMortem(t *testing.T) {
	needsCompiled(t)
	k := start(t)
	const block = "func(n int) int {\n\ts := 0\n\tfor j := 0; j < n; j++ {\n\t\ts += 10 / (2 - j)%s\n\t}\n\treturn s\n}"
	expect(t, k, "xs := []int{1, 2}\nParallelCollect(xs, "+fmt.Sprintf(block, "")+")", "[5 15]")
	r := fails(t, k, "xs = []int{1, 2, 3}\n\nParallelCollect(xs, "+fmt.Sprintf(block, "")+")", "MirrorError")
	text := displayText(r)
	for _, want := range []string{"element 2: 3", "integer divide by zero", "at func literal (cell[2] line 6) [compiled: no locals]"} {
		if !strings.Contains(text, want) {
			t.Errorf("the failure of the compiled block shows\n%s\nwant %q", text, want)
		}
	}
	r = fails(t, k, "calls := 0\nParallelCollect([]int{1, 2, 3}, "+fmt.Sprintf(block, "\n\t\tcalls++")+")", "MirrorError")
	text = displayText(r)
	if !strings.Contains(text, "integer divide by zero") || !strings.Contains(text, "at func literal (cell[3] line 5)") || !strings.Contains(text, "s int = ") || strings.Contains(text, "[compiled") {
		t.Errorf("the failure of the interpreted block shows\n%s\nwant its cell line and locals, no compiled frame", text)
	}
}

// TestCompiledBlocksInterpreted: the cell program of compiled blocks gives
// the same output with DMIRROR_NATIVE=0, where every block is interpreted.
func TestCompiledBlocksInterpreted(t *testing.T) {
	kerneltest.SharedBinary(t)
	for _, f := range semFiles(t, generationsDir) {
		if f.name == "blocks.txtar" {
			f.env = append(f.env, "DMIRROR_NATIVE=0")
			runSemFile(t, f)
			return
		}
	}
	t.Fatal("no blocks.txtar in " + generationsDir)
}

// TestCompiledBlockInterrupted: an interrupt stops a call whose compiled
// block is in a long loop (the mirrors cannot check for it: the pool kills
// and replaces them), and the next call works.
func TestCompiledBlockInterrupted(t *testing.T) {
	needsCompiled(t)
	k := start(t)
	ctx := ctxT(t)
	ok(t, k, "import \"fmt\"\n\nfunc sq(x int) int { return x * x }")
	code := "ys := ParallelCollect([]int{1, 2}, func(n int) int {\n\tfmt.Println(\"looping\", n)\n\ts := 0\n\tfor i := 0; i < 1<<60; i++ {\n\t\ts += i % 7\n\t}\n\treturn s\n})"
	m, err := k.NewRequest("execute_request", kerneltest.ExecuteContent(code))
	if err != nil {
		t.Fatal(err)
	}
	if err := k.SendMessage(kerneltest.Shell, m); err != nil {
		t.Fatal(err)
	}
	if _, err := k.WaitFor(ctx, kerneltest.IOPub, func(s *kernel.Message) bool {
		text, _ := kerneltest.Fields(s)["text"].(string)
		return s.ParentID() == m.Header.MsgID && strings.Contains(text, "looping")
	}); err != nil {
		t.Fatal(err)
	}
	t0 := time.Now()
	if _, err := k.Interrupt(ctx); err != nil {
		t.Fatal(err)
	}
	r, err := k.Await(ctx, kerneltest.Shell, m)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("interrupt of a compiled block's loop: %v", time.Since(t0))
	if kernelEname(r) != "Interrupted" {
		t.Errorf("reply %v, want Interrupted", kerneltest.Fields(r.Reply))
	}
	expect(t, k, "ParallelCollect([]int{3, 4}, func(n int) int {\n\ts := 0\n\tfor i := range n {\n\t\ts += sq(i)\n\t}\n\treturn s\n})", "[5 14]")
}

package e2e

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// ifaceDecls declares the session types the interface tests pass around: a
// recursive type, a plain struct, an interface with a method and a type
// implementing it, and an error type.
const ifaceDecls = `import (
	"errors"
	"fmt"
	"time"
)

type Node struct {
	V    int
	Next *Node
}

type Pt struct{ X, Y int }

type Shape interface{ Area() int }

type Sq struct{ S int }

func (q Sq) Area() int { return q.S * q.S }

type CodeErr struct{ Code int }

func (e *CodeErr) Error() string { return fmt.Sprint("code ", e.Code) }

var _, _ = errors.New, time.Second`

// cellCase is a cell and what it must print.
type cellCase struct{ cell, want string }

func (s *session) expect(t *testing.T, cases []cellCase) {
	t.Helper()
	for _, tc := range cases {
		if out := s.run(t, tc.cell); out != tc.want {
			t.Errorf("cell\n%s\nprinted %q, want %q", tc.cell, out, tc.want)
		}
	}
}

// TestCapturedInterfaceLocals: a block sees the captured locals of
// interface types with the values the kernel's locals hold, nil included:
// any holding a number, a session struct, a pointer to a recursive session
// type, a map of any and a slice of session structs; error and fmt.Stringer
// holding values of compiled types; a nil session interface.
func TestCapturedInterfaceLocals(t *testing.T) {
	s := newSession(t)
	s.run(t, ifaceDecls)
	s.run(t, "func f() { var c any = 5; fmt.Println(ParallelCollect([]int{1,2}, func(x int) any { return c })) }")
	s.expect(t, []cellCase{
		{"f()", "[5 5]\n"},
		{"func() {\n\tvar c any\n\tfmt.Println(ParallelCollect([]int{1, 2}, func(x int) bool { return c == nil }))\n}()", "[true true]\n"},
		{"func() {\n\tvar p any = Pt{1, 2}\n\tfmt.Println(ParallelCollect([]int{1, 2}, func(x int) int { return p.(Pt).X + x }))\n}()", "[2 3]\n"},
		{"func() {\n\tvar p any = &Node{V: 5, Next: &Node{V: 6}}\n\tfmt.Println(ParallelCollect([]int{1, 2}, func(x int) int { n := p.(*Node); return n.V + n.Next.V + x }))\n}()", "[12 13]\n"},
		{"func() {\n\tm := map[string]any{\"a\": 1, \"p\": Pt{3, 4}}\n\tfmt.Println(ParallelCollect([]int{1, 2}, func(x int) int { return m[\"a\"].(int) + m[\"p\"].(Pt).Y + x }))\n}()", "[6 7]\n"},
		{"func() {\n\tvar v any = []Pt{{1, 2}, {3, 4}}\n\tfmt.Println(ParallelCollect([]int{0, 1}, func(x int) int { return v.([]Pt)[x].X }))\n}()", "[1 3]\n"},
		{"func() {\n\tvar e error = errors.New(\"boom\")\n\tfmt.Println(ParallelCollect([]int{1, 2}, func(x int) string { return e.Error() }))\n}()", "[boom boom]\n"},
		{"func() {\n\tvar e error\n\tfmt.Println(ParallelCollect([]int{1, 2}, func(x int) bool { return e == nil }))\n}()", "[true true]\n"},
		{"func() {\n\tvar st fmt.Stringer = time.Second\n\tfmt.Println(ParallelCollect([]int{1, 2}, func(x int) string { return st.String() }))\n}()", "[1s 1s]\n"},
		{"func() {\n\tvar sh Shape\n\tfmt.Println(ParallelCollect([]int{1, 2}, func(x int) bool { return sh == nil }))\n}()", "[true true]\n"},
		// A lone captured []any (which yaegi passes to the block option as
		// its variadic captures), empty and nil too.
		{"func() {\n\tcs := []any{&Node{V: 1}, Pt{2, 3}}\n\tfmt.Println(ParallelCollect([]int{0, 1}, func(x int) int {\n\t\tswitch v := cs[x].(type) {\n\t\tcase *Node:\n\t\t\treturn v.V * len(cs)\n\t\tcase Pt:\n\t\t\treturn v.Y * len(cs)\n\t\t}\n\t\treturn -1\n\t}))\n}()", "[2 6]\n"},
		{"func() {\n\tcs := []any{7}\n\tfmt.Println(ParallelCollect([]int{0}, func(x int) any { return cs[x] }))\n}()", "[7]\n"},
		{"func() {\n\tvar cs []any\n\tfmt.Println(ParallelCollect([]int{0, 1}, func(x int) bool { return cs == nil }))\n}()", "[true true]\n"},
		// A block given by name and one that assigns its capture are not
		// inlined: the capture reaches them through the generated wrapper.
		{"func() {\n\tvar c any = 3\n\tfmt.Println(ParallelCollect([]int{1, 2}, func(x int) any { c = x + c.(int); return c }))\n}()", "[4 5]\n"},
	})
}

// TestRecursiveTypeInInterfaceGlobals: globals holding pointers to a
// recursive session type inside interfaces reach the mirrors, read by a
// block through a func.
func TestRecursiveTypeInInterfaceGlobals(t *testing.T) {
	s := newSession(t)
	s.run(t, ifaceDecls)
	s.run(t, "items := []any{&Node{V: 1}, 2}\nfunc get(i int) int { if n, ok := items[0].(*Node); ok { return n.V + i }; return -1 }")
	s.run(t, "byName := map[string]any{\"n\": &Node{V: 8, Next: &Node{V: 9}}, \"p\": Pt{1, 2}}\nfunc look(i int) int { return byName[\"n\"].(*Node).Next.V + byName[\"p\"].(Pt).Y + i }")
	s.run(t, "anyPt := any(Pt{5, 6})\nfunc ptY(i int) int { return anyPt.(Pt).Y + i }")
	s.expect(t, []cellCase{
		{"fmt.Println(ParallelCollect([]int{1, 2}, get))", "[2 3]\n"},
		{"fmt.Println(ParallelCollect([]int{1, 2}, look))", "[12 13]\n"},
		{"fmt.Println(ParallelCollect([]int{1, 2}, ptY))", "[7 8]\n"},
	})
}

// TestInterfaceElements: elements of interface types, holding compiled
// values, session structs and pointers to a recursive session type, through
// ops that keep or return them.
func TestInterfaceElements(t *testing.T) {
	s := newSession(t)
	s.run(t, ifaceDecls)
	s.expect(t, []cellCase{
		{"fmt.Println(ParallelCollect([]any{&Node{V: 3}, 4}, func(x any) int { if n, ok := x.(*Node); ok { return n.V }; return x.(int) }))", "[3 4]\n"},
		{"fmt.Println(ParallelCollect([]any{Pt{1, 2}, \"s\", 3, nil}, func(x any) string { return fmt.Sprint(x) }))", "[{1 2} s 3 <nil>]\n"},
		{"fmt.Println(ParallelCollect([]map[string]any{{\"a\": Pt{1, 2}}}, func(m map[string]any) int { return m[\"a\"].(Pt).X }))", "[1]\n"},
		{"fmt.Println(ParallelCollect([]error{errors.New(\"a\"), nil}, func(e error) bool { return e == nil }))", "[false true]\n"},
		{"fmt.Println(ParallelSelect([]any{1, \"a\", Pt{1, 2}}, func(x any) bool { _, ok := x.(Pt); return !ok }))", "[1 a]\n"},
		{"fmt.Println(ParallelGroupedBy([]any{1, \"a\", 2}, func(x any) string { return fmt.Sprintf(\"%T\", x) }))", "map[int:[1 2] string:[a]]\n"},
	})
}

// TestInterfaceResults: results of interface types holding compiled values
// and session structs come back.
func TestInterfaceResults(t *testing.T) {
	s := newSession(t)
	s.run(t, ifaceDecls)
	s.expect(t, []cellCase{
		{"fmt.Println(ParallelCollect([]int{1, 2}, func(x int) any { return Pt{x, x} }))", "[{1 1} {2 2}]\n"},
		{"fmt.Println(ParallelCollect([]int{1, 2}, func(x int) map[string]any { return map[string]any{\"p\": []Pt{{x, x}}} }))", "[map[p:[{1 1}]] map[p:[{2 2}]]]\n"},
		{"fmt.Println(ParallelCollect([]int{1, 2}, func(x int) error { if x == 2 { return errors.New(\"e\") }; return nil }))", "[<nil> e]\n"},
		{"fmt.Println(ParallelCollect([]int{1, 2}, func(x int) fmt.Stringer { return time.Duration(x) }))", "[1ns 2ns]\n"},
	})
}

// TestInterfaceFailureReport: a block failing on an element of type any
// shows the element and the block's locals in its report.
func TestInterfaceFailureReport(t *testing.T) {
	s := newSession(t)
	s.run(t, ifaceDecls)
	_, out := s.fails(t, "func() {\n\tvar c any = 5\n\tParallelCollect([]any{1, \"x\"}, func(x any) int {\n\t\ty := c.(int)\n\t\treturn x.(int) + y\n\t})\n}()", "MirrorError")
	ds := reports(out)
	if len(ds) != 1 {
		t.Fatalf("%d failure reports, want 1", len(ds))
	}
	text, _ := ds[0].Data["text/plain"].(string)
	for _, want := range []string{"element 1: \"x\"", "panic: interface conversion", "x interface {} = \"x\"", "y int = 5"} {
		if !strings.Contains(text, want) {
			t.Errorf("report lacks %q:\n%s", want, text)
		}
	}
}

// TestSessionInterfaceValuesCompiled: values of session types held in
// interfaces with methods (captured, global, elements), which yaegi holds
// with interpreter state, travel to the mirrors and back now that the
// session's types are compiled (issue 11): the cells print what the same
// code prints as a Go program.
func TestSessionInterfaceValuesCompiled(t *testing.T) {
	s := newSession(t)
	s.run(t, ifaceDecls)
	s.run(t, "var gsh Shape = Sq{4}\nfunc area(x int) int { return gsh.Area() + x }")
	s.run(t, "var gerr error = &CodeErr{9}\nfunc (q Sq) String() string { return fmt.Sprint(\"sq \", q.S) }")
	cells := []string{
		"func() {\n\tvar e error = &CodeErr{7}\n\tfmt.Println(ParallelCollect([]int{1, 2}, func(x int) string { return e.Error() }))\n}()",
		"fmt.Println(ParallelCollect([]error{errors.New(\"a\"), &CodeErr{2}}, func(e error) string { return e.Error() }))",
		"func() {\n\tvar sh Shape = Sq{3}\n\tfmt.Println(ParallelCollect([]int{1, 2}, func(x int) int { return sh.Area() }))\n}()",
		"fmt.Println(ParallelCollect([]int{1, 2}, area))",
		"fmt.Println(ParallelCollect([]int{1, 2}, func(x int) string { return gerr.Error() }))",
		"func() {\n\tvar st fmt.Stringer = Sq{2}\n\tfmt.Println(ParallelCollect([]int{1, 2}, func(x int) string { return st.String() }))\n}()",
		"fmt.Println(ParallelCollect([]Shape{Sq{1}}, func(s Shape) int { return s.Area() }))",
		"fmt.Println(ParallelCollect([]int{1, 2}, func(x int) error { if x == 2 { return &CodeErr{x} }; return nil }))",
	}
	// The Go program: ParallelCollect as a sequential map.
	prog := ifaceDecls + "\n\nfunc ParallelCollect[T, R any](xs []T, f func(T) R) []R {\n\tvar out []R\n\tfor _, x := range xs {\n\t\tout = append(out, f(x))\n\t}\n\treturn out\n}\n\n" +
		"var gsh Shape = Sq{4}\n\nfunc area(x int) int { return gsh.Area() + x }\n\nvar gerr error = &CodeErr{9}\n\nfunc (q Sq) String() string { return fmt.Sprint(\"sq \", q.S) }\n\nfunc main() {\n" +
		strings.Join(cells, "\n") + "\n}\n"
	want := strings.SplitAfter(goStdout(t, "package main\n\n"+prog), "\n")
	for i, cell := range cells {
		if got := s.run(t, cell); got != want[i] {
			t.Errorf("%s\nprinted %q, want (go run) %q", cell, got, want[i])
		}
	}
}

// goStdout runs src as a Go program and returns its stdout.
func goStdout(t *testing.T, src string) string {
	t.Helper()
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "main.go"), []byte(src), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "go.mod"), []byte("module oracle\n\ngo 1.26\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command("go", "run", ".")
	cmd.Dir = dir
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("go run: %v", err)
	}
	return string(out)
}

// TestRecursiveTypeInInterfaceRestored: a global holding a pointer to a
// recursive session type inside an interface keeps its value when a cell
// that changed it fails (the image process restores its snapshot) and when
// the image process dies (a new one restores the kernel's snapshot).
func TestRecursiveTypeInInterfaceRestored(t *testing.T) {
	s := newSession(t)
	s.run(t, ifaceDecls)
	s.run(t, "items := []any{&Node{V: 1, Next: &Node{V: 2}}, 2}")
	const show = "fmt.Println(len(items), items[0].(*Node).Next.V)"
	res, out := s.exec(t.Context(), "items = append(items, 3)\npanic(\"stop\")")
	if res.Error == nil {
		t.Fatal("the failing cell succeeded")
	}
	if tb := strings.Join(res.Error.Traceback, "\n"); strings.Contains(tb, "except") {
		t.Errorf("restoring after the failed cell:\n%s", tb)
	}
	if got := s.run(t, show); got != "2 2\n" {
		t.Errorf("after a failed cell: %q, want %q", got, "2 2\n")
	}
	pids := childPids(t, "__image")
	if len(pids) != 1 {
		t.Fatalf("image processes %v, want one", pids)
	}
	if err := syscall.Kill(pids[0], syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	if gone, err := waitExit(pids[0], 10*time.Second); err != nil || !gone {
		t.Fatalf("the image process did not end: %v", err)
	}
	res, out = s.exec(t.Context(), show)
	if res.Error != nil {
		t.Fatalf("after the image process died: %v", res.Error)
	}
	if got, stderr := out.Text("stdout"), out.Text("stderr"); got != "2 2\n" || strings.Contains(stderr, "items") {
		t.Errorf("after the image process died: printed %q, stderr %q; want %q and items restored", got, stderr, "2 2\n")
	}
}

// TestRecursiveTypeInInterfaceResults: results that hold a recursive
// session type in an interface come back from the mirrors intact (the
// image decodes them with its declared types known).
func TestRecursiveTypeInInterfaceResults(t *testing.T) {
	s := newSession(t)
	s.run(t, ifaceDecls)
	got := s.run(t, "rs := ParallelCollect([]int{1, 2, 3}, func(x int) any { return &Node{V: x, Next: &Node{V: 10 * x}} })\nfor _, r := range rs { n := r.(*Node); fmt.Print(n.V, n.Next.V, \" \") }")
	if got != "1 10 2 20 3 30 " {
		t.Errorf("printed %q, want %q", got, "1 10 2 20 3 30 ")
	}
}

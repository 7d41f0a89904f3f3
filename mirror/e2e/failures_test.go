package e2e

import (
	"strings"
	"testing"
)

const accDecls = "type Acc struct {\n\tName string\n\tN    int\n}\n\nfunc ratio(a Acc, b int) int {\n\tq := a.N * 2\n\treturn q / b\n}"

// TestPanicReport: a panic in a block shows, before the cell's error
// (ename MirrorError), one report per failed mirror with the element, the
// panic, the interpreted frames (func, cell, line) and their locals.
func TestPanicReport(t *testing.T) {
	s := newSession(t)
	s.run(t, accDecls)
	res, out := s.fails(t, "name := \"acc\"\nParallelCollect([]int{0, 1, 2, 3}, func(x int) int {\n\tacc := Acc{Name: name, N: x}\n\treturn ratio(acc, x-2)\n})", "MirrorError")
	t.Log(res.Error)
	ds := out.displays()
	if len(ds) != 1 {
		t.Fatalf("%d displays, want 1 failure report", len(ds))
	}
	text, _ := ds[0].data["text/plain"].(string)
	html, _ := ds[0].data["text/html"].(string)
	t.Log(text)
	for _, want := range []string{
		"mirror 2 failed (panic)",
		"element 2: 2",
		"divide by zero",
		"at ratio (cell[1] line 8",
		"a Acc = {Name:acc N:2}",
		"b int = 0",
		"q int = 4",
		"at func literal (cell[2] line 4",
		"x int = 2",
		"acc Acc = {Name:acc N:2}",
	} {
		if !strings.Contains(text, want) {
			t.Errorf("report lacks %q", want)
		}
	}
	for _, want := range []string{"element <b>2</b>", "<summary>ratio <i>cell[1] line 8", "<tr><td>a</td><td>Acc</td><td>{Name:acc N:2}</td></tr>", "<summary>func literal <i>cell[2] line 4"} {
		if !strings.Contains(html, want) {
			t.Errorf("html report lacks %q", want)
		}
	}
	if n := strings.Count(text, "  at "); n != 2 {
		t.Errorf("%d frames, want 2 (ratio and the block)", n)
	}
	if !strings.HasPrefix(res.Error.Value, "1 of 2 mirrors failed in ParallelCollect: mirror 2 at element 2: panic") {
		t.Errorf("error value %q", res.Error.Value)
	}
}

// TestPanicInBlockItself: a block that panics itself shows its one frame,
// with its locals, and no other.
func TestPanicInBlockItself(t *testing.T) {
	s := newSession(t)
	_, out := s.fails(t, "ParallelCollect([]int{5, 2, 7}, func(x int) int {\n\ty := x - 2\n\treturn 10 / y\n}, WithMirrors(3))", "MirrorError")
	ds := out.displays()
	if len(ds) != 1 {
		t.Fatalf("%d displays, want 1 failure report", len(ds))
	}
	text, _ := ds[0].data["text/plain"].(string)
	want := "── mirror 2 failed (panic) ──\nelement 1: 2\npanic: runtime error: integer divide by zero\n  at func literal (cell[1] line 3)\n      x int = 2\n      y int = 0\n"
	if text != want {
		t.Fatalf("report\n%s\nwant\n%s", text, want)
	}
}

// TestPanicInNamedBlock: a declared func given as the block shows its own
// frames only, not the wrapper the mirror calls it through.
func TestPanicInNamedBlock(t *testing.T) {
	s := newSession(t)
	s.run(t, "func risky(x int) int {\n\ty := x - 2\n\treturn 10 / y\n}")
	_, out := s.fails(t, "ParallelCollect([]int{5, 2, 7}, risky, WithMirrors(3))", "MirrorError")
	ds := out.displays()
	if len(ds) != 1 {
		t.Fatalf("%d displays, want 1 failure report", len(ds))
	}
	text, _ := ds[0].data["text/plain"].(string)
	want := "── mirror 2 failed (panic) ──\nelement 1: 2\npanic: runtime error: integer divide by zero\n  at risky (cell[1] line 3 col 9)\n      x int = 2\n      y int = 0\n"
	if text != want {
		t.Fatalf("report\n%s\nwant\n%s", text, want)
	}
}

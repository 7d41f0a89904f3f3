package frontend

import (
	"fmt"
	"reflect"
	"strings"
	"testing"
)

// exported prints the exported fields of a plan, which is what the rest of
// dmirror sees.
func exported(p *Plan) string {
	if p == nil {
		return "<nil>"
	}
	var b strings.Builder
	v := reflect.ValueOf(*p)
	for i := 0; i < v.NumField(); i++ {
		if f := v.Type().Field(i); f.IsExported() {
			fmt.Fprintf(&b, "%s: %#v\n", f.Name, v.Field(i).Interface())
		}
	}
	return b.String()
}

// TestShortcutsSameAsReference compiles sessions that use the prelude
// (its types in errors, its generic funcs, its unexported fields, methods
// added to its types, its names redeclared) and variables defined by
// literals, with the frontend's shortcuts and without (the prelude's stubs
// checked with every cell, pass 1 for every cell with variables): plans
// and errors must be the same.
func TestShortcutsSameAsReference(t *testing.T) {
	sessions := [][]string{
		{"x := 1", "x + 1"},
		{"s := \"a\"\nvar f = 1.5\nr := 'x'\nc := 2i\nx, y := 1, 0x2", "s + string(r)", "x := \"now a string\"", "x"},
		{"x := 1\nx = \"s\"", "var x = 1\nx := 2", "x, y := 1, 2\nz := x + y", "var a, b = 1, \"b\"\nvar (\n\tc = 1.0\n\td int\n)"},
		{"n := 1\nfunc ids() []int { return CreateMirror(func(x, i int) int { return i + n }, []int{5, 6}).Run() }", "ids()"},
		{"var s = `raw`\nfunc f() string { return s }", "s := \"again\"\nf()"},
		{"var o DisplayOutput = 3"},
		{"var m *Mirror[int] = 5"},
		{"ParallelCollect(1, 2)"},
		{"var p ParallelOption = WithMirrors(2)\np.name", "p.n + 1"},
		{"o := display.NewOutput()\no.HTML(\"<b>x</b>\")", "o", "o.ID + 1"},
		{"import \"fmt\"\nxs := []int{1, 2, 3}\nys := ParallelCollect(xs, func(x int) string { return fmt.Sprint(x) })", "len(ys)"},
		{"m := CreateMirror(func(x, i int) int { return x + i }, []int{1, 2})\nm.Run()"},
		{"func (o DisplayOutput) Extra() int { return 1 }\ndisplay.NewOutput().Extra()"},
		{"func WithMirrors(n int) int { return n }"},
		{"func f() { display.HTML(\"x\") }", "f()", "func g() int { f(); return 1 }\ng()"},
		{"type T struct{}\nfunc (T) HTML() string { return \"<i>t</i>\" }\nT{}"},
		{"d := DefaultCores()\nvar s string = d"},
	}
	for _, cells := range sessions {
		shared := newImage(t)
		each := newImage(t)
		each.reference = true
		for i, code := range cells {
			p1, err1 := shared.Compile(code, i+1)
			p2, err2 := each.Compile(code, i+1)
			if fmt.Sprint(err1) != fmt.Sprint(err2) {
				t.Errorf("%q cell %d: error\n%v\nwant\n%v", cells, i+1, err1, err2)
			}
			if got, want := exported(p1), exported(p2); got != want {
				t.Errorf("%q cell %d: plan\n%s\nwant\n%s", cells, i+1, got, want)
			}
			shared.Commit(p1)
			each.Commit(p2)
		}
	}
}

// TestPreludeTypesUnqualifiedInErrors checks that errors name the
// prelude's types as cells write them.
func TestPreludeTypesUnqualifiedInErrors(t *testing.T) {
	im := newImage(t)
	_, err := im.Compile("var o DisplayOutput = 3", 1)
	if err == nil || !strings.Contains(err.Error(), "as DisplayOutput value") || strings.Contains(err.Error(), "main.") {
		t.Errorf("error %v, want one naming DisplayOutput unqualified", err)
	}
}

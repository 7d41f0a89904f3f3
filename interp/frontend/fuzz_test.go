package frontend

import (
	"strings"
	"testing"
)

// FuzzCompile feeds arbitrary cells to Compile, IsComplete, Complete and
// Inspect: they must answer, never fail inside.
func FuzzCompile(f *testing.F) {
	for _, seed := range []string{
		"x := 1\nx",
		"import \"fmt\"\nfunc f() { fmt.Println(min(1, 2)) }",
		"for i := range 3 { go func() { println(i) }() }",
		"type T struct{ A int }\nfunc (t *T) M() {}\nvar t T\nt.M()",
		"ys := ParallelCollect([]int{1}, func(x int) string { return \"\" })",
		"CreateMirror(func(x, i int) int { return x }, []int{1}).Run()",
		"var (\n\ta = 1\n\tb string\n)\na",
		"switch v := any(1).(type) {\ncase int:\n\t_ = v\n}",
		"func ) {",
		"package p",
	} {
		f.Add(seed)
	}
	im := NewImage(Options{})
	defer im.Close()
	f.Fuzz(func(t *testing.T, code string) {
		if _, err := im.Compile(code, 1); err != nil && strings.Contains(err.Error(), "internal error") {
			t.Fatalf("Compile(%q): %v", code, err)
		}
		IsComplete(code)
		im.Complete(code, len(code)/2)
		im.Inspect(code, len(code)/2)
	})
}

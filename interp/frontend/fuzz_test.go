package frontend

import (
	"go/parser"
	"go/token"
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
		"m := map[int]int{}\nclear(m)\nvar n int64 = 3\nfor i := range n { _ = max(i, 2) }",
		"func g(xs ...int) {}\ngo g([]int{1}...)\nvar err error\nvar k int\nk, err = 1, nil",
		"type P struct{ X int }\nfunc (p P) Get() int { return p.X }\nf := P.Get\nvar fs []func() int\nfor i := 0; i < 3; i++ { if i == 1 { continue }; fs = append(fs, func() int { return i }) }",
		"package p",
	} {
		f.Add(seed)
	}
	im := NewImage(Options{})
	defer im.Close()
	f.Fuzz(func(t *testing.T, code string) {
		p, err := im.Compile(code, 1)
		if err != nil && strings.Contains(err.Error(), "internal error") {
			t.Fatalf("Compile(%q): %v", code, err)
		}
		if err == nil {
			// What compiles must at least be Go for the interpreter.
			for _, src := range []string{p.Decls, p.Body, p.ImageDecls} {
				if src == "" {
					continue
				}
				if _, err := parser.ParseFile(token.NewFileSet(), "", src, parser.SkipObjectResolution); err != nil {
					t.Fatalf("Compile(%q) emitted code that does not parse: %v\n%s", code, err, src)
				}
			}
		}
		IsComplete(code)
		im.Complete(code, len(code)/2)
		im.Inspect(code, len(code)/2)
	})
}

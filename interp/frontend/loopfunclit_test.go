package frontend

import (
	"strings"
	"testing"
)

// TestLoopFuncLitFrame: in a loop body, a func literal that is not
// called where it stands is made in a func literal of its own, called
// where it stands (issue 9 point 4, and yaegi's write-back of a closure's
// slot when it returns, see ownFrame), and nothing else is: literals
// called where they stand, Parallel blocks, literals in go and defer
// statements, and literals outside loops.
func TestLoopFuncLitFrame(t *testing.T) {
	tests := []struct {
		code string
		want []string // nil: no literal may be given a frame of its own
	}{
		{"import \"sync\"\nvar wg sync.WaitGroup\nfor i := 0; i < 2; i++ { wg.Go(func() { _ = i }) }", []string{"wg.Go(func() func() { return func() { _ = i } }())"}},
		{"import \"time\"\nfor _, d := range []int{1} { time.AfterFunc(0, func() { _ = d }) }", []string{"time.AfterFunc(0, func() func() { return func() { _ = d } }())"}},
		{"import \"net/http\"\nfor i := range 2 { _ = http.HandlerFunc(func(http.ResponseWriter, *http.Request) { _ = i }) }", []string{"http.HandlerFunc(func() func(http.ResponseWriter, *http.Request) { return func(_ http.ResponseWriter, _ *http.Request) { _ = i } }())"}},
		{"var fs []func()\nfor i := 0; i < 2; i++ { fs = append(fs, func() { _ = i }) }", []string{"append(fs, func() func() { return func() { _ = i } }())"}},
		{"func run(f func()) { f() }\nfor i := 0; i < 2; i++ { run(func() { _ = i }) }", []string{"run(func() func() { return func() { _ = i } }())"}},
		{"for i := 0; i < 2; i++ { f := func() int { return i }; _ = f }", []string{"f := func() func() int { return func() int { return i } }()"}},
		{"import \"sync\"\nvar wg sync.WaitGroup\nwg.Go(func() {})", nil},
		{"for i := 0; i < 2; i++ { func() { _ = i }() }", nil},
		{"for i := 0; i < 2; i++ { _ = ParallelCollect([]int{1}, func(x int) int { return x + i }) }", nil},
		{"import \"sync\"\nvar wg sync.WaitGroup\nfor i := 0; i < 2; i++ { defer wg.Go(func() { _ = i }) }", nil},
		{"func run(f func()) { f() }\nfor i := 0; i < 2; i++ { go run(func() { _ = i }) }", nil},
		{"for i := 0; i < 2; i++ { f := func() { _ = recover() }; f() }", nil},
		{"ch := make(chan func() int, 2)\nfor i := 0; i < 2; i++ { select { case ch <- func() int { return i }: } }", nil},
		{"for i := 0; i < 2; i++ { select { default: f := func() int { return i }; _ = f } }", []string{"f := func() func() int { return func() int { return i } }()"}},
	}
	tests = append(tests, []struct {
		code string
		want []string
	}{
		{"import \"fmt\"\nfor i := 0; i < 2; i++ { v := i * 2; defer func(s string) { fmt.Print(s, v, i) }(\"x\") }", []string{"(func(v int, i int) func(string) { return func(s string) { fmt.Print(s, v, i) } })(v, i)"}},
		{"import \"fmt\"\nfor _, s := range []string{\"a\"} { defer func() { fmt.Print(s) }() }", []string{"(func(s string) func() { return func() { fmt.Print(s) } })(s)"}},
	}...)
	// Deferred literals left as they are: no variable of the loop, recover,
	// a variable of the loop changed, outside a loop.
	for _, code := range []string{
		"import \"fmt\"\nvar g int\nfor i := 0; i < 2; i++ { defer func() { fmt.Print(g) }() }",
		"for i := 0; i < 2; i++ { defer func() { _ = recover(); _ = i }() }",
		"for i := 0; i < 2; i++ { defer func() { i++ }() }",
		"import \"fmt\"\ni := 1\ndefer func() { fmt.Print(i) }()",
	} {
		p, err := newImage(t).Compile(code, 1)
		if err != nil {
			t.Fatalf("%q: %v", code, err)
		}
		if strings.Contains(p.Body+p.Decls, "{ return func(") {
			t.Errorf("%q: the deferred literal is rewritten:\n%s", code, p.Body)
		}
	}
	for _, tt := range tests {
		p, err := newImage(t).Compile(tt.code, 1)
		if err != nil {
			t.Fatalf("%q: %v", tt.code, err)
		}
		plan := p.Body + p.Decls
		for _, w := range tt.want {
			if !strings.Contains(plan, w) {
				t.Errorf("%q: plan lacks %q:\n%s", tt.code, w, plan)
			}
		}
		if tt.want == nil && strings.Contains(plan, "{ return func(") {
			t.Errorf("%q: a literal is given a frame of its own:\n%s", tt.code, plan)
		}
	}
}

// TestCompiledVarAssign: an assignment to a variable of an imported
// package goes through its address (yaegi drops it when the value is a
// call or a composite literal); reads and other assignments stay.
func TestCompiledVarAssign(t *testing.T) {
	for _, tc := range []struct{ code, want, not string }{
		{"import \"os\"\nos.Args = []string{\"a\"}", "*(&os.Args) = []string{\"a\"}", ""},
		{"import \"time\"\nvar n int\ntime.Local, n = time.FixedZone(\"X\", 1), 2", "*(&time.Local), n = time.FixedZone(\"X\", 1), 2", ""},
		{"import \"os\"\nargs := os.Args\nargs = nil", "", "*(&"},
	} {
		p, err := newImage(t).Compile(tc.code, 1)
		if err != nil {
			t.Fatalf("%q: %v", tc.code, err)
		}
		plan := p.Body + p.Decls
		if tc.want != "" && !strings.Contains(plan, tc.want) {
			t.Errorf("%q: plan lacks %q:\n%s", tc.code, tc.want, plan)
		}
		if tc.not != "" && strings.Contains(plan, tc.not) {
			t.Errorf("%q: plan has %q:\n%s", tc.code, tc.not, plan)
		}
	}
}

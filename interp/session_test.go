package interp

import (
	"testing"

	"github.com/dmirror/dmirror/interp/frontend"
	"github.com/dmirror/dmirror/kernel/engine"
)

// run runs code as cell n and fails the test if it fails.
func run(t testing.TB, s *Session, n int, code string) engine.Result {
	t.Helper()
	res, _ := execCell(t, s, n, code)
	mustOK(t, res)
	return res
}

func intVar(name string) frontend.Var { return frontend.Var{Name: name, Type: "int"} }

func TestStateAcrossCells(t *testing.T) {
	s, _ := session(t, map[string]cell{
		"x := 21":                            {decls: "var x int", body: "x = 21", touched: []string{"x"}, newVars: []frontend.Var{intVar("x")}},
		"func double() int { return x * 2 }": {decls: "func double() int { return x * 2 }"},
		"double()":                           {body: "double()", result: true},
		`fmt.Println("hi")`:                  {decls: `import "fmt"`, body: `fmt.Println("hi")`},
	})
	run(t, s, 1, "x := 21")
	run(t, s, 2, "func double() int { return x * 2 }")
	if got := plain(run(t, s, 3, "double()")); got != "42" {
		t.Fatalf("double() = %q, want 42", got)
	}
	res, out := execCell(t, s, 4, `fmt.Println("hi")`)
	mustOK(t, res)
	if res.Data != nil {
		t.Errorf("a cell without a result gave %v", res.Data)
	}
	if got := out.Text("stdout"); got != "hi\n" {
		t.Errorf("stdout %q, want hi", got)
	}
}

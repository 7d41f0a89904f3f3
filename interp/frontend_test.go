package interp

import (
	"context"
	"os"
	"strings"
	"testing"

	"github.com/dmirror/dmirror/kernel/engine"
)

// realSession starts a Session with the real frontend.
func realSession(t *testing.T) *Session {
	t.Helper()
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	eng, err := NewSession(context.Background(), SessionOptions{Executable: exe})
	if err != nil {
		t.Fatal(err)
	}
	s := eng.(*Session)
	t.Cleanup(func() { s.Close() })
	return s
}

// TestWithFrontend runs cells as users write them, through the frontend.
func TestWithFrontend(t *testing.T) {
	s := realSession(t)
	steps := []struct {
		code, out, result, ename string
	}{
		{code: "import \"fmt\"\nx := 20\nfunc add(a int) int { return a + x }\nfmt.Println(\"ready\")", out: "ready\n"},
		{code: "x++\nadd(1)", result: "22"},
		{code: "func add(a int) int { return a * x }\nadd(2)", result: "42"},
		{code: "y := 5\npanic(\"no\")", ename: "Panic"},
		{code: "x", result: "21"},
		{code: "go func() { panic(\"bg\") }()\nselect {}", ename: "GoroutinePanic"},
		{code: "undefinedThing + 1", ename: "CompileError"},
		{code: "s := \"héllo\"\nlen(s)", result: "6"},
	}
	for i, st := range steps {
		res, out := execCell(t, s, i+1, st.code)
		if st.ename != "" {
			if res.Error == nil || res.Error.Name != st.ename {
				t.Fatalf("cell %d %q: got %v, want %s", i+1, st.code, res.Error, st.ename)
			}
			t.Logf("cell %d: %v", i+1, res.Error)
			continue
		}
		if res.Error != nil {
			t.Fatalf("cell %d %q failed: %v", i+1, st.code, res.Error)
		}
		if got := out.text("stdout"); got != st.out {
			t.Errorf("cell %d stdout %q, want %q", i+1, got, st.out)
		}
		if got := plain(res); got != st.result {
			t.Errorf("cell %d result %q, want %q", i+1, got, st.result)
		}
	}
	_ = engine.Result{}
	_ = strings.Contains
}

// TestParallel runs Parallel calls through the frontend, the image process
// and the mirror pool.
func TestParallel(t *testing.T) {
	s := realSession(t)
	run(t, s, 1, "factor := 10\nfunc scale(x int) int { return x * factor }")
	res := run(t, s, 2, "ParallelCollect([]int{1, 2, 3, 4}, scale)")
	if got := plain(res); got != "[10 20 30 40]" {
		t.Errorf("ParallelCollect = %q, want [10 20 30 40]", got)
	}
	res = run(t, s, 3, "k := 3\nParallelSelect([]int{1, 2, 3, 4, 5, 6}, func(x int) bool { return x%k == 0 })")
	if got := plain(res); got != "[3 6]" {
		t.Errorf("ParallelSelect = %q, want [3 6]", got)
	}
	res, out := execCell(t, s, 4, "ParallelCollect([]int{1, 0, 2}, func(x int) int { return 10 / x })")
	if res.Error == nil || res.Error.Name != "MirrorError" {
		t.Fatalf("dividing by zero in a mirror gave %v, want MirrorError", res.Error)
	}
	if len(out.displays) == 0 {
		t.Errorf("no failure report was displayed before the error")
	}
	if got := plain(run(t, s, 5, "ParallelCollect([]int{5}, scale)")); got != "[50]" {
		t.Errorf("after a failed call ParallelCollect = %q, want [50]", got)
	}
}

func TestParallelOutputIsTagged(t *testing.T) {
	s := realSession(t)
	res, out := execCell(t, s, 1, "ParallelCollect([]int{1, 2}, func(x int) int { println(\"got\", x); return x })")
	mustOK(t, res)
	if !strings.Contains(out.text("stdout"), "[mirror 1] got 1") {
		t.Errorf("mirror output is not tagged: %q", out.text("stdout"))
	}
}

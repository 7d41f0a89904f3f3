package interp

import (
	"context"
	"os"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/dmirror/dmirror/kernel/engine"
	"github.com/dmirror/dmirror/kernel/engine/enginetest"
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
		if got := out.Text("stdout"); got != st.out {
			t.Errorf("cell %d stdout %q, want %q", i+1, got, st.out)
		}
		if got := plain(res); got != st.result {
			t.Errorf("cell %d result %q, want %q", i+1, got, st.result)
		}
	}
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
	if len(out.Displays()) == 0 {
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
	if !strings.Contains(out.Text("stderr"), "[mirror 1] got 1") {
		t.Errorf("mirror output is not tagged: %q", out.Text("stderr"))
	}
}

// TestIntrospection checks completion, inspection and is_complete through
// the Session, with cursors in code points before non-ASCII text, and
// while a cell runs.
func TestIntrospection(t *testing.T) {
	s := realSession(t)
	run(t, s, 1, "import \"strings\"\nfunc grüße() string { return \"hi\" }")

	ctx, cancel := context.WithCancel(context.Background())
	out := enginetest.NewRecorder()
	done := make(chan engine.Result, 1)
	go func() {
		done <- s.Execute(ctx, engine.ExecuteRequest{Code: "import \"time\"\nprintln(\"started\")\ntime.Sleep(time.Hour)", Count: 2}, out)
	}()
	out.WaitFor(t, "stderr", "started")
	defer func() {
		cancel()
		<-done
	}()

	code := "s := \"ü€\"; strings.ToU"
	c := s.Complete(code, len([]rune(code)))
	if !contains(c.Matches, "ToUpper") {
		t.Errorf("completion of %q: %v, want ToUpper", code, c.Matches)
	}
	if want := len([]rune(code)) - len("ToU"); c.CursorStart != want || c.CursorEnd != len([]rune(code)) {
		t.Errorf("completion range %d-%d, want %d-%d (code points)", c.CursorStart, c.CursorEnd, want, len([]rune(code)))
	}
	code = "x := \"é\"; grü"
	if c := s.Complete(code, len([]rune(code))); !contains(c.Matches, "grüße") {
		t.Errorf("completion of a session func: %v", c.Matches)
	}
	insp := s.Inspect("strings.ToUpper", 10, 0)
	if text, _ := insp.Data["text/plain"].(string); !insp.Found || !strings.Contains(text, "func ToUpper") {
		t.Errorf("inspect strings.ToUpper: %+v", insp)
	}
	for code, want := range map[string]string{"func f() {": "incomplete", "x := 1": "complete", "x := )": "invalid"} {
		if got := s.IsComplete(code).Status; got != want {
			t.Errorf("IsComplete(%q) = %s, want %s", code, got, want)
		}
	}
}

func TestPager(t *testing.T) {
	s := realSession(t)
	for _, code := range []string{"strings.ToUpper?", "?strings.ToUpper"} {
		res, _ := execCell(t, s, 1, code)
		mustOK(t, res)
		if len(res.Payload) != 1 || res.Payload[0]["source"] != "page" || res.Payload[0]["start"] != 0 {
			t.Fatalf("%q gave payload %v, want a pager payload", code, res.Payload)
		}
		data, _ := res.Payload[0]["data"].(engine.Bundle)
		if text, _ := data["text/plain"].(string); !strings.Contains(text, "ToUpper") {
			t.Errorf("%q paged %q", code, text)
		}
	}
}

func contains(l []string, s string) bool {
	for _, x := range l {
		if x == s {
			return true
		}
	}
	return false
}

// TestLiveValuesAndDisplay checks that a value that cannot be copied out
// of the image process works across cells and is named when a crash loses
// it, and that display calls reach the cell's sink.
func TestLiveValuesAndDisplay(t *testing.T) {
	s := realSession(t)
	run(t, s, 1, "ch := make(chan int, 1)\nn := 3")
	run(t, s, 2, "ch <- n")
	if got := plain(run(t, s, 3, "<-ch")); got != "3" {
		t.Fatalf("<-ch = %q, want 3", got)
	}
	res, out := execCell(t, s, 4, "display.HTML(\"<b>hi</b>\")")
	mustOK(t, res)
	if len(out.Displays()) != 1 || out.Displays()[0].Data["text/html"] != "<b>hi</b>" {
		t.Errorf("displays %v, want the HTML", out.Displays())
	}
	res, _ = execCell(t, s, 5, "var rec func(int) int\nrec = func(k int) int { return rec(k+1) }\nrec(0)")
	if res.Error == nil || res.Error.Name != "StackOverflow" {
		t.Fatalf("got %v, want StackOverflow", res.Error)
	}
	if !hasLine(res.Error.Traceback, "lost: ch") {
		t.Errorf("the lost channel is not named: %q", res.Error.Traceback)
	}
	if got := plain(run(t, s, 6, "n")); got != "3" {
		t.Errorf("n = %q after the restart, want 3", got)
	}
}

// TestDeathBetweenCells lets a goroutine of a finished cell kill the image
// process; the next cell restarts it, says so, and sees the image.
func TestDeathBetweenCells(t *testing.T) {
	s := realSession(t)
	run(t, s, 1, "n := 7\nvar rec func(int) int\nrec = func(k int) int { return rec(k+1) + 1 }")
	p := s.process()
	run(t, s, 2, "import \"time\"\ngo func() { time.Sleep(10 * time.Millisecond); rec(0) }()")
	<-p.dead
	res, out := execCell(t, s, 3, "n")
	mustOK(t, res)
	if got := plain(res); got != "7" {
		t.Errorf("n = %q after the restart, want 7", got)
	}
	if !strings.Contains(out.Text("stderr"), "died between cells (StackOverflow") {
		t.Errorf("no note about the restart: %q", out.Text("stderr"))
	}
}

// TestLateGoroutinePanic checks that a goroutine panicking after its cell
// ended reports to that cell, without failing the cell that runs then.
func TestLateGoroutinePanic(t *testing.T) {
	s := realSession(t)
	first := enginetest.NewRecorder()
	mustOK(t, s.Execute(context.Background(), engine.ExecuteRequest{Code: "ch := make(chan int)\ngo func() { <-ch; panic(\"late\") }()", Count: 1}, first))
	second := enginetest.NewRecorder()
	mustOK(t, s.Execute(context.Background(), engine.ExecuteRequest{Code: "ch <- 1\nx := 2", Count: 2}, second))
	first.WaitFor(t, "stderr", "panic in a goroutine started by cell[1]: late")
	if strings.Contains(second.Text("stderr"), "late") {
		t.Errorf("the panic was reported to cell 2: %q", second.Text("stderr"))
	}
}

// TestAutoImport checks that standard packages used without an import are
// imported, keeping the cell's line numbers.
func TestAutoImport(t *testing.T) {
	s := realSession(t)
	res, out := execCell(t, s, 1, "fmt.Println(\"hello\")\nfmt.Fprintln(os.Stderr, strings.ToUpper(\"err\"))")
	mustOK(t, res)
	if out.Text("stdout") != "hello\n" || out.Text("stderr") != "ERR\n" {
		t.Errorf("stdout %q, stderr %q", out.Text("stdout"), out.Text("stderr"))
	}
	if got := plain(run(t, s, 2, "x := 3\nstrconv.Itoa(x)")); got != `"3"` {
		t.Errorf("result %q, want \"3\"", got)
	}
	e, _ := wantError(t, s, 3, "y := 1\nfmt.Println(undefinedName)", "CompileError")
	if !hasLine(e.Traceback, "cell[3] line 2: undefined: undefinedName") {
		t.Errorf("traceback %q", e.Traceback)
	}
	e, _ = wantError(t, s, 4, "z := 1\npanic(sort.IntsAreSorted(nil))", "Panic")
	if !hasLine(e.Traceback, "cell[4] line 2") {
		t.Errorf("line numbers moved: %q", e.Traceback)
	}
}

func TestEnvironment(t *testing.T) {
	t.Setenv("DMIRROR_TEST_VISIBLE", "seen")
	s := realSession(t)
	if got := plain(run(t, s, 1, "os.Getenv(\"DMIRROR_TEST_VISIBLE\") + \"|\" + os.Getenv(\"DMIRROR_CHILD\")")); got != `"seen|"` {
		t.Errorf("cells see %s, want the kernel's environment without DMIRROR_CHILD", got)
	}
}

// TestInterruptNamesStoppedGoroutines checks that an interrupt says it also
// stopped the goroutines of earlier cells (yaegi cancels them all).
func TestInterruptNamesStoppedGoroutines(t *testing.T) {
	s := realSession(t)
	run(t, s, 1, "import \"time\"\ngo func() { for { time.Sleep(time.Millisecond) } }()")
	ctx, cancel := context.WithCancel(context.Background())
	out := enginetest.NewRecorder()
	done := make(chan engine.Result, 1)
	go func() {
		done <- s.Execute(ctx, engine.ExecuteRequest{Code: "println(\"started\")\nfor {}", Count: 2}, out)
	}()
	out.WaitFor(t, "stderr", "started")
	cancel()
	res := <-done
	if res.Error == nil || res.Error.Name != "Interrupted" || !hasLine(res.Error.Traceback, "1 goroutine(s) started by cells were stopped") {
		t.Fatalf("got %v", res.Error)
	}
}

// TestPrintGoesToStderr: the builtins print and println write to stderr,
// formatted as the Go runtime does, from cells, funcs and goroutines; Go's
// compile error stands for what it cannot print.
func TestPrintGoesToStderr(t *testing.T) {
	s := realSession(t)
	res, out := execCell(t, s, 1, "var e error\nfunc show(x float64) { println(\"in func\", x) }\nprintln(\"n\", 42, 1.5, true, e)\nprint(\"a\", 1, \"\\n\")\nshow(0.25)\nfmt.Println(\"out\")")
	mustOK(t, res)
	// show is a compiled declaration (issue 11): its println, like the
	// cell's, writes to the image process's fd 2, in order. With
	// DMIRROR_NATIVE=0 the cell first notes that declarations run
	// interpreted: the session's line, not a print.
	stderr, _ := strings.CutPrefix(out.Text("stderr"), "note: declarations run interpreted, not compiled: "+NativeEnv+"=0\n")
	assert.Equal(t, "n 42 1.5 true (0x0,0x0)\na1\nin func 0.25\n", stderr)
	assert.Equal(t, "out\n", out.Text("stdout"))

	e, _ := wantError(t, s, 2, "type P struct{ X int }\nprintln(P{1})", "CompileError")
	assert.Contains(t, strings.Join(e.Traceback, "\n"), "cell[2] line 2: illegal types for operand: print\n\tP")
}

package interp

import (
	"context"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/dmirror/dmirror/interp/frontend"
	"github.com/dmirror/dmirror/kernel/engine"
	"github.com/dmirror/dmirror/kernel/engine/enginetest"
)

// wantError runs code as cell n and checks that it fails with ename.
func wantError(t *testing.T, s *Session, n int, code, ename string) (*engine.Error, *enginetest.Recorder) {
	t.Helper()
	res, out := execCell(t, s, n, code)
	if res.Error == nil {
		t.Fatalf("cell %q succeeded, want %s", code, ename)
	}
	if res.Error.Name != ename {
		t.Fatalf("cell %q failed with %v, want %s", code, res.Error, ename)
	}
	return res.Error, out
}

func hasLine(lines []string, sub string) bool {
	for _, l := range lines {
		if strings.Contains(l, sub) {
			return true
		}
	}
	return false
}

// stateCells set up x = 1 and a func reading it; "check" shows both.
var stateCells = map[string]cell{
	"x := 1": {decls: "import \"fmt\"\nvar x int\nfunc getX() int { return x }", body: "x = 1", touched: []string{"x"}, newVars: []frontend.Var{intVar("x")}},
	"check":  {body: `fmt.Sprint(x, getX())`, result: true},
}

func withState(extra map[string]cell) map[string]cell {
	m := map[string]cell{}
	for k, v := range stateCells {
		m[k] = v
	}
	for k, v := range extra {
		m[k] = v
	}
	return m
}

func checkState(t *testing.T, s *Session, n int, want string) {
	t.Helper()
	if got := plain(run(t, s, n, "check")); got != want {
		t.Fatalf("x, getX() = %s, want %s", got, want)
	}
}

func TestPanicRestoresValuesAndNamesTheLine(t *testing.T) {
	s, _ := session(t, withState(map[string]cell{
		"boom": {decls: "func level2() { panic(\"deep\") }\nfunc level1() { level2() }",
			body: "x = 99\nlevel1()", touched: []string{"x"}},
	}))
	run(t, s, 1, "x := 1")
	e, out := wantError(t, s, 2, "boom", "Panic")
	if e.Value != "deep" {
		t.Errorf("evalue %q, want deep", e.Value)
	}
	if !hasLine(e.Traceback, "cell[2] line 1: in level2") || !hasLine(e.Traceback, "cell[2] line 2") {
		t.Errorf("traceback does not name the frames: %q", e.Traceback)
	}
	if strings.Contains(out.Text("stderr"), "panic:") {
		t.Errorf("the panic's unwinding lines were shown as output: %q", out.Text("stderr"))
	}
	checkState(t, s, 3, `"1 1"`)
	// The failed cell's declarations are gone.
	if _, err := s.fe.Compile("boom", 4); err != nil {
		t.Fatal(err)
	}
}

func TestFailedDeclarationsLeaveNothing(t *testing.T) {
	s, _ := session(t, withState(map[string]cell{
		"bad decls":  {decls: "func good() int { return 1 }\nfunc bad() int { return \"s\" }"},
		"call good":  {body: "good()", result: true},
		"y then die": {decls: "var y int", body: "y = 5\npanic(\"no\")", touched: []string{"y"}, newVars: []frontend.Var{intVar("y")}},
		"y":          {body: "y", result: true},
	}))
	run(t, s, 1, "x := 1")
	e, _ := wantError(t, s, 2, "bad decls", "CompileError")
	if !hasLine(e.Traceback, "cell[2] line 2: cannot use") {
		t.Errorf("traceback does not name cell[2] line 2: %q", e.Traceback)
	}
	if _, err := s.fe.Compile("call good", 3); err != nil {
		t.Fatal(err)
	}
	wantError(t, s, 3, "call good", "CompileError") // good was not kept
	wantError(t, s, 4, "y then die", "Panic")
	wantError(t, s, 5, "y", "CompileError") // nor y
	checkState(t, s, 6, `"1 1"`)
}

func TestRedefinitionSeenByEarlierFuncs(t *testing.T) {
	s, _ := session(t, map[string]cell{
		"f1":       {decls: "func f1() int { return 1 }\nfunc f2() int { return f1() * 10 }"},
		"f1 again": {decls: "func f1() int { return 2 }\nfunc f2() int { return f1() * 10 }", rebuild: true},
		"f2()":     {body: "f2()", result: true},
	})
	run(t, s, 1, "f1")
	if got := plain(run(t, s, 2, "f2()")); got != "10" {
		t.Fatalf("f2() = %s, want 10", got)
	}
	run(t, s, 3, "f1 again")
	if got := plain(run(t, s, 4, "f2()")); got != "20" {
		t.Fatalf("after redefinition f2() = %s, want 20", got)
	}
}

func TestRebuildKeepsValuesAndResetsChangedTypes(t *testing.T) {
	s, _ := session(t, map[string]cell{
		"vars": {decls: "type P struct{ A int }\nvar p P\nvar n int", body: "p = P{A: 3}\nn = 7", touched: []string{"p", "n"},
			newVars: []frontend.Var{{Name: "p", Type: "P"}, intVar("n")}},
		"retype": {decls: "type P struct{ A string }\nvar p P\nvar n int", rebuild: true},
		"show":   {decls: "import \"fmt\"", body: "fmt.Sprint(p, n)", result: true},
	})
	run(t, s, 1, "vars")
	res, out := execCell(t, s, 2, "retype")
	mustOK(t, res)
	if !strings.Contains(out.Text("stderr"), "p (now P)") {
		t.Errorf("no note names the reset variable p: %q", out.Text("stderr"))
	}
	if got := plain(run(t, s, 3, "show")); got != `"{} 7"` {
		t.Fatalf("after the rebuild p, n = %s, want {} 7", got)
	}
}

func TestExitFailsTheCell(t *testing.T) {
	s, _ := session(t, withState(map[string]cell{
		"exit": {decls: "import \"os\"", body: "x = 5\nos.Exit(3)", touched: []string{"x"}},
	}))
	run(t, s, 1, "x := 1")
	e, _ := wantError(t, s, 2, "exit", "Exit")
	if !strings.Contains(e.Value, "os.Exit(3)") {
		t.Errorf("evalue %q does not name os.Exit(3)", e.Value)
	}
	checkState(t, s, 3, `"1 1"`)
}

func TestTrailingValue(t *testing.T) {
	s, _ := session(t, map[string]cell{
		"1+2":  {body: "1 + 2", result: true},
		"nil":  {body: "var e error\ne", result: true},
		"none": {body: "_ = 1"},
	})
	if got := plain(run(t, s, 1, "1+2")); got != "3" {
		t.Errorf("1+2 = %q", got)
	}
	if got := plain(run(t, s, 2, "nil")); got != "<nil>" {
		t.Errorf("nil error shows %q, want <nil>", got)
	}
	if res := run(t, s, 3, "none"); res.Data != nil {
		t.Errorf("a cell without a result shows %v (an earlier value?)", res.Data)
	}
}

func TestInterrupt(t *testing.T) {
	blocking := map[string]string{
		"loop":    "for { x++ }",
		"sleep":   "x = 50\ntime.Sleep(time.Hour)",
		"receive": "x = 50\n<-make(chan int)",
		"wait":    "x = 50\nvar wg sync.WaitGroup\nwg.Add(1)\nwg.Wait()",
	}
	cells := withState(nil)
	for name, body := range blocking {
		cells[name] = cell{decls: "import (\"time\"; \"sync\")",
			body: "fmt.Println(\"started\")\n" + body, touched: []string{"x"}}
	}
	s, _ := session(t, cells)
	run(t, s, 1, "x := 1")
	n := 2
	for name := range blocking {
		t.Run(name, func(t *testing.T) {
			ctx, cancel := context.WithCancel(context.Background())
			out := enginetest.NewRecorder()
			resc := make(chan engine.Result, 1)
			go func() { resc <- s.Execute(ctx, engine.ExecuteRequest{Code: name, Count: n}, out) }()
			out.WaitFor(t, "stdout", "started")
			start := time.Now()
			cancel()
			res := <-resc
			if took := time.Since(start); took > 2*time.Second {
				t.Errorf("interrupt took %v, want under 2s", took)
			}
			if res.Error == nil || res.Error.Name != "Interrupted" {
				t.Fatalf("got %v, want Interrupted", res.Error)
			}
			n++
			checkState(t, s, n, `"1 1"`)
			n++
		})
	}
}

// TestInterruptKillsAStuckImage stops the image process (as if it were
// stuck where cancellation cannot reach) and checks that an interrupt still
// ends the cell within 2 s, restarting the image with its values.
func TestInterruptKillsAStuckImage(t *testing.T) {
	s, _ := session(t, withState(map[string]cell{
		"stuck": {decls: "import \"time\"", body: "fmt.Println(\"started\")\nx = 50\ntime.Sleep(time.Hour)", touched: []string{"x"}},
	}))
	run(t, s, 1, "x := 1")
	ctx, cancel := context.WithCancel(context.Background())
	out := enginetest.NewRecorder()
	resc := make(chan engine.Result, 1)
	go func() { resc <- s.Execute(ctx, engine.ExecuteRequest{Code: "stuck", Count: 2}, out) }()
	out.WaitFor(t, "stdout", "started")
	pid := s.process().pid()
	if err := syscall.Kill(pid, syscall.SIGSTOP); err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	cancel()
	res := <-resc
	if took := time.Since(start); took > 2*time.Second {
		t.Errorf("interrupt took %v, want under 2s", took)
	}
	if res.Error == nil || res.Error.Name != "Interrupted" || !hasLine(res.Error.Traceback, "restarted") {
		t.Fatalf("got %v, want Interrupted with a restart", res.Error)
	}
	if alive(pid) {
		t.Errorf("the stuck image process %d is still alive", pid)
	}
	checkState(t, s, 3, `"1 1"`)
}

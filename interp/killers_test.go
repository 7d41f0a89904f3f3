package interp

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"os"
	osexec "os/exec"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/dmirror/dmirror/interp/frontend"
	"github.com/dmirror/dmirror/kernel/engine"
	"github.com/dmirror/dmirror/kernel/engine/enginetest"
)

func TestKillers(t *testing.T) {
	killers := map[string]struct {
		body  string
		ename string
	}{
		"recursion":       {"var rec func(int) int\nrec = func(n int) int { return rec(n+1) + 1 }\nx = 7\nrec(0)", "StackOverflow"},
		"goroutine panic": {"x = 7\n__dmGo(0, func() { panic(\"in goroutine\") })\nselect {}", "GoroutinePanic"},
		"runaway memory":  {"x = 7\nvar keep [][]byte\nfor { keep = append(keep, make([]byte, 1<<20)) }", "OutOfMemory"},
		"huge allocation": {"x = 7\nb := make([]byte, 1<<40)\nb[0] = 1", "OutOfMemory"},
		"exit":            {"x = 7\nos.Exit(2)", "Exit"},
		"unwrapped go":    {"x = 7\ngo func() { panic(\"raw\") }()\nselect {}", "GoroutinePanic"},
	}
	cells := withState(nil)
	for name, k := range killers {
		// __dmGo(0, ...) stands for the frontend's rewrite of `go` in this cell.
		cells[name] = cell{decls: "import \"os\"", body: strings.ReplaceAll(k.body, "__dmGo(0,", "__dmGo(CELL,"), touched: []string{"x"}}
	}
	s, _ := session(t, cells, "DMIRROR_IMAGE_MEMORY="+strconv.Itoa(400<<20))
	run(t, s, 1, "x := 1")
	n := 2
	for name, k := range killers {
		t.Run(name, func(t *testing.T) {
			c := cells[name]
			c.body = strings.ReplaceAll(c.body, "CELL", strconv.Itoa(n))
			s.fe.(*fakeFrontend).plans[name] = c.plan
			start := time.Now()
			e, out := wantError(t, s, n, name, k.ename)
			t.Logf("%s: %v in %v; stderr %q", name, e, time.Since(start), out.Text("stderr"))
			if !hasLine(e.Traceback, "restored") {
				t.Errorf("the error does not say the image was restored: %q", e.Traceback)
			}
			n++
			checkState(t, s, n, `"1 1"`)
			n++
		})
	}
}

// TestCloseLeavesNoProcess checks that Close ends the image process, also
// after a crash restarted it.
func TestCloseLeavesNoProcess(t *testing.T) {
	s, _ := session(t, withState(map[string]cell{
		"die": {body: "var rec func(int) int\nrec = func(n int) int { return rec(n+1) + 1 }\nrec(0)"},
	}))
	run(t, s, 1, "x := 1")
	first := s.process().pid()
	wantError(t, s, 2, "die", "StackOverflow")
	second := s.process().pid()
	if first == second {
		t.Fatal("the image process was not replaced")
	}
	p := s.process()
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	if _, err := p.death(); err != nil {
		t.Errorf("the image process did not exit by itself when its frame pipe closed: %v", err)
	}
	for _, pid := range []int{first, second} {
		if alive(pid) {
			t.Errorf("image process %d is still running after Close", pid)
		}
	}
	if res, _ := execCell(t, s, 3, "check"); res.Error == nil {
		t.Error("a closed session ran a cell")
	}
}

// alive reports whether pid is a live process (not a zombie): Close waits
// for its children, so they must be gone entirely.
func alive(pid int) bool {
	if err := syscall.Kill(pid, 0); err != nil {
		return false
	}
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	return err == nil && !strings.Contains(string(b), ") Z ")
}

func TestGoroutineOutputGoesToItsCell(t *testing.T) {
	s, _ := session(t, map[string]cell{
		"start": {decls: "import (\"fmt\"; \"time\")\nvar ch = make(chan int)",
			body: "__dmGo(1, func() { <-ch; fmt.Println(\"from the goroutine\") })\nfmt.Println(\"cell 1 done\")"},
		"release": {body: "ch <- 1\ntime.Sleep(10 * time.Millisecond)\nfmt.Println(\"cell 2 done\")"},
	})
	first, second := enginetest.NewRecorder(), enginetest.NewRecorder()
	mustOK(t, s.Execute(context.Background(), engine.ExecuteRequest{Code: "start", Count: 1}, first))
	mustOK(t, s.Execute(context.Background(), engine.ExecuteRequest{Code: "release", Count: 2}, second))
	first.WaitFor(t, "stdout", "from the goroutine")
	if strings.Contains(second.Text("stdout"), "goroutine") {
		t.Errorf("cell 2 got the goroutine's output: %q", second.Text("stdout"))
	}
}

func TestMillionLinesInOrder(t *testing.T) {
	const lines = 1000000
	s, _ := session(t, map[string]cell{
		"print": {decls: "import \"fmt\"", body: fmt.Sprintf("for i := 0; i < %d; i++ { fmt.Println(i) }", lines)},
	})
	res, out := execCell(t, s, 1, "print")
	mustOK(t, res)
	got := strings.Split(strings.TrimSuffix(out.Text("stdout"), "\n"), "\n")
	if len(got) != lines {
		t.Fatalf("got %d lines, want %d", len(got), lines)
	}
	for i, l := range got {
		if l != strconv.Itoa(i) {
			t.Fatalf("line %d is %q", i, l)
		}
	}
}

func TestStdin(t *testing.T) {
	s, _ := session(t, map[string]cell{
		"vars": {decls: "import (\"fmt\"; \"bufio\"; \"os\")\nvar name string\nvar line string",
			newVars: []frontend.Var{{Name: "name", Type: "string"}, {Name: "line", Type: "string"}}},
		"scan": {body: "fmt.Print(\"name? \")\n_, err := fmt.Scanln(&name)\nsc := bufio.NewScanner(os.Stdin)\nsc.Scan()\nline = sc.Text()\nfmt.Sprint(name, \"|\", line, \"|\", err, \"|\", sc.Err())",
			result:  true,
			touched: []string{"name", "line"}},
	})
	run(t, s, 1, "vars")
	out := enginetest.NewRecorder()
	out.AllowInput("Ada", "a whole line")
	res := s.Execute(context.Background(), engine.ExecuteRequest{Code: "scan", Count: 2, AllowStdin: true}, out)
	mustOK(t, res)
	if got := plain(res); got != `"Ada|a whole line|<nil>|<nil>"` {
		t.Errorf("with stdin got %s", got)
	}
	if !strings.Contains(out.Text("stdout"), "name? ") {
		t.Errorf("the prompt was not shown: %q", out.Text("stdout"))
	}

	out = enginetest.NewRecorder()
	start := time.Now()
	res = s.Execute(context.Background(), engine.ExecuteRequest{Code: "scan", Count: 3}, out)
	mustOK(t, res)
	if took := time.Since(start); took > 2*time.Second {
		t.Errorf("reading stdin without a front end took %v", took)
	}
	if got := plain(res); !strings.Contains(got, "not supported") {
		t.Errorf("without stdin got %s, want the read errors", got)
	}
	if !strings.Contains(out.Text("stderr"), "not supported") {
		t.Errorf("no note on stderr: %q", out.Text("stderr"))
	}
}

// holdSessionEnv makes the test binary start a Session, print its image
// process's pid and wait: TestKernelDeathEndsTheImage kills it.
const holdSessionEnv = "DMIRROR_TEST_HOLD_SESSION"

func holdSession() {
	var env []string
	for _, e := range os.Environ() {
		if !strings.HasPrefix(e, holdSessionEnv+"=") {
			env = append(env, e)
		}
	}
	s, err := newSession(context.Background(), SessionOptions{Env: env}, &fakeFrontend{})
	if err != nil {
		fmt.Println("error:", err)
		return
	}
	fmt.Println(s.process().pid())
	io.Copy(io.Discard, os.Stdin) // until the test kills this process
}

// TestKernelDeathEndsTheImage kills a process holding a Session, as if
// the kernel crashed, and checks that its image process does not outlive it.
func TestKernelDeathEndsTheImage(t *testing.T) {
	cmd := osexec.Command(os.Args[0])
	cmd.Env = append(os.Environ(), holdSessionEnv+"=1")
	stdin, err := cmd.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	defer stdin.Close()
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	line, err := bufio.NewReader(out).ReadString('\n')
	if err != nil {
		t.Fatal(err)
	}
	pid, err := strconv.Atoi(strings.TrimSpace(line))
	if err != nil {
		t.Fatalf("the helper said %q", line)
	}
	if !alive(pid) {
		t.Fatalf("image process %d is not running", pid)
	}
	cmd.Process.Kill()
	cmd.Wait()
	// The image process is not our child: poll until it is gone.
	deadline := time.Now().Add(5 * time.Second)
	for alive(pid) {
		if time.Now().After(deadline) {
			t.Fatalf("image process %d outlived its kernel", pid)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

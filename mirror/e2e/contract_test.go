package e2e

import (
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"
)

// mirrorPids returns the pids of this process's children that run as
// mirrors.
func mirrorPids(t testing.TB) []int { return childPids(t, "__mirror") }

// childPids returns the pids of this process's children whose command line
// holds mode.
func childPids(t testing.TB, mode string) []int {
	t.Helper()
	pids, err := findChildren(mode)
	if err != nil {
		t.Fatal(err)
	}
	return pids
}

func findChildren(mode string) ([]int, error) {
	dirs, err := filepath.Glob("/proc/[0-9]*")
	if err != nil {
		return nil, err
	}
	var pids []int
	for _, d := range dirs {
		stat, err := os.ReadFile(filepath.Join(d, "stat"))
		if err != nil {
			continue // gone meanwhile
		}
		// pid (comm) state ppid ...: comm may hold spaces, so split after it.
		s := string(stat)
		fields := strings.Fields(s[strings.LastIndexByte(s, ')')+1:])
		if len(fields) < 2 || fields[1] != strconv.Itoa(os.Getpid()) {
			continue
		}
		cmdline, _ := os.ReadFile(filepath.Join(d, "cmdline"))
		if strings.Contains(string(cmdline), mode) {
			pid, _ := strconv.Atoi(filepath.Base(d))
			pids = append(pids, pid)
		}
	}
	return pids, nil
}

// cpuTime returns the CPU time (user and system) the processes used so far.
func cpuTime(t testing.TB, pids []int) time.Duration {
	t.Helper()
	var ticks int64
	for _, pid := range pids {
		stat, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
		if err != nil {
			t.Fatal(err)
		}
		s := string(stat)
		fields := strings.Fields(s[strings.LastIndexByte(s, ')')+1:])
		for _, f := range fields[11:13] { // utime, stime
			n, _ := strconv.ParseInt(f, 10, 64)
			ticks += n
		}
	}
	return time.Duration(ticks) * 10 * time.Millisecond // USER_HZ is 100 on Linux
}

// TestRandomGlobalSameEverywhere: globals made with math/rand and
// time.Now, read by a block through a func, have the kernel's values in
// every mirror: shipped, never recomputed.
func TestRandomGlobalSameEverywhere(t *testing.T) {
	s := newSession(t)
	s.run(t, "import (\n\t\"fmt\"\n\t\"math/rand\"\n\t\"time\"\n)\nseedv := rand.Int63()\nborn := time.Now()\nfunc stamp() string { return fmt.Sprint(seedv, \" \", born.UnixNano()) }")
	out := s.run(t, "vals := ParallelCollect(make([]int, 6), func(int) string { return stamp() }, WithMirrors(3))\nfor _, v := range vals {\n\tfmt.Println(v == stamp(), v)\n}")
	lines := strings.Split(strings.TrimSpace(out), "\n")
	if len(lines) != 6 {
		t.Fatalf("cell printed %q, want 6 lines", out)
	}
	for _, l := range lines {
		if !strings.HasPrefix(l, "true ") || l != lines[0] {
			t.Fatalf("mirrors saw %q, want the kernel's value everywhere", out)
		}
	}
}

// TestGlobalChangedByLaterCell: a warm mirror gets the global's new value.
func TestGlobalChangedByLaterCell(t *testing.T) {
	s := newSession(t)
	s.run(t, "import \"fmt\"\nlimit := 5\nfunc scaled(x int) int { return x * limit }")
	call := "fmt.Println(ParallelCollect([]int{1, 2, 3}, func(x int) int { return x * limit }), ParallelCollect([]int{1, 2, 3}, scaled))"
	if out := s.run(t, call); out != "[5 10 15] [5 10 15]\n" {
		t.Fatalf("limit 5: %q", out)
	}
	s.run(t, "limit = 7")
	if out := s.run(t, call); out != "[7 14 21] [7 14 21]\n" {
		t.Fatalf("limit 7: %q", out)
	}
}

// TestSideEffectCellRunsOnce: a cell that appends to a file and prints
// runs once, in the kernel, however many Parallel calls follow, on warm
// mirrors, on mirrors that receive later declarations, and on mirrors that
// rebuild after a redefinition.
func TestSideEffectCellRunsOnce(t *testing.T) {
	path := filepath.Join(t.TempDir(), "log")
	s := newSession(t)
	s.run(t, "import (\n\t\"fmt\"\n\t\"os\"\n)\nfunc appendLine(p, s string) {\n\tf, err := os.OpenFile(p, os.O_APPEND|os.O_CREATE|os.O_WRONLY, 0o644)\n\tif err != nil {\n\t\tpanic(err)\n\t}\n\tfmt.Fprintln(f, s)\n\tf.Close()\n}")
	s.run(t, fmt.Sprintf("appendLine(%q, \"cell ran\")\nfmt.Println(\"effect printed\")\nfunc inc(x int) int { return x + 1 }\nbase := 10", path))
	call := "fmt.Println(ParallelCollect([]int{1, 2, 3, 4}, func(x int) int { return inc(x) + base }, WithMirrors(2)))"
	for k, want := range []string{"[12 13 14 15]", "[12 13 14 15]", "[12 13 14 15]"} {
		if out := s.run(t, call); out != want+"\n" {
			t.Fatalf("call %d printed %q, want %s", k, out, want)
		}
	}
	s.run(t, "func twice(x int) int { return 2 * x }")
	if out := s.run(t, "fmt.Println(ParallelCollect([]int{1, 2}, func(x int) int { return twice(inc(x)) }))"); out != "[4 6]\n" {
		t.Fatalf("after a new declaration: %q", out)
	}
	s.run(t, "func inc(x int) int { return x + 100 }")
	if out := s.run(t, call); out != "[111 112 113 114]\n" {
		t.Fatalf("after a redefinition: %q", out)
	}
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if string(data) != "cell ran\n" {
		t.Fatalf("the file holds %q, want one line: the cell ran more than once", data)
	}
}

// TestUncopyableFailsBeforeAnyMirror: a channel global used through a
// func, and a mutex captured by a block, fail the call naming the variable,
// and no mirror process is started.
func TestUncopyableFailsBeforeAnyMirror(t *testing.T) {
	s := newSession(t)
	s.run(t, "import \"sync\"\nch := make(chan int, 1)\nfunc backlog(x int) int { return x + len(ch) }")
	for _, tc := range []struct{ cell, want string }{
		{"ParallelCollect([]int{1, 2}, func(x int) int { return backlog(x) })", "global variable ch (chan int) cannot be sent to a mirror"},
		{"func() {\n\tvar mu sync.Mutex\n\tParallelCollect([]int{1, 2}, func(x int) int {\n\t\tmu.Lock()\n\t\tdefer mu.Unlock()\n\t\treturn x\n\t})\n}()", "variable mu (sync.Mutex) captured by the block"},
	} {
		res, _ := s.exec(t.Context(), tc.cell)
		if res.Error == nil || !strings.Contains(res.Error.Value, tc.want) {
			t.Fatalf("%s\ngave %v, want an error saying %q", tc.cell, res.Error, tc.want)
		}
		if pids := mirrorPids(t); len(pids) != 0 {
			t.Fatalf("mirrors %v were started", pids)
		}
	}
}

// TestWritesToGlobalsStayInMirror: a block that changes globals changes
// its mirror's copy only: within a chunk the change is seen, the kernel's
// values stay, and the next call starts from them again.
func TestWritesToGlobalsStayInMirror(t *testing.T) {
	s := newSession(t)
	s.run(t, "import \"fmt\"\ntotal := 0\nhits := []int{}")
	call := "r := ParallelCollect([]int{1, 2, 3, 4}, func(x int) int {\n\ttotal += x\n\thits = append(hits, x)\n\treturn total\n}, WithMirrors(2))\nfmt.Println(r, total, len(hits))"
	for k := 0; k < 2; k++ {
		if out := s.run(t, call); out != "[1 3 3 7] 0 0\n" {
			t.Fatalf("call %d printed %q, want [1 3 3 7] 0 0", k, out)
		}
	}
}

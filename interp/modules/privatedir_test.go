package modules

import (
	"go/token"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"testing"
)

// deadPID returns the pid of a process that has exited and been waited for.
func deadPID(t *testing.T) int {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	if err := cmd.Run(); err != nil {
		t.Fatal(err)
	}
	return cmd.Process.Pid
}

func TestSweepStaleRemovesOnlyDeadOwnersDirs(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("no process probe")
	}
	dir := t.TempDir()
	dead := privateDirPrefix + strconv.Itoa(deadPID(t)) + "-123"
	live := privateDirPrefix + strconv.Itoa(os.Getpid()) + "-456"
	init := privateDirPrefix + "1-789"     // pid 1 always runs
	old := privateDirPrefix + "2840912537" // an earlier version's name: owner unknown
	odd := privateDirPrefix + "12-x"
	for _, name := range []string{dead, live, init, old, odd} {
		if err := os.MkdirAll(filepath.Join(dir, name, "tmp"), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.WriteFile(filepath.Join(dir, privateDirPrefix+"99999999-1"), nil, 0o644); err != nil {
		t.Fatal(err)
	}
	if err := SweepStale(dir); err != nil {
		t.Fatal(err)
	}
	var left []string
	entries, _ := os.ReadDir(dir)
	for _, e := range entries {
		left = append(left, e.Name())
	}
	want := []string{init, old, odd, live, privateDirPrefix + "99999999-1"}
	slices.Sort(want)
	if !slices.Equal(left, want) {
		t.Errorf("left %q, want %q (only %s removed)", left, want, dead)
	}
}

func TestPrivateDirNamesItsLiveOwner(t *testing.T) {
	dir := t.TempDir()
	r := newResolver(t, Options{Env: testEnv(), TempDir: dir})
	pid, ok := privateDirOwner(filepath.Base(r.gocmd.dir))
	if !ok || pid != os.Getpid() {
		t.Fatalf("private module %s does not name its owner %d", r.gocmd.dir, os.Getpid())
	}
	if err := SweepStale(dir); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(r.gocmd.dir); err != nil {
		t.Errorf("a live session's private module was swept: %v", err)
	}
}

// TestStdImporterLeavesNoFiles type-checks standard packages that use cgo:
// nothing may be left in TMPDIR (go/importer's cgo run left 7 object files
// for net).
func TestStdImporterLeavesNoFiles(t *testing.T) {
	tmp := t.TempDir()
	t.Setenv("TMPDIR", tmp)
	imp := StdImporter(token.NewFileSet())
	for _, path := range []string{"net", "os/user", "net/http"} {
		p, err := imp.Import(path)
		if err != nil {
			t.Fatal(err)
		}
		if path == "net" && p.Scope().Lookup("Dial") == nil {
			t.Errorf("net has no Dial")
		}
	}
	entries, err := os.ReadDir(tmp)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		t.Errorf("left in TMPDIR: %s", e.Name())
	}
}

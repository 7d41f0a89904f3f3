package modules

import (
	"go/token"
	"os"
	"path/filepath"
	"slices"
	"testing"
)

func TestSweepStaleRemovesOnlyDeadOwnersDirs(t *testing.T) {
	if !lockSupported {
		t.Skip("no flock: nothing is swept")
	}
	dir := t.TempDir()
	live, err := makePrivateDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	defer live.remove()
	// A dead owner: its lock is released, as when the process is killed.
	dead, err := makePrivateDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	dead.lock.Close()
	making := privateDirPrefix + "12-34"   // made, not yet locked
	old := privateDirPrefix + "2840912537" // an earlier version's name
	for _, name := range []string{making, old} {
		if err := os.Mkdir(filepath.Join(dir, name), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	// An earlier version's directory with an unlocked lock file is not
	// this version's to judge.
	if err := os.WriteFile(filepath.Join(dir, old, ownerLock), nil, 0o644); err != nil {
		t.Fatal(err)
	}
	if err := SweepStale(dir); err != nil {
		t.Fatal(err)
	}
	want := []string{filepath.Base(live.path), making, old}
	slices.Sort(want)
	if got := entries(t, dir); !slices.Equal(got, want) {
		t.Errorf("left %q, want %q (only %s removed)", got, want, filepath.Base(dead.path))
	}
	if err := live.remove(); err != nil {
		t.Error(err)
	}
	if got := entries(t, dir); !slices.Equal(got, []string{making, old}) {
		t.Errorf("after remove, left %q", got)
	}
}

func entries(t *testing.T, dir string) []string {
	t.Helper()
	es, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, e := range es {
		names = append(names, e.Name())
	}
	return names
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
	for _, name := range entries(t, tmp) {
		t.Errorf("left in TMPDIR: %s", name)
	}
}

package native

import (
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"testing"
	"time"
)

// TestPrune keeps the most recently used binaries and young ones, and
// removes build directories that a killed kernel left.
func TestPrune(t *testing.T) {
	cache := t.TempDir()
	b := &Builder{cache: cache}
	old := time.Now().Add(-48 * time.Hour)
	mk := func(name string, at time.Time) {
		dir := filepath.Join(cache, name)
		if err := os.MkdirAll(dir, 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.Chtimes(dir, at, at); err != nil {
			t.Fatal(err)
		}
	}
	for i := 0; i < keepBinaries+3; i++ {
		mk(fmt.Sprintf("old%02d", i), old.Add(time.Duration(i)*time.Minute))
	}
	mk("young", time.Now().Add(-time.Hour))
	mk("young/build-dead", time.Now().Add(-2*staleBuild))
	mk("young/build-running", time.Now())
	mk("young/gen-kept", time.Now().Add(-2*staleBuild))
	mk("build-dead", time.Now().Add(-2*staleBuild))
	mk("build-running", time.Now())
	b.prune()
	ents, err := os.ReadDir(cache)
	if err != nil {
		t.Fatal(err)
	}
	var left []string
	for _, e := range ents {
		left = append(left, e.Name())
	}
	// young, then the newest of the old ones up to keepBinaries.
	want := []string{"build-running"}
	for i := 4; i < keepBinaries+3; i++ {
		want = append(want, fmt.Sprintf("old%02d", i))
	}
	want = append(want, "young")
	slices.Sort(want)
	if !slices.Equal(left, want) {
		t.Errorf("left %v, want %v", left, want)
	}
	// In a plugin host's directory: generations stay, a dead build goes.
	var inHost []string
	ents, err = os.ReadDir(filepath.Join(cache, "young"))
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range ents {
		inHost = append(inHost, e.Name())
	}
	if want := []string{"build-running", "gen-kept"}; !slices.Equal(inHost, want) {
		t.Errorf("left in the host %v, want %v", inHost, want)
	}
}

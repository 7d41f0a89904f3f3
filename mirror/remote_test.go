package mirror

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestGenOnNode: a mirror placed by Slurm that does not find the plugin of
// the compiled declarations says which file, on which node, and what the
// site can do; a plugin it finds, and any path for a local mirror, pass
// (plugin.Open then reports what else may be wrong).
func TestGenOnNode(t *testing.T) {
	dir := t.TempDir()
	present := filepath.Join(dir, "gen.so")
	if err := os.WriteFile(present, []byte("not checked here"), 0o644); err != nil {
		t.Fatal(err)
	}
	missing := filepath.Join(dir, "gone", "gen.so")
	t.Setenv(remotePortEnv, "")
	if err := genOnNode(missing); err != nil {
		t.Errorf("local mirror, missing plugin: %v, want nil", err)
	}
	t.Setenv(remotePortEnv, "4242")
	if err := genOnNode(present); err != nil {
		t.Errorf("Slurm mirror, plugin present: %v", err)
	}
	err := genOnNode(missing)
	if err == nil {
		t.Fatal("Slurm mirror, missing plugin: no error")
	}
	host, _ := os.Hostname()
	for _, want := range []string{missing, "node " + host, "DMIRROR_CACHE", SlurmBroadcastEnv + "=DIR"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q, want it to say %q", err, want)
		}
	}
}

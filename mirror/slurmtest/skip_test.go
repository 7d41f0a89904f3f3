package slurmtest

import (
	"context"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// startHelperEnv makes TestStartHelper call Start: TestStartWithoutRoot
// runs it as nobody.
const startHelperEnv = "SLURMTEST_START_HELPER"

// TestStartHelper is not a test of its own: it is what TestStartWithoutRoot
// runs in a child test binary.
func TestStartHelper(t *testing.T) {
	if os.Getenv(startHelperEnv) == "" {
		return
	}
	Start(t, Options{})
	t.Log("started")
}

// TestStartWithoutRoot runs Start as nobody: it fails the test, saying
// why, unless DMIRROR_SLURM_TESTS=optional, when it skips it.
func TestStartWithoutRoot(t *testing.T) {
	if err := Check(Options{}); err != nil {
		if Optional() {
			t.Skipf("%v (%s=optional)", err, OptionalEnv)
		}
		t.Fatal(err)
	}
	exe := copyExecutable(t)
	for _, tc := range []struct {
		optional bool
		want     string
	}{
		{false, "--- FAIL: TestStartHelper"},
		{true, "--- SKIP: TestStartHelper"},
	} {
		cmd := exec.CommandContext(context.Background(), "setpriv", "--reuid=nobody", "--regid=nogroup", "--clear-groups",
			exe, "-test.run", "^TestStartHelper$", "-test.v")
		cmd.Dir = "/"
		cmd.Env = append(os.Environ(), startHelperEnv+"=1", OptionalEnv+"=")
		if tc.optional {
			cmd.Env = append(cmd.Env, OptionalEnv+"=optional")
		}
		out, _ := cmd.CombinedOutput()
		if !strings.Contains(string(out), tc.want) || !strings.Contains(string(out), "needs root") || strings.Contains(string(out), "started") {
			t.Errorf("optional=%v: got\n%s\nwant %q, saying it needs root", tc.optional, out, tc.want)
		}
	}
}

// copyExecutable copies the test binary where nobody can run it: the go
// command builds it in a directory only root may enter.
func copyExecutable(t *testing.T) string {
	t.Helper()
	self, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	if err := os.Chmod(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	exe := filepath.Join(dir, "slurmtest.test")
	in, err := os.Open(self)
	if err != nil {
		t.Fatal(err)
	}
	defer in.Close()
	out, err := os.OpenFile(exe, os.O_CREATE|os.O_WRONLY, 0o755)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := io.Copy(out, in); err != nil {
		t.Fatal(err)
	}
	if err := out.Close(); err != nil {
		t.Fatal(err)
	}
	return exe
}

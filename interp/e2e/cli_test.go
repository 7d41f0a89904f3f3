package e2e

import (
	"context"
	"encoding/json"
	"os"
	osexec "os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/dmirror/dmirror/kernel/kerneltest"
)

// TestInstallAndVersion: `dmirror install --prefix DIR` writes a
// kernelspec that Jupyter's own `kernelspec list` finds, and `dmirror
// version` prints the version.
func TestInstallAndVersion(t *testing.T) {
	ctx := ctxT(t)
	binary := kerneltest.SharedBinary(t)
	out, err := osexec.CommandContext(ctx, binary, "version").CombinedOutput()
	if err != nil || !strings.Contains(string(out), ".") {
		t.Errorf("dmirror version: %q, %v", out, err)
	}
	prefix := t.TempDir()
	if out, err := osexec.CommandContext(ctx, binary, "install", "--prefix", prefix).CombinedOutput(); err != nil {
		t.Fatalf("dmirror install: %v\n%s", err, out)
	}
	dir := filepath.Join(prefix, "share", "jupyter", "kernels", "dmirror")
	var spec struct {
		Argv          []string `json:"argv"`
		DisplayName   string   `json:"display_name"`
		Language      string   `json:"language"`
		InterruptMode string   `json:"interrupt_mode"`
	}
	b, err := os.ReadFile(filepath.Join(dir, "kernel.json"))
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(b, &spec); err != nil {
		t.Fatal(err)
	}
	if spec.DisplayName != "Go (dmirror)" || spec.Language != "go" || spec.InterruptMode != "message" ||
		len(spec.Argv) != 3 || !filepath.IsAbs(spec.Argv[0]) || spec.Argv[1] != "kernel" || spec.Argv[2] != "{connection_file}" {
		t.Errorf("kernel.json %s", b)
	}
	for _, logo := range []string{"logo-32x32.png", "logo-64x64.png", "logo-svg.svg"} {
		if _, err := os.Stat(filepath.Join(dir, logo)); err != nil {
			t.Error(err)
		}
	}
	listed := jupyterKernelspecs(ctx, t, filepath.Join(prefix, "share", "jupyter"))
	if !strings.HasPrefix(listed, dir) {
		t.Errorf("jupyter kernelspec list: dmirror at %q, want %q", listed, dir)
	}
}

// jupyterKernelspecs asks Jupyter, with only dataDir on its path, where
// the dmirror kernelspec is.
func jupyterKernelspecs(ctx context.Context, t *testing.T, dataDir string) string {
	t.Helper()
	const python = "/usr/bin/python3"
	script := "from jupyter_client.kernelspec import KernelSpecManager as M; print(M().find_kernel_specs().get('dmirror', ''))"
	cmd := osexec.CommandContext(ctx, python, "-c", script)
	home := t.TempDir()
	cmd.Env = append(os.Environ(), "JUPYTER_PATH="+dataDir, "JUPYTER_DATA_DIR="+filepath.Join(home, "data"), "HOME="+home)
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Skipf("jupyter_client is not usable with %s: %v\n%s", python, err, out)
	}
	return strings.TrimSpace(string(out))
}

package kerneltest

import (
	"context"
	"fmt"
	"os/exec"
	"path/filepath"
	"strings"
)

// BuildBinary builds the dmirror command of the current module into dir
// and returns its path, for tests that drive the real binary. The go
// command's build cache makes repeated builds cheap.
func BuildBinary(ctx context.Context, dir string) (string, error) {
	out, err := exec.CommandContext(ctx, "go", "env", "GOMOD").Output()
	if err != nil {
		return "", fmt.Errorf("kerneltest: go env GOMOD: %w", err)
	}
	gomod := strings.TrimSpace(string(out))
	if gomod == "" || gomod == "/dev/null" {
		return "", fmt.Errorf("kerneltest: not inside a module")
	}
	bin := filepath.Join(dir, "dmirror")
	build := exec.CommandContext(ctx, "go", "build", "-o", bin, ".")
	build.Dir = filepath.Dir(gomod)
	if out, err := build.CombinedOutput(); err != nil {
		return "", fmt.Errorf("kerneltest: go build: %w\n%s", err, out)
	}
	return bin, nil
}

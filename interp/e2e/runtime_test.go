package e2e

import (
	"bytes"
	"os"
	osexec "os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/dmirror/dmirror/kernel/kerneltest"
)

// TestStderrPrograms runs each file of testdata/stderr (the format of
// testdata/semantics) through the real binary and compares what its cells
// write to stderr with what its Go program writes there under `go run`.
func TestStderrPrograms(t *testing.T) {
	kerneltest.SharedBinary(t)
	files, err := filepath.Glob(filepath.Join("testdata", "stderr", "*.txtar"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no cell programs in testdata/stderr (%v)", err)
	}
	for _, path := range files {
		data, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		f, err := parseSemFile(filepath.Base(path), data)
		if err != nil {
			t.Fatal(err)
		}
		t.Run(strings.TrimSuffix(f.name, ".txtar"), func(t *testing.T) {
			_, want, _ := goRunAll(t, f.goProg)
			k := start(t)
			var got strings.Builder
			for i, c := range f.cells {
				r := exec(t, k, c.code)
				if r.Status() != "ok" {
					t.Fatalf("cell %d failed: %s", i+1, errorText(r))
				}
				got.WriteString(r.Stream("stderr"))
			}
			if got.String() != want {
				t.Errorf("stderr:\n%s\nwant (Go):\n%s", got.String(), want)
			}
		})
	}
}

// goRunAll builds prog with `go build` and runs it with args, returning its
// stdout, its stderr and its exit code.
func goRunAll(t *testing.T, prog string, args ...string) (stdout, stderr string, code int) {
	t.Helper()
	ctx := ctxT(t)
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "main.go"), []byte(prog), 0o644); err != nil {
		t.Fatal(err)
	}
	bin := filepath.Join(dir, "prog")
	build := osexec.CommandContext(ctx, "go", "build", "-o", bin, "main.go")
	build.Dir = dir
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("go build of the oracle: %v\n%s", err, out)
	}
	cmd := osexec.CommandContext(ctx, bin, args...)
	var o, e bytes.Buffer
	cmd.Stdout, cmd.Stderr = &o, &e
	err := cmd.Run()
	if ee, ok := err.(*osexec.ExitError); ok {
		code = ee.ExitCode()
	} else if err != nil {
		t.Fatalf("the oracle: %v", err)
	}
	return o.String(), e.String(), code
}

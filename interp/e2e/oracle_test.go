package e2e

import (
	"bytes"
	"errors"
	"os"
	osexec "os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// goOut is what a Go program did.
type goOut struct {
	stdout, stderr string
	code           int // exit status
}

// goProgram builds a Go program (main.go's source, in a module requiring
// mods, each "path version") with `go build` and runs it with args: the
// oracle of the cells that paste or mirror it. The binary is named main,
// as `go run main.go` names it, for programs that print os.Args[0].
func goProgram(t *testing.T, src string, mods []string, args ...string) goOut {
	t.Helper()
	ctx := ctxT(t)
	dir, out, err := goBuild(t, src, mods)
	if err != nil {
		t.Fatalf("go build of the oracle: %v\n%s", err, out)
	}
	cmd := osexec.CommandContext(ctx, filepath.Join(dir, "main"), args...)
	var o, e bytes.Buffer
	cmd.Stdout, cmd.Stderr = &o, &e
	var res goOut
	var exit *osexec.ExitError
	if err := cmd.Run(); errors.As(err, &exit) {
		res.code = exit.ExitCode()
	} else if err != nil {
		t.Fatalf("the oracle: %v", err)
	}
	res.stdout, res.stderr = o.String(), e.String()
	return res
}

// goBuild builds a Go program (see goProgram) in a directory of its own,
// returning the directory and the go command's output.
func goBuild(t *testing.T, src string, mods []string) (dir, out string, err error) {
	t.Helper()
	dir = t.TempDir()
	gomod := "module oracle\n\ngo 1.26\n"
	for _, m := range mods {
		gomod += "require " + m + "\n"
	}
	for name, data := range map[string]string{"go.mod": gomod, "main.go": src} {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(data), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	build := osexec.CommandContext(ctxT(t), "go", "build", "-mod=mod", "-o", "main", ".")
	build.Dir = dir
	b, err := build.CombinedOutput()
	return dir, string(b), err
}

// goRejects is the compiler's first error for a Go program it must
// reject, without its position.
func goRejects(t *testing.T, src string) string {
	t.Helper()
	_, out, err := goBuild(t, src, nil)
	if err == nil {
		t.Fatalf("go build accepted the program; the test needs one it rejects:\n%s", src)
	}
	for _, line := range strings.Split(out, "\n") {
		if _, msg, ok := strings.Cut(line, ".go:"); ok {
			if _, msg, ok = strings.Cut(msg, ": "); ok {
				return msg
			}
		}
	}
	t.Fatalf("no error with a position in go build's output:\n%s", out)
	return ""
}

// goStdout is the stdout of a Go program that must succeed.
func goStdout(t *testing.T, src string, mods ...string) string {
	t.Helper()
	r := goProgram(t, src, mods)
	if r.code != 0 {
		t.Fatalf("the oracle exited %d:\n%s", r.code, r.stderr)
	}
	return r.stdout
}

package e2e

import (
	"go/ast"
	"go/parser"
	"go/token"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/dmirror/dmirror/kernel/kerneltest"
)

// TestMethodsAsGo: methods of session types reach compiled code (fmt, log,
// encoding/json, errors, text/template) as in Go. Each program in
// testdata/methods runs with `go run` and, as one cell, in a fresh kernel
// (the cell is the program without its package clause, with main's body
// at top level); the cell's stdout and stderr must be the program's. A
// program whose first line is `// refused: TEXT` shows what the
// interpreter cannot do: the cell must fail with a CompileError naming TEXT
// and print nothing, or else give Go's output; with `// fails: TEXT` the
// cell may instead fail at run time with an error naming TEXT, after
// printing a prefix of Go's output. `// require: MODULE VERSION` lines
// name modules (from the module cache) that both go run and the kernel
// (%go get) use.
func TestMethodsAsGo(t *testing.T) {
	files, err := filepath.Glob("testdata/methods/*.go")
	if err != nil || len(files) == 0 {
		t.Fatalf("no programs: %v", err)
	}
	for _, file := range files {
		t.Run(strings.TrimSuffix(filepath.Base(file), ".go"), func(t *testing.T) {
			t.Parallel()
			src, err := os.ReadFile(file)
			if err != nil {
				t.Fatal(err)
			}
			requires := moduleRequires(string(src))
			want := goProgram(t, string(src), requires)
			if want.code != 0 {
				t.Fatalf("the oracle exited %d:\n%s", want.code, want.stderr)
			}
			wantOut, wantErr := want.stdout, want.stderr
			cell := programCell(t, string(src))
			k := startOneAtATime(t)
			for _, req := range requires {
				ok(t, k, "%go get "+strings.Replace(req, " ", "@", 1))
			}
			r := exec(t, k, cell)
			gotOut, gotErr := r.Stream("stdout"), withoutNotice(r.Stream("stderr"))
			first := strings.SplitN(string(src), "\n", 2)[0]
			if refused, ok := strings.CutPrefix(first, "// refused: "); ok && r.Status() == "error" {
				if kernelEname(r) != "CompileError" || !strings.Contains(errorText(r), refused) || gotOut != "" {
					t.Errorf("cell failed with\n%s\nprinting %q; want a CompileError naming %q and no output", errorText(r), gotOut, refused)
				}
				return
			}
			if fails, ok := strings.CutPrefix(first, "// fails: "); ok && r.Status() == "error" {
				if !strings.Contains(errorText(r), fails) || !strings.HasPrefix(wantOut, gotOut) {
					t.Errorf("cell failed with\n%s\nprinting %q; want an error naming %q after a prefix of Go's output %q", errorText(r), gotOut, fails, wantOut)
				}
				return
			}
			if r.Status() != "ok" {
				t.Fatalf("cell failed:\n%s\nstdout:\n%s", errorText(r), gotOut)
			}
			if gotOut != wantOut {
				t.Errorf("stdout:\n%s\nwant (go run):\n%s", gotOut, wantOut)
			}
			if gotErr != wantErr {
				t.Errorf("stderr:\n%s\nwant (go run):\n%s", gotErr, wantErr)
			}
		})
	}
}

// moduleRequires are the program's `// require: MODULE VERSION` lines:
// the modules it imports, which must be in the module cache.
func moduleRequires(src string) []string {
	var out []string
	for _, l := range strings.Split(src, "\n") {
		if r, ok := strings.CutPrefix(l, "// require: "); ok {
			out = append(out, strings.TrimSpace(r))
		}
	}
	return out
}

// programCell is a program as a cell: without its package clause, and
// with the statements of func main at top level where main was.
func programCell(t *testing.T, src string) string {
	t.Helper()
	fset := token.NewFileSet()
	f, err := parser.ParseFile(fset, "main.go", src, parser.ParseComments)
	if err != nil {
		t.Fatal(err)
	}
	off := func(p token.Pos) int { return fset.Position(p).Offset }
	for _, d := range f.Decls {
		fd, ok := d.(*ast.FuncDecl)
		if !ok || fd.Name.Name != "main" || fd.Recv != nil {
			continue
		}
		start := off(fd.Pos())
		if fd.Doc != nil {
			start = off(fd.Doc.Pos())
		}
		body := src[off(fd.Body.Lbrace)+1 : off(fd.Body.Rbrace)]
		return src[off(f.Name.End()):start] + body + src[off(fd.End()):]
	}
	t.Fatal("no func main")
	return ""
}

// startMu serialises the parallel subtests' kernel starts: a kernel binds
// ports the harness found free, and two starting at once may pick the same.
var startMu sync.Mutex

func startOneAtATime(t *testing.T) *kerneltest.Kernel {
	t.Helper()
	startMu.Lock()
	defer startMu.Unlock()
	return start(t)
}

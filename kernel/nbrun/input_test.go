package nbrun_test

import (
	"context"
	"encoding/json"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/dmirror/dmirror/kernel/kerneltest"
)

// TestRunRefusesWhatIsNotANotebookFile runs the real binary on paths that
// are not regular files, and on one too large: each must fail at once with
// a message naming the problem, where a FIFO used to block with no message
// and /dev/zero was read without bound. The context kills a binary that
// hangs.
func TestRunRefusesWhatIsNotANotebookFile(t *testing.T) {
	bin := kerneltest.SharedBinary(t)
	dir := t.TempDir()
	fifo := filepath.Join(dir, "fifo.ipynb")
	if err := syscall.Mkfifo(fifo, 0o600); err != nil {
		t.Fatal(err)
	}
	// Sparse: its size is over the limit, but it takes no disk.
	huge := filepath.Join(dir, "huge.ipynb")
	f, err := os.Create(huge)
	if err != nil {
		t.Fatal(err)
	}
	if err := f.Truncate(1 << 30); err != nil {
		t.Fatal(err)
	}
	f.Close()
	cases := []struct{ name, path, want string }{
		{"fifo", fifo, "is not a regular file (a named pipe)"},
		{"dev zero", "/dev/zero", "is not a regular file (a character device)"},
		{"directory", dir, "is a directory, not a notebook file"},
		{"too large", huge, "is 1024 MiB: dmirror run reads notebooks of at most 256 MiB"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
			defer cancel()
			out, err := exec.CommandContext(ctx, bin, "run", c.path, "-o", filepath.Join(t.TempDir(), "out.ipynb")).CombinedOutput()
			if ctx.Err() != nil {
				t.Fatalf("dmirror run %s did not end: %s", c.path, out)
			}
			var exit *exec.ExitError
			if !errors.As(err, &exit) || exit.ExitCode() != 1 || !strings.Contains(string(out), c.want) {
				t.Errorf("dmirror run %s: %v\n%s\nwant exit status 1 and %q", c.path, err, out, c.want)
			}
		})
	}
}

// TestRunRefusesInvalidCells runs the real binary on notebooks with a cell
// that nbformat's schema rejects, which dmirror run accepted silently: it
// must fail naming the cell and the field, before running any cell.
func TestRunRefusesInvalidCells(t *testing.T) {
	bin := kerneltest.SharedBinary(t)
	cases := []struct {
		name string
		edit func(c map[string]any)
		want string
	}{
		{"source null", func(c map[string]any) { c["source"] = nil }, "cell 2: source is null, want a string or a list of strings"},
		{"unknown cell_type", func(c map[string]any) { markdown(c); c["cell_type"] = "heading" }, `cell 2: unknown cell_type "heading"`},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			dir := t.TempDir()
			in, out := filepath.Join(dir, "nb.ipynb"), filepath.Join(dir, "out.ipynb")
			// The first cell would print if it ran.
			nb := goNotebook(cell{source: "import \"fmt\"\nfmt.Println(\"ran\")"}, cell{source: "x := 1"})
			c.edit(nb["cells"].([]any)[1].(map[string]any))
			writeJSON(t, in, nb)
			ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
			defer cancel()
			got, err := exec.CommandContext(ctx, bin, "run", in, "-o", out).CombinedOutput()
			var exit *exec.ExitError
			if !errors.As(err, &exit) || exit.ExitCode() != 1 || !strings.Contains(string(got), c.want) || strings.Contains(string(got), "ran") {
				t.Errorf("dmirror run: %v\n%s\nwant exit status 1 and %q before any cell runs", err, got, c.want)
			}
			if _, err := os.Stat(out); err == nil {
				t.Errorf("a notebook was written")
			}
		})
	}
}

// nbformatAccepts reports whether nbformat's validator accepts the notebook
// nb, and whether nbformat could be asked at all.
func nbformatAccepts(t *testing.T, nb map[string]any) (valid, asked bool) {
	t.Helper()
	const py = "/usr/bin/python3"
	b, err := json.Marshal(nb)
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(py, "-c", `import sys, nbformat
try:
    nbformat.validate(nbformat.reads(sys.stdin.read(), as_version=nbformat.NO_CONVERT))
except nbformat.ValidationError:
    print("invalid")
else:
    print("valid")`)
	cmd.Stdin = strings.NewReader(string(b))
	out, err := cmd.Output()
	if err != nil {
		return false, false
	}
	return strings.TrimSpace(string(out)) == "valid", true
}

// TestCellChecksAgreeWithNbformat reads notebooks whose one cell is valid
// or not by nbformat 4's schema: dmirror run must refuse exactly those that
// nbformat's own validator refuses (asked in the same run when the Debian
// package is installed), with a message naming the cell and the field.
func TestCellChecksAgreeWithNbformat(t *testing.T) {
	cases := []struct {
		name string
		edit func(c map[string]any)
		want string // the error, empty for a valid cell
	}{
		{"source a string", func(c map[string]any) { c["source"] = "x := 1" }, ""},
		{"source a list", func(c map[string]any) { c["source"] = []any{"x := 1\n", "x++"} }, ""},
		{"source empty", func(c map[string]any) { c["source"] = []any{} }, ""},
		{"markdown cell", func(c map[string]any) { markdown(c) }, ""},
		{"raw cell", func(c map[string]any) { raw(c) }, ""},
		{"source null", func(c map[string]any) { c["source"] = nil }, "cell 1: source is null, want a string or a list of strings"},
		{"markdown source null", func(c map[string]any) { markdown(c); c["source"] = nil }, "cell 1: source is null"},
		{"no source", func(c map[string]any) { delete(c, "source") }, "cell 1: no source"},
		{"source a number", func(c map[string]any) { c["source"] = 3 }, "cell 1: source is a number, want a string or a list of strings"},
		{"source list with a number", func(c map[string]any) { c["source"] = []any{"a", 1} }, "cell 1: source is a list with a number in it, want strings"},
		{"unknown cell_type", func(c map[string]any) { markdown(c); c["cell_type"] = "heading" }, `cell 1: unknown cell_type "heading"`},
		{"no cell_type", func(c map[string]any) { delete(c, "cell_type") }, "cell 1: no cell_type"},
		{"cell_type null", func(c map[string]any) { c["cell_type"] = nil }, "cell 1: no cell_type"},
		{"cell_type a number", func(c map[string]any) { c["cell_type"] = 1 }, "cell 1: cell_type is a number"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			nb := goNotebook(cell{source: "x := 1"})
			c.edit(nb["cells"].([]any)[0].(map[string]any))
			if valid, asked := nbformatAccepts(t, nb); asked && valid != (c.want == "") {
				t.Fatalf("nbformat.validate says valid=%v; the case's expectation is wrong", valid)
			}
			eng := &fakeEngine{}
			r := run(t, eng, nb)
			if c.want == "" {
				if r.err != nil || r.code != 0 {
					t.Errorf("got %d %v, want the notebook run", r.code, r.err)
				}
				return
			}
			if r.err == nil || !strings.Contains(r.err.Error(), c.want) || r.code != 1 {
				t.Errorf("got %d %v, want status 1 and an error with %q", r.code, r.err, c.want)
			}
			if len(eng.reqs) != 0 || r.nb != nil {
				t.Errorf("cells ran or a notebook was written")
			}
		})
	}
}

func markdown(c map[string]any) {
	c["cell_type"] = "markdown"
	delete(c, "outputs")
	delete(c, "execution_count")
}

func raw(c map[string]any) {
	markdown(c)
	c["cell_type"] = "raw"
}

package e2e

import (
	"encoding/json"
	"fmt"
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
	for _, f := range semFiles(t, filepath.Join("testdata", "stderr")) {
		t.Run(strings.TrimSuffix(f.name, ".txtar"), func(t *testing.T) {
			want := goProgram(t, f.goProg, nil).stderr
			k := start(t)
			var got strings.Builder
			for i, c := range f.cells {
				r := exec(t, k, c.code)
				if r.Status() != "ok" {
					t.Fatalf("cell %d failed: %s", i+1, errorText(r))
				}
				got.WriteString(withoutNotice(r.Stream("stderr")))
			}
			if got.String() != want {
				t.Errorf("stderr:\n%s\nwant (Go):\n%s", got.String(), want)
			}
		})
	}
}

// TestExitPrograms runs each file of testdata/exit (the format of
// testdata/semantics) through the real binary: the cells must print what
// the Go program prints on stdout and stderr, and the last cell must fail
// with an Exit error naming the Go program's exit code.
func TestExitPrograms(t *testing.T) {
	kerneltest.SharedBinary(t)
	for _, f := range semFiles(t, filepath.Join("testdata", "exit")) {
		t.Run(strings.TrimSuffix(f.name, ".txtar"), func(t *testing.T) {
			g := goProgram(t, f.goProg, nil)
			wantOut, wantErr, code := g.stdout, g.stderr, g.code
			if code == 0 {
				t.Fatal("the Go program does not exit with a code")
			}
			k := start(t)
			var gotOut, gotErr strings.Builder
			for i, c := range f.cells {
				r := exec(t, k, c.code)
				gotOut.WriteString(r.Stream("stdout"))
				gotErr.WriteString(withoutNotice(r.Stream("stderr")))
				last := i == len(f.cells)-1
				switch {
				case !last && r.Status() != "ok":
					t.Fatalf("cell %d failed: %s", i+1, errorText(r))
				case last && (kernelEname(r) != "Exit" || !strings.Contains(errorText(r), fmt.Sprintf("os.Exit(%d)", code))):
					t.Errorf("cell %d: %s %s; want an Exit error naming os.Exit(%d)", i+1, r.Status(), errorText(r), code)
				}
			}
			if gotOut.String() != wantOut {
				t.Errorf("stdout:\n%s\nwant (Go):\n%s", gotOut.String(), wantOut)
			}
			if gotErr.String() != wantErr {
				t.Errorf("stderr:\n%s\nwant (Go):\n%s", gotErr.String(), wantErr)
			}
			ok(t, k, "x := 1") // the kernel and its image live on
		})
	}
}

// TestNotebookGoroutineOutput runs testdata/semantics/goroutine_output_cell
// as a notebook with `dmirror run`: the cells' outputs in the written
// notebook, in order, must be the Go program's output. Output a goroutine
// of cell 2 printed used to be lost there (sent as cell 1's).
func TestNotebookGoroutineOutput(t *testing.T) {
	binary := kerneltest.SharedBinary(t)
	data, err := os.ReadFile(filepath.Join(semanticsDir, "goroutine_output_cell.txtar"))
	if err != nil {
		t.Fatal(err)
	}
	f, err := parseSemFile("goroutine_output_cell.txtar", data)
	if err != nil {
		t.Fatal(err)
	}
	want := goProgram(t, f.goProg, nil).stdout
	var codes []string
	for _, c := range f.cells {
		codes = append(codes, c.code)
	}
	if got := withoutNotice(runNotebook(t, binary, codes)); got != want {
		t.Errorf("notebook outputs:\n%s\nwant (Go):\n%s", got, want)
	}
}

// runNotebook runs cells as a notebook with `dmirror run` and returns the
// text of their stream outputs, in order.
func runNotebook(t *testing.T, binary string, codes []string) string {
	t.Helper()
	type cell struct {
		CellType string         `json:"cell_type"`
		ID       string         `json:"id"`
		Metadata map[string]any `json:"metadata"`
		Source   any            `json:"source"`
		Outputs  []struct {
			OutputType string `json:"output_type"`
			Text       any    `json:"text"`
		} `json:"outputs"`
		ExecutionCount *int `json:"execution_count"`
	}
	type notebook struct {
		Cells         []cell         `json:"cells"`
		Metadata      map[string]any `json:"metadata"`
		Nbformat      int            `json:"nbformat"`
		NbformatMinor int            `json:"nbformat_minor"`
	}
	nb := notebook{Metadata: map[string]any{}, Nbformat: 4, NbformatMinor: 5}
	for i, code := range codes {
		nb.Cells = append(nb.Cells, cell{CellType: "code", ID: fmt.Sprintf("c%d", i), Metadata: map[string]any{}, Source: code})
	}
	dir := t.TempDir()
	in, out := filepath.Join(dir, "in.ipynb"), filepath.Join(dir, "out.ipynb")
	b, err := json.Marshal(nb)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(in, b, 0o644); err != nil {
		t.Fatal(err)
	}
	if msg, err := osexec.CommandContext(ctxT(t), binary, "run", in, "-o", out).CombinedOutput(); err != nil {
		t.Fatalf("dmirror run: %v\n%s", err, msg)
	}
	b, err = os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	var done notebook
	if err := json.Unmarshal(b, &done); err != nil {
		t.Fatal(err)
	}
	var text strings.Builder
	for _, c := range done.Cells {
		for _, o := range c.Outputs {
			switch x := o.Text.(type) {
			case string:
				text.WriteString(x)
			case []any:
				for _, l := range x {
					s, _ := l.(string)
					text.WriteString(s)
				}
			}
		}
	}
	return text.String()
}

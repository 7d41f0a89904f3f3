package e2e

import (
	"go/ast"
	"go/parser"
	"go/token"
	"os"
	"os/exec"
	"strings"
	"testing"

	"github.com/dmirror/dmirror/kernel/kerneltest"
)

// scanCell reads a line from the front end and prints it.
const scanCell = "import \"fmt\"\nvar name string\nfmt.Scanln(&name)\nfmt.Println(\"hello\", name)"

// TestStdinReplyWithoutParent answers input_request as jupyter_client's
// input() does, with an empty parent header: the one request waiting must
// take it, not leave the cell waiting.
func TestStdinReplyWithoutParent(t *testing.T) {
	k := start(t)
	ctx := ctxT(t)
	c := kerneltest.ExecuteContent(scanCell)
	c["allow_stdin"] = true
	cell := send(t, k, c)
	if _, err := k.InputRequest(ctx, cell.Header.MsgID); err != nil {
		t.Fatal(err)
	}
	if err := k.InputReply(nil, "gopher"); err != nil {
		t.Fatal(err)
	}
	r, err := k.Await(ctx, kerneltest.Shell, cell)
	if err != nil {
		t.Fatal(err)
	}
	if got := r.Stream("stdout"); got != "hello gopher\n" || r.Status() != "ok" {
		t.Errorf("stdout %q, status %s; want \"hello gopher\\n\", ok", got, r.Status())
	}
}

// TestStdinFromJupyterClient runs a cell that reads input through
// jupyter_client itself, as jupyter console does, answering from the
// script's stdin.
func TestStdinFromJupyterClient(t *testing.T) {
	const python = "/usr/bin/python3"
	if err := exec.Command(python, "-c", "import jupyter_client").Run(); err != nil {
		t.Skipf("jupyter_client is not installed for %s: %v", python, err)
	}
	k := start(t)
	cmd := exec.CommandContext(ctxT(t), python, "testdata/input_client.py", k.ConnFile, scanCell)
	cmd.Stdin = strings.NewReader("gopher\n")
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	if !strings.Contains(string(out), "hello gopher\n") || !strings.HasSuffix(string(out), "status: ok\n") {
		t.Errorf("jupyter_client output:\n%s\nwant \"hello gopher\" and status ok", out)
	}
}

// TestStdinEndOfInput answers a read as jupyter console does when its user
// ends input (Ctrl-D): "\x04", which must reach the cell as io.EOF, as at
// the end of a Go program's stdin. The oracle is testdata/stdin_eof.go run
// by go run with no input; the cell is its main func's body.
func TestStdinEndOfInput(t *testing.T) {
	const program = "testdata/stdin_eof.go"
	want, err := exec.CommandContext(ctxT(t), "go", "run", program).Output() // stdin: /dev/null
	if err != nil {
		t.Fatalf("go run %s: %v", program, err)
	}
	k := start(t)
	ctx := ctxT(t)
	c := kerneltest.ExecuteContent(cellOf(t, program))
	c["allow_stdin"] = true
	cell := send(t, k, c)
	if _, err := k.InputRequest(ctx, cell.Header.MsgID); err != nil {
		t.Fatal(err)
	}
	if err := k.InputReply(nil, "\x04"); err != nil {
		t.Fatal(err)
	}
	r, err := k.Await(ctx, kerneltest.Shell, cell)
	if err != nil {
		t.Fatal(err)
	}
	if got := r.Stream("stdout"); got != string(want) {
		t.Errorf("cell printed %q, go run printed %q", got, want)
	}
}

// cellOf returns a program as a cell: its imports and its main func's body.
func cellOf(t *testing.T, path string) string {
	t.Helper()
	src, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	fset := token.NewFileSet()
	f, err := parser.ParseFile(fset, path, src, 0)
	if err != nil {
		t.Fatal(err)
	}
	text := func(n ast.Node) string {
		return string(src[fset.Position(n.Pos()).Offset:fset.Position(n.End()).Offset])
	}
	var cell strings.Builder
	for _, d := range f.Decls {
		switch d := d.(type) {
		case *ast.GenDecl:
			if d.Tok == token.IMPORT {
				cell.WriteString(text(d) + "\n")
			}
		case *ast.FuncDecl:
			if d.Name.Name == "main" {
				body := text(d.Body)
				cell.WriteString(body[1:len(body)-1] + "\n")
			}
		}
	}
	return cell.String()
}

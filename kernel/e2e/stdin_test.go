package e2e

import (
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

package e2e

import (
	"strings"
	"testing"
	"time"

	"github.com/dmirror/dmirror/kernel"
	"github.com/dmirror/dmirror/kernel/kerneltest"
)

// TestOutputStreams: fmt, os.Stdout, os.Stderr, log and println reach
// the front end on their streams, and many writes travel in few messages.
func TestOutputStreams(t *testing.T) {
	k := start(t)
	r := ok(t, k, `import (
	"fmt"
	"log"
	"os"
)
log.SetFlags(0)
fmt.Println("fmt out")
fmt.Fprintln(os.Stdout, "os out")
os.Stdout.WriteString("write out\n")
fmt.Fprintln(os.Stderr, "os err")
log.Println("log err")
println("println err")
for i := range 1000 {
	fmt.Println(i)
}`)
	out, errs := r.Stream("stdout"), r.Stream("stderr")
	for _, want := range []string{"fmt out\n", "os out\n", "write out\n", "0\n", "999\n"} {
		if !strings.Contains(out, want) {
			t.Errorf("stdout lacks %q: %q", want, out[:min(len(out), 200)])
		}
	}
	for _, want := range []string{"os err\n", "log err\n", "println err\n"} {
		if !strings.Contains(errs, want) {
			t.Errorf("stderr lacks %q: %q", want, errs)
		}
	}
	if n := len(r.Of("stream")); n > 100 {
		t.Errorf("1006 writes in %d stream messages: not coalesced", n)
	}
}

// TestInput: fmt.Scan and bufio on os.Stdin ask the front end when it
// allows stdin, and fail at once with a clear error when it does not.
func TestInput(t *testing.T) {
	k := start(t)
	ctx := ctxT(t)
	code := `import (
	"bufio"
	"fmt"
	"os"
)
var n int
fmt.Scan(&n)
line, _ := bufio.NewReader(os.Stdin).ReadString('\n')
sc := bufio.NewScanner(os.Stdin)
sc.Scan()
fmt.Println(n*2, line+sc.Text())`
	c := kerneltest.ExecuteContent(code)
	c["allow_stdin"] = true
	m, err := k.NewRequest("execute_request", c)
	if err != nil {
		t.Fatal(err)
	}
	if err := k.SendMessage(kerneltest.Shell, m); err != nil {
		t.Fatal(err)
	}
	answered := map[string]bool{}
	for _, answer := range []string{"21", "a line", "scanned"} {
		req, err := k.WaitFor(ctx, kerneltest.Stdin, func(r *kernel.Message) bool {
			return r.Header.MsgType == "input_request" && r.ParentID() == m.Header.MsgID && !answered[r.Header.MsgID]
		})
		if err != nil {
			t.Fatal(err)
		}
		answered[req.Header.MsgID] = true
		if err := k.InputReply(req, answer); err != nil {
			t.Fatal(err)
		}
	}
	r, err := k.Await(ctx, kerneltest.Shell, m)
	if err != nil {
		t.Fatal(err)
	}
	if got := r.Stream("stdout"); got != "42 a line\nscanned\n" {
		t.Errorf("stdout %q (status %s), want \"42 a line\\nscanned\\n\"", got, r.Status())
	}
	// Without allow_stdin, reading stdin fails at once with a clear error.
	for _, code := range []string{"var k int\n_, err := fmt.Scan(&k)\nerr", "_, err := bufio.NewReader(os.Stdin).ReadString('\\n')\nerr"} {
		r := ok(t, k, code)
		if got := result(r); !strings.Contains(got, "stdin") {
			t.Errorf("%q without allow_stdin: result %q, want an error about stdin", code, got)
		}
		t.Logf("%q without allow_stdin: %s", code, result(r))
	}
	if n := len(k.Messages(kerneltest.Stdin)); n != 3 {
		t.Errorf("%d input_requests, want only the 3 of the first cell", n)
	}
}

// TestInterruptWhileReading: a cell waiting for input is ended by an
// interrupt, and the next cell works.
func TestInterruptWhileReading(t *testing.T) {
	k := start(t)
	ctx := ctxT(t)
	ok(t, k, "import \"fmt\"\nkept := 5")
	c := kerneltest.ExecuteContent("var s string\nkept = 6\nfmt.Scanln(&s)")
	c["allow_stdin"] = true
	m, err := k.NewRequest("execute_request", c)
	if err != nil {
		t.Fatal(err)
	}
	if err := k.SendMessage(kerneltest.Shell, m); err != nil {
		t.Fatal(err)
	}
	if _, err := k.InputRequest(ctx, m.Header.MsgID); err != nil {
		t.Fatal(err)
	}
	t0 := time.Now()
	if _, err := k.Interrupt(ctx); err != nil {
		t.Fatal(err)
	}
	r, err := k.Await(ctx, kerneltest.Shell, m)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("the cell ended %v after the interrupt", time.Since(t0))
	if kernelEname(r) != "Interrupted" {
		t.Errorf("reply %v, want Interrupted", kerneltest.Fields(r.Reply))
	}
	expect(t, k, "kept", "5")
}

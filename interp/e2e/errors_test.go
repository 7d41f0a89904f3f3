package e2e

import (
	"fmt"
	"strings"
	"testing"

	"github.com/dmirror/dmirror/kernel/kerneltest"
)

// sameError checks that the error message on iopub carries the reply's
// ename, evalue and traceback.
func sameError(t *testing.T, r *kerneltest.Result) {
	t.Helper()
	errs := r.Of("error")
	if len(errs) != 1 {
		t.Fatalf("%d error messages, want 1", len(errs))
	}
	msg, reply := kerneltest.Fields(errs[0]), kerneltest.Fields(r.Reply)
	for _, key := range []string{"ename", "evalue", "traceback"} {
		if fmt.Sprint(msg[key]) != fmt.Sprint(reply[key]) {
			t.Errorf("%s: error message %v, execute_reply %v", key, msg[key], reply[key])
		}
	}
}

// TestErrors: compile and runtime errors are one error message with a
// specific ename and a traceback naming the cell and line; a panic's
// traceback has the interpreted call stack.
func TestErrors(t *testing.T) {
	k := start(t)
	ok(t, k, "import \"fmt\"")
	r := fails(t, k, "x := 1\ny := \"s\" + x", "CompileError")
	sameError(t, r)
	if text := errorText(r); !strings.Contains(text, "cell[2] line 2") {
		t.Errorf("compile error does not name cell[2] line 2:\n%s", text)
	}
	fails(t, k, "func broken( {", "CompileError")

	ok(t, k, "func inner(xs []int, i int) int {\n\tfmt.Print(\"\")\n\treturn xs[i]\n}\nfunc outer() int {\n\treturn inner(nil, 3)\n}")
	r = fails(t, k, "fmt.Print(\"\")\nouter()", "Panic")
	sameError(t, r)
	text := errorText(r)
	t.Logf("panic output:\n%s", text)
	// The cell's frame names the statement that ran; inner and outer are
	// compiled (issue 11): their frames name the failing lines, from the Go
	// stack. Interpreted, a func's frame names the line its body starts on.
	innerLine := "cell[4] line 3: in inner"
	if interpretedMode() {
		innerLine = "cell[4] line 2: in inner"
	}
	for _, want := range []string{"index out of range", innerLine, "cell[4] line 6: in outer", "cell[5] line 2"} {
		if !strings.Contains(text, want) {
			t.Errorf("panic traceback lacks %q:\n%s", want, text)
		}
	}
	r = fails(t, k, "var m map[string]int\nm[\"a\"] = 1", "Panic")
	if text := errorText(r); !strings.Contains(text, "cell[6] line 2") || !strings.Contains(text, "nil map") || !strings.Contains(text, "restored") {
		t.Errorf("nil map panic:\n%s", text)
	}
	r = fails(t, k, "panic(fmt.Errorf(\"custom %d\", 7))", "Panic")
	if text := errorText(r); !strings.Contains(text, "custom 7") {
		t.Errorf("panic value not shown:\n%s", text)
	}
}

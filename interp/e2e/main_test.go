// Package e2e checks, through the real dmirror binary over real ZeroMQ,
// what issue 2 promises of cells: the image contract (redefinition, failed
// cells, results), Go as written today, errors, input, introspection,
// history and the killers of the image process.
package e2e

import (
	"context"
	"fmt"
	"os"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/dmirror/dmirror/interp"
	"github.com/dmirror/dmirror/kernel/kerneltest"
)

const testTimeout = 3 * time.Minute

func TestMain(m *testing.M) {
	os.Exit(kerneltest.RunTests(m))
}

// interpretedMode reports whether the kernels of this test process run
// declarations interpreted: DMIRROR_NATIVE=0, the fallback mode that CI
// also runs the tests of cells in.
func interpretedMode() bool { return os.Getenv(interp.NativeEnv) == "0" }

// needsCompiled skips a test of compiled code (compiled packages or
// compiled declarations) in the interpreted mode, which turns both off.
func needsCompiled(t *testing.T) {
	t.Helper()
	if interpretedMode() {
		t.Skipf("a test of compiled code, which %s=0 turns off", interp.NativeEnv)
	}
}

// noticeLine is the kernel's note, on stderr, that declarations or
// imported packages run interpreted and why: dmirror's, not what a
// program prints.
var noticeLine = regexp.MustCompile(`(?m)^note: (?:declarations run interpreted, not compiled|imported packages run interpreted from source, not compiled)[^\n]*\n`)

// withoutNotice is text without the kernel's notes that code runs
// interpreted, to compare with what a Go program prints.
func withoutNotice(s string) string { return noticeLine.ReplaceAllString(s, "") }

// start starts the real dmirror binary as a kernel, with env added to its
// environment, that the test's cleanup closes.
func start(t *testing.T, env ...string) *kerneltest.Kernel {
	t.Helper()
	return kerneltest.StartShared(t, env...)
}

func ctxT(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), testTimeout)
	t.Cleanup(cancel)
	return ctx
}

// exec runs code and returns its result, whatever its status.
func exec(t *testing.T, k *kerneltest.Kernel, code string) *kerneltest.Result {
	t.Helper()
	r, err := k.Execute(ctxT(t), code)
	if err != nil {
		t.Fatalf("%q: %v", code, err)
	}
	return r
}

// ok runs code and fails the test unless the cell succeeds.
func ok(t *testing.T, k *kerneltest.Kernel, code string) *kerneltest.Result {
	t.Helper()
	r := exec(t, k, code)
	if r.Status() != "ok" {
		t.Fatalf("cell %q failed: %v", code, errorText(r))
	}
	return r
}

// fails runs code and fails the test unless the cell fails with ename.
func fails(t *testing.T, k *kerneltest.Kernel, code, ename string) *kerneltest.Result {
	t.Helper()
	r := exec(t, k, code)
	if f := kerneltest.Fields(r.Reply); f["status"] != "error" || f["ename"] != ename {
		t.Fatalf("cell %q: reply %v, want an error %s", code, f, ename)
	}
	return r
}

// expect runs code and checks its execute_result's text/plain.
func expect(t *testing.T, k *kerneltest.Kernel, code, want string) {
	t.Helper()
	if got := result(ok(t, k, code)); got != want {
		t.Errorf("%q = %q, want %q", code, got, want)
	}
}

func result(r *kerneltest.Result) string {
	for _, m := range r.Of("execute_result") {
		s, _ := kerneltest.Fields(m)["data"].(map[string]any)["text/plain"].(string)
		return s
	}
	return ""
}

// errorText is the error output of a result: ename, evalue and traceback.
func errorText(r *kerneltest.Result) string {
	f := kerneltest.Fields(r.Reply)
	var b strings.Builder
	fmt.Fprintf(&b, "%v: %v\n", f["ename"], f["evalue"])
	tb, _ := f["traceback"].([]any)
	for _, l := range tb {
		fmt.Fprintln(&b, l)
	}
	return b.String()
}

func kernelEname(r *kerneltest.Result) string {
	s, _ := kerneltest.Fields(r.Reply)["ename"].(string)
	return s
}

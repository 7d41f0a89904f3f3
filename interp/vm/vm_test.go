package vm_test

import (
	"bytes"
	"errors"
	"testing"

	"github.com/traefik/yaegi/interp"

	. "github.com/dmirror/dmirror/interp/vm"
	"github.com/dmirror/dmirror/mirror"
)

// exports are the binary packages the prelude needs besides vm's own.
func exports() []interp.Exports { return []interp.Exports{mirror.WorkerExports()} }

func TestGoroutinePanicReachesHook(t *testing.T) {
	type end struct {
		cell int
		r    any
	}
	ends := make(chan end, 1)
	var out bytes.Buffer
	i, err := New(Config{Stdout: &out, Stderr: &out, Exports: exports(), Hooks: Hooks{
		GoEnd: func(cell int, r any) { ends <- end{cell, r} },
	}})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := i.Eval(`__dmGo(7, func() { panic("boom") })`); err != nil {
		t.Fatal(err)
	}
	got := <-ends
	if got.cell != 7 || got.r == nil {
		t.Fatalf("GoEnd got cell %d, recovered %v; want 7 and the panic", got.cell, got.r)
	}
	if _, err := i.Eval(`__dmGo(8, func() {})`); err != nil {
		t.Fatal(err)
	}
	if got := <-ends; got.cell != 8 || got.r != nil {
		t.Fatalf("GoEnd got cell %d, recovered %v; want 8 and nil", got.cell, got.r)
	}
}

func TestExitPanics(t *testing.T) {
	i, err := New(Config{Stdout: &bytes.Buffer{}, Stderr: &bytes.Buffer{}, Exports: exports()})
	if err != nil {
		t.Fatal(err)
	}
	_, err = i.Eval("import \"os\"\nfunc quit() { os.Exit(3) }")
	if err != nil {
		t.Fatal(err)
	}
	_, err = i.Eval("quit()")
	var p interp.Panic
	if !errors.As(err, &p) {
		t.Fatalf("got %v (%T), want an interp.Panic", err, err)
	}
	if e, ok := p.Value.(*ExitError); !ok || e.Code != 3 {
		t.Fatalf("panic value %#v, want *ExitError{3}", p.Value)
	}
}

func TestErrorsAsAndIsSeeInterpretedTypes(t *testing.T) {
	i, err := New(Config{Exports: exports()})
	if err != nil {
		t.Fatal(err)
	}
	src := `
import (
	"errors"
	"fmt"
	"io"
)

type codeErr struct{ code int }

func (e *codeErr) Error() string { return fmt.Sprint("code ", e.code) }

type valErr struct{ s string }

func (e *valErr) Error() string { return e.s }

var errSentinel error = &valErr{"sentinel"}

func probe() string {
	var ce error = &codeErr{3}
	wrapped := fmt.Errorf("outer: %w", fmt.Errorf("inner: %w", ce))
	var target *codeErr
	as := errors.As(wrapped, &target) && target.code == 3
	var vt *valErr
	notAs := !errors.As(wrapped, &vt)
	joined := errors.Join(io.EOF, fmt.Errorf("w: %w", errSentinel))
	var vj *valErr
	asJoined := errors.As(joined, &vj) && vj.s == "sentinel"
	is := errors.Is(joined, errSentinel) && errors.Is(joined, io.EOF)
	var other error = &valErr{"sentinel"}
	isNot := !errors.Is(joined, other) && !errors.Is(wrapped, errSentinel)
	var pe error
	asIface := errors.As(wrapped, &pe)
	return fmt.Sprint(as, notAs, asJoined, is, isNot, asIface)
}
`
	if _, err := i.Eval(src); err != nil {
		t.Fatal(err)
	}
	v, err := i.Eval("probe()")
	if err != nil {
		t.Fatal(err)
	}
	if got := v.String(); got != "true true true true true true" {
		t.Errorf("errors.As and errors.Is on interpreted types: %s, want all true", got)
	}
}

package frontend_test

import (
	"bytes"
	"context"
	"fmt"
	"reflect"
	"sync"
	"testing"

	"github.com/traefik/yaegi/interp"

	"github.com/dmirror/dmirror/interp/frontend"
	"github.com/dmirror/dmirror/interp/vm"
	"github.com/dmirror/dmirror/mirror"
)

// session runs cells the way the image process does: compile, evaluate the
// declarations (or rebuild a fresh interpreter), evaluate the body, call
// the body func, commit.
type session struct {
	t     *testing.T
	im    *frontend.Image
	vm    *interp.Interpreter
	out   *syncBuffer
	count int
	// goEnds receives the end of every goroutine started by a cell.
	goEnds chan goEnd
}

type goEnd struct {
	cell      int
	recovered any
}

// syncBuffer is a bytes.Buffer for the writes of many goroutines.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.String()
}

func (b *syncBuffer) Reset() {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.b.Reset()
}

func newSession(t *testing.T) *session {
	t.Helper()
	s := &session{t: t, im: frontend.NewImage(frontend.Options{}), out: &syncBuffer{}, goEnds: make(chan goEnd, 100)}
	t.Cleanup(s.im.Close)
	s.vm = s.newVM()
	return s
}

func (s *session) newVM() *interp.Interpreter {
	i, err := vm.New(vm.Config{Stdout: s.out, Stderr: s.out, Exports: []interp.Exports{mirror.WorkerExports()},
		Hooks: vm.Hooks{GoEnd: func(cell int, recovered any) { s.goEnds <- goEnd{cell, recovered} }}})
	if err != nil {
		s.t.Fatalf("vm.New: %v", err)
	}
	return i
}

func eval(i *interp.Interpreter, src string) (v reflect.Value, err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("interpreter panic: %v", r)
		}
	}()
	return i.EvalWithContext(context.Background(), src)
}

// run executes one cell and returns its printed output and its value as
// fmt.Sprint prints it ("" when it has none).
func (s *session) run(code string) (out, value string, err error) {
	s.t.Helper()
	s.count++
	p, err := s.im.Compile(code, s.count)
	if err != nil {
		return "", "", err
	}
	s.out.Reset()
	if p.Rebuild {
		old := s.vm
		s.vm = s.newVM()
		if _, err := eval(s.vm, p.ImageDecls); err != nil {
			return "", "", fmt.Errorf("rebuild: %w\n%s", err, p.ImageDecls)
		}
		og, ng := old.Globals(), s.vm.Globals()
		for name, v := range og {
			if nv, ok := ng[name]; ok && nv.CanSet() && v.Type().AssignableTo(nv.Type()) {
				nv.Set(v)
			}
		}
	} else if p.Decls != "" {
		if _, err := eval(s.vm, p.Decls); err != nil {
			return "", "", fmt.Errorf("decls: %w\n%s", err, p.Decls)
		}
	}
	if p.Body != "" {
		if _, err := eval(s.vm, p.Body); err != nil {
			return "", "", fmt.Errorf("body: %w\n%s", err, p.Body)
		}
		v, err := eval(s.vm, p.BodyFunc+"()")
		if err != nil {
			return s.out.String(), "", fmt.Errorf("run: %w\n%s", err, p.Body)
		}
		if p.HasResult && v.IsValid() {
			value = fmt.Sprint(v.Interface())
		}
	}
	s.im.Commit(p)
	return s.out.String(), value, nil
}

func (s *session) must(code string) (out, value string) {
	s.t.Helper()
	out, value, err := s.run(code)
	if err != nil {
		s.t.Fatalf("cell %q: %v", code, err)
	}
	return out, value
}

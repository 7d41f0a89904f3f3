package interp

import (
	"context"
	"fmt"
	"os"
	"strings"
	"sync"
	"testing"

	"github.com/dmirror/dmirror/interp/childproc"
	"github.com/dmirror/dmirror/interp/frontend"
	"github.com/dmirror/dmirror/kernel/engine"
	"github.com/dmirror/dmirror/kernel/engine/enginetest"
	"github.com/dmirror/dmirror/mirror"
)

// TestMain lets the test binary be the image process: the Session starts
// it again with DMIRROR_CHILD set.
func TestMain(m *testing.M) {
	serve := map[string]func(context.Context) error{ImageMode: ServeImage, mirror.WorkerMode: mirror.ServeWorker}
	if f, ok := serve[childproc.Mode()]; ok {
		if err := f(context.Background()); err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(1)
		}
		os.Exit(0)
	}
	if os.Getenv(holdSessionEnv) == "1" {
		holdSession()
		os.Exit(0)
	}
	os.Exit(m.Run())
}

// fakeFrontend compiles test cells written as plans: until the real
// frontend exists, cells are described by their parts.
type fakeFrontend struct {
	mu     sync.Mutex
	gen    int
	decls  []string
	vars   []frontend.Var
	plans  map[string]func(n int, f *fakeFrontend) *frontend.Plan
	blocks []frontend.Block
	// noGen says generations are off (DisableGenerations): cells then
	// compile without theirs, to their interpreted declarations.
	noGen bool
}

func (f *fakeFrontend) DisableGenerations() bool {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.noGen = true
	return true
}

func (f *fakeFrontend) Compile(code string, n int) (*frontend.Plan, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	mk, ok := f.plans[code]
	if !ok {
		return nil, &frontend.CompileError{Cell: n, Errors: []frontend.Error{{Cell: n, Line: 1, Msg: "unknown test cell"}}}
	}
	return mk(n, f), nil
}

func (f *fakeFrontend) Commit(p *frontend.Plan) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if p.Decls != "" || p.Rebuild {
		f.decls = []string{p.ImageDecls}
		f.gen++ // the fake keeps one chunk, replaced by every commit
	}
	f.vars = p.Vars
}

func (f *fakeFrontend) Source() string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return strings.Join(f.decls, "\n")
}

func (f *fakeFrontend) Vars() []frontend.Var {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]frontend.Var(nil), f.vars...)
}

func (f *fakeFrontend) Blocks() []frontend.Block { return nil }

func (f *fakeFrontend) Chunks() (int, []string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.gen, append([]string(nil), f.decls...)
}

// cell describes a test cell: declarations (added, or replacing all with
// rebuild), statements, whether the last statement is a result, the
// variables it may assign and the variables it adds.
type cell struct {
	decls    string
	rebuild  bool
	body     string
	result   bool
	touched  []string
	newVars  []frontend.Var
	dropVars []string
	gen      *frontend.Generation // compiled declarations (rebuild must be set)
	blocks   []frontend.Block
	// interpreted replaces decls when the frontend makes no generations.
	interpreted string
}

// header starts a file as the frontend does: the file name cell[N]/_
// (yaegi keys imports by the base name), then the cell's first line.
func header(n int) string {
	return fmt.Sprintf("/*line cell[%d]/_:1:1*/package main\n/*line cell[%d]/_:1:1*/", n, n)
}

func (c cell) plan(n int, f *fakeFrontend) *frontend.Plan {
	if c.gen != nil && f.noGen {
		c.gen, c.decls = nil, c.interpreted
	}
	p := &frontend.Plan{Cell: n, Touched: c.touched, Generation: c.gen, Blocks: c.blocks}
	prev := strings.Join(f.decls, "\n")
	if c.decls != "" {
		p.Decls = header(n) + c.decls
		p.Rebuild = c.rebuild
		if c.rebuild {
			p.ImageDecls = p.Decls
		} else {
			p.ImageDecls = strings.TrimSpace(prev + "\n" + p.Decls)
		}
	} else {
		p.ImageDecls = prev
	}
	drop := map[string]bool{}
	for _, d := range c.dropVars {
		drop[d] = true
	}
	for _, v := range f.vars {
		if !drop[v.Name] {
			p.Vars = append(p.Vars, v)
		}
	}
	p.Vars = append(p.Vars, c.newVars...)
	if c.body != "" {
		p.BodyFunc = fmt.Sprintf("__cell%d", n)
		sig := "()"
		body := c.body
		if c.result {
			sig = "() any"
			lines := strings.Split(body, "\n")
			lines[len(lines)-1] = "return " + lines[len(lines)-1]
			body = strings.Join(lines, "\n")
		}
		p.Body = fmt.Sprintf("/*line cell[%d]/_:1:1*/package main\nfunc %s%s {\n/*line cell[%d]/_:1:1*/", n, p.BodyFunc, sig, n) + body + "\n}"
		p.HasResult = c.result
	}
	return p
}

// session starts a Session over test cells.
func session(t testing.TB, cells map[string]cell, env ...string) (*Session, *fakeFrontend) {
	t.Helper()
	f := &fakeFrontend{plans: map[string]func(int, *fakeFrontend) *frontend.Plan{}}
	for code, c := range cells {
		f.plans[code] = c.plan
	}
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	s, err := newSession(context.Background(), SessionOptions{Executable: exe, Env: append(os.Environ(), env...)}, f)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := s.Close(); err != nil {
			t.Error(err)
		}
	})
	return s, f
}

// exec runs code as cell n and returns the result and what it printed.
func execCell(t testing.TB, s *Session, n int, code string) (engine.Result, *enginetest.Recorder) {
	t.Helper()
	r := enginetest.NewRecorder()
	return s.Execute(context.Background(), engine.ExecuteRequest{Code: code, Count: n}, r), r
}

func mustOK(t testing.TB, res engine.Result) {
	t.Helper()
	if res.Error != nil {
		t.Fatalf("cell failed: %v", res.Error)
	}
}

func plain(res engine.Result) string {
	s, _ := res.Data["text/plain"].(string)
	return s
}

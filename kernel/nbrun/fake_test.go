package nbrun_test

import (
	"context"
	"strings"
	"sync"

	"github.com/dmirror/dmirror/kernel/engine"
)

// fakeEngine runs cells by looking up their first line in a table of
// behaviours, and records the requests it got.
type fakeEngine struct {
	mu     sync.Mutex
	cells  map[string]func(ctx context.Context, out engine.Sink) engine.Result
	reqs   []engine.ExecuteRequest
	closed bool
}

func (f *fakeEngine) Execute(ctx context.Context, req engine.ExecuteRequest, out engine.Sink) engine.Result {
	f.mu.Lock()
	f.reqs = append(f.reqs, req)
	f.mu.Unlock()
	first, _, _ := strings.Cut(strings.TrimSpace(req.Code), "\n")
	if run, ok := f.cells[first]; ok {
		return run(ctx, out)
	}
	return engine.Result{}
}

func (f *fakeEngine) Complete(string, int) engine.Completion     { return engine.Completion{} }
func (f *fakeEngine) Inspect(string, int, int) engine.Inspection { return engine.Inspection{} }
func (f *fakeEngine) IsComplete(string) engine.Completeness      { return engine.Completeness{} }
func (f *fakeEngine) Close() error                               { f.closed = true; return nil }
func (f *fakeEngine) new(context.Context) (engine.Engine, error) { return f, nil }
func (f *fakeEngine) codes() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	var out []string
	for _, r := range f.reqs {
		out = append(out, r.Code)
	}
	return out
}

func fail(name, value string, tb ...string) engine.Result {
	return engine.Result{Error: &engine.Error{Name: name, Value: value, Traceback: tb}}
}

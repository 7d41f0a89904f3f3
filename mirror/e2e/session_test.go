package e2e

import (
	"context"
	"fmt"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/dmirror/dmirror/interp"
	"github.com/dmirror/dmirror/kernel/engine"
)

// sink is an engine.Sink that records a cell's output in order.
type sink struct {
	mu      sync.Mutex
	events  []event
	streams map[string]*strings.Builder
	changed chan struct{}
}

// event is one output of a cell: a stream write or a display.
type event struct {
	stream   string // "stdout" or "stderr" for a stream write
	text     string
	data     engine.Bundle // for a display
	metadata engine.Bundle
	id       string
	update   bool
}

func newSink() *sink {
	return &sink{streams: map[string]*strings.Builder{"stdout": {}, "stderr": {}}, changed: make(chan struct{}, 1)}
}

func (s *sink) Stream(name, text string) {
	s.mu.Lock()
	s.events = append(s.events, event{stream: name, text: text})
	s.streams[name].WriteString(text)
	s.mu.Unlock()
	s.poke()
}

func (s *sink) Display(data, metadata engine.Bundle, id string, update bool) {
	s.mu.Lock()
	s.events = append(s.events, event{data: data, metadata: metadata, id: id, update: update})
	s.mu.Unlock()
	s.poke()
}

func (s *sink) ClearOutput(bool) {}

func (s *sink) Input(context.Context, string, bool) (string, error) {
	return "", engine.ErrNoStdin
}

func (s *sink) poke() {
	select {
	case s.changed <- struct{}{}:
	default:
	}
}

func (s *sink) text(name string) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.streams[name].String()
}

// displays returns the bundles displayed (not updates), in order.
func (s *sink) displays() []event {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []event
	for _, e := range s.events {
		if e.data != nil && !e.update {
			out = append(out, e)
		}
	}
	return out
}

// waitFor waits until stream name contains want.
func (s *sink) waitFor(t testing.TB, name, want string) {
	t.Helper()
	deadline := time.After(20 * time.Second)
	for !strings.Contains(s.text(name), want) {
		select {
		case <-s.changed:
		case <-deadline:
			t.Fatalf("%s never contained %q; got %q", name, want, s.text(name))
		}
	}
}

// session is a Session with a cell counter.
type session struct {
	eng  engine.Engine
	cell int
}

// newSession starts a Session whose image process and mirrors are this
// test binary; env adds to the children's environment.
func newSession(t testing.TB, env ...string) *session {
	t.Helper()
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	eng, err := interp.NewSession(context.Background(), interp.SessionOptions{Executable: exe, Env: append(os.Environ(), env...)})
	if err != nil {
		t.Fatal(err)
	}
	s := &session{eng: eng}
	t.Cleanup(func() { eng.Close() })
	return s
}

// exec runs a cell and returns its result and output.
func (s *session) exec(ctx context.Context, code string) (engine.Result, *sink) {
	s.cell++
	out := newSink()
	res := s.eng.Execute(ctx, engine.ExecuteRequest{Code: code, Count: s.cell, StoreHistory: true}, out)
	return res, out
}

// run runs a cell that must succeed and returns its stdout.
func (s *session) run(t testing.TB, code string) string {
	t.Helper()
	res, out := s.exec(context.Background(), code)
	if res.Error != nil {
		t.Fatalf("cell %d failed:\n%s\n---\n%v\nstderr: %s", s.cell, code, res.Error, out.text("stderr"))
	}
	return out.text("stdout")
}

// fails runs a cell that must fail with ename and returns its result and output.
func (s *session) fails(t testing.TB, code, ename string) (engine.Result, *sink) {
	t.Helper()
	res, out := s.exec(context.Background(), code)
	if res.Error == nil || res.Error.Name != ename {
		t.Fatalf("cell %d:\n%s\n---\ngot %v, want %s; stdout %q stderr %q", s.cell, code, res.Error, ename, out.text("stdout"), out.text("stderr"))
	}
	return res, out
}

// plain is the text/plain of a cell's result.
func plain(res engine.Result) string {
	s, _ := res.Data["text/plain"].(string)
	return s
}

var _ = fmt.Sprint

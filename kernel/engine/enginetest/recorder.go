// Package enginetest records what an engine.Engine sends to its Sink, for
// tests of engines and of what runs behind them (the image process, the
// mirrors).
package enginetest

import (
	"context"
	"errors"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/dmirror/dmirror/kernel/engine"
)

// Event is one output of a cell: a stream write (Stream is "stdout" or
// "stderr") or a display (Data is set), in the order the Sink got them.
type Event struct {
	Stream   string
	Text     string
	Data     engine.Bundle
	Metadata engine.Bundle
	ID       string
	Update   bool
}

// Recorder is an engine.Sink that keeps everything it is given. It is safe
// for concurrent use.
type Recorder struct {
	mu      sync.Mutex
	events  []Event
	streams map[string]*strings.Builder
	answers []string // for Input, in order
	stdin   bool
	asked   int
	changed chan struct{}
}

// NewRecorder returns a Recorder whose Input fails with engine.ErrNoStdin,
// as for a client that does not allow stdin.
func NewRecorder() *Recorder {
	return &Recorder{streams: map[string]*strings.Builder{"stdout": {}, "stderr": {}}, changed: make(chan struct{}, 1)}
}

// AllowInput makes Input answer with answers, in order, and fail once they
// are used up.
func (r *Recorder) AllowInput(answers ...string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.stdin, r.answers = true, answers
}

// Stream implements engine.Sink.
func (r *Recorder) Stream(name, text string) {
	r.mu.Lock()
	r.events = append(r.events, Event{Stream: name, Text: text})
	if r.streams[name] == nil {
		r.streams[name] = &strings.Builder{}
	}
	r.streams[name].WriteString(text)
	r.mu.Unlock()
	r.poke()
}

// Display implements engine.Sink.
func (r *Recorder) Display(data, metadata engine.Bundle, id string, update bool) {
	r.mu.Lock()
	r.events = append(r.events, Event{Data: data, Metadata: metadata, ID: id, Update: update})
	r.mu.Unlock()
	r.poke()
}

// ClearOutput implements engine.Sink; it is not recorded.
func (r *Recorder) ClearOutput(wait bool) {}

// Input implements engine.Sink.
func (r *Recorder) Input(ctx context.Context, prompt string, password bool) (string, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if !r.stdin {
		return "", engine.ErrNoStdin
	}
	r.asked++
	if len(r.answers) == 0 {
		return "", errors.New("enginetest: no more input")
	}
	v := r.answers[0]
	r.answers = r.answers[1:]
	return v, nil
}

// Asked returns how many times Input was called while input was allowed.
func (r *Recorder) Asked() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.asked
}

// Text returns all that was written to stream name.
func (r *Recorder) Text(name string) string {
	r.mu.Lock()
	defer r.mu.Unlock()
	if b := r.streams[name]; b != nil {
		return b.String()
	}
	return ""
}

// Events returns everything recorded, in order.
func (r *Recorder) Events() []Event {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]Event(nil), r.events...)
}

// Displays returns the bundles displayed, updates left out, in order.
func (r *Recorder) Displays() []Event {
	var out []Event
	for _, e := range r.Events() {
		if e.Data != nil && !e.Update {
			out = append(out, e)
		}
	}
	return out
}

// WaitFor waits until stream name contains want, and fails t if it does
// not within 20 seconds.
func (r *Recorder) WaitFor(t testing.TB, name, want string) {
	t.Helper()
	deadline := time.After(20 * time.Second)
	for !strings.Contains(r.Text(name), want) {
		select {
		case <-r.changed:
		case <-deadline:
			t.Fatalf("%s never contained %q; got %q", name, want, r.Text(name))
		}
	}
}

// WaitForDisplay waits until a display's text/plain contains want, and
// fails t if none does within 20 seconds.
func (r *Recorder) WaitForDisplay(t testing.TB, want string) {
	t.Helper()
	deadline := time.After(20 * time.Second)
	has := func() bool {
		for _, e := range r.Displays() {
			if s, _ := e.Data["text/plain"].(string); strings.Contains(s, want) {
				return true
			}
		}
		return false
	}
	for !has() {
		select {
		case <-r.changed:
		case <-deadline:
			t.Fatalf("no display contained %q", want)
		}
	}
}

func (r *Recorder) poke() {
	select {
	case r.changed <- struct{}{}:
	default:
	}
}

// Package displaytest provides a Publisher that records what it is given,
// for tests of code that displays.
package displaytest

import "sync"

// Event is one call to the Publisher: a display (Clear false) or a
// clear_output (Clear true).
type Event struct {
	Data, Metadata map[string]any
	ID             string
	Update         bool
	Clear          bool
	Wait           bool
}

// Recorder is a display.Publisher that records every call. Safe for
// concurrent use.
type Recorder struct {
	mu     sync.Mutex
	events []Event
}

// Display records a display.
func (r *Recorder) Display(data, metadata map[string]any, id string, update bool) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.events = append(r.events, Event{Data: data, Metadata: metadata, ID: id, Update: update})
}

// Clear records a clear_output.
func (r *Recorder) Clear(wait bool) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.events = append(r.events, Event{Clear: true, Wait: wait})
}

// Events returns the calls so far and forgets them.
func (r *Recorder) Events() []Event {
	r.mu.Lock()
	defer r.mu.Unlock()
	ev := r.events
	r.events = nil
	return ev
}

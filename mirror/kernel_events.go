package mirror

import (
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/dmirror/dmirror/display"
)

// CellSink is what CellEvents needs of a cell's output (engine.Sink has
// it).
type CellSink interface {
	Stream(name, text string)
	Display(data, metadata map[string]any, displayID string, update bool)
	ClearOutput(wait bool)
}

// progressDelay is how long a call runs before it shows a progress bar.
const progressDelay = time.Second

// CellEvents shows a Job's events in a cell: what blocks print, line by
// line, prefixed with their mirror ("[mirror 2] ..."), and, once the call
// has run for about a second, a progress bar that Finish replaces with the
// outcome. Safe for concurrent use.
type CellEvents struct {
	sink  CellSink
	label string

	mu       sync.Mutex
	partial  map[string]string // unfinished line per mirror and stream
	done     int
	total    int
	bar      *display.Progress
	timer    *time.Timer
	finished bool
	started  time.Time
	where    string // the nodes of mirrors placed by Slurm (Placed)
	due      bool   // the call has run for progressDelay
}

// NewCellEvents returns the Events of one call, labelled for its progress
// bar (for example "ParallelCollect").
func NewCellEvents(sink CellSink, label string) *CellEvents {
	e := &CellEvents{sink: sink, label: label, partial: map[string]string{}, started: time.Now()}
	e.timer = time.AfterFunc(progressDelay, e.showBar)
	return e
}

func (e *CellEvents) showBar() {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.due = true
	e.showBarLocked()
}

// showBarLocked shows the bar once it is due and the total is known: a
// call whose mirrors took longer than the delay to start (a Slurm
// allocation) reports its first progress after it.
func (e *CellEvents) showBarLocked() {
	if !e.due || e.finished || e.bar != nil || e.total == 0 {
		return
	}
	label := e.label
	if e.where != "" {
		label += " on " + e.where
	}
	e.bar = display.NewProgress(display.SinkPublisher(e.sink), display.NewID(), label, e.total)
	e.bar.Set(e.done)
}

// Progress implements Events.
func (e *CellEvents) Progress(done, total int) {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.done, e.total = done, total
	if e.bar != nil {
		e.bar.Set(done)
	} else {
		e.showBarLocked()
	}
}

// Placed names the nodes the call's mirrors run on, for the progress bar
// and the summary that replaces it.
func (e *CellEvents) Placed(where string) {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.where = where
}

// Output implements Events.
func (e *CellEvents) Output(mirror int, stream, text string) {
	e.output(fmt.Sprintf("%d %s", mirror, stream), mirror, stream, text)
}

// RawOutput implements rawEvents: its unfinished lines are kept apart
// from Output's, so that a line println writes in pieces is not joined
// with one that came in a frame meanwhile.
func (e *CellEvents) RawOutput(mirror int, stream, text string) {
	e.output(fmt.Sprintf("%d %s raw", mirror, stream), mirror, stream, text)
}

// output tags and shows the lines that text completes in key's partial
// line.
func (e *CellEvents) output(key string, mirror int, stream, text string) {
	e.mu.Lock()
	defer e.mu.Unlock()
	text = e.partial[key] + text
	end := strings.LastIndexByte(text, '\n')
	if end < 0 {
		e.partial[key] = text
		return
	}
	e.partial[key] = text[end+1:]
	e.sink.Stream(stream, tagLines(mirror, text[:end+1]))
}

// Display implements Events: the bundle is shown as it is, its metadata
// saying which mirror it came from ("dmirror": {"mirror": N}).
func (e *CellEvents) Display(mirror int, data, metadata map[string]any, id string, update bool) {
	md := make(map[string]any, len(metadata)+1)
	for k, v := range metadata {
		md[k] = v
	}
	md["dmirror"] = map[string]any{"mirror": mirror}
	e.mu.Lock()
	defer e.mu.Unlock()
	e.sink.Display(data, md, id, update)
}

func tagLines(mirror int, text string) string {
	prefix := fmt.Sprintf("[mirror %d] ", mirror)
	lines := strings.SplitAfter(text, "\n")
	var b strings.Builder
	for _, l := range lines {
		if l != "" {
			b.WriteString(prefix + l)
		}
	}
	return b.String()
}

// Finish flushes unfinished lines and replaces the progress bar, if one is
// shown, with a summary of the outcome (out and err as Pool.Run returned
// them).
func (e *CellEvents) Finish(out *Outcome, err error) {
	e.timer.Stop()
	e.mu.Lock()
	defer e.mu.Unlock()
	e.finished = true
	for key, text := range e.partial {
		if text != "" {
			var mirror int
			var stream string
			fmt.Sscanf(key, "%d %s", &mirror, &stream) // a raw key's third word is not read
			e.sink.Stream(stream, tagLines(mirror, text+"\n"))
		}
	}
	e.partial = map[string]string{}
	if e.bar == nil {
		return
	}
	elapsed := time.Since(e.started).Round(time.Millisecond)
	var summary string
	switch {
	case err != nil:
		summary = fmt.Sprintf("%s stopped after %v: %v", e.label, elapsed, err)
	case len(out.Failures) > 0:
		summary = fmt.Sprintf("%s failed after %v: %d of %d mirrors failed", e.label, elapsed, len(out.Failures), out.Mirrors)
	default:
		summary = fmt.Sprintf("%s: %d elements on %d mirrors in %v", e.label, e.total, out.Mirrors, elapsed)
	}
	if e.where != "" {
		summary += " (" + e.where + ")"
	}
	e.bar.Replace(display.Text(summary))
}

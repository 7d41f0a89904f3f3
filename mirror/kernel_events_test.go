package mirror

import (
	"strings"
	"sync"
	"testing"
)

type fakeSink struct {
	mu       sync.Mutex
	streams  []string
	displays []map[string]any
	updates  []bool
}

func (s *fakeSink) Stream(name, text string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.streams = append(s.streams, name+":"+text)
}

func (s *fakeSink) Display(data, _ map[string]any, _ string, update bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.displays = append(s.displays, data)
	s.updates = append(s.updates, update)
}

func (s *fakeSink) ClearOutput(bool) {}

func TestCellEventsTagsLines(t *testing.T) {
	sink := &fakeSink{}
	ev := NewCellEvents(sink, "ParallelCollect")
	ev.Output(2, "stdout", "hel")
	ev.Output(1, "stdout", "one\ntw")
	ev.Output(2, "stdout", "lo\n")
	ev.Finish(&Outcome{Mirrors: 2}, nil)
	got := strings.Join(sink.streams, "|")
	want := "stdout:[mirror 1] one\n|stdout:[mirror 2] hello\n|stdout:[mirror 1] tw\n"
	if got != want {
		t.Fatalf("streams %q, want %q", got, want)
	}
	if len(sink.displays) != 0 {
		t.Fatalf("a short call showed %d displays, want none", len(sink.displays))
	}
}

// TestCellEventsRawLinesApart: a line println writes to fd 2 in pieces
// is not joined with a line that came in a frame meanwhile.
func TestCellEventsRawLinesApart(t *testing.T) {
	sink := &fakeSink{}
	ev := NewCellEvents(sink, "ParallelCollect")
	ev.RawOutput(1, "stderr", "raw")
	ev.Output(1, "stderr", "err 6\n")
	ev.RawOutput(1, "stderr", " 6\n")
	ev.RawOutput(1, "stderr", "cut")
	ev.Output(1, "stderr", "half")
	ev.Finish(&Outcome{Mirrors: 1}, nil)
	got := strings.Join(sink.streams, "|")
	want := map[string]bool{
		"stderr:[mirror 1] err 6\n|stderr:[mirror 1] raw 6\n|stderr:[mirror 1] cut\n|stderr:[mirror 1] half\n": true,
		"stderr:[mirror 1] err 6\n|stderr:[mirror 1] raw 6\n|stderr:[mirror 1] half\n|stderr:[mirror 1] cut\n": true,
	}
	if !want[got] {
		t.Fatalf("streams %q, want the raw line and the frame's apart", got)
	}
}

func TestCellEventsBarReplacedByOutcome(t *testing.T) {
	sink := &fakeSink{}
	ev := NewCellEvents(sink, "ParallelCollect")
	ev.Progress(3, 10)
	ev.timer.Stop()
	ev.showBar() // what the timer does after a second
	ev.Progress(10, 10)
	ev.Finish(&Outcome{Mirrors: 2}, nil)
	if len(sink.displays) < 3 {
		t.Fatalf("%d displays, want the bar, its updates and the outcome", len(sink.displays))
	}
	first := sink.displays[1]["text/plain"].(string) // [0] is the empty bar
	last := sink.displays[len(sink.displays)-1]["text/plain"].(string)
	if !strings.Contains(first, "3/10") || !strings.HasPrefix(last, "ParallelCollect: 10 elements on 2 mirrors") {
		t.Fatalf("bar %q then %q", first, last)
	}
	if sink.updates[0] || !sink.updates[len(sink.updates)-1] {
		t.Fatalf("updates %v: want a new display, then updates in place", sink.updates)
	}
}

// TestCellEventsBarAfterSlowStart: a call whose mirrors took longer than
// the delay to start (a Slurm allocation) shows the bar at its first
// progress, labelled with the nodes, and the summary names them too.
func TestCellEventsBarAfterSlowStart(t *testing.T) {
	sink := &fakeSink{}
	ev := NewCellEvents(sink, "ParallelCollect")
	ev.timer.Stop()
	ev.showBar() // the delay passed before any progress
	if len(sink.displays) != 0 {
		t.Fatalf("%d displays before the total is known, want none", len(sink.displays))
	}
	ev.Placed("n1, n2")
	ev.Progress(1, 4)
	ev.Finish(&Outcome{Mirrors: 2}, nil)
	if len(sink.displays) < 2 {
		t.Fatalf("%d displays, want the bar and the outcome", len(sink.displays))
	}
	bar := sink.displays[0]["text/plain"].(string)
	last := sink.displays[len(sink.displays)-1]["text/plain"].(string)
	if !strings.Contains(bar, "ParallelCollect on n1, n2") || !strings.HasSuffix(last, "(n1, n2)") {
		t.Fatalf("bar %q then %q, want both to name the nodes", bar, last)
	}
}

package display_test

import (
	"strings"
	"sync"
	"testing"

	"github.com/dmirror/dmirror/display"
	"github.com/dmirror/dmirror/display/displaytest"
)

func TestProgressPublishesOnlyVisibleChanges(t *testing.T) {
	rec := &displaytest.Recorder{}
	p := display.NewProgress(rec, "dm-1", "work", 100000)
	var wg sync.WaitGroup
	for g := 0; g < 4; g++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for k := 0; k < 25000; k++ {
				p.Add(1)
			}
		}()
	}
	wg.Wait()
	ev := rec.Events()
	// The empty bar, then one update per whole percent.
	if len(ev) != 101 {
		t.Fatalf("got %d displays for 100000 steps, want 101", len(ev))
	}
	last := ev[len(ev)-1]
	if last.Data["text/plain"] != "work [####################] 100000/100000" || !last.Update || last.ID != "dm-1" {
		t.Errorf("last display %+v", last)
	}
	if ev[0].Update {
		t.Error("the first display of the bar is an update")
	}
	p.Replace(display.Text("finished"))
	if ev := rec.Events(); len(ev) != 1 || ev[0].Data["text/plain"] != "finished" || !ev[0].Update {
		t.Errorf("Replace gave %+v", ev)
	}
}

func TestProgressBundle(t *testing.T) {
	b := display.ProgressBundle("", 12, 40)
	if b["text/plain"] != "[######..............] 12/40" {
		t.Errorf("text/plain = %q", b["text/plain"])
	}
	h := b["text/html"].(string)
	if !strings.Contains(h, "width:30%") || !strings.Contains(h, "12/40 (30%)") || strings.Contains(h, "<script") {
		t.Errorf("text/html = %s", h)
	}
	if b := display.ProgressBundle("", 5, 0); b["text/plain"] != "[####################] 5/0" {
		t.Errorf("empty total: %q", b["text/plain"])
	}
}

// sink has the methods of an engine.Sink that SinkPublisher needs.
type sink struct{ rec displaytest.Recorder }

func (s *sink) Display(data, metadata map[string]any, id string, update bool) {
	s.rec.Display(data, metadata, id, update)
}
func (s *sink) ClearOutput(wait bool) { s.rec.Clear(wait) }

func TestSinkPublisher(t *testing.T) {
	s := &sink{}
	id := display.NewID()
	p := display.NewProgress(display.SinkPublisher(s), id, "ParallelCollect", 2)
	p.Add(2)
	display.SinkPublisher(s).Clear(true)
	ev := s.rec.Events()
	if len(ev) != 3 || ev[1].Data["text/plain"] != "ParallelCollect [####################] 2/2" || ev[1].ID != id || !ev[2].Clear || !ev[2].Wait {
		t.Errorf("events through the sink: %+v", ev)
	}
	if display.NewID() == id {
		t.Error("NewID repeated an id")
	}
}

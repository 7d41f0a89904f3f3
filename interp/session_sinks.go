package interp

import (
	"sync"

	"github.com/dmirror/dmirror/interp/frame"
	"github.com/dmirror/dmirror/kernel/engine"
)

// keepSinks is how many cells' sinks are kept for the output of goroutines
// that outlive their cell.
const keepSinks = 256

// outputs routes what the image process produces to the sink of the cell
// it belongs to: the running cell's, or an earlier cell's for goroutines it
// started.
type outputs struct {
	mu      sync.Mutex
	sinks   map[int]engine.Sink
	order   []int       // cells of sinks, oldest first
	current engine.Sink // the running cell's, or the last one's
	cell    int
}

func newOutputs() *outputs { return &outputs{sinks: map[int]engine.Sink{}} }

// begin makes out the sink of the running cell; it stays current after
// the cell, for output that arrives before the next one. A silent cell reuses the
// execution count of the cell before it; it does not take that cell's
// place for later output.
func (o *outputs) begin(cell int, out engine.Sink, silent bool) {
	o.mu.Lock()
	defer o.mu.Unlock()
	o.current, o.cell = out, cell
	if _, ok := o.sinks[cell]; ok && silent {
		return
	}
	if _, ok := o.sinks[cell]; !ok {
		o.order = append(o.order, cell)
	}
	o.sinks[cell] = out
	if len(o.order) > keepSinks {
		delete(o.sinks, o.order[0])
		o.order = o.order[1:]
	}
}

func (o *outputs) sinkFor(cell int) engine.Sink {
	o.mu.Lock()
	defer o.mu.Unlock()
	if cell == o.cell && o.current != nil {
		return o.current
	}
	if s, ok := o.sinks[cell]; ok {
		return s
	}
	return o.current
}

// route delivers an output frame of the image process.
func (o *outputs) route(m frame.Msg) {
	switch m.Type {
	case msgStream:
		var b streamMsg
		if m.Decode(&b) == nil {
			if s := o.sinkFor(b.Cell); s != nil {
				s.Stream(b.Name, b.Text)
			}
		}
	case msgDisplay:
		var b displayMsg
		if m.Decode(&b) == nil {
			if s := o.sinkFor(b.Cell); s != nil {
				s.Display(b.Data, b.Metadata, b.DisplayID, b.Update)
			}
		}
	case msgClear:
		var b clearMsg
		if m.Decode(&b) == nil {
			if s := o.sinkFor(b.Cell); s != nil {
				s.ClearOutput(b.Wait)
			}
		}
	}
}

// raw delivers what the image process wrote to its fd 1 or 2 to the
// running (or last) cell.
func (o *outputs) raw(name, text string) {
	o.mu.Lock()
	s := o.current
	o.mu.Unlock()
	if s != nil {
		s.Stream(name, text)
	}
}

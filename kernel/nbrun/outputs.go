package nbrun

import (
	"context"
	"sync"

	"github.com/dmirror/dmirror/kernel/engine"
)

// outputs collects the outputs of the running cell the way a notebook
// front end stores them: consecutive stream text of the same name merged,
// display updates applied to every output with that display id in the
// notebook, clear_output honoured (with wait, at the next output).
type outputs struct {
	mu      sync.Mutex
	byID    map[string][]ref // display id → outputs shown under it
	cell    int              // index of the running cell
	outs    []map[string]any // its outputs
	clearAt bool             // clear_output(wait=true) pending
}

// ref is one output shown under a display id.
type ref struct {
	cell int
	out  map[string]any
}

func newOutputs() *outputs { return &outputs{byID: map[string][]ref{}} }

// start begins collecting for the cell at index cell and returns the Sink
// to give the engine. Output arriving on an older sink (a goroutine of an
// earlier cell) is dropped, as front ends drop output after a cell's idle.
func (o *outputs) start(cell int) *cellSink {
	o.mu.Lock()
	defer o.mu.Unlock()
	o.cell, o.outs, o.clearAt = cell, nil, false
	return &cellSink{o: o, cell: cell}
}

// finish adds the cell's result and returns its outputs.
func (o *outputs) finish(s *cellSink, res engine.Result, count int) []any {
	o.mu.Lock()
	defer o.mu.Unlock()
	s.closed = true
	switch {
	case res.Error != nil:
		tb := res.Error.Traceback
		if tb == nil {
			tb = []string{}
		}
		o.appendLocked(map[string]any{"output_type": "error", "ename": res.Error.Name,
			"evalue": res.Error.Value, "traceback": stringsToAny(tb)}, "")
	case res.Data != nil:
		o.appendLocked(map[string]any{"output_type": "execute_result", "execution_count": count,
			"data": res.Data, "metadata": nonNil(res.Metadata)}, "")
	}
	list := make([]any, len(o.outs))
	for i, out := range o.outs {
		list[i] = out
	}
	return list
}

func (o *outputs) appendLocked(out map[string]any, displayID string) {
	if o.clearAt {
		o.clearLocked()
	}
	if displayID != "" {
		o.byID[displayID] = append(o.byID[displayID], ref{o.cell, out})
	}
	o.outs = append(o.outs, out)
}

func (o *outputs) clearLocked() {
	o.outs, o.clearAt = nil, false
	for id, refs := range o.byID {
		kept := refs[:0]
		for _, r := range refs {
			if r.cell != o.cell {
				kept = append(kept, r)
			}
		}
		o.byID[id] = kept
	}
}

// cellSink is the engine.Sink of one cell.
type cellSink struct {
	o      *outputs
	cell   int
	closed bool // guarded by o.mu
}

var _ engine.Sink = (*cellSink)(nil)

// live locks the collector and reports whether this sink's cell is still
// running; the caller unlocks.
func (s *cellSink) live() bool {
	s.o.mu.Lock()
	return !s.closed && s.o.cell == s.cell
}

// Stream appends text, merged with the previous output when it is a stream
// of the same name.
func (s *cellSink) Stream(name, text string) {
	defer s.o.mu.Unlock()
	if !s.live() || text == "" {
		return
	}
	o := s.o
	if n := len(o.outs); n > 0 && !o.clearAt {
		last := o.outs[n-1]
		if last["output_type"] == "stream" && last["name"] == name {
			last["text"] = last["text"].(string) + text
			return
		}
	}
	o.appendLocked(map[string]any{"output_type": "stream", "name": name, "text": text}, "")
}

// Display adds a display_data, or updates every output shown under
// displayID.
func (s *cellSink) Display(data, metadata engine.Bundle, displayID string, update bool) {
	defer s.o.mu.Unlock()
	if !s.live() {
		return
	}
	o := s.o
	if displayID != "" {
		for _, r := range o.byID[displayID] {
			r.out["data"], r.out["metadata"] = data, nonNil(metadata)
		}
	}
	if update {
		return
	}
	o.appendLocked(map[string]any{"output_type": "display_data", "data": data, "metadata": nonNil(metadata)}, displayID)
}

// ClearOutput clears the cell's outputs, or with wait, at the next output.
func (s *cellSink) ClearOutput(wait bool) {
	defer s.o.mu.Unlock()
	if !s.live() {
		return
	}
	if wait {
		s.o.clearAt = true
		return
	}
	s.o.clearLocked()
}

// Input fails at once: headless runs have no one to ask.
func (s *cellSink) Input(ctx context.Context, prompt string, password bool) (string, error) {
	return "", engine.ErrNoStdin
}

func nonNil(m map[string]any) map[string]any {
	if m == nil {
		return map[string]any{}
	}
	return m
}

func stringsToAny(s []string) []any {
	out := make([]any, len(s))
	for i, v := range s {
		out[i] = v
	}
	return out
}

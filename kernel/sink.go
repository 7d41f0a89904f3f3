package kernel

import (
	"context"
	"strings"
	"sync"

	"github.com/dmirror/dmirror/kernel/engine"
)

// maxStreamChunk is the buffered stream size that is published at once,
// without waiting for the flusher.
const maxStreamChunk = 64 << 10

// cellSink is the engine.Sink of one execute request. Stream text is
// buffered and published by the flusher about every flushInterval, or at
// maxStreamChunk, and always before anything else the cell publishes, so the
// order of outputs is the order of the calls. It stays usable after the
// cell ends: output of the cell's goroutines keeps the cell as its parent.
type cellSink struct {
	k          *kernel
	req        *Message
	allowStdin bool
	silent     bool

	mu      sync.Mutex // guards name, buf, pending, and orders publishing
	name    string     // stream of buf
	buf     strings.Builder
	pending bool // registered with the flusher
}

var _ engine.Sink = (*cellSink)(nil)

func newCellSink(k *kernel, req *Message, allowStdin, silent bool) *cellSink {
	return &cellSink{k: k, req: req, allowStdin: allowStdin, silent: silent}
}

// Stream appends text to stdout or stderr.
func (s *cellSink) Stream(name, text string) {
	if s.silent || text == "" {
		return
	}
	if name != "stderr" {
		name = "stdout"
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.buf.Len() > 0 && s.name != name {
		s.flushLocked()
	}
	s.name = name
	s.buf.WriteString(text)
	if s.buf.Len() >= maxStreamChunk {
		s.flushLocked()
		return
	}
	if !s.pending {
		s.pending = true
		s.k.flusher.mark(s)
	}
}

// Display publishes display_data, or update_display_data when update is set.
func (s *cellSink) Display(data, metadata engine.Bundle, displayID string, update bool) {
	if s.silent {
		return
	}
	if data == nil {
		data = engine.Bundle{}
	}
	if metadata == nil {
		metadata = engine.Bundle{}
	}
	content := map[string]any{"data": data, "metadata": metadata}
	msgType := "display_data"
	if update {
		msgType = "update_display_data"
	}
	if displayID != "" || update {
		content["transient"] = map[string]any{"display_id": displayID}
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.flushLocked()
	s.k.publish(s.req, msgType, content)
}

// ClearOutput publishes clear_output.
func (s *cellSink) ClearOutput(wait bool) {
	if s.silent {
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.flushLocked()
	s.k.publish(s.req, "clear_output", map[string]any{"wait": wait})
}

// Input asks the front end for a line on the stdin socket.
func (s *cellSink) Input(ctx context.Context, prompt string, password bool) (string, error) {
	if !s.allowStdin {
		return "", engine.ErrNoStdin
	}
	s.flush()
	return s.k.inputs.ask(ctx, s.k, s.req, prompt, password)
}

// flush publishes buffered stream text.
func (s *cellSink) flush() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.flushLocked()
}

func (s *cellSink) flushLocked() {
	s.pending = false
	if s.buf.Len() == 0 {
		return
	}
	text := s.buf.String()
	s.buf.Reset()
	s.k.publish(s.req, "stream", map[string]string{"name": s.name, "text": text})
}

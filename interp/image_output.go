package interp

import (
	"sync"
	"time"
	"unicode/utf8"
)

// Output coalescing: a cell's output is sent about every flushInterval, or
// as soon as maxPending bytes wait, and always at the end of the cell.
const (
	flushInterval = 50 * time.Millisecond
	maxPending    = 64 << 10
)

// output collects what cells print, in the order it is printed, and sends it
// as stream frames. Writers block while a full buffer is sent, so a cell
// that prints faster than the front end reads is slowed down rather than
// losing output.
type output struct {
	send func(streamMsg) error
	// drain, if set, forwards compiled code's pending output before a
	// flush (see compiledOutput).
	drain func()

	sendMu  sync.Mutex // held while sending, so that flushes stay in order
	mu      sync.Mutex // guards pending and size
	pending []chunk
	size    int
}

// chunk is consecutive output of one cell to one stream.
type chunk struct {
	cell int
	name string
	text []byte
}

func newOutput(send func(streamMsg) error) *output {
	return &output{send: send}
}

// write appends text for the cell's stream, merging it with the previous
// write when that was for the same cell and stream.
func (o *output) write(cell int, name string, p []byte) {
	if len(p) == 0 {
		return
	}
	o.mu.Lock()
	if n := len(o.pending); n > 0 && o.pending[n-1].cell == cell && o.pending[n-1].name == name {
		o.pending[n-1].text = append(o.pending[n-1].text, p...)
	} else {
		o.pending = append(o.pending, chunk{cell: cell, name: name, text: append([]byte(nil), p...)})
	}
	o.size += len(p)
	full := o.size >= maxPending
	o.mu.Unlock()
	if full {
		o.flush()
	}
}

// flush sends everything written so far. A failed send means the kernel is
// gone; the process ends when its frame pipe reports EOF, so the error is
// dropped here.
func (o *output) flush() {
	if o.drain != nil {
		o.drain()
	}
	o.sendMu.Lock()
	defer o.sendMu.Unlock()
	o.mu.Lock()
	batch := o.pending
	o.pending, o.size = nil, 0
	if n := len(batch); n > 0 {
		// Keep a rune cut in half by the buffer for the next flush: the
		// frame is JSON, which would replace each half with U+FFFD.
		last := &batch[n-1]
		if cut := incompleteRune(last.text); cut > 0 {
			tail := append([]byte(nil), last.text[len(last.text)-cut:]...)
			last.text = last.text[:len(last.text)-cut]
			o.pending = []chunk{{cell: last.cell, name: last.name, text: tail}}
			o.size = cut
		}
	}
	o.mu.Unlock()
	for _, c := range batch {
		for text := c.text; len(text) > 0; {
			n := pieceLen(text)
			if err := o.send(streamMsg{Cell: c.cell, Name: c.name, Text: string(text[:n])}); err != nil {
				return
			}
			text = text[n:]
		}
	}
}

// run flushes every flushInterval until stop is closed.
func (o *output) run(stop <-chan struct{}) {
	t := time.NewTicker(flushInterval)
	defer t.Stop()
	for {
		select {
		case <-stop:
			o.flush()
			return
		case <-t.C:
			o.flush()
		}
	}
}

// maxFrameText bounds the text of one stream frame, so that a single huge
// write travels as several frames.
const maxFrameText = 1 << 20

// pieceLen is how much of text the next frame carries: at most
// maxFrameText bytes, cut on a rune boundary.
func pieceLen(text []byte) int {
	if len(text) <= maxFrameText {
		return len(text)
	}
	n := maxFrameText
	for n > maxFrameText-utf8.UTFMax && !utf8.RuneStart(text[n]) {
		n--
	}
	return n
}

// incompleteRune returns the length of the start of a multi-byte rune at the
// end of b, or 0 when b ends on a rune boundary (or with invalid bytes, which
// waiting would not fix).
func incompleteRune(b []byte) int {
	for n := 1; n <= 3 && n <= len(b); n++ {
		c := b[len(b)-n]
		if c < 0x80 {
			return 0
		}
		if utf8.RuneStart(c) {
			if utf8.FullRune(b[len(b)-n:]) {
				return 0
			}
			return n
		}
	}
	return 0
}

package stdpipe

import (
	"bytes"
	"fmt"
	"os"
	"strconv"
	"sync"
	"time"
)

// What a child process writes to its fd 1 and 2 directly (the builtin
// println of compiled code, C code) reaches its parent on pipes of their
// own, apart from the frames. Before it reports the end of a piece of
// work, the child writes a mark with the work's ID to both (WriteMark);
// the parent waits for the marks (Marks.Await) before it ends the work, so
// that what the work wrote there is the work's output.

// markStart and markEnd delimit a mark: "\x1edms:<id>\x1e".
var (
	markStart = []byte("\x1edms:")
	markEnd   = byte('\x1e')
)

// WriteMark writes the mark of id to the process's fd 1 and 2 (after
// Redirect; before, it does nothing).
func WriteMark(id uint64) {
	for _, f := range []*os.File{fd1, fd2} {
		if f != nil {
			_, _ = f.Write(Mark(id)) // the parent then waits at most its bound
		}
	}
}

// Mark is the mark of id as WriteMark writes it.
func Mark(id uint64) []byte {
	return fmt.Appendf(nil, "%s%d%c", markStart, id, markEnd)
}

// Marks is the parent side: the highest mark seen on each stream. Its
// methods are safe for concurrent use.
type Marks struct {
	mu   sync.Mutex
	seen map[string]uint64
	wake chan struct{} // closed and replaced when a mark arrives
}

// NewMarks returns a Marks that has seen none.
func NewMarks() *Marks {
	return &Marks{seen: map[string]uint64{}, wake: make(chan struct{})}
}

// Seen is the highest mark seen on stream.
func (r *Marks) Seen(stream string) uint64 {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.seen[stream]
}

// Saw notes the mark id (0: none) on stream. The caller of Strip calls it
// once it has forwarded the text that came before the mark: Await must
// not return before that text is the work's output.
func (r *Marks) Saw(stream string, id uint64) {
	if id == 0 {
		return
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if id > r.seen[stream] {
		r.seen[stream] = id
	}
	close(r.wake)
	r.wake = make(chan struct{})
}

// Await waits until stdout and stderr carried the mark of id, or until
// timeout: a child that died or never wrote one must not hold its parent.
// On a nil Marks (a child whose fd 1 and 2 the parent does not read) it
// returns at once.
func (r *Marks) Await(id uint64, timeout time.Duration) {
	if r == nil {
		return
	}
	deadline := time.NewTimer(timeout)
	defer deadline.Stop()
	for {
		r.mu.Lock()
		done := r.seen["stdout"] >= id && r.seen["stderr"] >= id
		wake := r.wake
		r.mu.Unlock()
		if done {
			return
		}
		select {
		case <-wake:
		case <-deadline.C:
			return
		}
	}
}

// Strip removes the marks from chunk, a write of the child's stream, and
// returns the rest and the highest mark it held (0: none), which the
// caller passes to Saw after forwarding the rest. carry holds the start of
// a mark cut by the end of the previous write, and is updated.
func (r *Marks) Strip(carry *[]byte, chunk []byte) (text []byte, mark uint64) {
	if len(*carry) > 0 {
		chunk = append(*carry, chunk...)
		*carry = nil
	}
	var out []byte
	for {
		i := bytes.Index(chunk, markStart)
		if i < 0 {
			// Keep a possible start of a mark for the next write.
			for k := min(len(markStart)-1, len(chunk)); k > 0; k-- {
				if bytes.HasPrefix(markStart, chunk[len(chunk)-k:]) {
					*carry = append([]byte(nil), chunk[len(chunk)-k:]...)
					chunk = chunk[:len(chunk)-k]
					break
				}
			}
			return append(out, chunk...), mark
		}
		out = append(out, chunk[:i]...)
		rest := chunk[i+len(markStart):]
		j := bytes.IndexByte(rest, markEnd)
		if j < 0 {
			*carry = append([]byte(nil), chunk[i:]...)
			return out, mark
		}
		if id, err := strconv.ParseUint(string(rest[:j]), 10, 64); err == nil {
			mark = max(mark, id)
		}
		chunk = rest[j+1:]
	}
}

package interp

import (
	"bytes"
	"fmt"
	"os"
	"strconv"
	"sync"
	"time"

	"github.com/dmirror/dmirror/interp/stdpipe"
)

// What compiled code writes to the image process's fd 1 and 2 directly
// (the builtin println, C code) reaches the kernel on pipes of their own,
// apart from the frames. Before it reports a cell's end, the image process
// writes a mark with the cell's run ID to both (markRaw); the kernel waits
// for the marks (awaitRaw) before it finishes the cell, so that what the
// cell wrote there is the cell's output, not the next cell's or lost.

// print is the builtin print and println of interpreted code: it writes to
// the process's fd 2, where compiled code's println writes, so that the
// two keep their order (the kernel forwards fd 2 to the running cell).
// Without fd 2 (in process tests) it is the cell's stderr.
func (s *imageServer) print(text string) {
	if _, errf := stdpipe.Originals(); errf != nil {
		errf.WriteString(text)
		return
	}
	s.out.write(s.cells.caller(), "stderr", []byte(text))
}

// rawMarkStart and rawMarkEnd delimit a mark: "\x1edms:<id>\x1e".
var (
	rawMarkStart = []byte("\x1edms:")
	rawMarkEnd   = byte('\x1e')
)

// rawMarkWait bounds the wait for the marks: a child that died or never
// wrote one must not hold the cell.
const rawMarkWait = time.Second

// markRaw writes the mark of run id to the process's fd 1 and 2.
func markRaw(id uint64) {
	out, errf := stdpipe.Originals()
	for _, f := range []*os.File{out, errf} {
		if f != nil {
			_, _ = fmt.Fprintf(f, "%s%d%c", rawMarkStart, id, rawMarkEnd) // the kernel then waits at most rawMarkWait
		}
	}
}

// rawMarks is the kernel side: the highest mark seen on each stream.
type rawMarks struct {
	mu   sync.Mutex
	seen map[string]uint64
	wake chan struct{} // closed and replaced when a mark arrives
}

func newRawMarks() *rawMarks {
	return &rawMarks{seen: map[string]uint64{}, wake: make(chan struct{})}
}

func (r *rawMarks) saw(stream string, id uint64) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if id > r.seen[stream] {
		r.seen[stream] = id
	}
	close(r.wake)
	r.wake = make(chan struct{})
}

// await waits until both streams carried the mark of run id, or the
// deadline passed.
func (r *rawMarks) await(id uint64) {
	deadline := time.NewTimer(rawMarkWait)
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

// strip removes the marks from chunk, reporting them to r; carry holds the
// start of a mark cut by the end of the previous chunk, and is updated.
func (r *rawMarks) strip(stream string, carry *[]byte, chunk []byte) []byte {
	if len(*carry) > 0 {
		chunk = append(*carry, chunk...)
		*carry = nil
	}
	var out []byte
	for {
		i := bytes.Index(chunk, rawMarkStart)
		if i < 0 {
			// Keep a possible start of a mark for the next chunk.
			for k := min(len(rawMarkStart)-1, len(chunk)); k > 0; k-- {
				if bytes.HasPrefix(rawMarkStart, chunk[len(chunk)-k:]) {
					*carry = append([]byte(nil), chunk[len(chunk)-k:]...)
					chunk = chunk[:len(chunk)-k]
					break
				}
			}
			return append(out, chunk...)
		}
		out = append(out, chunk[:i]...)
		rest := chunk[i+len(rawMarkStart):]
		j := bytes.IndexByte(rest, rawMarkEnd)
		if j < 0 {
			*carry = append([]byte(nil), chunk[i:]...)
			return out
		}
		if id, err := strconv.ParseUint(string(rest[:j]), 10, 64); err == nil {
			r.saw(stream, id)
		}
		chunk = rest[j+1:]
	}
}

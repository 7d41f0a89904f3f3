package interp

import (
	"bytes"
	"fmt"
	"sync"
	"time"

	"github.com/dmirror/dmirror/interp/childproc"
	"github.com/dmirror/dmirror/interp/frame"
	"github.com/dmirror/dmirror/interp/stdpipe"
)

// closeGrace is how long Close lets the image process exit on its own
// after its frame pipe closed, before killing it.
const closeGrace = 2 * time.Second

// tailSize is how much of the image process's stderr is kept to explain
// its death.
const tailSize = 16 << 10

// crashSize is how much of the start of a crash report is kept.
const crashSize = 2 << 10

// imageProc is one image process, as the Session sees it.
type imageProc struct {
	proc *childproc.Process

	frames <-chan frame.Msg // frames other than output, in order; closed when the child is gone
	dead   <-chan struct{}  // closed once the child exited and its stderr is read

	// marks are the run marks seen on the child's fd 1 and 2 (rawsync.go).
	marks *stdpipe.Marks

	mu    sync.Mutex
	tail  []byte // the end of the child's stderr
	crash string // the start of the Go runtime's crash report, if any
}

// procSinks is where an image process's output goes.
type procSinks interface {
	// route handles an output frame (stream, display, clear).
	route(m frame.Msg)
	// raw forwards what the process wrote to its own fd 1 or 2.
	raw(name, text string)
}

// reaped reports whether the child has ended: waited for, or a zombie
// that the waiter has yet to reap. It closes the window between the
// child's end and dead being closed (its pipes are drained first), in
// which a cell would otherwise be sent to a process that is already gone.
func (p *imageProc) reaped() bool { return p.proc.Ended() }

func (p *imageProc) pid() int { return p.proc.Pid() }

// startImage starts an image process running exe in ImageMode.
func startImage(exe string, env []string, sinks procSinks) (*imageProc, error) {
	p := &imageProc{marks: stdpipe.NewMarks()}
	proc, err := childproc.Start(childproc.Options{
		Exe: exe, Args: []string{ImageMode}, Mode: ImageMode, Env: env,
		Stdout: &rawWriter{p: p, name: "stdout", sinks: sinks},
		Stderr: &rawWriter{p: p, name: "stderr", sinks: sinks},
		Route: func(m frame.Msg) bool {
			switch m.Type {
			case msgStream, msgDisplay, msgClear:
				sinks.route(m)
				return true
			}
			return false
		},
		Queue: 16,
	})
	if err != nil {
		return nil, fmt.Errorf("image: %w", err)
	}
	p.proc, p.frames, p.dead = proc, proc.Frames(), proc.Done()
	return p, nil
}

// rawWriter forwards what the child writes to its fd 1 or 2 (compiled code
// writing to the file descriptors directly). On stderr it stops forwarding
// at the first line of a Go crash report, which only explains the death of
// the process and is summarised by the cell's error instead.
type rawWriter struct {
	p       *imageProc
	name    string
	sinks   procSinks
	crashed bool
	carry   []byte // the start of a run mark cut by the end of a write
}

func (w *rawWriter) Write(chunk []byte) (int, error) {
	n := len(chunk)
	chunk, mark := w.p.marks.Strip(&w.carry, chunk)
	defer w.p.marks.Saw(w.name, mark) // after the text in front of it is the cell's
	if w.name == "stderr" {
		w.p.keepTail(chunk)
		if !w.crashed {
			if i := crashStart(chunk); i >= 0 {
				w.crashed = true
				w.p.keepCrash(chunk[i:])
				chunk = chunk[:i]
			}
		} else {
			w.p.keepCrash(chunk)
			chunk = nil
		}
	}
	if len(chunk) > 0 {
		w.sinks.raw(w.name, string(chunk))
	}
	return n, nil
}

// keepCrash keeps the start of a crash report: the runtime's reason comes
// first (in several writes), then a dump of every goroutine that can be long.
func (p *imageProc) keepCrash(b []byte) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if room := crashSize - len(p.crash); room > 0 {
		p.crash += string(b[:min(len(b), room)])
	}
}

func (p *imageProc) keepTail(b []byte) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.tail = append(p.tail, b...)
	if len(p.tail) > tailSize {
		p.tail = append([]byte(nil), p.tail[len(p.tail)-tailSize:]...)
	}
}

// crashMarkers start the reports the Go runtime prints when it ends a
// process.
var crashMarkers = [][]byte{
	[]byte("runtime: goroutine stack exceeds"),
	[]byte("fatal error: "),
	[]byte("runtime: out of memory"),
	[]byte("panic: "),
}

func crashStart(b []byte) int {
	at := -1
	for _, m := range crashMarkers {
		i := bytes.Index(b, m)
		if i >= 0 && (i == 0 || b[i-1] == '\n') && (at < 0 || i < at) {
			at = i
		}
	}
	return at
}

// send writes a frame to the child.
func (p *imageProc) send(typ string, id uint64, body any, blobs ...[]byte) error {
	return p.proc.Send(typ, id, body, blobs...)
}

// kill ends the child at once and waits until it is gone.
func (p *imageProc) kill() { p.proc.Kill() }

// stop closes the child's frame pipe, which makes it exit, and kills it if
// it has not exited after closeGrace.
func (p *imageProc) stop() { p.proc.Close(closeGrace) }

// death returns what explains the end of the child, once dead is closed:
// the start of its crash report (or the end of its stderr) and its exit.
func (p *imageProc) death() (report string, err error) {
	err = p.proc.Err()
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.crash != "" {
		return p.crash, err
	}
	return string(p.tail), err
}

// Package stdpipe points os.Stdout and os.Stderr of a child process (the
// image process, a mirror) at pipes that the process reads itself, so that
// what compiled code prints through them (fmt.Println in compiled packages
// and declarations) is attributed and ordered with what interpreted code
// prints: before each interpreted write, the writer drains the pipe. The
// process's fd 1 and 2 stay as they are: the Go runtime writes its crash
// reports (and the builtin println) there.
package stdpipe

import (
	"errors"
	"fmt"
	"os"
	"sync"
	"syscall"

	"github.com/dmirror/dmirror/interp/frame"
)

// A Pipe is the pipe behind os.Stdout or os.Stderr.
type Pipe struct {
	Name string // stdout or stderr
	r    *os.File
	fd   int // r's descriptor, read directly under mu

	mu  sync.Mutex // held while reading the pipe and emitting what was read
	buf []byte

	journal *journal // of a child of a relay (Inherit); nil otherwise
}

// fd1 and fd2 are the *os.File values of fd 1 and 2 once os.Stdout and
// os.Stderr point elsewhere, kept reachable: the finalizer of an
// unreachable one would close its descriptor, and the Go runtime writes
// crash reports to fd 2.
var fd1, fd2 *os.File

// Originals returns the process's fd 1 and 2, to which the builtin println
// and the runtime write directly; nil before Redirect.
func Originals() (stdout, stderr *os.File) { return fd1, fd2 }

// Redirect points os.Stdout and os.Stderr at pipes and returns them.
// Call it once, before any code prints through them.
func Redirect() ([]*Pipe, error) {
	fd1, fd2 = os.Stdout, os.Stderr
	var pipes []*Pipe
	for _, target := range []struct {
		name string
		file **os.File
	}{{"stdout", &os.Stdout}, {"stderr", &os.Stderr}} {
		r, w, err := os.Pipe()
		if err != nil {
			return nil, fmt.Errorf("stdpipe: pipe for %s: %w", target.name, err)
		}
		p := &Pipe{Name: target.name, r: r, buf: make([]byte, 32<<10)}
		rc, err := r.SyscallConn()
		if err != nil {
			return nil, err
		}
		if err := rc.Control(func(fd uintptr) { p.fd = int(fd) }); err != nil {
			return nil, err
		}
		*target.file = w
		pipes = append(pipes, p)
	}
	return pipes, nil
}

// Run passes what arrives in the pipe to emit until Close.
func (p *Pipe) Run(emit func([]byte)) {
	rc, err := p.r.SyscallConn()
	if err != nil {
		return
	}
	for {
		var open bool
		err := rc.Read(func(uintptr) bool {
			p.mu.Lock()
			n, eof := p.readLocked(emit)
			p.mu.Unlock()
			open = !eof
			return n > 0 || eof
		})
		if err != nil || !open {
			return
		}
	}
}

// Drain passes what waits in the pipe now to emit. With wait false it
// gives up if another drain or Run is emitting (a flush inside an emit).
func (p *Pipe) Drain(wait bool, emit func([]byte)) {
	if wait {
		p.mu.Lock()
	} else if !p.mu.TryLock() {
		return
	}
	defer p.mu.Unlock()
	p.readLocked(emit)
}

// readLocked reads with raw system calls (frame.RawRead): the pipe never
// blocks (Go made it non-blocking), and a drain at the end of a mirror's
// chunk then does not wake the runtime's monitor into its fast pace (see
// frame.Quiet).
func (p *Pipe) readLocked(emit func([]byte)) (total int, eof bool) {
	for {
		n, err := frame.RawRead(uintptr(p.fd), p.buf)
		if n > 0 {
			total += n
			if p.journal != nil {
				p.journal.emit(p.buf[:n], emit)
			} else {
				emit(p.buf[:n])
			}
		}
		switch {
		case err != nil:
			return total, !errors.Is(err, syscall.EAGAIN)
		case n == 0:
			return total, true
		}
	}
}

// Close ends Run.
func (p *Pipe) Close() { p.r.Close() }

package interp

import (
	"errors"
	"fmt"
	"os"
	"sync"
	"syscall"
)

// compiledOutput is what compiled code (packages, compiled declarations)
// writes to os.Stdout or os.Stderr in the image process: those Go
// variables are the write ends of pipes read here, so that the output is
// attributed to the running cell and keeps its order with the cell's
// interpreted output. Interpreted writes drain the pipe first (drain), so
// `fmt.Println("a"); hello(); fmt.Println("c")`, with hello compiled,
// prints a, hello's output, then c. The process's fd 1 and 2 stay as they
// are: the Go runtime reports crashes there.
type compiledOutput struct {
	img  *imageServer
	name string
	r, w *os.File
	fd   int // r's descriptor, read directly under mu

	mu  sync.Mutex // held while reading the pipe and writing what was read
	buf []byte
}

// processStdio keeps the *os.File values of fd 1 and 2 once os.Stdout and
// os.Stderr point elsewhere: the finalizer of an unreachable one would
// close its descriptor, and the Go runtime writes its crash reports to fd 2.
var processStdio []*os.File

// redirectCompiledOutput points os.Stdout and os.Stderr at pipes read by
// the returned outputs.
func (s *imageServer) redirectCompiledOutput() ([]*compiledOutput, error) {
	processStdio = append(processStdio, os.Stdout, os.Stderr)
	var outs []*compiledOutput
	for _, target := range []struct {
		name string
		file **os.File
	}{{"stdout", &os.Stdout}, {"stderr", &os.Stderr}} {
		r, w, err := os.Pipe()
		if err != nil {
			return nil, fmt.Errorf("image: pipe for compiled code's %s: %w", target.name, err)
		}
		c := &compiledOutput{img: s, name: target.name, r: r, w: w, buf: make([]byte, 32<<10)}
		rc, err := r.SyscallConn()
		if err != nil {
			return nil, err
		}
		if err := rc.Control(func(fd uintptr) { c.fd = int(fd) }); err != nil {
			return nil, err
		}
		*target.file = w
		outs = append(outs, c)
	}
	return outs, nil
}

// run forwards what arrives in the pipe until the pipe is closed (close).
func (c *compiledOutput) run() {
	rc, err := c.r.SyscallConn()
	if err != nil {
		return
	}
	for {
		var open bool
		err := rc.Read(func(uintptr) bool {
			n, eof := c.read(-1)
			open = !eof
			return n > 0 || eof
		})
		if err != nil || !open {
			return
		}
	}
}

// drain forwards what waits in the pipe now, as output of cell; with
// wait false it gives up if another drain is running (a flush inside a
// drain).
func (c *compiledOutput) drain(cell int, wait bool) {
	if wait {
		c.mu.Lock()
	} else if !c.mu.TryLock() {
		return
	}
	defer c.mu.Unlock()
	c.readLocked(cell)
}

// read is drain for the reader goroutine (cell -1: the running cell); it
// reports how much it read and whether the pipe is closed.
func (c *compiledOutput) read(cell int) (int, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.readLocked(cell)
}

func (c *compiledOutput) readLocked(cell int) (total int, eof bool) {
	for {
		n, err := syscall.Read(c.fd, c.buf)
		if n > 0 {
			total += n
			at := cell
			if at < 0 {
				at = int(c.img.cells.current.Load())
			}
			c.img.out.write(at, c.name, c.buf[:n])
		}
		switch {
		case errors.Is(err, syscall.EINTR):
			continue
		case err != nil:
			return total, !errors.Is(err, syscall.EAGAIN)
		case n == 0:
			return total, true
		}
	}
}

// close ends run.
func (c *compiledOutput) close() {
	c.r.Close()
}

// drainCompiled forwards compiled code's pending output before output of
// the caller's cell (wait) or before a flush (not wait).
func (s *imageServer) drainCompiled(cell int, wait bool) {
	for _, c := range s.compiledOut {
		c.drain(cell, wait)
	}
}

package stdpipe

import (
	"errors"
	"fmt"
	"io"
	"os"
	"sync"
	"syscall"
)

// A process whose fd 1 and 2 are not read by its parent (a mirror placed
// by Slurm: they go to srun) gets them from a relay, its parent: pipes
// whose read ends the relay passes down too (ChildPipes). While the child
// lives, it reads them itself (Inherit), so that what compiled code writes
// there is drained in order with what it sends otherwise; once it died,
// the relay copies what it left (Leftover), such as the Go runtime's
// report of its crash, written with the world stopped.
//
// What the child has read but not yet passed on would die with it: it
// first copies each read to a journal, a pipe the relay can read too, and
// takes it back once passed on. What a dying child held is in the journal,
// and at worst the relay repeats what was just passed on; nothing is lost.

// pipeSize is the capacity asked for the pipes of ChildPipes: a dying
// child's runtime writes its crash report with no goroutine left to read
// it, and blocks on a full pipe until the relay reads, after its death;
// a report of many goroutines must fit.
const pipeSize = 1 << 20

// fSetPipeSz is Linux's F_SETPIPE_SZ, which package syscall lacks.
const fSetPipeSz = 1031

// ChildPipes are the pipes a relay makes for its child: the child's fd 1
// and 2, and its journal.
type ChildPipes struct {
	read, write [2]*os.File // stdout's, stderr's
	jr, jw      *os.File    // the journal's ends
}

// NewChildPipes makes the pipes of a child.
func NewChildPipes() (*ChildPipes, error) {
	c := &ChildPipes{}
	for i, name := range []string{"stdout", "stderr", "journal"} {
		var p [2]int
		if err := syscall.Pipe2(p[:], syscall.O_CLOEXEC); err != nil {
			c.Close()
			return nil, fmt.Errorf("stdpipe: pipe for %s: %w", name, err)
		}
		// A smaller pipe still works, until a crash report fills it.
		_, _, _ = syscall.Syscall(syscall.SYS_FCNTL, uintptr(p[1]), fSetPipeSz, pipeSize)
		r, w := os.NewFile(uintptr(p[0]), name+"-read"), os.NewFile(uintptr(p[1]), name+"-write")
		if i < 2 {
			c.read[i], c.write[i] = r, w
		} else {
			c.jr, c.jw = r, w
		}
	}
	return c, nil
}

// Stdout and Stderr are the child's fd 1 and 2.
func (c *ChildPipes) Stdout() *os.File { return c.write[0] }
func (c *ChildPipes) Stderr() *os.File { return c.write[1] }

// ExtraFiles are the descriptors the child passes to Inherit, in order,
// from its first extra descriptor on.
func (c *ChildPipes) ExtraFiles() []*os.File {
	return []*os.File{c.read[0], c.read[1], c.jr, c.jw}
}

// Started closes the ends that only the child, now started, writes: the
// relay sees EOF once the child (and what it started) is gone.
func (c *ChildPipes) Started() {
	closeFiles(c.write[0], c.write[1], c.jw)
	c.write[0], c.write[1], c.jw = nil, nil, nil
}

// Close closes what is left of the pipes.
func (c *ChildPipes) Close() {
	closeFiles(c.read[0], c.read[1], c.write[0], c.write[1], c.jr, c.jw)
}

func closeFiles(fs ...*os.File) {
	for _, f := range fs {
		if f != nil {
			f.Close() // a pipe end: nothing to do about a failed close
		}
	}
}

// Leftover copies what the child left, once it died: the journal, which
// it read first, to stderr, then the unread rest of its fd 1 and 2 to
// stdout and stderr. It takes what is there now, without waiting for
// more: a process the child started may hold a write end open.
func (c *ChildPipes) Leftover(stdout, stderr io.Writer) error {
	return errors.Join(leftover(c.jr, stderr), leftover(c.read[0], stdout), leftover(c.read[1], stderr))
}

func leftover(r *os.File, w io.Writer) error {
	fd := int(r.Fd())
	if err := syscall.SetNonblock(fd, true); err != nil {
		return fmt.Errorf("stdpipe: %s: %w", r.Name(), err)
	}
	buf := make([]byte, 32<<10)
	for {
		n, err := syscall.Read(fd, buf)
		if n > 0 {
			if _, werr := w.Write(buf[:n]); werr != nil {
				return fmt.Errorf("stdpipe: copy what %s held: %w", r.Name(), werr)
			}
		}
		switch {
		case errors.Is(err, syscall.EINTR):
		case errors.Is(err, syscall.EAGAIN):
			return nil
		case err != nil:
			return fmt.Errorf("stdpipe: read %s: %w", r.Name(), err)
		case n == 0:
			return nil // every writer is gone
		}
	}
}

// Inherit returns Pipes reading the descriptors a relay passed down from
// fd on (ChildPipes.ExtraFiles): the read ends of the process's own fd 1
// and 2, which pass what they read through the journal. os.Stdout and
// os.Stderr stay fd 1 and 2, so that what compiled code prints through
// them, what it writes there directly, and the runtime's messages share
// one pipe per stream, in the order written. The descriptors are closed
// on exec: a process a cell starts must not read them.
func Inherit(fd int) ([]*Pipe, error) {
	for i := range 4 {
		syscall.CloseOnExec(fd + i)
	}
	j := &journal{r: os.NewFile(uintptr(fd+2), "journal-read"), w: os.NewFile(uintptr(fd+3), "journal-write")}
	var pipes []*Pipe
	for i, name := range []string{"stdout", "stderr"} {
		// Non-blocking before NewFile, which then reads through the
		// runtime's poller (Run); Drain's reads stop at EAGAIN.
		if err := syscall.SetNonblock(fd+i, true); err != nil {
			return nil, fmt.Errorf("stdpipe: the relay's %s pipe (fd %d): %w", name, fd+i, err)
		}
		r := os.NewFile(uintptr(fd+i), name+"-relay")
		pipes = append(pipes, &Pipe{Name: name, r: r, fd: fd + i, buf: make([]byte, 32<<10), journal: j})
	}
	return pipes, nil
}

// journal is the child's side of the journal: what a Pipe read stays there
// while it is emitted.
type journal struct {
	mu   sync.Mutex // one read in it at a time, whichever the stream
	r, w *os.File   // blocking
	back []byte
}

// emit passes b to emit with b in the journal. If the journal fails, b is
// emitted all the same: the journal only covers the child's death.
func (j *journal) emit(b []byte, emit func([]byte)) {
	j.mu.Lock()
	defer j.mu.Unlock()
	if _, err := j.w.Write(b); err != nil {
		emit(b)
		return
	}
	emit(b)
	if cap(j.back) < len(b) {
		j.back = make([]byte, len(b))
	}
	_, _ = io.ReadFull(j.r, j.back[:len(b)]) // what it wrote just now: there
}

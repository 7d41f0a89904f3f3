package stdpipe

import (
	"errors"
	"fmt"
	"io"
	"os"
	"syscall"
)

// A process whose fd 1 and 2 are not read by its parent (a mirror placed
// by Slurm: they go to srun) gets them from a relay, its parent: pipes
// whose read ends the relay passes down too (ChildPipes). While the child
// lives, it reads them itself (Inherit), so that what compiled code writes
// there is drained in order with what it sends otherwise; once it died,
// the relay copies what it left unread (Leftover), such as the Go
// runtime's report of its crash, written with the world stopped.

// pipeSize is the capacity asked for the pipes of ChildPipes: a dying
// child's runtime writes its crash report with no goroutine left to read
// it, and blocks on a full pipe until the relay reads, after its death;
// a report of many goroutines must fit.
const pipeSize = 1 << 20

// fSetPipeSz is Linux's F_SETPIPE_SZ, which package syscall lacks.
const fSetPipeSz = 1031

// ChildPipes returns the pipes for a child's fd 1 and 2 (stdout's, then
// stderr's): the read ends, which the caller keeps and passes to the child,
// and the write ends, which become the child's fd 1 and 2.
func ChildPipes() (read, write [2]*os.File, err error) {
	for i, name := range []string{"stdout", "stderr"} {
		var p [2]int
		if err := syscall.Pipe2(p[:], syscall.O_CLOEXEC); err != nil {
			closeAll(read[:i], write[:i])
			return read, write, fmt.Errorf("stdpipe: pipe for %s: %w", name, err)
		}
		// A smaller pipe still works, until a crash report fills it.
		_, _, _ = syscall.Syscall(syscall.SYS_FCNTL, uintptr(p[1]), fSetPipeSz, pipeSize)
		read[i] = os.NewFile(uintptr(p[0]), name+"-read")
		write[i] = os.NewFile(uintptr(p[1]), name+"-write")
	}
	return read, write, nil
}

func closeAll(sets ...[]*os.File) {
	for _, fs := range sets {
		for _, f := range fs {
			f.Close() // a pipe end nothing was written to
		}
	}
}

// Inherit returns Pipes reading the descriptors a relay passed down: the
// read ends of the process's own fd 1 and 2. os.Stdout and os.Stderr stay
// fd 1 and 2, so that what compiled code prints through them, what it
// writes there directly, and the runtime's messages share one pipe per
// stream, in the order written. The descriptors are closed on exec: a
// process a cell starts must not read them.
func Inherit(stdoutFD, stderrFD int) ([]*Pipe, error) {
	var pipes []*Pipe
	for _, p := range []struct {
		name string
		fd   int
	}{{"stdout", stdoutFD}, {"stderr", stderrFD}} {
		// Non-blocking before NewFile, which then reads through the
		// runtime's poller (Run); Drain's reads stop at EAGAIN.
		if err := syscall.SetNonblock(p.fd, true); err != nil {
			return nil, fmt.Errorf("stdpipe: the relay's %s pipe (fd %d): %w", p.name, p.fd, err)
		}
		syscall.CloseOnExec(p.fd)
		r := os.NewFile(uintptr(p.fd), p.name+"-relay")
		pipes = append(pipes, &Pipe{Name: p.name, r: r, fd: p.fd, buf: make([]byte, 32<<10)})
	}
	return pipes, nil
}

// Leftover copies to w what waits in r, a read end of ChildPipes, once the
// child died: what is there now, without waiting for more, as a process
// the child started may hold the write end open.
func Leftover(r *os.File, w io.Writer) error {
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

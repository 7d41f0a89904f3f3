package interp

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/dmirror/dmirror/interp/frame"
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
	cmd  *exec.Cmd
	conn *frame.Conn
	in   *os.File // our end of the frame pipe to the child; closing it ends the child

	frames chan frame.Msg // frames other than output, in order; closed when the child is gone
	dead   chan struct{}  // closed once the child exited and its stderr is read

	mu      sync.Mutex
	tail    []byte // the end of the child's stderr
	crash   string // the start of the Go runtime's crash report, if any
	waitErr error
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
func (p *imageProc) reaped() bool {
	if errors.Is(p.cmd.Process.Signal(syscall.Signal(0)), os.ErrProcessDone) {
		return true
	}
	return exited(p.cmd.Process.Pid)
}

// exited reports whether process pid has ended but not been waited for
// (a zombie): a signal still reaches it then.
func exited(pid int) bool {
	stat, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return true // gone
	}
	// pid (comm) state ...: comm may hold spaces and parentheses.
	s := string(stat)
	fields := strings.Fields(s[strings.LastIndexByte(s, ')')+1:])
	return len(fields) > 0 && (fields[0] == "Z" || fields[0] == "X")
}

// startImage starts an image process running exe in ImageMode.
func startImage(exe string, env []string, sinks procSinks) (*imageProc, error) {
	childIn, toChild, err := pipe()
	if err != nil {
		return nil, err
	}
	fromChild, childOut, err := pipe()
	if err != nil {
		closeAll(toChild, childIn)
		return nil, err
	}
	outR, outW, err := os.Pipe()
	if err != nil {
		closeAll(toChild, childIn, childOut, fromChild)
		return nil, fmt.Errorf("image: pipe: %w", err)
	}
	errR, errW, err := os.Pipe()
	if err != nil {
		closeAll(toChild, childIn, childOut, fromChild, outR, outW)
		return nil, fmt.Errorf("image: pipe: %w", err)
	}
	cmd := exec.Command(exe, ImageMode)
	cmd.Env = append(append([]string(nil), env...), "DMIRROR_CHILD="+ImageMode)
	cmd.ExtraFiles = []*os.File{childIn, childOut} // fd 3, fd 4
	cmd.Stdout, cmd.Stderr = outW, errW
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
	err = cmd.Start()
	closeAll(childIn, childOut, outW, errW) // the child holds its own copies
	if err != nil {
		closeAll(toChild, fromChild, outR, errR)
		return nil, fmt.Errorf("image: start %s: %w", exe, err)
	}
	p := &imageProc{
		cmd:    cmd,
		conn:   frame.New(fromChild, toChild),
		in:     toChild,
		frames: make(chan frame.Msg, 16),
		dead:   make(chan struct{}),
	}
	var readers sync.WaitGroup
	readers.Add(3)
	go func() { defer readers.Done(); p.readFrames(fromChild, sinks) }()
	go func() { defer readers.Done(); p.readRaw(outR, "stdout", sinks) }()
	go func() { defer readers.Done(); p.readRaw(errR, "stderr", sinks) }()
	go func() {
		err := cmd.Wait()
		readers.Wait()
		closeAll(fromChild, outR, errR)
		p.mu.Lock()
		p.waitErr = err
		p.mu.Unlock()
		close(p.dead)
	}()
	return p, nil
}

func pipe() (r, w *os.File, err error) {
	r, w, err = os.Pipe()
	if err != nil {
		return nil, nil, fmt.Errorf("image: pipe: %w", err)
	}
	return r, w, nil
}

func closeAll(files ...*os.File) {
	for _, f := range files {
		f.Close() // nothing to do about a failed close of a pipe end
	}
}

// readFrames routes output frames and queues the others until the child
// closes its pipe (exits).
func (p *imageProc) readFrames(r io.Reader, sinks procSinks) {
	defer close(p.frames)
	for {
		m, err := p.conn.Recv()
		if err != nil {
			return
		}
		switch m.Type {
		case msgStream, msgDisplay, msgClear:
			sinks.route(m)
		default:
			p.frames <- m
		}
	}
}

// readRaw forwards what the child writes to its fd 1 or 2 (compiled code
// writing to the file descriptors directly). On stderr it stops forwarding
// at the first line of a Go crash report, which only explains the death of
// the process and is summarised by the cell's error instead.
func (p *imageProc) readRaw(r io.Reader, name string, sinks procSinks) {
	buf := make([]byte, 32<<10)
	crashed := false
	for {
		n, err := r.Read(buf)
		if n > 0 {
			chunk := buf[:n]
			if name == "stderr" {
				p.keepTail(chunk)
				if !crashed {
					if i := crashStart(chunk); i >= 0 {
						crashed = true
						p.keepCrash(chunk[i:])
						chunk = chunk[:i]
					}
				} else {
					p.keepCrash(chunk)
					chunk = nil
				}
			}
			if len(chunk) > 0 {
				sinks.raw(name, string(chunk))
			}
		}
		if err != nil {
			return
		}
	}
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
	return p.conn.Send(typ, id, body, blobs...)
}

// kill ends the child at once and waits until it is gone.
func (p *imageProc) kill() {
	// An error means the process is already gone; dead says when it is.
	p.cmd.Process.Kill()
	<-p.dead
}

// stop closes the child's frame pipe, which makes it exit, and kills it if
// it has not exited after closeGrace.
func (p *imageProc) stop() {
	p.in.Close() // EOF tells the child to exit
	select {
	case <-p.dead:
	case <-time.After(closeGrace):
		p.kill()
	}
}

// death returns what explains the end of the child, once dead is closed:
// the start of its crash report (or the end of its stderr) and its exit.
func (p *imageProc) death() (report string, err error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.crash != "" {
		return p.crash, p.waitErr
	}
	return string(p.tail), p.waitErr
}

package childproc

import (
	"fmt"
	"io"
	"os"
	"os/exec"
	"strings"
	"sync"
	"syscall"
	"time"
	"unsafe"

	"github.com/dmirror/dmirror/interp/frame"
)

// outputDelay bounds how long the parent reads a child's fd 1 and 2 after
// the child ended: a process the child started may hold them open.
const outputDelay = 2 * time.Second

// Options says how to start a child.
type Options struct {
	// Exe and Args are the command; Args usually starts with the mode.
	Exe  string
	Args []string
	// Mode is the hidden mode, set as ModeEnv in the child's environment.
	Mode string
	// Env is the child's environment (any ModeEnv in it is replaced).
	Env []string
	// Stdout and Stderr receive what the child writes to its fd 1 and 2;
	// nil discards it.
	Stdout, Stderr io.Writer
	// Route, if set, handles a frame on the reader's goroutine instead of
	// queueing it on Frames when it returns true: output that must flow
	// while nobody reads Frames.
	Route func(frame.Msg) bool
	// Queue is how many frames Frames buffers.
	Queue int
}

// Process is a running child. Its owner reads Frames until it is closed,
// or calls Close or Kill, which discard the frames nobody read, and stops
// a child it no longer needs with Close or Kill; once Done is closed
// (the child ended), everything the Process held is released. Its methods
// are safe for concurrent use.
type Process struct {
	cmd     *exec.Cmd
	conn    *frame.Conn
	toChild *os.File // our end of InFD; closing it tells the child to exit

	frames  chan frame.Msg
	abandon chan struct{} // closed by Close and Kill: frames are discarded
	once    sync.Once
	done    chan struct{} // closed once the child is reaped and its pipes drained
	err     error         // cmd.Wait's, once done
}

// Start starts a child.
func Start(opts Options) (*Process, error) {
	childIn, toChild, err := os.Pipe()
	if err != nil {
		return nil, fmt.Errorf("childproc: pipe: %w", err)
	}
	fromChild, childOut, err := os.Pipe()
	if err != nil {
		closeAll(childIn, toChild)
		return nil, fmt.Errorf("childproc: pipe: %w", err)
	}
	cmd := exec.Command(opts.Exe, opts.Args...)
	cmd.Env = append(withoutMode(opts.Env), ModeEnv+"="+opts.Mode)
	cmd.ExtraFiles = make([]*os.File, 2) // ExtraFiles[i] is fd 3+i
	cmd.ExtraFiles[InFD-3], cmd.ExtraFiles[OutFD-3] = childIn, childOut
	cmd.Stdout, cmd.Stderr = opts.Stdout, opts.Stderr
	cmd.WaitDelay = outputDelay
	// The death of the parent takes the child with it.
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
	err = cmd.Start()
	closeAll(childIn, childOut) // the child holds its own copies
	if err != nil {
		closeAll(toChild, fromChild)
		return nil, fmt.Errorf("childproc: start %s %s: %w", opts.Exe, opts.Mode, err)
	}
	p := &Process{
		cmd:     cmd,
		conn:    frame.New(fromChild, toChild),
		toChild: toChild,
		frames:  make(chan frame.Msg, opts.Queue),
		abandon: make(chan struct{}),
		done:    make(chan struct{}),
	}
	read := make(chan struct{})
	go func() {
		defer close(read)
		p.read(opts.Route)
	}()
	go func() {
		err := cmd.Wait() // also waits for fd 1 and 2, outputDelay at most
		// The reader sees EOF now: only the child held OutFD (Pipes).
		<-read
		closeAll(fromChild, toChild)
		p.err = err
		close(p.done)
	}()
	return p, nil
}

func withoutMode(env []string) []string {
	out := make([]string, 0, len(env)+1)
	for _, e := range env {
		if !strings.HasPrefix(e, ModeEnv+"=") {
			out = append(out, e)
		}
	}
	return out
}

func closeAll(files ...*os.File) {
	for _, f := range files {
		f.Close() // nothing to do about a failed close of a pipe end
	}
}

// read queues the child's frames on frames (or routes them) until the
// child closes its pipe.
func (p *Process) read(route func(frame.Msg) bool) {
	defer close(p.frames)
	for {
		m, err := p.conn.Recv()
		if err != nil {
			return
		}
		if route != nil && route(m) {
			continue
		}
		select {
		case p.frames <- m:
		case <-p.abandon:
		}
	}
}

// Frames delivers the child's frames in order (those Route did not take);
// it is closed when the child closed its pipe, normally when it exits.
func (p *Process) Frames() <-chan frame.Msg { return p.frames }

// Send writes a frame to the child.
func (p *Process) Send(typ string, id uint64, body any, blobs ...[]byte) error {
	return p.conn.Send(typ, id, body, blobs...)
}

// Pid returns the child's process id.
func (p *Process) Pid() int { return p.cmd.Process.Pid }

// Done is closed once the child has been reaped and all it wrote has been
// delivered.
func (p *Process) Done() <-chan struct{} { return p.done }

// Ended reports whether the child has ended: reaped, or a zombie that
// has yet to be. It sees the end before Done is closed (the pipes are
// drained first), so a caller does not hand work to a process that is
// already gone.
func (p *Process) Ended() bool {
	select {
	case <-p.done:
		return true
	default:
	}
	return childExited(p.cmd.Process.Pid)
}

// waitid's arguments: P_PID, and WNOWAIT, which leaves the child
// waitable for os/exec's Wait.
const (
	pPID    = 1
	wNOWAIT = 0x1000000
)

// childExited reports whether pid, a child of this process, has ended: a
// zombie not waited for yet, or already reaped. It is one system call
// (the pool asks it of every idle mirror before each Parallel call;
// signalling the child and reading /proc, as exited does, took 80 µs a
// mirror here), falling back to exited if waitid fails otherwise.
func childExited(pid int) bool {
	var info [128]byte // a siginfo_t
	_, _, errno := syscall.Syscall6(syscall.SYS_WAITID, pPID, uintptr(pid), uintptr(unsafe.Pointer(&info[0])),
		syscall.WEXITED|syscall.WNOHANG|wNOWAIT, 0, 0)
	switch errno {
	case 0:
		// si_pid, at offset 16 on 64-bit Linux, is 0 while no child
		// has a state to report.
		return *(*int32)(unsafe.Pointer(&info[16])) != 0
	case syscall.ECHILD:
		return true // reaped
	}
	return exited(pid)
}

// exited reports whether process pid has ended but not been waited for
// (a zombie, which a signal still reaches), or is gone.
func exited(pid int) bool {
	stat, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		// Gone, unless there is no /proc to ask (then every child would
		// look dead, and be restarted before every use).
		_, procErr := os.Stat("/proc/self/stat")
		return procErr == nil
	}
	// pid (comm) state ...: comm may hold spaces and parentheses.
	s := string(stat)
	fields := strings.Fields(s[strings.LastIndexByte(s, ')')+1:])
	return len(fields) > 0 && (fields[0] == "Z" || fields[0] == "X")
}

// Err returns what waiting for the child returned (an *exec.ExitError for
// a non-zero exit or a signal), once Done is closed.
func (p *Process) Err() error {
	<-p.done
	return p.err
}

// State returns the child's exit state, once Done is closed.
func (p *Process) State() *os.ProcessState {
	<-p.done
	return p.cmd.ProcessState
}

// Close tells the child to exit (EOF on InFD), kills it if it has not
// exited after grace, and waits for it. Frames nobody read are discarded.
func (p *Process) Close(grace time.Duration) {
	p.release()
	t := time.NewTimer(grace)
	defer t.Stop()
	select {
	case <-p.done:
	case <-t.C:
		p.Kill()
	}
}

// Kill ends the child at once and waits for it. Frames nobody read are
// discarded.
func (p *Process) Kill() {
	p.cmd.Process.Kill() // an error means it is already gone
	p.release()
	<-p.done
}

// release closes our end of InFD and stops queueing frames.
func (p *Process) release() {
	p.once.Do(func() {
		p.toChild.Close()
		close(p.abandon)
	})
}

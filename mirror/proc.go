package mirror

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/dmirror/dmirror/interp/frame"
)

// proc is one mirror process, owned by the pool: a reader goroutine turns
// its frames into msgs and a waiter goroutine reaps it.
type proc struct {
	cmd     *exec.Cmd
	conn    *frame.Conn
	toChild *os.File // closing it tells the mirror to exit (EOF)
	msgs    chan frame.Msg
	exited  chan struct{} // closed once the process is reaped
	tail    *tailWriter   // the process's own stdout and stderr, last bytes
	reader  sync.WaitGroup

	// What the mirror's interpreter holds, as declHashes; nil: rebuild.
	have   []uint64
	nextID uint64
}

// startProc starts a mirror process.
func startProc(exe string, args, env []string) (*proc, error) {
	inR, inW, err := os.Pipe()
	if err != nil {
		return nil, fmt.Errorf("mirror: pipe: %w", err)
	}
	outR, outW, err := os.Pipe()
	if err != nil {
		inR.Close()
		inW.Close()
		return nil, fmt.Errorf("mirror: pipe: %w", err)
	}
	p := &proc{
		toChild: inW,
		msgs:    make(chan frame.Msg, 64),
		exited:  make(chan struct{}),
		tail:    &tailWriter{max: 4096},
	}
	p.cmd = exec.Command(exe, args...)
	p.cmd.Env = append(append([]string(nil), env...), "DMIRROR_CHILD="+WorkerMode)
	p.cmd.ExtraFiles = []*os.File{inR, outW} // fds 3 and 4
	p.cmd.Stdout = p.tail
	p.cmd.Stderr = p.tail
	// The kernel's death takes its mirrors with it.
	p.cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
	err = p.cmd.Start()
	inR.Close()
	outW.Close()
	if err != nil {
		inW.Close()
		outR.Close()
		return nil, fmt.Errorf("mirror: start %s: %w", exe, err)
	}
	p.conn = frame.New(outR, inW)
	p.reader.Add(1)
	go func() {
		defer p.reader.Done()
		defer close(p.msgs)
		defer outR.Close()
		for {
			m, err := p.conn.Recv()
			if err != nil {
				return
			}
			p.msgs <- m
		}
	}()
	go func() {
		p.cmd.Wait() // the exit status is read from ProcessState
		close(p.exited)
	}()
	return p, nil
}

// kill ends the process at once and waits for it.
func (p *proc) kill() {
	p.cmd.Process.Kill() // an error means it is already gone
	p.toChild.Close()
	<-p.exited
	p.drain()
}

// stop asks the mirror to exit, kills it if it has not after grace, and
// waits for it.
func (p *proc) stop(grace time.Duration) {
	p.toChild.Close()
	t := time.NewTimer(grace)
	defer t.Stop()
	select {
	case <-p.exited:
	case <-t.C:
		p.cmd.Process.Kill()
		<-p.exited
	}
	p.drain()
}

// drain waits for the reader, discarding what it still delivers.
func (p *proc) drain() {
	go func() {
		for range p.msgs {
		}
	}()
	p.reader.Wait()
}

// death describes why the process ended, as a Failure.
func (p *proc) death(mirror int) Failure {
	f := Failure{Mirror: mirror, Index: -1, Kind: KindCrash, Output: p.tail.String()}
	st := p.cmd.ProcessState
	switch {
	case st == nil:
		f.Message = "the mirror process ended"
	case isSignal(st, syscall.SIGKILL):
		f.Kind = KindKilled
		f.Message = "the mirror process was killed (SIGKILL)"
	default:
		f.Message = "the mirror process died: " + st.String()
	}
	fatal := p.tail.fatalLine()
	if fatal != "" {
		// What follows is the runtime's dump of every goroutine, of no use
		// to users: the reason is shown instead.
		f.Output = fatal
	}
	if strings.Contains(fatal, "out of memory") {
		f.Kind = KindOutOfMemory
		f.Message = "the mirror process ran out of memory (" + MemoryEnv + " sets its limit)"
	} else if strings.Contains(f.Output, "stack overflow") {
		f.Message += " (stack overflow)"
	}
	return f
}

func isSignal(st *os.ProcessState, sig syscall.Signal) bool {
	ws, ok := st.Sys().(syscall.WaitStatus)
	return ok && ws.Signaled() && ws.Signal() == sig
}

// tailWriter keeps the last max bytes written to it, and the line of the
// Go runtime's "fatal error", which a long dump of goroutines follows.
type tailWriter struct {
	mu        sync.Mutex
	max       int
	buf       []byte
	fatal     string
	fatalOpen bool // fatal is still missing its end
}

func (t *tailWriter) Write(p []byte) (int, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	// The runtime writes the line in pieces ("fatal error: ", the reason,
	// "\n"): it is complete at its newline.
	if t.fatal == "" {
		if i := bytes.Index(p, []byte("fatal error: ")); i >= 0 {
			t.fatal, t.fatalOpen = string(p[i:]), true
		}
	} else if t.fatalOpen {
		t.fatal += string(p)
	}
	if t.fatalOpen {
		if i := strings.IndexByte(t.fatal, '\n'); i >= 0 {
			t.fatal, t.fatalOpen = t.fatal[:i], false
		} else if len(t.fatal) > 512 {
			t.fatalOpen = false
		}
	}
	t.buf = append(t.buf, p...)
	if over := len(t.buf) - t.max; over > 0 {
		t.buf = append(t.buf[:0], t.buf[over:]...)
	}
	return len(p), nil
}

func (t *tailWriter) fatalLine() string {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.fatal
}

func (t *tailWriter) String() string {
	t.mu.Lock()
	defer t.mu.Unlock()
	return string(t.buf)
}

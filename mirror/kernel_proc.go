package mirror

import (
	"bytes"
	"fmt"
	"os"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/dmirror/dmirror/interp/childproc"
	"github.com/dmirror/dmirror/interp/frame"
	"github.com/dmirror/dmirror/interp/stdpipe"
)

// endpoint is what the pool needs of a running mirror: a local child
// (*childproc.Process) or a Slurm step (*slurmStep). Its methods are safe for
// concurrent use.
type endpoint interface {
	Send(typ string, id uint64, body any, blobs ...[]byte) error
	Frames() <-chan frame.Msg
	Ended() bool
	Close(grace time.Duration)
	Kill()
	Pid() int
	State() *os.ProcessState
}

// proc is one mirror process, owned by the pool.
type proc struct {
	endpoint
	exe  string      // the kernel's path of the binary it runs (Pool.SetExe moves mirrors to another)
	gen  string      // where it loads the call's compiled declarations (Decls.Gen; a copy on its node)
	tail *tailWriter // the process's own stdout and stderr, last bytes
	// node and step say where a mirror placed by Slurm runs; "" for a
	// local one.
	node, step string
	seq        int // its place in the order mirrors started (Mirrors())
	// raw receives what the process writes to its fd 1 and 2 while a
	// chunk runs (compiled code's println): see forwardRaw.
	raw atomic.Pointer[func(stream, text string)]
	// marks are the chunk marks seen on fd 1 and 2 (stdpipe.WriteMark).
	marks *stdpipe.Marks

	// What the mirror's interpreter holds, as declHashes; nil: rebuild.
	have   []uint64
	nextID uint64
}

// startProc starts a mirror process.
func startProc(exe string, args, env []string) (*proc, error) {
	tail := &tailWriter{max: 4096}
	p := &proc{exe: exe, tail: tail, marks: stdpipe.NewMarks()}
	c, err := childproc.Start(childproc.Options{Exe: exe, Args: args, Mode: WorkerMode, Env: env,
		Stdout: &rawWriter{p: p, stream: "stdout"}, Stderr: &rawWriter{p: p, stream: "stderr"}, Queue: 64})
	if err != nil {
		return nil, fmt.Errorf("mirror: %w", err)
	}
	p.endpoint = c
	return p, nil
}

// forwardRaw sends what the process writes to its fd 1 and 2 to f until
// the returned func is called.
func (p *proc) forwardRaw(f func(stream, text string)) (stop func()) {
	p.raw.Store(&f)
	return func() { p.raw.Store(nil) }
}

// rawWriter keeps what the process writes to fd 1 or 2 in its tail and
// forwards it while a chunk runs, up to the start of a Go crash report,
// which only explains the process's death (see death).
type rawWriter struct {
	p       *proc
	stream  string
	crashed bool
	carry   []byte // the start of a chunk mark cut by the end of a write
}

// rawMarkWait bounds the wait for a chunk's marks.
const rawMarkWait = time.Second

func (w *rawWriter) Write(b []byte) (int, error) {
	n := len(b)
	b, mark := w.p.marks.Strip(&w.carry, b)
	defer w.p.marks.Saw(w.stream, mark) // after the text in front of it is the chunk's
	w.p.tail.Write(b)
	if w.stream == "stderr" && !w.crashed {
		for _, m := range []string{"fatal error: ", "panic: ", "runtime: "} {
			if i := bytes.Index(b, []byte(m)); i >= 0 && (i == 0 || b[i-1] == '\n') {
				w.crashed, b = true, b[:i]
			}
		}
	} else if w.crashed {
		b = nil
	}
	if f := w.p.raw.Load(); f != nil && len(b) > 0 {
		(*f)(w.stream, string(b))
	}
	return n, nil
}

// noteOutput keeps what a Slurm mirror wrote to stderr in its tail, as a
// local one's fd 2 is: the last lines of a mirror that dies explain it,
// whether it sent them before it died or its relay did after.
func (p *proc) noteOutput(o outputMsg) {
	if p.step != "" && o.Stream == "stderr" {
		p.tail.Write([]byte(o.Text))
	}
}

// kill ends the process at once and waits for it.
func (p *proc) kill() { p.Kill() }

// stop asks the mirror to exit, kills it if it has not after grace, and
// waits for it.
func (p *proc) stop(grace time.Duration) { p.Close(grace) }

// death describes why the process ended, as a Failure.
func (p *proc) death(mirror int) Failure {
	f := Failure{Mirror: mirror, Index: -1, Kind: KindCrash, Output: p.tail.String()}
	if p.step != "" {
		return p.stepDeath(f)
	}
	st := p.State()
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
		f.Message = "the mirror process ran out of memory (" + childproc.MirrorMemoryEnv + " sets its limit)"
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
	fatalOpen bool   // fatal is still missing its end
	before    string // the last lines before fatal: what the process said last
}

func (t *tailWriter) Write(p []byte) (int, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	// The runtime writes the line in pieces ("fatal error: ", the reason,
	// "\n"): it is complete at its newline.
	if t.fatal == "" {
		if i := bytes.Index(p, []byte("fatal error: ")); i >= 0 {
			t.fatal, t.fatalOpen = string(p[i:]), true
			t.before = strings.Join(tailLines(string(t.buf)+string(p[:i]), 3), "\n")
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

// lastWords returns the last lines written before the fatal error.
func (t *tailWriter) lastWords() string {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.before
}

func (t *tailWriter) String() string {
	t.mu.Lock()
	defer t.mu.Unlock()
	return string(t.buf)
}

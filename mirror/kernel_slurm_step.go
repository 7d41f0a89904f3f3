package mirror

import (
	"context"
	"fmt"
	"net"
	"os"
	"os/exec"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/dmirror/dmirror/interp/frame"
)

// slurmStep is a mirror running as a Slurm job step: the srun process, a child
// of the kernel, and the mirror's TCP connection once it has dialed back
// and authenticated. It implements endpoint. The mirror exits at EOF of
// its connection, and the step ends with it; killing srun, or cancelling
// the step, ends it at once.
type slurmStep struct {
	cmd  *exec.Cmd
	env  []string
	tail *tailWriter // srun's messages and the mirror's fd 1 and 2

	exited chan struct{} // srun was reaped
	alloc  *allocation   // the allocation it is a step of
	// lost: the mirror's connection closed and srun did not end within
	// the grace that follows, nor when the step was cancelled, as when the
	// node died (srun waits for it).
	lost atomic.Bool

	mu     sync.Mutex
	conn   net.Conn
	fc     *frame.Conn
	name   string        // JOB.STEP, once connected
	node   string        // the node it runs on, once connected
	read   chan struct{} // closed when the reader stops (never, until connected)
	frames chan frame.Msg

	abandon chan struct{}
	once    sync.Once
	done    chan struct{}
}

// startSrun starts srun with args and gives it secret on stdin.
func startSrun(args, env []string, secret string) (*slurmStep, error) {
	inR, inW, err := os.Pipe()
	if err != nil {
		return nil, fmt.Errorf("mirror: pipe: %w", err)
	}
	st := &slurmStep{env: env, tail: &tailWriter{max: 4096}, exited: make(chan struct{}), read: make(chan struct{}),
		frames: make(chan frame.Msg, 64), abandon: make(chan struct{}), done: make(chan struct{})}
	cmd := exec.Command("srun", args...)
	cmd.Env = env
	cmd.Stdin, cmd.Stdout, cmd.Stderr = inR, st.tail, st.tail
	// The kernel's death kills srun, which ends the step; its own process
	// group keeps a Ctrl-C meant for the kernel from reaching it.
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGKILL}
	cmd.WaitDelay = closeGrace
	err = cmd.Start()
	inR.Close()
	if err != nil {
		inW.Close()
		return nil, fmt.Errorf("mirror: start srun (Slurm's client commands must be on PATH): %w", err)
	}
	st.cmd = cmd
	// The secret is a line, far below a pipe's buffer: the write does not
	// wait for srun. Closing stdin then gives the mirror the EOF a local
	// one sees on its stdin.
	_, werr := inW.WriteString(secret)
	inW.Close()
	go func() {
		cmd.Wait() // its status is State's
		close(st.exited)
		// What the mirror wrote before it ended is read first; a
		// connection that a dead node left open is closed.
		t := time.NewTimer(closeGrace)
		defer t.Stop()
		select {
		case <-st.read:
		case <-t.C:
			st.release()
			<-st.read
		}
		close(st.done)
	}()
	if werr != nil {
		st.Kill()
		return nil, fmt.Errorf("mirror: give the key to srun: %w", werr)
	}
	return st, nil
}

// connected hands the step its authenticated connection and starts
// reading frames from it.
func (st *slurmStep) connected(c net.Conn, name, node string) {
	st.mu.Lock()
	st.conn, st.fc, st.name, st.node = c, frame.New(c, c), name, node
	st.mu.Unlock()
	go st.readFrames()
}

func (st *slurmStep) readFrames() {
	defer close(st.read)
	defer close(st.frames)
	for {
		m, err := st.fc.Recv()
		if err != nil {
			return
		}
		select {
		case st.frames <- m:
		case <-st.abandon:
		}
	}
}

func (st *slurmStep) Send(typ string, id uint64, body any, blobs ...[]byte) error {
	st.mu.Lock()
	fc := st.fc
	st.mu.Unlock()
	if fc == nil {
		return fmt.Errorf("mirror: the step has not connected")
	}
	return fc.Send(typ, id, body, blobs...)
}

func (st *slurmStep) Frames() <-chan frame.Msg { return st.frames }

// Ended reports whether srun ended, the mirror's connection closed, or
// the allocation lost a node (Slurm ends it).
func (st *slurmStep) Ended() bool {
	if st.alloc.isCondemned() {
		return true
	}
	select {
	case <-st.exited:
		return true
	case <-st.read:
		return true
	default:
		return false
	}
}

// Close closes the mirror's connection, which makes it exit and its step
// end; if srun has not ended after grace, it kills the step. Only a step
// that Slurm cannot cancel either condemns its node: a mirror that did
// not exit may just be stopped (SIGSTOP) or stuck, on a healthy node
// that the next mirrors may use.
func (st *slurmStep) Close(grace time.Duration) {
	st.release()
	t := time.NewTimer(grace)
	defer t.Stop()
	select {
	case <-st.done:
	case <-t.C:
		// As long as the close waited: a loaded node may take a while
		// to end a step, which must not cost it its place.
		if !st.cancel(grace) {
			st.lost.Store(true)
			st.mu.Lock()
			node := st.node
			st.mu.Unlock()
			st.alloc.condemn(node)
		}
		st.kill()
	}
}

// Kill cancels the step and kills srun, and waits for srun.
func (st *slurmStep) Kill() {
	st.cancel(srunExitGrace)
	st.kill()
}

// kill kills srun and waits for it.
func (st *slurmStep) kill() {
	st.cmd.Process.Kill() // an error means it has ended
	st.release()
	<-st.done
}

// cancel cancels the step with Slurm's own stop and reports whether srun
// ended within wait: if not, the node is lost (or srun stuck). Before the
// mirror connected, the step has no name and is not cancelled.
func (st *slurmStep) cancel(wait time.Duration) bool {
	st.mu.Lock()
	name := st.name
	st.mu.Unlock()
	if name == "" {
		return true
	}
	// Slurm's own stop first, so that the task on the node ends whatever
	// srun's end does to it; srun, told by slurmstepd that the task ended,
	// then exits by itself and the step leaves the queue at once. A srun
	// killed first leaves slurmstepd retrying to tell it (2.3 s measured)
	// before the step ends.
	ctx, cancel := context.WithTimeout(context.Background(), releaseGrace)
	slurmCommand(ctx, st.env, "scancel", "--quiet", name).Run() // a step already gone is not an error here
	cancel()
	t := time.NewTimer(wait)
	defer t.Stop()
	select {
	case <-st.exited:
		return true
	case <-t.C:
		return false
	}
}

// srunExitGrace bounds the wait for srun to exit after its step was
// cancelled, before it is killed.
const srunExitGrace = 500 * time.Millisecond

func (st *slurmStep) release() {
	st.once.Do(func() {
		close(st.abandon)
		st.mu.Lock()
		c := st.conn
		st.mu.Unlock()
		if c != nil {
			c.Close()
		} else {
			// Never connected: nothing reads frames.
			close(st.read)
			close(st.frames)
		}
	})
}

func (st *slurmStep) Pid() int { return st.cmd.Process.Pid }

func (st *slurmStep) State() *os.ProcessState {
	<-st.done
	return st.cmd.ProcessState
}

// stepDeath describes the end of a mirror placed by Slurm, naming its node
// and step, with srun's own words when it said why.
func (p *proc) stepDeath(f Failure) Failure {
	where := fmt.Sprintf("the mirror on node %s (Slurm step %s)", p.node, p.step)
	if st, ok := p.endpoint.(*slurmStep); ok && st.lost.Load() {
		f.Kind = KindCrash
		f.Message = where + " was lost: its connection closed and srun did not end, even when its step was cancelled (the node died?); the next call places mirrors in a new allocation without " + p.node
		return f
	}
	out := p.tail.String()
	reason := ""
	for _, l := range strings.Split(out, "\n") {
		if strings.Contains(l, "srun: error:") || strings.Contains(l, "slurmstepd: error:") {
			reason = strings.TrimSpace(l)
		}
	}
	if fatal := p.tail.fatalLine(); fatal != "" {
		// Its last words, which the relay passed on with the runtime's
		// report when the mirror could not send them, and the reason.
		f.Output = strings.TrimPrefix(p.tail.lastWords()+"\n"+fatal, "\n")
		reason = fatal
	}
	switch {
	case strings.Contains(out, "CANCELLED") || strings.Contains(reason, "Killed") || strings.Contains(reason, "Terminated"):
		f.Kind = KindKilled
		f.Message = where + " was cancelled or killed"
	case strings.Contains(reason, "out of memory"):
		f.Kind = KindOutOfMemory
		f.Message = where + " ran out of memory"
	default:
		f.Message = where + " ended"
	}
	if reason != "" {
		f.Message += ": " + reason
	} else if st := p.State(); st != nil && st.ExitCode() != 0 {
		f.Message += ": srun " + st.String()
	}
	return f
}

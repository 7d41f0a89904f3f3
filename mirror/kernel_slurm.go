package mirror

import (
	"context"
	"crypto/rand"
	"encoding/binary"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"os/exec"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/dmirror/dmirror/interp/childproc"
)

// Variables that choose and configure the placement of mirrors, read by
// the kernel (SlurmFromEnv).
const (
	// MirrorsEnv is "local" (the default: child processes of the kernel)
	// or "slurm" (steps of a Slurm allocation).
	MirrorsEnv = "DMIRROR_MIRRORS"
	// SlurmArgsEnv holds options added to salloc's, split at spaces:
	// "--partition=P --time=1:00:00 --cpus-per-task=1 --mem=2G".
	SlurmArgsEnv = "DMIRROR_SLURM_ARGS"
	// SlurmTimeoutEnv bounds the wait for an allocation and for a step
	// to connect (a Go duration; default 60s).
	SlurmTimeoutEnv = "DMIRROR_SLURM_TIMEOUT"
	// SlurmBroadcastEnv, if set, is a directory on the nodes' local
	// storage: the binary is copied there (sbcast) before steps run it.
	SlurmBroadcastEnv = "DMIRROR_SLURM_BCAST"
)

const defaultSlurmTimeout = 60 * time.Second

// SlurmOptions configures mirrors placed by Slurm.
type SlurmOptions struct {
	// Args are added to salloc's: partition, time limit, CPUs, memory.
	// Without --ntasks (-n), the allocation holds as many tasks as the
	// first call has mirrors.
	Args []string
	// Timeout bounds the wait for an allocation and for a step to
	// connect; 0 means 60s.
	Timeout time.Duration
	// Broadcast, if set, is a directory on the nodes' local storage to
	// which the binary is copied before steps run it; otherwise the nodes
	// must see it at its path (a shared filesystem).
	Broadcast string
}

// SlurmFromEnv returns the Slurm options env asks for (MirrorsEnv and
// the variables above), or nil when mirrors run on this machine.
func SlurmFromEnv(env []string) (*SlurmOptions, error) {
	get := func(name string) string { return lookupEnv(env, name) }
	switch m := get(MirrorsEnv); m {
	case "", "local":
		return nil, nil
	case "slurm":
	default:
		return nil, fmt.Errorf("%s=%q: want local or slurm", MirrorsEnv, m)
	}
	o := &SlurmOptions{Args: strings.Fields(get(SlurmArgsEnv)), Broadcast: get(SlurmBroadcastEnv)}
	if v := get(SlurmTimeoutEnv); v != "" {
		d, err := time.ParseDuration(v)
		if err != nil || d <= 0 {
			return nil, fmt.Errorf("%s=%q: want a positive duration such as 2m", SlurmTimeoutEnv, v)
		}
		o.Timeout = d
	}
	return o, nil
}

// slurmHint ends the errors of a kernel that could not place mirrors.
const slurmHint = "(" + SlurmArgsEnv + " sets salloc's options, such as --partition; " + SlurmTimeoutEnv +
	" how long to wait; without " + MirrorsEnv + "=slurm mirrors run on this machine)"

// slurmLauncher places mirrors as steps of one Slurm allocation per
// kernel: made by the first call that needs a mirror (or the kernel's own
// job when it runs in one), released by close. Each mirror is an srun
// child process of the kernel (srun --exact, one task) running the binary
// in mirror mode, which dials the kernel back over TCP.
type slurmLauncher struct {
	opts SlurmOptions
	args []string // the mirror's command line after the binary
	env  []string
	log  *slog.Logger
	key  []byte // proves to the kernel that a connection is its mirror's
	err  error  // of making the key

	// life is cancelled by close: it stops an allocation being made.
	life   context.Context
	cancel context.CancelFunc

	mu     sync.Mutex // held while the allocation is made
	alloc  *allocation
	copies map[string]string   // binary → its copy on the nodes, in alloc
	steps  map[*slurmStep]bool // started in alloc and not known to have ended
	lost   []string            // nodes that died under a step, left out of later allocations
	closed bool
}

func newSlurmLauncher(opts SlurmOptions, args, env []string, log *slog.Logger) *slurmLauncher {
	if opts.Timeout <= 0 {
		opts.Timeout = defaultSlurmTimeout
	}
	key, err := newSecret()
	life, cancel := context.WithCancel(context.Background())
	return &slurmLauncher{opts: opts, args: args, env: env, log: log, key: key, err: err, life: life, cancel: cancel}
}

func (l *slurmLauncher) start(ctx context.Context, exe string, n int) ([]*proc, error) {
	if l.err != nil {
		return nil, l.err
	}
	ctx, stop := context.WithCancel(ctx)
	defer stop()
	defer context.AfterFunc(l.life, stop)()
	a, nodeExe, err := l.prepare(ctx, exe, n)
	if err != nil {
		return nil, err
	}
	if running := l.running(a); a.tasks > 0 && running+n > a.tasks {
		// More steps would wait for CPUs the pool's own mirrors hold.
		return nil, fmt.Errorf("mirror: the call needs %d more mirrors; the Slurm allocation %s holds %d tasks and runs %d mirrors (ask for more with %s=--ntasks=N, or use fewer mirrors: WithMirrors, SetDefaultCores)",
			n, a.job, a.tasks, running, SlurmArgsEnv)
	}
	b, err := l.listen(a)
	if err != nil {
		return nil, err
	}
	defer b.close()
	procs := make([]*proc, n)
	errs := make([]error, n)
	var wg sync.WaitGroup
	for j := range procs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			procs[j], errs[j] = l.startStep(ctx, a, b, exe, nodeExe)
		}()
	}
	wg.Wait()
	var started []*proc
	for _, q := range procs {
		if q != nil {
			started = append(started, q)
		}
	}
	return started, distinct(errs)
}

// running counts the steps of a whose mirrors have not ended.
func (l *slurmLauncher) running(a *allocation) int {
	l.mu.Lock()
	defer l.mu.Unlock()
	n := 0
	for st := range l.steps {
		switch {
		case l.alloc != a || st.alloc != a:
		case st.Ended():
			delete(l.steps, st)
		default:
			n++
		}
	}
	return n
}

// distinct joins errs, each message once: steps that fail the same way
// (the binary is missing on the nodes) say so once.
func distinct(errs []error) error {
	var out []error
	seen := map[string]bool{}
	for _, err := range errs {
		if err != nil && !seen[err.Error()] {
			seen[err.Error()] = true
			out = append(out, err)
		}
	}
	return errors.Join(out...)
}

// prepare returns the allocation, made now if there is none (or it ended),
// and the path of exe on its nodes.
func (l *slurmLauncher) prepare(ctx context.Context, exe string, n int) (*allocation, string, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.closed {
		return nil, "", errClosed
	}
	if l.alloc != nil && (l.alloc.ended() || l.alloc.isCondemned()) {
		// Its steps are gone with it, or Slurm ends it soon (a lost
		// node): the next allocation leaves out the nodes lost so far.
		lost := l.alloc.lostNodes()
		l.log.Warn("the Slurm allocation ended or lost a node; a new one is made", "job", l.alloc.job, "lost", lost)
		l.lost = append(l.lost, lost...)
		l.alloc.release()
		l.alloc, l.copies = nil, nil
	}
	if l.alloc == nil {
		a, err := allocate(ctx, l.opts, l.env, n, l.lost)
		if err != nil {
			return nil, "", err
		}
		l.alloc, l.copies, l.steps = a, map[string]string{}, map[*slurmStep]bool{}
	}
	c, err := l.copyLocked(ctx, exe)
	if err != nil {
		return nil, "", err
	}
	return l.alloc, c, nil
}

// copyLocked returns the path of the kernel's file on the nodes of the
// allocation: its own path (a shared filesystem), or, with Broadcast, its
// copy in that directory on every node, made once per allocation and
// file. l.mu is held.
func (l *slurmLauncher) copyLocked(ctx context.Context, path string) (string, error) {
	if l.opts.Broadcast == "" {
		return path, nil
	}
	if c, ok := l.copies[path]; ok {
		return c, nil
	}
	c, err := broadcast(ctx, l.alloc, l.env, path, l.opts.Broadcast, l.opts.Timeout)
	if err != nil {
		return "", err
	}
	l.copies[path] = c
	return c, nil
}

// nodePath returns the path at which q, a step, finds the kernel's file
// path (a generation's plugin): the file is broadcast to q's allocation
// the first time a call needs it there.
func (l *slurmLauncher) nodePath(ctx context.Context, q *proc, path string) (string, error) {
	st, ok := q.endpoint.(*slurmStep)
	if !ok {
		return path, nil
	}
	ctx, stop := context.WithCancel(ctx)
	defer stop()
	defer context.AfterFunc(l.life, stop)()
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.alloc != st.alloc {
		// Its allocation was released: the step is gone with it.
		return "", fmt.Errorf("mirror: the Slurm allocation of step %s ended", q.step)
	}
	return l.copyLocked(ctx, path)
}

func (l *slurmLauncher) close() error {
	l.cancel()
	l.mu.Lock()
	defer l.mu.Unlock()
	l.closed = true
	if l.alloc == nil {
		return nil
	}
	err := l.alloc.release()
	l.alloc = nil
	return err
}

// newToken returns a random token naming one step.
func newToken() uint64 {
	var b [8]byte
	rand.Read(b[:]) // crypto/rand.Read does not fail (Go 1.24)
	return binary.BigEndian.Uint64(b[:])
}

// batch is the listener of the steps being started at once: the kernel
// listens only while its steps connect, and only on the addresses that
// face the allocation's nodes.
type batch struct {
	key []byte
	log *slog.Logger
	lns []net.Listener
	wg  sync.WaitGroup

	mu      sync.Mutex
	waiting map[uint64]chan acceptedStep
	shaking map[net.Conn]bool // connections in the handshake
	closing bool
}

type acceptedStep struct {
	conn net.Conn
	h    hello
}

func (l *slurmLauncher) listen(a *allocation) (*batch, error) {
	b := &batch{key: l.key, log: l.log, waiting: map[uint64]chan acceptedStep{}, shaking: map[net.Conn]bool{}}
	// One port on every address, so that a step is told one port.
	port := "0"
	for _, ip := range a.facing {
		ln, err := net.Listen("tcp", net.JoinHostPort(ip, port))
		if err != nil {
			b.close()
			return nil, fmt.Errorf("mirror: listen for Slurm steps on %s: %w", ip, err)
		}
		b.lns = append(b.lns, ln)
		port = strconv.Itoa(ln.Addr().(*net.TCPAddr).Port)
	}
	for _, ln := range b.lns {
		b.wg.Add(1)
		go b.accept(ln)
	}
	return b, nil
}

func (b *batch) port() int { return b.lns[0].Addr().(*net.TCPAddr).Port }

// expect registers a step's token; the channel receives its connection.
func (b *batch) expect(token uint64) chan acceptedStep {
	ch := make(chan acceptedStep, 1)
	b.mu.Lock()
	b.waiting[token] = ch
	b.mu.Unlock()
	return ch
}

// forget unregisters a step that connected or gave up; a connection that
// came too late is closed.
func (b *batch) forget(token uint64) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if ch, ok := b.waiting[token]; ok {
		select {
		case acc := <-ch:
			acc.conn.Close()
		default:
		}
		delete(b.waiting, token)
	}
}

func (b *batch) accept(ln net.Listener) {
	defer b.wg.Done()
	var conns sync.WaitGroup
	defer conns.Wait()
	for {
		c, err := ln.Accept()
		if err != nil {
			return // closed
		}
		b.mu.Lock()
		if b.closing {
			b.mu.Unlock()
			c.Close()
			continue
		}
		b.shaking[c] = true
		b.mu.Unlock()
		conns.Add(1)
		go func() {
			defer conns.Done()
			b.handshake(c)
		}()
	}
}

// handshake authenticates a connection and hands it to the step it
// names; anything else is closed unread.
func (b *batch) handshake(c net.Conn) {
	h, err := acceptMirror(c, b.key)
	b.mu.Lock()
	defer b.mu.Unlock()
	delete(b.shaking, c)
	if err != nil {
		if !b.closing {
			b.log.Warn("refused a connection to the mirrors' port", "from", c.RemoteAddr(), "err", err)
		}
		c.Close()
		return
	}
	// Under the lock, so that forget sees what was handed over.
	ch, ok := b.waiting[h.Token]
	if !ok {
		c.Close()
		return
	}
	ch <- acceptedStep{conn: c, h: h} // buffered: the only send
}

// close stops listening, ends the handshakes under way (a peer that
// holds one open does not hold the call) and waits for them.
func (b *batch) close() {
	b.mu.Lock()
	b.closing = true
	for c := range b.shaking {
		c.Close()
	}
	b.mu.Unlock()
	for _, ln := range b.lns {
		ln.Close()
	}
	b.wg.Wait()
	b.mu.Lock()
	defer b.mu.Unlock()
	for t, ch := range b.waiting {
		close(ch)
		delete(b.waiting, t)
	}
}

// startStep starts one mirror as a step of a, running nodeExe, the
// nodes' path of exe, and waits for it to connect.
func (l *slurmLauncher) startStep(ctx context.Context, a *allocation, b *batch, exe, nodeExe string) (*proc, error) {
	token := newToken()
	ch := b.expect(token)
	defer b.forget(token)
	args := []string{"--jobid=" + a.job, "--exact", "--ntasks=1", "--nodes=1", "--kill-on-bad-exit=1", "--quiet",
		"--job-name=dmirror-mirror"}
	if a.cpusPerTask > 0 {
		args = append(args, "--cpus-per-task="+strconv.Itoa(a.cpusPerTask))
	}
	// The task is the relay, which runs the mirror (see RelayMode).
	args = append(append(args, nodeExe, RelayMode), l.args...)
	env := append(slices.Clip(l.env), childproc.ModeEnv+"="+RelayMode, remotePortEnv+"="+strconv.Itoa(b.port()))
	st, err := startSrun(args, env, stepSecret(l.key, token))
	if err != nil {
		return nil, err
	}
	st.alloc = a
	q := &proc{endpoint: st, exe: exe, tail: st.tail}
	t := time.NewTimer(l.opts.Timeout)
	defer t.Stop()
	select {
	case acc, ok := <-ch:
		if !ok {
			st.Kill()
			return nil, fmt.Errorf("mirror: the Slurm step was abandoned before it connected")
		}
		q.node, q.step = acc.h.Node, acc.h.Step
		st.connected(acc.conn, acc.h.Step, acc.h.Node)
		l.mu.Lock()
		if l.alloc == a {
			l.steps[st] = true
		}
		l.mu.Unlock()
		return q, nil
	case <-st.exited:
		st.Kill()
		return nil, stepStartError(nodeExe, st.tail.String())
	case <-ctx.Done():
		st.Kill()
		return nil, fmt.Errorf("mirror: starting a Slurm step: %w", ctx.Err())
	case <-t.C:
		st.Kill()
		return nil, fmt.Errorf("mirror: no Slurm step of job %s connected within %v: %s %s",
			a.job, l.opts.Timeout, lastLines(st.tail.String(), 3), slurmHint)
	}
}

// stepStartError explains a step that ended before it connected.
func stepStartError(exe, out string) error {
	msg := lastLines(out, 4)
	if msg == "" {
		msg = "it printed nothing"
	}
	hint := ""
	if strings.Contains(out, "execve") || strings.Contains(out, "No such file") || strings.Contains(out, "ermission denied") {
		hint = fmt.Sprintf(" (the nodes must see %s at that path, on a shared filesystem, or %s=DIR copies it to DIR on each node)", exe, SlurmBroadcastEnv)
	}
	return fmt.Errorf("mirror: the Slurm step running %s ended before it connected: %s%s", exe, msg, hint)
}

// lastLines returns the last n non-empty lines of s, joined by "; ".
func lastLines(s string, n int) string { return strings.Join(tailLines(s, n), "; ") }

// tailLines returns the last n non-empty lines of s, trimmed.
func tailLines(s string, n int) []string {
	var out []string
	for _, l := range strings.Split(strings.TrimSpace(s), "\n") {
		if l = strings.TrimSpace(l); l != "" {
			out = append(out, l)
		}
	}
	if len(out) > n {
		out = out[len(out)-n:]
	}
	return out
}

// slurmCommand returns a Slurm client command with env, bounded by ctx.
func slurmCommand(ctx context.Context, env []string, name string, args ...string) *exec.Cmd {
	cmd := exec.CommandContext(ctx, name, args...)
	cmd.Env = env
	return cmd
}

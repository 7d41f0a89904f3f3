package mirror

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"runtime"
	"slices"
	"strings"
	"sync"
	"time"
)

// How long a mirror gets to stop a cancelled chunk, or to exit when the pool
// closes, before it is killed.
const (
	cancelGrace = 400 * time.Millisecond
	closeGrace  = 2 * time.Second
)

// PoolOptions configures a Pool.
type PoolOptions struct {
	// Exe and Args start a mirror; by default os.Executable() WorkerMode.
	Exe  string
	Args []string
	// Env is the mirrors' environment (DMIRROR_CHILD is added); by default
	// the kernel's.
	Env []string
	Log *slog.Logger
	// Slurm, if set, places mirrors as steps of a Slurm allocation made
	// at the first call that needs a mirror; nil starts them on this
	// machine.
	Slurm *SlurmOptions
}

// Events receives what a running Job reports.
type Events interface {
	// Progress says how many elements of the workload are done.
	Progress(done, total int)
	// Output is text a block printed in mirror (1-based), on stream
	// "stdout" or "stderr".
	Output(mirror int, stream, text string)
	// Display is a bundle a block displayed in mirror (1-based), or an
	// update of one with the same display id.
	Display(mirror int, data, metadata map[string]any, id string, update bool)
}

// Pool is the kernel's warm pool of mirror processes. A mirror starts once,
// replays the session's declarations, and afterwards receives only the
// declaration chunks it has not seen. Run may be called concurrently.
type Pool struct {
	opts   PoolOptions
	launch launcher

	mu      sync.Mutex
	idle    []*proc
	live    map[*proc]bool
	started int // mirrors started so far (proc.seq)
	closed  bool
}

// NewPool returns a pool; mirrors start on the first Run that needs them.
func NewPool(opts PoolOptions) *Pool {
	if opts.Exe == "" {
		if exe, err := os.Executable(); err == nil {
			opts.Exe = exe
		}
		if opts.Args == nil {
			opts.Args = []string{WorkerMode}
		}
	}
	if opts.Env == nil {
		opts.Env = os.Environ()
	}
	if opts.Log == nil {
		opts.Log = slog.New(slog.DiscardHandler)
	}
	p := &Pool{opts: opts, live: map[*proc]bool{}}
	p.launch = localLauncher{args: opts.Args, env: opts.Env}
	if opts.Slurm != nil {
		p.launch = newSlurmLauncher(*opts.Slurm, opts.Args, opts.Env, opts.Log)
	}
	return p
}

// A launcher starts the pool's mirrors, on this machine or through Slurm.
type launcher interface {
	// start starts n mirrors running exe. On failure it returns the
	// mirrors that did start, which the pool stops.
	start(ctx context.Context, exe string, n int) ([]*proc, error)
	// nodePath returns the path at which q finds the kernel's file path:
	// path itself, or its copy on q's node.
	nodePath(ctx context.Context, q *proc, path string) (string, error)
	// close releases what the launcher holds once the pool's mirrors have
	// stopped (a Slurm allocation).
	close() error
}

// localLauncher starts mirrors as child processes of the kernel.
type localLauncher struct{ args, env []string }

func (l localLauncher) start(_ context.Context, exe string, n int) ([]*proc, error) {
	fresh := make([]*proc, n)
	errs := make([]error, n)
	var wg sync.WaitGroup
	for j := range fresh {
		wg.Add(1)
		go func() {
			defer wg.Done()
			fresh[j], errs[j] = startProc(exe, l.args, l.env)
		}()
	}
	wg.Wait()
	var started []*proc
	for _, q := range fresh {
		if q != nil {
			started = append(started, q)
		}
	}
	return started, errors.Join(errs...)
}

func (localLauncher) nodePath(_ context.Context, _ *proc, path string) (string, error) {
	return path, nil
}

func (localLauncher) close() error { return nil }

var errClosed = errors.New("mirror: pool is closed")

// SetExe makes later mirrors run exe (an image binary with compiled
// packages, see interp/native): idle mirrors of the old binary are stopped
// now, busy ones when their call ends.
func (p *Pool) SetExe(exe string) {
	p.mu.Lock()
	if p.opts.Exe == exe {
		p.mu.Unlock()
		return
	}
	p.opts.Exe = exe
	old := p.takeIdleLocked()
	p.mu.Unlock()
	stopAll(old)
}

// Recycle stops the idle mirrors; busy ones finish their call. The next
// calls start fresh mirrors: a mirror keeps every plugin of compiled
// declarations it loaded, and the session recycles them after many.
func (p *Pool) Recycle() {
	p.mu.Lock()
	old := p.takeIdleLocked()
	p.mu.Unlock()
	stopAll(old)
}

// takeIdleLocked removes the idle mirrors from the pool and returns them;
// p.mu is held.
func (p *Pool) takeIdleLocked() []*proc {
	idle := p.idle
	p.idle = nil
	for _, q := range idle {
		delete(p.live, q)
	}
	return idle
}

// stopAll stops procs in parallel and waits for them.
func stopAll(procs []*proc) {
	inParallel(procs, func(q *proc) { q.stop(closeGrace) })
}

// inParallel calls f for each of procs at once and waits for all: killing
// a Slurm step waits for Slurm (scancel, then srun's exit), which must not
// add up over a call's mirrors.
func inParallel(procs []*proc, f func(*proc)) {
	var wg sync.WaitGroup
	for _, q := range procs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			f(q)
		}()
	}
	wg.Wait()
}

// acquire returns n mirrors, warm ones first, starting the others in
// parallel. Idle mirrors that ended (killed, or ended by a goroutine a
// block left running) are reaped and replaced, so a call never gets one.
func (p *Pool) acquire(ctx context.Context, n int) ([]*proc, error) {
	p.mu.Lock()
	if p.closed {
		p.mu.Unlock()
		return nil, errClosed
	}
	dead := p.dropEndedLocked()
	k := min(n, len(p.idle))
	procs := append([]*proc(nil), p.idle[len(p.idle)-k:]...)
	p.idle = p.idle[:len(p.idle)-k]
	exe := p.opts.Exe
	p.mu.Unlock()

	var fresh []*proc
	var err error
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		p.reapIdle(dead)
	}()
	if n > k {
		fresh, err = p.launch.start(ctx, exe, n-k)
	}
	wg.Wait()
	p.mu.Lock()
	closed := p.closed
	for _, q := range fresh {
		p.live[q] = true
		p.started++
		q.seq = p.started
	}
	p.mu.Unlock()
	procs = append(procs, fresh...)
	if err != nil || closed {
		p.release(procs, nil)
		if closed {
			return nil, errClosed
		}
		return nil, err
	}
	return procs, nil
}

// dropEndedLocked takes the mirrors that ended while idle off the idle
// and live lists and returns them.
func (p *Pool) dropEndedLocked() []*proc {
	var dead []*proc
	idle := p.idle[:0]
	for _, q := range p.idle {
		if q.Ended() {
			dead = append(dead, q)
			delete(p.live, q)
		} else {
			idle = append(idle, q)
		}
	}
	clear(p.idle[len(idle):])
	p.idle = idle
	return dead
}

// reapIdle waits for mirrors that ended while idle and logs why they did.
func (p *Pool) reapIdle(dead []*proc) {
	for _, q := range dead {
		q.kill()
		f := q.death(0)
		p.opts.Log.Warn("an idle mirror ended; a fresh one replaces it", "pid", q.Pid(), "reason", f.Message)
	}
}

// release returns healthy mirrors to the idle list and reaps the others.
func (p *Pool) release(healthy []*proc, dead []*proc) {
	p.mu.Lock()
	closed := p.closed
	var stale []*proc // mirrors of a binary SetExe replaced
	if !closed {
		for _, q := range healthy {
			if q.exe == p.opts.Exe {
				p.idle = append(p.idle, q)
			} else {
				stale = append(stale, q)
				delete(p.live, q)
			}
		}
	}
	for _, q := range dead {
		delete(p.live, q)
	}
	if closed {
		for _, q := range healthy {
			delete(p.live, q)
		}
	}
	p.mu.Unlock()
	if closed {
		stopAll(healthy)
	}
	inParallel(dead, (*proc).kill)
	stopAll(stale)
}

// Close stops every mirror (EOF on its pipe, then SIGKILL after a grace
// period) and waits for them, then releases the Slurm allocation if it
// holds one.
func (p *Pool) Close() error {
	p.mu.Lock()
	p.closed = true
	idle := p.takeIdleLocked()
	p.mu.Unlock()
	stopAll(idle)
	return p.launch.close()
}

// Run runs job on the pool with the session's declarations and returns its
// outcome: failed mirrors are in Outcome.Failures; the error is for a call
// that could not run or was interrupted (ctx).
func (p *Pool) Run(ctx context.Context, decls Decls, job *Job, ev Events) (*Outcome, error) {
	if ev == nil {
		ev = noEvents{}
	}
	if job.Op == OpMirrors {
		return &Outcome{Placement: p.placement()}, nil
	}
	if _, err := lookupOp(job.Op); err != nil {
		return nil, fmt.Errorf("mirror: %w", err)
	}
	n := job.N
	if n == 0 {
		return &Outcome{}, nil
	}
	works, err := jobWorks(job)
	if err != nil {
		return nil, fmt.Errorf("mirror: %w", err)
	}
	k := job.Mirrors
	if k <= 0 {
		k = runtime.NumCPU()
	}
	k = min(k, len(works))
	procs, err := p.acquire(ctx, k)
	if err != nil {
		return nil, err
	}
	if err := p.placeGen(ctx, procs, decls.Gen); err != nil {
		p.release(procs, nil)
		return nil, err
	}
	if pl, ok := ev.(placedEvents); ok {
		if where := nodesOf(procs); where != "" {
			pl.Placed(where)
		}
	}
	c := newCall(ctx, decls, job, ev, n)
	defer c.cancel()
	first := c.assign(works, len(procs))
	var wg sync.WaitGroup
	healthy := make([]bool, len(procs))
	for slot, q := range procs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			healthy[slot] = c.serve(q, slot+1, first[slot])
		}()
	}
	wg.Wait()
	var ok, dead []*proc
	for slot, q := range procs {
		if healthy[slot] {
			ok = append(ok, q)
		} else {
			dead = append(dead, q)
		}
	}
	p.release(ok, dead)
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("mirror: %s interrupted: %w", opName(job.Op), err)
	}
	return c.outcome(len(procs)), nil
}

// placeGen sets the path at which each of procs loads gen, the plugin of
// the compiled declarations, copying it to their nodes if need be.
func (p *Pool) placeGen(ctx context.Context, procs []*proc, gen string) error {
	for _, q := range procs {
		q.gen = ""
		if gen == "" {
			continue
		}
		path, err := p.launch.nodePath(ctx, q, gen)
		if err != nil {
			return err
		}
		q.gen = path
	}
	return nil
}

// placement lists the pool's mirrors in the order they started.
func (p *Pool) placement() []Placement {
	p.mu.Lock()
	idle := map[*proc]bool{}
	for _, q := range p.idle {
		idle[q] = true
	}
	procs := make([]*proc, 0, len(p.live))
	for q := range p.live {
		procs = append(procs, q)
	}
	p.mu.Unlock()
	slices.SortFunc(procs, func(a, b *proc) int { return cmp.Compare(a.seq, b.seq) })
	host, _ := os.Hostname() // only shown
	out := make([]Placement, 0, len(procs))
	for _, q := range procs {
		pl := Placement{Node: host, Launcher: "local", Process: fmt.Sprintf("pid %d", q.Pid()), State: "busy"}
		if q.step != "" {
			pl.Node, pl.Launcher, pl.Process = q.node, "slurm", "step "+q.step
		}
		switch {
		case q.Ended():
			pl.State = "ended"
		case idle[q]:
			pl.State = "idle"
		}
		out = append(out, pl)
	}
	return out
}

// jobWorks checks that the job's chunks cover its workload in order and
// returns them as works.
func jobWorks(job *Job) ([]*work, error) {
	works := make([]*work, len(job.Chunks))
	at := 0
	for s, ch := range job.Chunks {
		if ch.Lo != at || ch.Hi <= ch.Lo {
			return nil, fmt.Errorf("chunk %d covers elements %d to %d, want from %d on", s, ch.Lo, ch.Hi-1, at)
		}
		works[s], at = &work{lo: ch.Lo, hi: ch.Hi, data: ch.Data}, ch.Hi
	}
	if at != job.N {
		return nil, fmt.Errorf("the chunks cover %d of %d elements", at, job.N)
	}
	return works, nil
}

// rawEvents is implemented by Events that keep what a mirror writes to
// its fd 1 and 2 apart from its frames until the lines end (CellEvents).
type rawEvents interface {
	// RawOutput is like Output, for text the kernel read from the
	// mirror's fd 1 or 2.
	RawOutput(mirror int, stream, text string)
}

// placedEvents is implemented by Events that show where a call's mirrors
// run (CellEvents).
type placedEvents interface {
	// Placed says on which nodes the call's mirrors run: "n1 ×2, n2".
	Placed(where string)
}

// nodesOf names the nodes of mirrors placed by Slurm, with how many
// mirrors each runs; "" for local mirrors.
func nodesOf(procs []*proc) string {
	count := map[string]int{}
	var nodes []string
	for _, q := range procs {
		if q.step == "" {
			continue
		}
		if count[q.node] == 0 {
			nodes = append(nodes, q.node)
		}
		count[q.node]++
	}
	slices.Sort(nodes)
	parts := make([]string, len(nodes))
	for k, n := range nodes {
		parts[k] = n
		if count[n] > 1 {
			parts[k] = fmt.Sprintf("%s ×%d", n, count[n])
		}
	}
	return strings.Join(parts, ", ")
}

type noEvents struct{}

func (noEvents) Progress(int, int)                                         {}
func (noEvents) Output(int, string, string)                                {}
func (noEvents) Display(int, map[string]any, map[string]any, string, bool) {}

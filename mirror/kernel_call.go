package mirror

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sort"
	"sync"
	"time"

	"github.com/dmirror/dmirror/interp/frame"
)

// call is the state of one Pool.Run: a goroutine per mirror slot runs works
// (share.go) and records their results here.
type call struct {
	parent  context.Context
	ctx     context.Context // cancelled by the parent, the timeout, or a decided answer
	cancel  context.CancelFunc
	decls   Decls
	want    []uint64 // declHashes(decls)
	job     *Job
	ev      Events
	total   int
	started time.Time

	mu       sync.Mutex
	changed  *sync.Cond       // broadcast when pending, running or ctx change
	pending  []*work          // works no mirror has taken yet
	running  map[int]*running // by slot
	chunks   []ChunkOutcome   // of the works done, in the order done
	decided  bool
	failures []Failure
	failed   bool          // a failure stopped the call (see record)
	done     map[*work]int // elements done per work
	reported int
	waiting  int  // slots waiting in next
	asking   int  // splits asked and not answered
	unrun    bool // a failure says that work was left unrun
}

func newCall(parent context.Context, decls Decls, job *Job, ev Events, n int) *call {
	c := &call{parent: parent, decls: decls, want: declHashes(decls), job: job, ev: ev, total: n, started: time.Now(),
		running: map[int]*running{}, done: map[*work]int{}}
	c.changed = sync.NewCond(&c.mu)
	ctx := parent
	var stopTimer context.CancelFunc = func() {}
	if job.Timeout > 0 {
		ctx, stopTimer = context.WithTimeout(parent, job.Timeout)
	}
	ctx, cancel := context.WithCancel(ctx)
	c.ctx = ctx
	// Mirrors waiting for work wake up when the call is cancelled.
	stopWake := context.AfterFunc(ctx, func() {
		c.mu.Lock()
		c.changed.Broadcast()
		c.mu.Unlock()
	})
	c.cancel = func() { cancel(); stopTimer(); stopWake() }
	return c
}

// runChunk sends r's work to q and waits for its result, forwarding output
// and progress and passing on requests to split it. A mirror that dies, or
// does not stop within cancelGrace of a cancel, is reported unhealthy (and
// then killed by the pool).
func (c *call) runChunk(q *proc, slot int, r *running) (resultMsg, bool) {
	q.nextID++
	id := q.nextID
	rm := runMsg{Generation: c.decls.Generation, Op: c.job.Op, Blocks: c.job.Blocks, Globals: c.job.Globals,
		Data: r.w.data, Offset: r.w.lo, Mirror: slot, Modules: c.decls.Modules, Gen: q.gen, Ptrs: c.decls.Ptrs}
	if base, ok := deltaBase(q.have, c.want); ok {
		rm.Base, rm.Decls = base, c.decls.Chunks[base:]
	} else {
		rm.Rebuild, rm.Decls = true, c.decls.Chunks
	}
	// Compiled code's println writes to the process's fd 2 directly.
	raw := c.ev.Output
	if ev, ok := c.ev.(rawEvents); ok {
		raw = ev.RawOutput
	}
	defer q.forwardRaw(func(stream, text string) { raw(slot, stream, text) })()
	var bs frame.Blobs
	if err := q.Send(msgRun, id, rm.withBlobs(&bs), bs.List()...); err != nil {
		return c.deathOf(q, slot), false
	}
	ctxDone := c.ctx.Done()
	var grace <-chan time.Time
	for {
		select {
		case m, ok := <-q.Frames():
			if !ok {
				return c.deathOf(q, slot), false
			}
			switch m.Type {
			case msgOutput:
				var o outputMsg
				if m.Decode(&o) == nil {
					q.noteOutput(o)
					c.ev.Output(slot, o.Stream, o.Text)
				}
			case msgDisplay:
				var d displayMsg
				if m.Decode(&d) == nil {
					c.ev.Display(slot, d.Data, d.Metadata, d.ID, d.Update)
				}
			case msgProgress:
				var pr progressMsg
				if m.ID == id && m.Decode(&pr) == nil {
					c.progress(r.w, pr.Done)
					if pr.Last {
						c.prefetch(slot)
					}
				}
			case msgRest:
				var rest restMsg
				if m.ID == id && m.Decode(&rest) == nil {
					err := rest.takeBlobs(m)
					if err == nil {
						err = c.gotRest(r, rest)
					}
					if err != nil {
						return resultMsg{Failure: &Failure{Mirror: slot, Index: -1, Kind: KindError, Message: err.Error()}}, false
					}
				}
			case msgResult:
				if m.ID != id {
					continue // the result of an earlier, abandoned chunk
				}
				q.marks.Await(id, rawMarkWait) // what the chunk wrote to fd 1 and 2 is the chunk's
				var res resultMsg
				err := m.Decode(&res)
				if err == nil {
					err = res.takeBlobs(m)
				}
				if err != nil {
					return resultMsg{Failure: &Failure{Mirror: slot, Index: -1, Kind: KindError, Message: err.Error()}}, false
				}
				q.have = nil // rebuild next time, unless the mirror is in step
				if res.Seen >= 0 && res.Seen < len(c.want) {
					q.have = c.want[:1+res.Seen]
				}
				return c.stoppedResult(res, slot), true
			}
		case <-r.split:
			if err := q.Send(msgSplit, id, nil); err != nil {
				return c.deathOf(q, slot), false
			}
		case <-ctxDone:
			ctxDone = nil
			if err := q.Send(msgCancel, id, nil); err != nil {
				return c.deathOf(q, slot), false
			}
			t := time.NewTimer(cancelGrace)
			defer t.Stop()
			grace = t.C
		case <-grace:
			// The mirror did not stop (a block blocked in compiled code):
			// it is killed and replaced.
			return c.stoppedResult(resultMsg{Stopped: true}, slot), false
		}
	}
}

// stoppedResult turns a chunk stopped by the timeout into a failure.
func (c *call) stoppedResult(res resultMsg, slot int) resultMsg {
	if res.Stopped && res.Failure == nil && c.timedOut() {
		res.Failure = &Failure{Mirror: slot, Index: -1, Kind: KindTimeout,
			Message: fmt.Sprintf("no result within %v", c.job.Timeout)}
	}
	return res
}

func (c *call) timedOut() bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.timedOutLocked()
}

func (c *call) timedOutLocked() bool {
	return !c.decided && c.parent.Err() == nil && errors.Is(c.ctx.Err(), context.DeadlineExceeded)
}

// deathOf waits for a mirror whose pipe closed (killing it if it has not
// exited after closeGrace) and describes its death.
func (c *call) deathOf(q *proc, slot int) resultMsg {
	q.stop(closeGrace)
	f := q.death(slot)
	return resultMsg{Failure: &f}
}

// record stores the result of slot's work w.
func (c *call) record(slot int, w *work, res resultMsg) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.stopRunningLocked(slot)
	if res.Failure != nil {
		if c.parent.Err() == nil && !c.decided {
			c.failures = append(c.failures, *res.Failure)
			// The call's result is lost: the other mirrors stop now rather
			// than finish chunks nobody will see. A predicate op goes on,
			// since another mirror may still settle its answer, which
			// makes failures no longer matter.
			if !ops[c.job.Op].deciding {
				c.failed = true
				c.cancel()
			}
		}
		return
	}
	if res.Stopped {
		return
	}
	c.chunks = append(c.chunks, ChunkOutcome{Lo: w.lo, Hi: w.hi, Outputs: res.Outputs, Flags: res.Flags})
	if res.Decided && !c.decided {
		c.decided = true
		c.failures = nil // the answer is known: failures elsewhere no longer matter
		c.cancel()
	}
	c.done[w] = w.hi - w.lo
	c.reportLocked()
}

func (c *call) progress(w *work, done int) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.done[w] = done
	c.reportLocked()
}

func (c *call) reportLocked() {
	sum := 0
	for _, d := range c.done {
		sum += d
	}
	if sum != c.reported {
		c.reported = sum
		c.ev.Progress(sum, c.total)
	}
}

func (c *call) outcome(mirrors int) *Outcome {
	c.mu.Lock()
	defer c.mu.Unlock()
	out := &Outcome{Decided: c.decided, Failures: c.failures, Mirrors: mirrors}
	sort.SliceStable(out.Failures, func(a, b int) bool { return out.Failures[a].Mirror < out.Failures[b].Mirror })
	if len(out.Failures) == 0 {
		// Chunks stopped once the answer was known have no outcome.
		out.Chunks = slices.Clone(c.chunks)
		slices.SortFunc(out.Chunks, func(a, b ChunkOutcome) int { return a.Lo - b.Lo })
		if lo, hi := gap(out.Chunks, c.total); !c.decided && lo < hi {
			// Not expected: the shares and the stops above cover the workload.
			out.Failures = []Failure{{Mirror: 1, Index: lo, Kind: KindError,
				Message: fmt.Sprintf("elements %d to %d were not run", lo, hi-1)}}
			out.Chunks = nil
		}
	}
	return out
}

package mirror

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"sync"
	"time"
)

// call is the state of one Pool.Run.
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
	chunks   []ChunkOutcome // by span; Hi 0 until the span is done
	decided  bool
	failures []Failure
	done     map[int]int // elements done per span
	reported int
}

func newCall(parent context.Context, decls Decls, job *Job, ev Events, n int) *call {
	c := &call{parent: parent, decls: decls, want: declHashes(decls), job: job, ev: ev, total: n, started: time.Now(),
		chunks: make([]ChunkOutcome, len(job.Chunks)), done: map[int]int{}}
	ctx := parent
	var stopTimer context.CancelFunc = func() {}
	if job.Timeout > 0 {
		ctx, stopTimer = context.WithTimeout(parent, job.Timeout)
	}
	ctx, cancel := context.WithCancel(ctx)
	c.ctx = ctx
	c.cancel = func() { cancel(); stopTimer() }
	return c
}

// serve runs spans from the queue on mirror q in slot (1-based) until the
// queue is empty or the call is cancelled. It reports whether q is still
// healthy.
func (c *call) serve(q *proc, slot int, spans []span, queue <-chan int) bool {
	for s := range queue {
		if c.ctx.Err() != nil {
			return true
		}
		res, healthy := c.runChunk(q, slot, s, spans[s])
		c.record(s, spans[s], res)
		if !healthy {
			return false
		}
	}
	return true
}

// runChunk sends one span to q and waits for its result, forwarding output
// and progress. A mirror that dies, or does not stop within cancelGrace of
// a cancel, is reported unhealthy (and then killed by the pool).
func (c *call) runChunk(q *proc, slot, s int, sp span) (resultMsg, bool) {
	q.nextID++
	id := q.nextID
	rm := runMsg{Generation: c.decls.Generation, Op: c.job.Op, Blocks: c.job.Blocks, Globals: c.job.Globals,
		Data: c.job.Chunks[s].Data, Offset: sp.lo, Mirror: slot, Modules: c.decls.Modules}
	if base, ok := deltaBase(q.have, c.want); ok {
		rm.Base, rm.Decls = base, c.decls.Chunks[base:]
	} else {
		rm.Rebuild, rm.Decls = true, c.decls.Chunks
	}
	if err := q.conn.Send(msgRun, id, rm); err != nil {
		return c.deathOf(q, slot), false
	}
	ctxDone := c.ctx.Done()
	var grace <-chan time.Time
	for {
		select {
		case m, ok := <-q.msgs:
			if !ok {
				return c.deathOf(q, slot), false
			}
			switch m.Type {
			case msgOutput:
				var o outputMsg
				if m.Decode(&o) == nil {
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
					c.progress(s, pr.Done)
				}
			case msgResult:
				if m.ID != id {
					continue // the result of an earlier, abandoned chunk
				}
				var res resultMsg
				if err := m.Decode(&res); err != nil {
					return resultMsg{Failure: &Failure{Mirror: slot, Index: -1, Kind: KindError, Message: err.Error()}}, false
				}
				q.have = nil // rebuild next time, unless the mirror is in step
				if res.Seen >= 0 && res.Seen < len(c.want) {
					q.have = c.want[:1+res.Seen]
				}
				return c.stoppedResult(res, slot), true
			}
		case <-ctxDone:
			ctxDone = nil
			if err := q.conn.Send(msgCancel, id, nil); err != nil {
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
	decided := c.decided
	c.mu.Unlock()
	return !decided && c.parent.Err() == nil && errors.Is(c.ctx.Err(), context.DeadlineExceeded)
}

// deathOf waits for a mirror whose pipe closed and describes its death.
func (c *call) deathOf(q *proc, slot int) resultMsg {
	t := time.NewTimer(closeGrace)
	defer t.Stop()
	select {
	case <-q.exited:
	case <-t.C:
		q.cmd.Process.Kill()
		<-q.exited
	}
	f := q.death(slot)
	return resultMsg{Failure: &f}
}

// record stores a span's result.
func (c *call) record(s int, sp span, res resultMsg) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if res.Failure != nil {
		if c.parent.Err() == nil && !c.decided {
			c.failures = append(c.failures, *res.Failure)
		}
		return
	}
	if res.Stopped {
		return
	}
	c.chunks[s] = ChunkOutcome{Lo: sp.lo, Hi: sp.hi, Outputs: res.Outputs, Flags: res.Flags}
	if res.Decided && !c.decided {
		c.decided = true
		c.failures = nil // the answer is known: failures elsewhere no longer matter
		c.cancel()
	}
	c.done[s] = sp.hi - sp.lo
	c.reportLocked()
}

func (c *call) progress(s, done int) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.done[s] = done
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
		for _, ch := range c.chunks {
			if ch.Hi > 0 { // chunks stopped once the answer was known have none
				out.Chunks = append(out.Chunks, ch)
			}
		}
	}
	return out
}

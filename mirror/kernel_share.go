package mirror

import "fmt"

// Work sharing between the mirrors of a call. When there is a chunk per
// mirror, mirror i starts with chunk i; more chunks (CreateMirror's one
// per element) wait in pending for whichever mirror is free. A mirror with
// nothing left to do asks the running chunk with the most elements left for
// the second half of them (msgSplit), which that mirror hands back as a new
// pending work (msgRest) and no longer runs: a mirror that is slower (a busy
// core, costly elements) does not hold up the call while another idles. A
// mirror asks ahead, when its chunk starts its last elements (prefetch).

// work is a contiguous part of the workload run as one chunk: one of the
// job's chunks, or the rest a running chunk gave away.
type work struct {
	lo, hi int // hi shrinks when the chunk gives its rest away
	data   []byte
}

// running is the work a slot's mirror is running.
type running struct {
	w       *work
	asked   bool          // a split was requested and not answered yet
	noSplit bool          // it gave nothing with two or more left: not asked again
	split   chan struct{} // asks the slot's goroutine, which owns the pipe, to send msgSplit
}

// assign returns the first work of each of k slots (0-based): work i for
// slot i when there are at most k works, else none, all works pending.
func (c *call) assign(works []*work, k int) []*work {
	first := make([]*work, k)
	if len(works) <= k {
		copy(first, works)
		return first
	}
	c.pending = append(c.pending, works...)
	return first
}

// serve runs works on mirror q in slot (1-based), starting with first
// (which may be nil), until there is none left or the call is cancelled.
// It reports whether q is still healthy.
func (c *call) serve(q *proc, slot int, first *work) bool {
	var r *running
	if first != nil {
		r = c.start(slot, first)
	}
	for {
		if r == nil {
			if r = c.next(slot); r == nil {
				c.leaveUnrun(slot, nil)
				return true
			}
		}
		if c.ctx.Err() != nil {
			c.leaveUnrun(slot, r.w)
			return true
		}
		res, healthy := c.runChunk(q, slot, r)
		if res.Failure != nil && q.step != "" {
			res.Failure.Node = q.node
		}
		c.record(slot, r.w, res)
		if !healthy {
			return false
		}
		r = nil
	}
}

// next returns the work an idle slot runs next, registered as running: a
// pending one, or else the rest of the running chunk with the most elements
// left, which it asks for (one split in the air per waiting slot) and waits
// for. It returns nil when no running chunk has two elements left to share,
// or the call is cancelled.
func (c *call) next(slot int) *running {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.waiting++
	defer func() { c.waiting-- }()
	for c.ctx.Err() == nil {
		if len(c.pending) > 0 {
			w := c.pending[0]
			c.pending = c.pending[1:]
			return c.startLocked(slot, w)
		}
		victim, answering := c.victimLocked(nil)
		if victim == nil && !answering {
			return nil
		}
		if victim != nil && c.asking < c.waiting {
			victim.asked = true
			c.asking++
			victim.split <- struct{}{} // buffered, and asked once per answer
		}
		c.changed.Wait()
	}
	return nil
}

// victimLocked returns the running chunk other than except with the most
// elements not yet done, if it has two or more and may be asked, and
// whether some asked chunk has yet to answer.
func (c *call) victimLocked(except *running) (victim *running, answering bool) {
	most := 1
	for _, r := range c.running {
		if r == except {
			continue
		}
		if r.asked {
			answering = true
			continue
		}
		if left := r.w.hi - r.w.lo - c.done[r.w]; left > most && !r.noSplit {
			victim, most = r, left
		}
	}
	return victim, answering
}

// prefetch is called when slot's chunk has started its last elements: it
// asks the running chunk with the most left for its rest now, so that the
// slot finds work pending when it is done. A split is answered at the
// victim's next tick, after the element it runs: asked only once the slot
// is idle, the slot waited up to a whole element (3.9 ms of fib(30)), which
// was most of the tail of a call whose mirrors ran at different speeds.
// It asks no more than one split beyond the slots already waiting.
func (c *call) prefetch(slot int) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if len(c.pending) > 0 || c.asking > c.waiting || c.ctx.Err() != nil {
		return
	}
	victim, _ := c.victimLocked(c.running[slot])
	if victim == nil {
		return
	}
	victim.asked = true
	c.asking++
	victim.split <- struct{}{} // buffered, and asked once per answer
}

// start records that slot runs w.
func (c *call) start(slot int, w *work) *running {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.startLocked(slot, w)
}

func (c *call) startLocked(slot int, w *work) *running {
	r := &running{w: w, split: make(chan struct{}, 1)}
	c.running[slot] = r
	return r
}

// stopRunningLocked records that slot runs nothing.
func (c *call) stopRunningLocked(slot int) {
	if r := c.running[slot]; r != nil && r.asked {
		c.asking--
	}
	delete(c.running, slot)
	c.changed.Broadcast()
}

// gotRest takes the answer of r's mirror to a split: the rest it gave away
// becomes pending. A rest that is not the end of r's chunk is an error of
// the mirror: its chunk no longer covers what the kernel thinks it does.
func (c *call) gotRest(r *running, rest restMsg) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	defer c.changed.Broadcast()
	if r.asked {
		r.asked = false
		c.asking--
	}
	c.done[r.w] = max(c.done[r.w], rest.Done)
	if rest.Lo == rest.Hi {
		// Nothing given although the kernel saw two or more left: the
		// elements could not be encoded again, so asking again is no use.
		r.noSplit = r.w.hi-r.w.lo-c.done[r.w] >= 2
		return nil
	}
	if rest.Lo > rest.Hi || rest.Hi != r.w.hi || rest.Lo < r.w.lo+rest.Done {
		return fmt.Errorf("mirror gave away elements %d to %d of a chunk of elements %d to %d with %d done",
			rest.Lo, rest.Hi-1, r.w.lo, r.w.hi-1, rest.Done)
	}
	r.w.hi = rest.Lo
	c.pending = append(c.pending, &work{lo: rest.Lo, hi: rest.Hi, data: rest.Data})
	return nil
}

// leaveUnrun is called when slot stops taking work because the call was
// cancelled, with the work it had taken, if any. Work left pending is
// unrun: when the answer is not known, the call was not interrupted and
// no failure stopped it (a timeout struck between a rest given away and
// its run), that is a failure, reported once.
func (c *call) leaveUnrun(slot int, w *work) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.stopRunningLocked(slot)
	if w != nil {
		c.pending = append(c.pending, w)
	}
	if len(c.pending) == 0 || c.unrun || c.decided || c.failed || c.parent.Err() != nil {
		return
	}
	c.unrun = true
	f := Failure{Mirror: slot, Index: c.pending[0].lo, Kind: KindError, Message: "stopped before it ran"}
	if c.timedOutLocked() {
		f.Kind, f.Message = KindTimeout, fmt.Sprintf("no result within %v", c.job.Timeout)
	}
	c.failures = append(c.failures, f)
}

// gap returns the first range of [0, n) that chunks, sorted, do not cover
// (lo == hi when they cover it all).
func gap(chunks []ChunkOutcome, n int) (lo, hi int) {
	at := 0
	for _, ch := range chunks {
		if ch.Lo > at {
			return at, ch.Lo
		}
		at = max(at, ch.Hi)
	}
	return at, max(at, n)
}

package mirror

import (
	"context"
	"errors"
	"fmt"
	"math"
	"reflect"
	"strings"
	"time"

	yaegi "github.com/traefik/yaegi/interp"

	"github.com/dmirror/dmirror/interp/values"
	"github.com/dmirror/dmirror/interp/vm"
)

// maxLoops bounds the chunk funcs a mirror keeps: every cell's blocks have
// positions of their own, so a long session would otherwise grow the cache
// without end.
const maxLoops = 256

// progressEvery is how often a mirror reports progress, and tickEvery how
// often the chunk func calls back to say how far it is (the stride between
// calls adapts to the speed of the block).
const (
	progressEvery = 100 * time.Millisecond
	tickEvery     = 20 * time.Millisecond
	// minTicks is how many times at least a chunk calls back, whatever
	// the speed of its first elements: a chunk whose first elements are
	// fast and its last slow would otherwise not call back again, report
	// no progress and give nothing away.
	minTicks = 16
	// longChunk is how long a chunk runs before it counts as long (see
	// chunkHooks.collecting and chunkHooks.last).
	longChunk = 10 * time.Millisecond
)

// chunkHooks connect a running chunk to the kernel. Nil fields do nothing.
type chunkHooks struct {
	// progress reports how many elements of the chunk are done.
	progress func(done int)
	// split says whether the kernel has asked, since the last call, for
	// the rest of the chunk, for a mirror that has nothing left to do.
	split func() bool
	// rest answers that request (Lo == Hi: nothing given).
	rest func(restMsg)
	// collecting is called once, from a tick, when the chunk has run for
	// longChunk and the collector has completed a cycle since it started.
	collecting func()
	// last is called once, from a tick, with how many elements are done,
	// when a long chunk starts its last elements: those it runs without
	// calling back. (In a short one, a rest fetched for the mirror ahead
	// would cost it a chunk's round trip more than the wait it saves: a
	// warm call of 1,000 cheap elements ends in about a millisecond.)
	last func(done int)
	// started is called first thing on the goroutine that runs the chunk.
	started func()
}

// runChunk runs one chunk. ctx cancels it (interrupt, timeout, or the answer
// is known elsewhere).
func (e *engine) runChunk(ctx context.Context, m *runMsg, h chunkHooks) resultMsg {
	if h.progress == nil {
		h.progress = func(int) {}
	}
	if h.split == nil {
		h.split = func() bool { return false }
	}
	if h.rest == nil {
		h.rest = func(restMsg) {}
	}
	if h.collecting == nil {
		h.collecting = func() {}
	}
	if h.last == nil {
		h.last = func(int) {}
	}
	if h.started == nil {
		h.started = func() {}
	}
	res := e.runChunkState(ctx, m, h)
	res.Generation, res.Seen = e.gen, len(e.decls)
	if e.gen < 0 {
		res.Seen = -1
	}
	return res
}

// chunkArgs are the values a chunk func is called with.
type chunkArgs struct {
	caps   []reflect.Value
	xs     reflect.Value // []T
	out    reflect.Value // []O
	keep   []bool
	offset int
	state  []int // element and block being run, number of elements
}

func (a *chunkArgs) values() []reflect.Value {
	return append(append([]reflect.Value(nil), a.caps...), a.xs, a.out, reflect.ValueOf(a.keep), reflect.ValueOf(a.offset), reflect.ValueOf(a.state))
}

func (e *engine) runChunkState(ctx context.Context, m *runMsg, h chunkHooks) resultMsg {
	setupFailure := func(err error) resultMsg {
		return resultMsg{Failure: &Failure{Mirror: m.Mirror, Index: -1, Kind: KindError, Message: err.Error()}}
	}
	if _, err := lookupOp(m.Op); err != nil {
		return setupFailure(err)
	}
	if err := e.sync(m); err != nil {
		return setupFailure(err)
	}
	dec := e.decoder
	if err := setGlobals(e.i, dec, m.Globals, m.Ptrs); err != nil {
		return setupFailure(err)
	}
	fn, err := e.loop(m.Op, m.Blocks)
	if err != nil {
		return setupFailure(err)
	}
	a := &chunkArgs{offset: m.Offset, state: make([]int, 3)}
	ft := fn.typ
	for _, b := range m.Blocks {
		caps, err := decodeCaptures(dec, b, ft, len(a.caps))
		if err != nil {
			return setupFailure(err)
		}
		a.caps = append(a.caps, caps...)
	}
	nc := len(a.caps)
	if a.xs, err = decodeValue(dec, m.Data, ft.In(nc)); err != nil {
		return setupFailure(fmt.Errorf("elements %d and on: %w", m.Offset, err))
	}
	n := a.xs.Len()
	a.state[2] = n
	a.out = reflect.MakeSlice(ft.In(nc+1), n, n)
	a.keep = make([]bool, n)
	return e.drive(ctx, m, fn, a, h)
}

// loopFunc is a chunk func declared in the mirror's interpreter.
type loopFunc struct {
	name   string
	typ    reflect.Type // its func type
	inline bool         // whether func literal blocks were allowed inline
}

// loop returns the chunk func of op and blocks, declared once per
// interpreter. If the func with inlined blocks does not compile (a block
// that redeclares a captured name, say), the blocks are called instead.
func (e *engine) loop(op string, blocks []JobBlock) (loopFunc, error) {
	key := loopKey(op, blocks)
	if f, ok := e.loops[key]; ok {
		return f, nil
	}
	var firstErr error
	for _, inline := range []bool{true, false} {
		lit, types, err := loopSource(op, blocks, inline)
		if err != nil {
			return loopFunc{}, err
		}
		f, err := e.declareLoop(lit, types)
		f.inline = inline
		if err != nil {
			if firstErr == nil {
				firstErr = err
			}
			continue
		}
		if len(e.loops) >= maxLoops {
			clear(e.loops)
		}
		e.loops[key] = f
		return f, nil
	}
	return loopFunc{}, fmt.Errorf("block at %s: %w", blocks[0].Pos, firstErr)
}

// loopKey identifies the chunk func of op and blocks: what the generated
// source depends on, cheaper to build than the source. A block called by
// name does not depend on its position: declaring a chunk func costs a
// mirror about a millisecond, which a call repeated in a new cell, as
// notebooks do, no longer pays.
func loopKey(op string, blocks []JobBlock) string {
	var sb strings.Builder
	sb.WriteString(op)
	for _, b := range blocks {
		if name, ok := calledByName(b); ok {
			fmt.Fprintf(&sb, "\x00%s\x00%s", name, b.Type)
			continue
		}
		fmt.Fprintf(&sb, "\x00%s\x00%s\x00%s", b.Expr, b.Type, b.Pos)
		for _, c := range b.Captures {
			fmt.Fprintf(&sb, "\x00%s %s", c.Name, c.Type)
		}
	}
	return sb.String()
}

func (e *engine) declareLoop(lit string, types []string) (loopFunc, error) {
	e.nLoops++
	f := loopFunc{name: fmt.Sprintf("__dmLoop%d", e.nLoops)}
	v, err := vm.Eval(e.i, "(func("+strings.Join(types, ", ")+") bool)(nil)")
	if err != nil {
		return loopFunc{}, err
	}
	f.typ = v.Type()
	if err := evalSafe(e.i, loopDecls(f.name, lit, types, inTypes(f.typ))); err != nil {
		return loopFunc{}, err
	}
	return f, nil
}

// decodeCaptures decodes a block's captured values as the parameters of fn
// from position at.
func decodeCaptures(dec func() *values.Decoder, b JobBlock, fn reflect.Type, at int) ([]reflect.Value, error) {
	caps := make([]reflect.Value, len(b.Captures))
	for k, c := range b.Captures {
		if at+k >= fn.NumIn() {
			return nil, fmt.Errorf("captured variable %s: no parameter for it", c.Name)
		}
		v, err := decodeValue(dec, c.Value, fn.In(at+k))
		if err != nil {
			return nil, fmt.Errorf("captured variable %s: %w", c.Name, err)
		}
		caps[k] = v
	}
	return caps, nil
}

// drive runs the chunk func inside EvalWithContext, so that cancelling ctx
// stops the interpreted loop and the blocks. The chunk func calls Tick
// every tickEvery or so, which reports progress and, when the kernel asks
// for it, gives the second half of the elements not yet started to another
// mirror: the chunk then ends early, and its outputs cover what it kept.
func (e *engine) drive(ctx context.Context, m *runMsg, fn loopFunc, a *chunkArgs, h chunkHooks) resultMsg {
	var decided bool
	start := time.Now()
	lastReport := start
	end := a.xs.Len()
	stride := 1
	long, last, collecting := false, false, false
	cycles := e.gcCycles()
	e.driverMu.Lock()
	e.serial++
	serial := e.serial
	e.args = valuesToAny(a.values())
	e.started = h.started
	e.result = func(d bool) { decided = d }
	e.tick = func(st []int, k int) (int, int) {
		if !sameSlice(st, a.state) {
			// The loop of an earlier, cancelled chunk that yaegi has not
			// stopped yet: it must not touch this chunk.
			return stopLoop()
		}
		now := time.Now()
		if !long && now.Sub(start) >= longChunk {
			long = true
		}
		if long && !collecting && e.gcCycles() != cycles {
			collecting = true
			h.collecting()
		}
		if now.Sub(lastReport) >= progressEvery {
			h.progress(k)
			lastReport = now
		}
		if h.split() {
			end = giveRest(a, k, end, m.Offset, h.rest)
		}
		stride = nextStride(stride, now.Sub(start)/time.Duration(k), a.xs.Len())
		if !last && long && k+stride >= end {
			last = true
			h.last(k)
		}
		return k + stride, end
	}
	e.driverMu.Unlock()
	var err error
	if ctx.Err() == nil { // cancelled before it started: nothing runs
		_, err = e.i.EvalWithContext(ctx, fmt.Sprintf("%s_run(%d)", fn.name, serial))
	}
	e.driverMu.Lock()
	e.args, e.result, e.tick, e.started = nil, nil, nil, nil
	e.driverMu.Unlock()
	var p yaegi.Panic
	switch {
	case ctx.Err() != nil:
		return resultMsg{Stopped: true}
	case errors.As(err, &p):
		f := e.failure(ctx, m, a, p.Value)
		f.Frames = append(CompiledFrames(p.Stack, m.Blocks), f.Frames...)
		return resultMsg{Failure: f}
	case err != nil:
		return resultMsg{Failure: &Failure{Mirror: m.Mirror, Index: -1, Kind: KindError, Message: err.Error()}}
	}
	res := resultMsg{Decided: decided}
	if hasFlags(m.Op) {
		res.Flags = a.keep[:end]
	}
	if hasOutput(m.Op) {
		data, err := encodeValue(a.out.Slice(0, end))
		if err != nil {
			return resultMsg{Failure: &Failure{Mirror: m.Mirror, Index: -1, Kind: KindError,
				Message: fmt.Sprintf("results of elements %d to %d: %v", m.Offset, m.Offset+end-1, err)}}
		}
		res.Outputs = data
	}
	return res
}

// stopLoop is Tick's answer that ends a chunk func's loop at once.
func stopLoop() (next, end int) { return math.MaxInt, 0 }

// sameSlice says whether a and b share their first element.
func sameSlice(a, b []int) bool {
	return len(a) > 0 && len(b) > 0 && &a[0] == &b[0]
}

// nextStride is how many elements a chunk of n elements runs before it
// calls back again: about tickEvery at the speed so far (perElement), at
// most twice the last stride, and no more than n/minTicks.
func nextStride(last int, perElement time.Duration, n int) int {
	stride := n
	if perElement > 0 {
		stride = int(min(tickEvery/perElement, time.Duration(n)))
	}
	return max(1, min(stride, 2*last, n/minTicks))
}

// giveRest answers a request for the rest of a chunk whose elements k to
// end-1 are not started: the second half of them, rounded down, goes to
// rest, encoded as a chunk of its own; it returns the chunk's new end.
// With fewer than two left, or elements that cannot be encoded again,
// nothing is given.
func giveRest(a *chunkArgs, k, end, offset int, rest func(restMsg)) int {
	r := restMsg{Done: k, Lo: offset + end, Hi: offset + end}
	cut := splitPoint(k, end)
	if cut < end {
		if data, err := encodeValue(a.xs.Slice(cut, end)); err == nil {
			r.Lo, r.Data = offset+cut, data
			end = cut
		}
	}
	rest(r)
	return end
}

// splitPoint is where a chunk whose elements k to end-1 are not started
// ends when it gives half of them away: it keeps the larger half.
func splitPoint(k, end int) int {
	return end - (end-k)/2
}

// failedCall is the block call that panicked, from the chunk func's state:
// the element, the block, and the block's arguments.
func failedCall(op string, blocks []JobBlock, a *chunkArgs, value any) (*callFailure, reflect.Value, error) {
	k, blk := a.state[0], a.state[1]
	if k < 0 || k >= a.xs.Len() || blk < 0 || blk >= len(blocks) {
		return nil, reflect.Value{}, errors.New("the failing element is unknown")
	}
	x := a.xs.Index(k)
	args := []reflect.Value{x}
	switch {
	case op == OpCreateMirror && takesID(blocks[0]):
		args = append(args, reflect.ValueOf(a.offset+k))
	case blk == 1 && (op == OpCollectThenSelect || op == OpCollectThenReject):
		args = []reflect.Value{a.out.Index(k)}
	}
	return &callFailure{block: blk, args: args, value: value}, x, nil
}

// takesID says whether a CreateMirror block takes the element's position.
func takesID(b JobBlock) bool {
	params, err := paramTypes(b.Type)
	return err == nil && len(params) == 2
}

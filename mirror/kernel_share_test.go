package mirror

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestGap(t *testing.T) {
	for _, tc := range []struct {
		chunks []ChunkOutcome
		n      int
		lo, hi int
	}{
		{nil, 0, 0, 0},
		{nil, 3, 0, 3},
		{[]ChunkOutcome{{Lo: 0, Hi: 4}, {Lo: 4, Hi: 8}}, 8, 8, 8},
		{[]ChunkOutcome{{Lo: 0, Hi: 3}, {Lo: 4, Hi: 8}}, 8, 3, 4},
		{[]ChunkOutcome{{Lo: 0, Hi: 4}}, 8, 4, 8},
	} {
		lo, hi := gap(tc.chunks, tc.n)
		assert.Equal(t, []int{tc.lo, tc.hi}, []int{lo, hi}, "%+v", tc.chunks)
	}
}

// asked waits until slot's running chunk is asked for its rest.
func asked(t *testing.T, r *running) {
	t.Helper()
	select {
	case <-r.split:
	case <-time.After(10 * time.Second):
		t.Fatal("the idle slot did not ask for a split")
	}
}

// TestRestLeftUnrunByATimeoutFails: slot 2 asks slot 1 for its rest; the
// call times out before the rest arrives, and slot 1's mirror finishes what
// it kept. The rest was never run: the call fails with a timeout rather
// than answer without those elements.
func TestRestLeftUnrunByATimeoutFails(t *testing.T) {
	c := newCall(context.Background(), Decls{}, &Job{Op: OpAnySatisfy, Timeout: 200 * time.Millisecond}, noEvents{}, 8)
	defer c.cancel()
	r1 := c.start(1, &work{lo: 0, hi: 8})
	idle := make(chan *running)
	go func() {
		r := c.next(2)
		if r == nil {
			c.leaveUnrun(2, nil)
		}
		idle <- r
	}()
	asked(t, r1)
	<-c.ctx.Done()
	require.Nil(t, <-idle, "a cancelled call hands out no work")
	require.NoError(t, c.gotRest(r1, restMsg{Done: 1, Lo: 4, Hi: 8}))
	c.record(1, r1.w, resultMsg{Flags: make([]bool, 4)})
	require.Nil(t, c.next(1))
	c.leaveUnrun(1, nil)

	out := c.outcome(2)
	require.Len(t, out.Failures, 1)
	f := out.Failures[0]
	assert.Equal(t, KindTimeout, f.Kind)
	assert.Equal(t, 4, f.Index, "the first element left unrun")
	assert.Equal(t, "no result within 200ms", f.Message)
}

// TestEmptyRestIsNotAskedAgain: a chunk that gives nothing although it has
// elements left (they could not be encoded again) is not asked again, and
// the idle slot stops.
func TestEmptyRestIsNotAskedAgain(t *testing.T) {
	c := newCall(context.Background(), Decls{}, &Job{Op: OpCollect}, noEvents{}, 8)
	defer c.cancel()
	r1 := c.start(1, &work{lo: 0, hi: 8})
	idle := make(chan *running)
	go func() { idle <- c.next(2) }()
	asked(t, r1)
	require.NoError(t, c.gotRest(r1, restMsg{Done: 1, Lo: 8, Hi: 8}))
	assert.Nil(t, <-idle)
	assert.Empty(t, r1.split, "asked again")
	assert.Equal(t, 0, c.asking)
}

// TestRestOutsideTheChunkIsAnError: a rest that is not the end of the
// chunk it came from is refused, and the chunk keeps its range.
func TestRestOutsideTheChunkIsAnError(t *testing.T) {
	c := newCall(context.Background(), Decls{}, &Job{Op: OpCollect}, noEvents{}, 8)
	defer c.cancel()
	r := c.start(1, &work{lo: 0, hi: 8})
	for _, rest := range []restMsg{
		{Done: 1, Lo: 4, Hi: 7}, // not up to the end
		{Done: 5, Lo: 4, Hi: 8}, // gives elements already done
		{Done: 1, Lo: 6, Hi: 5},
	} {
		assert.Error(t, c.gotRest(r, rest), "%+v", rest)
		assert.Equal(t, 8, r.w.hi)
	}
	assert.Empty(t, c.pending)
}

// TestPrefetchAsksAhead: a slot whose chunk starts its last element asks
// the other running chunk for its rest before it is idle (not its own
// chunk, and only once while that split is in the air), and once done it
// takes the rest given without asking again.
func TestPrefetchAsksAhead(t *testing.T) {
	c := newCall(context.Background(), Decls{}, &Job{Op: OpCollect}, noEvents{}, 16)
	defer c.cancel()
	r1 := c.start(1, &work{lo: 0, hi: 8})
	r2 := c.start(2, &work{lo: 8, hi: 16})
	c.progress(r2.w, 7)
	c.prefetch(2)
	asked(t, r1)
	assert.Empty(t, r2.split, "a slot asked its own chunk")
	c.prefetch(2)
	assert.Empty(t, r1.split, "asked twice while the first split is in the air")
	assert.Equal(t, 1, c.asking)

	require.NoError(t, c.gotRest(r1, restMsg{Done: 3, Lo: 6, Hi: 8, Data: []byte("rest")}))
	c.record(2, r2.w, resultMsg{Outputs: []byte("r2")})
	r := c.next(2)
	require.NotNil(t, r)
	assert.Equal(t, []int{6, 8}, []int{r.w.lo, r.w.hi}, "the rest given ahead")
	assert.Empty(t, r1.split, "asked again")
	assert.Equal(t, 0, c.asking)

	c.progress(r1.w, 5)
	c.prefetch(2)
	assert.Empty(t, r1.split, "a chunk with one element left was asked")
}

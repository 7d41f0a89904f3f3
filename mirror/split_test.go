package mirror

import (
	"bytes"
	"context"
	"reflect"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestSplitPoint(t *testing.T) {
	for _, tc := range []struct{ k, end, want int }{
		{0, 10, 5},  // gives 5, keeps 5
		{1, 10, 6},  // 9 left: keeps 5, gives 4
		{8, 10, 9},  // 2 left: one each
		{9, 10, 10}, // 1 left: nothing to give
		{10, 10, 10},
	} {
		assert.Equal(t, tc.want, splitPoint(tc.k, tc.end), "k %d end %d", tc.k, tc.end)
	}
}

// TestChunkGivesRestAway asks a chunk of 10 elements for its rest at its
// first tick, after element 0: it keeps elements 0 to 5 and gives 6 to 9,
// for every kind of op.
func TestChunkGivesRestAway(t *testing.T) {
	xs := []int{0, 1, 2, 3, 4, 5, 6, 7, 8, 9}
	even := JobBlock{Expr: "func(x int) bool { return x%2 == 0 }", Type: "func(int) bool", Pos: "cell[2] line 1"}
	double := JobBlock{Expr: "double", Type: "func(int) int", Pos: "cell[2] line 1"}
	pair := JobBlock{Expr: "func(x int) []int { return []int{x, x} }", Type: "func(int) []int", Pos: "cell[2] line 1"}
	for _, tc := range []struct {
		op      string
		blocks  []JobBlock
		outputs any // of the elements kept, decoded as this type
		flags   []bool
	}{
		{OpCollect, []JobBlock{double}, []int{0, 2, 4, 6, 8, 10}, nil},
		{OpSelect, []JobBlock{even}, nil, []bool{true, false, true, false, true, false}},
		{OpSelectThenCollect, []JobBlock{even, double}, []int{0, 0, 4, 0, 8, 0}, []bool{true, false, true, false, true, false}},
		{OpFlatCollect, []JobBlock{pair}, [][]int{{0, 0}, {1, 1}, {2, 2}, {3, 3}, {4, 4}, {5, 5}}, nil},
		{OpGroupedBy, []JobBlock{even}, []bool{true, false, true, false, true, false}, nil},
		{OpAllSatisfy, []JobBlock{{Expr: "func(x int) bool { return x >= 0 }", Type: "func(int) bool", Pos: "cell[2] line 1"}}, nil, nil},
	} {
		t.Run(tc.op, func(t *testing.T) {
			var out bytes.Buffer
			e := newEngine(&out, &out, nil)
			asked := true
			var rests []restMsg
			m := &runMsg{Rebuild: true, Op: tc.op, Blocks: tc.blocks, Data: mustEncode(t, xs), Offset: 100, Mirror: 1,
				Decls: []string{"func double(x int) int { return 2 * x }"}}
			res := e.runChunk(context.Background(), m, chunkHooks{
				split: func() bool { a := asked; asked = false; return a },
				rest:  func(r restMsg) { rests = append(rests, r) },
			})
			require.Nil(t, res.Failure)
			require.Len(t, rests, 1)
			r := rests[0]
			assert.Equal(t, restMsg{Done: 1, Lo: 106, Hi: 110, Data: mustEncode(t, xs[6:])}, r)
			if tc.outputs != nil {
				got, err := decodeValue(nil, res.Outputs, reflect.TypeOf(tc.outputs))
				require.NoError(t, err)
				assert.Equal(t, tc.outputs, got.Interface())
			} else {
				assert.Empty(t, res.Outputs)
			}
			assert.Equal(t, tc.flags, res.Flags)
		})
	}
}

// TestChunkWithOneLeftGivesNothing: asked with a single element left, a
// chunk answers with nothing and runs to its end.
func TestChunkWithOneLeftGivesNothing(t *testing.T) {
	var out bytes.Buffer
	e := newEngine(&out, &out, nil)
	var rests []restMsg
	m := &runMsg{Rebuild: true, Op: OpCollect, Blocks: []JobBlock{{Expr: "double", Type: "func(int) int", Pos: "cell[2] line 1"}},
		Data: mustEncode(t, []int{1, 2}), Mirror: 1, Decls: []string{"func double(x int) int { return 2 * x }"}}
	res := e.runChunk(context.Background(), m, chunkHooks{
		split: func() bool { return true },
		rest:  func(r restMsg) { rests = append(rests, r) },
	})
	require.Nil(t, res.Failure)
	require.NotEmpty(t, rests)
	assert.Equal(t, restMsg{Done: 1, Lo: 2, Hi: 2}, rests[0])
	got, err := decodeValue(nil, res.Outputs, reflect.TypeOf([]int(nil)))
	require.NoError(t, err)
	assert.Equal(t, []int{2, 4}, got.Interface())
}

// TestChunkSaysWhenLast: a long chunk says once, when it starts the
// elements it runs without calling back, how many are done: before the last
// element of a chunk of slow ones (fewer than minTicks elements call back
// after each), and before the last element it kept after giving its rest
// away (a short chunk says nothing: see TestLongChunkSaysSo for what is
// long). The first element is made long by sleeping.
func TestChunkSaysWhenLast(t *testing.T) {
	var out bytes.Buffer
	e := newEngine(&out, &out, nil)
	nap := JobBlock{Expr: "nap", Type: "func(int) int", Pos: "cell[2] line 1"}
	decls := []string{"import \"time\"\nfunc nap(ms int) int { time.Sleep(time.Duration(ms) * time.Millisecond); return ms }"}
	long := int(longChunk / time.Millisecond)
	for _, tc := range []struct {
		xs    []int
		split bool
		want  []int
	}{
		{[]int{long, 0, 0, 0, 0}, false, []int{4}},
		{[]int{long, 0, 0, 0, 0, 0, 0, 0, 0, 0}, true, []int{5}}, // asked at its first tick: keeps 0 to 5
	} {
		var lasts []int
		asked := tc.split
		m := &runMsg{Rebuild: e.i == nil, Op: OpCollect, Blocks: []JobBlock{nap}, Data: mustEncode(t, tc.xs), Mirror: 1, Decls: decls}
		if e.i != nil {
			m.Base, m.Decls = len(e.decls), nil
		}
		res := e.runChunk(context.Background(), m, chunkHooks{
			last:  func(done int) { lasts = append(lasts, done) },
			split: func() bool { a := asked; asked = false; return a },
		})
		require.Nil(t, res.Failure)
		assert.Equal(t, tc.want, lasts, "chunk %v, split %v", tc.xs, tc.split)
	}
}

func TestNextStride(t *testing.T) {
	for _, tc := range []struct {
		last       int
		perElement time.Duration
		n, want    int
	}{
		{1, time.Microsecond, 100000, 2},          // grows at most twofold
		{4096, time.Microsecond, 100000, 6250},    // n/minTicks bounds it
		{8192, time.Microsecond, 1000000, 16384},  // twice the last
		{16384, time.Microsecond, 1000000, 20000}, // tickEvery at the speed so far
		{100, 50 * time.Millisecond, 1000, 1},     // slow elements: every one
		{1, 0, 10, 1},                             // fewer elements than minTicks
	} {
		assert.Equal(t, tc.want, nextStride(tc.last, tc.perElement, tc.n), "%+v", tc)
	}
}

// TestStaleTickStopsItsLoop: a Tick from the loop of another chunk (one
// cancelled earlier whose interpreted goroutine still runs) ends that loop
// and leaves the running chunk alone.
func TestStaleTickStopsItsLoop(t *testing.T) {
	mine, other := make([]int, 2), make([]int, 2)
	assert.True(t, sameSlice(mine, mine))
	assert.False(t, sameSlice(mine, other))
	assert.False(t, sameSlice(nil, mine))
	next, end := stopLoop()
	assert.Greater(t, next, 1<<40)
	assert.Zero(t, end, "the loop's condition k < end fails at once")
}

// TestCollectingChunkSaysSo: a chunk that has run for longChunk while the
// collector ran calls collecting, once; a quick one does not, nor a long
// one during which the collector did not run.
func TestCollectingChunkSaysSo(t *testing.T) {
	var out bytes.Buffer
	e := newEngine(&out, &out, nil)
	nap := JobBlock{Expr: "nap", Type: "func(int) int", Pos: "cell[2] line 1"}
	decls := []string{"import \"time\"\nfunc nap(ms int) int { time.Sleep(time.Duration(ms) * time.Millisecond); return ms }"}
	long := int(longChunk / time.Millisecond)
	for _, tc := range []struct {
		xs        []int
		collector bool // a cycle completes between any two looks
		want      int
	}{
		{[]int{0, 0, 0, 0}, true, 0},
		{[]int{long, 1, 1, 1}, false, 0},
		{[]int{long, 1, 1, 1}, true, 1},
	} {
		var cycles uint64
		e.gcCycles = func() uint64 {
			if tc.collector {
				cycles++
			}
			return cycles
		}
		calls := 0
		m := &runMsg{Rebuild: e.i == nil, Op: OpCollect, Blocks: []JobBlock{nap}, Data: mustEncode(t, tc.xs), Mirror: 1, Decls: decls}
		if e.i != nil {
			m.Base, m.Decls = len(e.decls), nil
		}
		res := e.runChunk(context.Background(), m, chunkHooks{collecting: func() { calls++ }})
		require.Nil(t, res.Failure)
		assert.Equal(t, tc.want, calls, "chunk %v, collector running: %v", tc.xs, tc.collector)
	}
}

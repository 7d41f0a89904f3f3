package vm

import (
	"runtime"
	"runtime/debug"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
)

func TestGCPercentFor(t *testing.T) {
	const mib = 1 << 20
	for _, tc := range []struct {
		live, budget uint64
		want         int
	}{
		{0, 64 * mib, 1600},         // the runtime's minimum heap stands for an empty one
		{1 * mib, 64 * mib, 1600},   // likewise
		{4 * mib, 64 * mib, 1600},   // goal 68 MiB
		{16 * mib, 64 * mib, 400},   // goal 80 MiB
		{64 * mib, 64 * mib, 100},   // the default from here on
		{1024 * mib, 64 * mib, 100}, // never less than the default
		{32 * mib, 128 * mib, 400},  // scales with the budget
		{5 * mib, 64 * mib, 1280},   // rounds down
	} {
		assert.Equal(t, tc.want, GCPercentFor(tc.live, tc.budget), "live %d budget %d", tc.live, tc.budget)
	}
}

func TestTuneGCFollowsTheLiveHeap(t *testing.T) {
	old := debug.SetGCPercent(100)
	defer debug.SetGCPercent(old)
	const budget = 64 << 20
	tuned := make(chan int, 100)
	stop := tuneGC(budget, func(p int) {
		select {
		case tuned <- p:
		default:
		}
	})
	defer stop()
	// waitFor collects until a GOGC satisfying ok is set after a collection.
	waitFor := func(what string, ok func(int) bool) {
		t.Helper()
		for {
			runtime.GC()
			select {
			case p := <-tuned:
				if ok(p) {
					return
				}
			case <-time.After(10 * time.Second):
				t.Fatalf("no GOGC for %s was set", what)
			}
		}
	}
	waitFor("a small live heap", func(p int) bool { return p > 100 })
	keep := make([]byte, 2*budget)
	waitFor("a live heap past the budget", func(p int) bool { return p == 100 })
	runtime.KeepAlive(keep)
	assert.Equal(t, 100, debug.SetGCPercent(100), "the process's GOGC is the one set")
}

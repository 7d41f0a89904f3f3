package vm

import (
	"runtime"
	"runtime/debug"
	"runtime/metrics"
	"sync/atomic"
)

// minHeap is the Go runtime's smallest heap goal at GOGC=100: the goal is
// max(live, minHeap) * (1 + GOGC/100).
const minHeap = 4 << 20

// GCPercentFor returns the GOGC that lets a process with live bytes of live
// heap allocate about budget bytes between collections, and never less than
// the runtime's default of 100. Interpreted code allocates a frame per call
// and keeps little, so collecting at a fixed budget rather than at a
// multiple of a small live heap saves most of the collector's work; a
// budget far past the caches costs more in misses than it saves (see
// TuneGC).
func GCPercentFor(live, budget uint64) int {
	p := budget * 100 / max(live, minHeap)
	return int(max(p, 100))
}

// TuneGC keeps the process's GOGC at GCPercentFor(live heap, budget) after
// every collection, until the returned stop is called. It is for processes
// that run interpreted code for throughput (mirrors): on recursive
// interpreted calls a budget of 64 MiB took 8% less CPU per element than
// GOGC=400 and 10% less than budgets of 32 or 128 MiB, measured in
// alternating runs on one core.
func TuneGC(budget uint64) (stop func()) {
	return tuneGC(budget, func(int) {})
}

// tuneGC is TuneGC that tells tuned each GOGC it sets.
func tuneGC(budget uint64, tuned func(percent int)) (stop func()) {
	var stopped atomic.Bool
	sample := []metrics.Sample{{Name: "/gc/heap/live:bytes"}}
	tune := func() {
		metrics.Read(sample)
		if sample[0].Value.Kind() == metrics.KindUint64 {
			p := GCPercentFor(sample[0].Value.Uint64(), budget)
			debug.SetGCPercent(p)
			tuned(p)
		}
	}
	tune()
	armAfterGC(func() bool {
		if stopped.Load() {
			return false
		}
		tune()
		return true
	})
	return func() { stopped.Store(true) }
}

// gcSentinel is an object made unreachable on purpose: its cleanup runs
// after the collection that finds it.
type gcSentinel struct{ _ [64]byte }

// armAfterGC calls f after the next collection, and after each one after
// that while f returns true. Cleanups run on the runtime's cleanup
// goroutine, which owns no state of ours.
func armAfterGC(f func() bool) {
	s := new(gcSentinel)
	runtime.AddCleanup(s, func(struct{}) {
		if f() {
			armAfterGC(f)
		}
	}, struct{}{})
}

// GCCycles is how many collections the process has completed.
func GCCycles() uint64 {
	n, _ := Uint64Metric("/gc/cycles/total:gc-cycles")
	return n
}

// Uint64Metric reads one runtime metric of kind uint64 (runtime/metrics);
// false if the runtime has no such metric.
func Uint64Metric(name string) (uint64, bool) {
	s := []metrics.Sample{{Name: name}}
	metrics.Read(s)
	if s[0].Value.Kind() != metrics.KindUint64 {
		return 0, false
	}
	return s[0].Value.Uint64(), true
}

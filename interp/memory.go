package interp

import (
	"os"
	"runtime"
	"runtime/debug"
	"runtime/metrics"
	"strconv"
	"time"

	"github.com/dmirror/dmirror/interp/childproc"
	"github.com/dmirror/dmirror/interp/vm"
)

// memoryPoll is how often the watchdog reads the heap size.
const memoryPoll = 50 * time.Millisecond

// imageGCPercent is the GOGC of the image process, unless GOGC is set.
const imageGCPercent = 400

// memoryLimit is the heap size above which a running cell is stopped:
// childproc.ImageMemoryEnv (bytes) if set, else 60% of the machine's memory. It
// also becomes the runtime's soft limit, so garbage is collected before the
// watchdog takes live data for a runaway cell.
func memoryLimit() uint64 {
	limit := configuredMemory()
	if limit > 0 {
		debug.SetMemoryLimit(int64(limit))
	}
	return limit
}

// configuredMemory is the image's memory limit without applying it (the
// kernel side needs it to explain a stack overflow).
func configuredMemory() uint64 {
	if v, err := strconv.ParseUint(os.Getenv(childproc.ImageMemoryEnv), 10, 64); err == nil && v > 0 {
		return v
	}
	return vm.TotalMemory() / 10 * 6
}

// maxStack bounds a goroutine's stack in the image process, so that
// infinite recursion ends the process quickly (the Session then restores
// the image) instead of first eating a gigabyte. It stays well under the
// memory limit: a stack near the runtime's soft limit makes the collector
// run without end (a recursion then took 20 s to die instead of 2).
func maxStack(memLimit uint64) int {
	if memLimit > 0 && memLimit/4 < imageMaxStack {
		return int(max(memLimit/4, 16<<20))
	}
	return imageMaxStack
}

// watchMemory stops the running cell when the heap exceeds the limit,
// before the machine runs out of memory, or when it stays near the limit
// (nearLimit) for nearPolls polls in a row: the runtime's soft limit then
// makes the collector run without end, and a runaway append crawled for
// tens of seconds just under the limit before it crossed it. Near the
// limit for that long, the collector cannot bring the heap down: what is
// live is that large.
func (s *imageServer) watchMemory(stop <-chan struct{}) {
	if s.limit == 0 {
		return
	}
	t := time.NewTicker(memoryPoll)
	defer t.Stop()
	near := 0
	for {
		select {
		case <-stop:
			return
		case <-t.C:
		}
		heap, ok := heapObjects()
		if !ok {
			return
		}
		if float64(heap) > nearLimit*float64(s.limit) && s.current() != nil {
			near++
		} else {
			near = 0
		}
		if heap > s.limit || near >= nearPolls {
			s.cancelRun(&oomError{heap: heap, limit: s.limit, near: heap <= s.limit})
		}
	}
}

// A heap above nearLimit of the limit for nearPolls polls (a second) stops
// the cell too.
const (
	nearLimit = 0.9
	nearPolls = int(time.Second / memoryPoll)
)

// heapObjects is the heap in use, live or not yet collected.
func heapObjects() (uint64, bool) {
	sample := []metrics.Sample{{Name: "/memory/classes/heap/objects:bytes"}}
	metrics.Read(sample)
	if sample[0].Value.Kind() != metrics.KindUint64 {
		return 0, false
	}
	return sample[0].Value.Uint64(), true
}

// liveHeap is the heap that survived the last collection.
func liveHeap() uint64 {
	sample := []metrics.Sample{{Name: "/gc/heap/live:bytes"}}
	metrics.Read(sample)
	if sample[0].Value.Kind() != metrics.KindUint64 {
		return 0
	}
	return sample[0].Value.Uint64()
}

// freeMemory returns the memory of a cell stopped for memory to the
// system, and reports whether the heap went back near its size before the
// cell (before). It may not: the stopped cell's goroutine, which yaegi
// cannot end, still holds what it allocated.
func (s *imageServer) freeMemory(before uint64) bool {
	runtime.GC()
	debug.FreeOSMemory()
	margin := max(64<<20, s.limit/10)
	return liveHeap() <= before+margin
}

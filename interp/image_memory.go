package interp

import (
	"fmt"
	"os"
	"runtime"
	"runtime/debug"
	"strconv"
	"syscall"
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
	var rw runawayWatch
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
		if r := s.current(); r != nil && r.endless {
			if oom := rw.check(r, heap, s.limit); oom != nil {
				s.cancelRun(oom)
			}
		}
		if float64(heap) > nearLimit*float64(s.limit) && s.current() != nil {
			near++
		} else {
			near = 0
		}
		if heap > s.limit && s.current() == nil && s.idleMemory() {
			return
		}
		if heap > s.limit || near >= nearPolls {
			s.cancelRun(&oomError{heap: heap, limit: s.limit, near: heap <= s.limit, goroutines: s.cells.registered.Load()})
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
	return vm.Uint64Metric("/memory/classes/heap/objects:bytes")
}

// liveHeap is the heap that survived the last collection.
func liveHeap() uint64 {
	n, _ := vm.Uint64Metric("/gc/heap/live:bytes")
	return n
}

// freeMargin is how much more than before a cell stopped for memory the
// live heap may hold for the image process to stay. A margin relative to
// the limit let an idle image keep 750 MiB after a runaway at the default
// limit.
const freeMargin = 64 << 20

// freeMemory returns the memory of a cell stopped for memory to the
// system, and reports whether the heap went back near its size before the
// cell (before). It may not: the stopped cell's goroutine, which yaegi
// cannot end, still holds what it allocated.
func (s *imageServer) freeMemory(before uint64) bool {
	runtime.GC()
	debug.FreeOSMemory()
	return liveHeap() <= before+freeMargin
}

// A cell with a loop that cannot end (frontend.Plan.Endless) is stopped
// as a runaway when its live heap has grown by runawayGrowth since the
// cell began, grew by a quarter of that within runawayWindow and is still
// growing. Interpreted code appending one element at a time fills memory
// at a few hundred megabytes a second, so waiting for the image's limit
// (60% of the machine's memory by default) took most of a minute; a loop
// that cannot end and keeps growing would only ever reach it.
const (
	runawayEvery  = 500 * time.Millisecond // between forced collections
	runawayWindow = 3 * time.Second
	runawayMax    = 512 << 20
	// runawayIdle is the longest wait between forced collections: the
	// wait doubles while the live heap does not grow, so that a loop that
	// cannot end but keeps a large heap steady (a simulation stepping
	// until interrupted) is not collected in full twice a second.
	runawayIdle = 4 * time.Second
)

// runawayGrowth is the growth of the live heap that may make an endless
// cell a runaway: 512 MiB, or a quarter of a limit under 2 GiB.
func runawayGrowth(limit uint64) uint64 { return min(runawayMax, limit/4) }

// runawayWatch follows the live heap of the running endless cell. It is
// used by the watchdog's goroutine only.
type runawayWatch struct {
	run     *activeRun
	samples []liveSample // the last runawayWindow's, oldest first
	last    liveSample   // the last sample, also when out of the window
	every   time.Duration
}

type liveSample struct {
	at   time.Time
	live uint64
}

// check takes a sample of the live heap when the heap (garbage included)
// suggests the cell may have grown by runawayGrowth, at most every
// runawayEvery (less often while it does not grow): the live heap is known only after a collection, and
// garbage alone must not stop a cell. It returns the cause to stop r with,
// or nil.
func (w *runawayWatch) check(r *activeRun, heap, limit uint64) *oomError {
	if w.run != r {
		w.run, w.samples, w.last, w.every = r, nil, liveSample{}, runawayEvery
	}
	g := runawayGrowth(limit)
	if heap < r.liveStart+g || time.Since(w.last.at) < w.every {
		return nil
	}
	runtime.GC()
	now := liveSample{at: time.Now(), live: liveHeap()}
	if now.live > w.last.live+g/16 {
		w.every = runawayEvery
	} else {
		w.every = min(2*w.every, runawayIdle)
	}
	w.last = now
	for len(w.samples) > 0 && now.at.Sub(w.samples[0].at) > runawayWindow {
		w.samples = w.samples[1:]
	}
	w.samples = append(w.samples, now)
	if len(w.samples) < 2 || now.live < r.liveStart+g {
		return nil
	}
	first, prev := w.samples[0], w.samples[len(w.samples)-2]
	if now.live > prev.live && now.live-first.live >= g/4 {
		return &oomError{heap: now.live, limit: limit, runaway: now.live - r.liveStart}
	}
	return nil
}

// idleMemory ends the image process when, between cells, its live heap
// is over the limit: goroutines started by earlier cells grew it (no cell
// runs to be stopped, and yaegi stops goroutines only by cancelling a
// cell), and they would go on until the machine ran out of memory. The
// kernel restarts the image process before the next cell and says why
// (the error names "out of memory", see deathError). It reports whether
// it did.
func (s *imageServer) idleMemory() bool {
	runtime.GC()
	live := liveHeap()
	if live <= s.limit || s.current() != nil {
		return false
	}
	err := fmt.Errorf("image: out of memory between cells: goroutines started by cells grew the live heap to %d MiB, over the image's limit of %d MiB", live>>20, s.limit>>20)
	// The kernel reads why from the process's fd 2 (os.Stderr is a pipe
	// of stdpipe's, which nothing reads once serveImage returns).
	syscall.Write(2, []byte(err.Error()+"\n"))
	s.abort(err)
	return true
}

package mirror

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

// mirrorGCBudget is how much a mirror allocates between collections while
// its live heap is small (vm.TuneGC), unless GOGC is set.
const mirrorGCBudget = 64 << 20

// wideProcs is how many Ps a mirror runs a long, collecting chunk on: one
// for the interpreter, one on which the collector marks and sweeps
// meanwhile.
const wideProcs = 2

// tuneRuntime sets up the Go runtime of a mirror process for throughput.
//
// Interpreted code allocates a frame per call and keeps little, so a
// mirror collects after a fixed budget of allocation rather than at a
// multiple of its small live heap (vm.TuneGC; 8% less CPU per element than
// GOGC=400 on recursive calls), and at the default GOGC once its live heap
// passes the budget; the soft memory limit (half the address-space limit)
// makes the GC work harder before the mirror runs out of memory.
//
// A mirror runs on one P, and on wideProcs while a chunk that runs long
// makes the collector run (see worker.run), as interpreted recursion
// does. With collections that rare, a second P then pays even when every
// core runs a mirror: the collector's work overlaps the interpreter's
// instead of stopping it. Where the collector does not run (compiled code
// computing, the common case since declarations are compiled), a second P
// only costs: the chunk's goroutine moves between threads, and the OS may
// queue two mirrors' threads on one core while another idles. Short
// chunks stay on one P too, where the frame reader hands a message to the
// chunk's goroutine without waking another thread. More Ps would let the
// collector's idle workers take cores the other mirrors need. The tuning
// lasts for the process.
func tuneRuntime() {
	runtime.GOMAXPROCS(1)
	if os.Getenv("GOGC") == "" {
		vm.TuneGC(mirrorGCBudget)
	}
}

// pulseEvery is the period of pulse.
const pulseEvery = 50 * time.Millisecond

// pulse keeps a timer firing every pulseEvery until stop is closed, so
// that the runtime's monitor thread, asleep while the mirror is idle,
// wakes on its own within pulseEvery of a chunk's start. The mirror's
// frames do not wake it (frame.Quiet), and its first system call would
// wake it into a fast pace that costs the computing cores (see Quiet);
// woken by a timer, it keeps its slow pace. A chunk needs it awake: on one
// P, a computing chunk lets the frame reader run (a cancel, a request to
// split) only when the monitor preempts it, every 10 ms.
func pulse(stop <-chan struct{}) {
	t := time.NewTicker(pulseEvery)
	defer t.Stop()
	for {
		select {
		case <-stop:
			return
		case <-t.C:
		}
	}
}

// widen lets the mirror's runtime use wideProcs Ps for a long, collecting
// chunk, and returns the func that narrows it back.
func widen() (narrow func()) {
	old := runtime.GOMAXPROCS(min(wideProcs, runtime.NumCPU()))
	return func() { runtime.GOMAXPROCS(old) }
}

// limitMemory applies the mirror's memory limit (childproc.MirrorMemoryEnv) to
// this process. A block that allocates past it makes the Go runtime fail
// with "out of memory", which fails the call naming the mirror, instead of
// taking the machine's memory from the kernel and the other mirrors.
func limitMemory() error {
	limit := uint64(0)
	if v := os.Getenv(childproc.MirrorMemoryEnv); v != "" {
		n, err := strconv.ParseUint(v, 10, 64)
		if err != nil || n == 0 {
			return fmt.Errorf("mirror: %s=%q is not a number of bytes", childproc.MirrorMemoryEnv, v)
		}
		limit = n
	} else if total := vm.TotalMemory(); total > 0 {
		limit = total / 10 * 6
	}
	if limit == 0 {
		return nil
	}
	if err := syscall.Setrlimit(syscall.RLIMIT_AS, &syscall.Rlimit{Cur: limit, Max: limit}); err != nil {
		return fmt.Errorf("mirror: limit memory to %d bytes: %w", limit, err)
	}
	debug.SetMemoryLimit(int64(limit / 2))
	return nil
}

package mirror

import (
	"fmt"
	"os"
	"runtime"
	"runtime/debug"
	"strconv"
	"syscall"

	"github.com/dmirror/dmirror/interp/childproc"
	"github.com/dmirror/dmirror/interp/vm"
)

// mirrorGCBudget is how much a mirror allocates between collections while
// its live heap is small (vm.TuneGC), unless GOGC is set.
const mirrorGCBudget = 64 << 20

// wideProcs is how many Ps a mirror runs a long chunk on: one for the
// interpreter, one on which the collector marks and sweeps meanwhile.
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
// A mirror runs on one P, and on wideProcs while a chunk runs long (see
// worker.run). With collections that rare, a second P pays even when every
// core runs a mirror: the collector's work overlaps the interpreter's
// instead of stopping it, as it does for the kernel's own loop. Measured,
// 16 × fib(24) on 2 mirrors over the kernel's loop: speedups 1.82, 1.96,
// 1.78, 1.94 on two Ps against 1.51, 1.73, 1.62, 1.53 on one, in
// alternating runs (with GOGC=400 a second P had cost 40% more CPU). Short
// chunks stay on one P, where the frame reader hands a message to the
// chunk's goroutine without waking another thread (a warm call of 1,000
// elements took 1.1–1.2 ms on two Ps against 0.6–1.0 ms on one). More Ps
// would let the collector's idle workers take cores the other mirrors
// need. The tuning lasts for the process.
func tuneRuntime() {
	runtime.GOMAXPROCS(1)
	if os.Getenv("GOGC") == "" {
		vm.TuneGC(mirrorGCBudget)
	}
}

// widen lets the mirror's runtime use wideProcs Ps for a long chunk, and
// returns the func that narrows it back.
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

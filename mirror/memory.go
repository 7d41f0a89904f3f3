package mirror

import (
	"fmt"
	"os"
	"runtime"
	"runtime/debug"
	"strconv"
	"syscall"

	"github.com/dmirror/dmirror/interp/vm"
)

// MemoryEnv names the variable that sets how much memory (bytes of address
// space, RLIMIT_AS) each mirror may use; by default 60% of the machine's
// memory. A block that allocates past it makes the Go runtime fail with
// "out of memory", which fails the call naming the mirror, instead of
// taking the machine's memory from the kernel and the other mirrors.
const MemoryEnv = "DMIRROR_MIRROR_MEMORY"

// mirrorGCPercent is the GOGC of mirrors, unless GOGC is set.
const mirrorGCPercent = 400

// tuneRuntime sets up the Go runtime of a mirror process for throughput.
//
// A mirror is one core's worth of work: the pool runs one per core. With
// more Ps, the runtime's idle-time GC workers take a second core whenever
// the interpreter's goroutine is the only one running (about 40% more CPU
// for the same interpreted work, measured), CPU that the other mirrors
// need; with one P, that GC work slows the mirror instead. Interpreted code
// allocates a frame per call, so collecting at 5 times the live heap
// rather than twice cuts that work (15 to 25% less time per element,
// measured on recursive calls), at the cost of memory; the soft memory
// limit (half the address-space limit) makes the GC work harder before
// the mirror runs out of memory.
func tuneRuntime() {
	runtime.GOMAXPROCS(1)
	if os.Getenv("GOGC") == "" {
		debug.SetGCPercent(mirrorGCPercent)
	}
}

// limitMemory applies the mirror's memory limit to this process.
func limitMemory() error {
	limit := uint64(0)
	if v := os.Getenv(MemoryEnv); v != "" {
		n, err := strconv.ParseUint(v, 10, 64)
		if err != nil || n == 0 {
			return fmt.Errorf("mirror: %s=%q is not a number of bytes", MemoryEnv, v)
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

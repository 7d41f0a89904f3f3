package interp

import (
	"sync"
	"sync/atomic"

	"github.com/dmirror/dmirror/interp/vm"
)

// cellTable knows which cell a goroutine of the image process works for: a
// goroutine started by a cell's `go` statement (through __dmGo) is
// registered with that cell; any other goroutine works for the cell that is
// running, or for the last one that ran.
type cellTable struct {
	current    atomic.Int64
	registered atomic.Int64 // len(byGoroutine), read without the lock

	mu          sync.Mutex
	byGoroutine map[uint64]int
}

func newCellTable() *cellTable {
	return &cellTable{byGoroutine: map[uint64]int{}}
}

func (t *cellTable) setCurrent(cell int) { t.current.Store(int64(cell)) }

// caller returns the cell of the calling goroutine.
func (t *cellTable) caller() int {
	if t.registered.Load() > 0 {
		id := vm.GoroutineID()
		t.mu.Lock()
		cell, ok := t.byGoroutine[id]
		t.mu.Unlock()
		if ok {
			return cell
		}
	}
	return int(t.current.Load())
}

// register attributes the calling goroutine to cell until unregister.
func (t *cellTable) register(cell int) {
	id := vm.GoroutineID()
	t.mu.Lock()
	t.byGoroutine[id] = cell
	t.registered.Store(int64(len(t.byGoroutine)))
	t.mu.Unlock()
}

func (t *cellTable) unregister() {
	id := vm.GoroutineID()
	t.mu.Lock()
	delete(t.byGoroutine, id)
	t.registered.Store(int64(len(t.byGoroutine)))
	t.mu.Unlock()
}

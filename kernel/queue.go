package kernel

import (
	"context"
	"sync"
)

// execQueue holds execute requests in arrival order for the executor. It is
// unbounded so that the shell reader never waits behind a running cell.
type execQueue struct {
	mu    sync.Mutex
	items []*Message
	ready chan struct{} // has a token when items may be non-empty
}

func newExecQueue() *execQueue {
	return &execQueue{ready: make(chan struct{}, 1)}
}

func (q *execQueue) push(m *Message) {
	q.mu.Lock()
	q.items = append(q.items, m)
	q.mu.Unlock()
	select {
	case q.ready <- struct{}{}:
	default:
	}
}

// pop waits for the next request; it returns false when ctx ends.
func (q *execQueue) pop(ctx context.Context) (*Message, bool) {
	for {
		q.mu.Lock()
		if len(q.items) > 0 {
			m := q.items[0]
			q.items[0] = nil
			q.items = q.items[1:]
			q.mu.Unlock()
			return m, true
		}
		q.mu.Unlock()
		select {
		case <-ctx.Done():
			return nil, false
		case <-q.ready:
		}
	}
}

// drain removes and returns every queued request.
func (q *execQueue) drain() []*Message {
	q.mu.Lock()
	defer q.mu.Unlock()
	items := q.items
	q.items = nil
	return items
}

package kernel

import (
	"context"
	"sync"
	"time"
)

// flushInterval is how long stream text may wait in a sink's buffer.
const flushInterval = 50 * time.Millisecond

// flusher publishes the buffered stream text of sinks flushInterval after
// their first unpublished write. One goroutine serves every sink, including
// sinks of cells that already ended.
type flusher struct {
	mu      sync.Mutex
	pending []*cellSink
	wake    chan struct{}
}

func newFlusher() *flusher {
	return &flusher{wake: make(chan struct{}, 1)}
}

// mark registers a sink that has unpublished text.
func (f *flusher) mark(s *cellSink) {
	f.mu.Lock()
	f.pending = append(f.pending, s)
	f.mu.Unlock()
	select {
	case f.wake <- struct{}{}:
	default:
	}
}

// run flushes until ctx ends, then flushes what is left.
func (f *flusher) run(ctx context.Context) {
	defer f.flushAll()
	timer := time.NewTimer(flushInterval)
	timer.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-f.wake:
		}
		timer.Reset(flushInterval)
		select {
		case <-ctx.Done():
			timer.Stop()
			return
		case <-timer.C:
		}
		f.flushAll()
	}
}

func (f *flusher) flushAll() {
	f.mu.Lock()
	sinks := f.pending
	f.pending = nil
	f.mu.Unlock()
	for _, s := range sinks {
		s.flush()
	}
}

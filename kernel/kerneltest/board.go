package kerneltest

import (
	"context"
	"sync"

	"github.com/dmirror/dmirror/kernel"
)

// Channel names a kernel socket.
type Channel int

// The channels of a connection file (heartbeat has its own method).
const (
	Shell Channel = iota
	Control
	Stdin
	IOPub
)

func (c Channel) String() string {
	return [...]string{"shell", "control", "stdin", "iopub"}[c]
}

// board keeps every message received, per channel, in arrival order, and
// indexed by the msg_id of its parent.
type board struct {
	mu       sync.Mutex
	msgs     [4][]*kernel.Message
	byParent [4]map[string][]*kernel.Message
	changed  chan struct{} // closed and replaced on every add
}

func newBoard() *board {
	b := &board{changed: make(chan struct{})}
	for i := range b.byParent {
		b.byParent[i] = map[string][]*kernel.Message{}
	}
	return b
}

func (b *board) add(c Channel, m *kernel.Message) {
	parent := m.ParentID()
	b.mu.Lock()
	b.msgs[c] = append(b.msgs[c], m)
	b.byParent[c][parent] = append(b.byParent[c][parent], m)
	close(b.changed)
	b.changed = make(chan struct{})
	b.mu.Unlock()
}

// snapshot returns the messages received on c so far.
func (b *board) snapshot(c Channel) []*kernel.Message {
	b.mu.Lock()
	defer b.mu.Unlock()
	return append([]*kernel.Message(nil), b.msgs[c]...)
}

// children returns the messages received on c so far whose parent is id.
func (b *board) children(c Channel, id string) []*kernel.Message {
	b.mu.Lock()
	defer b.mu.Unlock()
	return append([]*kernel.Message(nil), b.byParent[c][id]...)
}

// wait calls found with the messages of c until it returns true or ctx
// ends. With a non-empty parent, found sees only the children of parent.
func (b *board) wait(ctx context.Context, c Channel, parent string, found func([]*kernel.Message) bool) error {
	for {
		b.mu.Lock()
		msgs := b.msgs[c]
		if parent != "" {
			msgs = b.byParent[c][parent]
		}
		changed := b.changed
		b.mu.Unlock()
		if found(msgs) {
			return nil
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-changed:
		}
	}
}

package kernel

import "sync"

// replayWindow is how many recent signatures are remembered.
const replayWindow = 1 << 14

// replays remembers the signatures of recent messages, so a captured
// message sent again (a valid signature, so Decode accepts it) is dropped
// instead of running its code twice. Unsigned kernels cannot tell.
type replays struct {
	mu   sync.Mutex
	seen map[string]struct{}
	ring []string
	next int
}

func newReplays() *replays {
	return &replays{seen: make(map[string]struct{}, replayWindow), ring: make([]string, replayWindow)}
}

// fresh records sig and reports whether it was not seen recently.
func (r *replays) fresh(sig []byte) bool {
	if len(sig) == 0 {
		return true
	}
	s := string(sig)
	r.mu.Lock()
	defer r.mu.Unlock()
	if _, dup := r.seen[s]; dup {
		return false
	}
	if old := r.ring[r.next]; old != "" {
		delete(r.seen, old)
	}
	r.ring[r.next] = s
	r.next = (r.next + 1) % len(r.ring)
	r.seen[s] = struct{}{}
	return true
}

package kernel

import (
	"encoding/hex"
	"sync"
)

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

// fresh records sig and reports whether it was not seen recently. It keys
// on the decoded MAC, not on its text: hex is case-insensitive, so the same
// message with its signature in upper case is the same message.
func (r *replays) fresh(sig []byte) bool {
	if len(sig) == 0 {
		return true
	}
	mac := make([]byte, hex.DecodedLen(len(sig)))
	if _, err := hex.Decode(mac, sig); err != nil {
		return true // Decode rejects such a signature before this is asked
	}
	s := string(mac)
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

package kernel

import (
	"context"
	"errors"
	"fmt"
	"sync"
)

// inputs routes input_reply messages to the Input call waiting for them.
// Requests are asked one at a time, as front ends show one prompt at a time.
type inputs struct {
	turn chan struct{} // a token per asker in flight; capacity 1

	mu      sync.Mutex
	waiting map[string]chan string // input_request msg_id → its reply
}

func newInputs() *inputs {
	return &inputs{turn: make(chan struct{}, 1), waiting: map[string]chan string{}}
}

// ask sends input_request on stdin with the identities of req, the execute
// request, and waits for the matching input_reply or for ctx to end.
func (in *inputs) ask(ctx context.Context, k *kernel, req *Message, prompt string, password bool) (string, error) {
	select {
	case in.turn <- struct{}{}:
	case <-ctx.Done():
		return "", ctx.Err()
	}
	defer func() { <-in.turn }()

	m, err := NewMessage(k.session, username, "input_request", req, map[string]any{"prompt": prompt, "password": password})
	if err != nil {
		return "", err
	}
	ch := make(chan string, 1)
	in.mu.Lock()
	in.waiting[m.Header.MsgID] = ch
	in.mu.Unlock()
	defer func() {
		in.mu.Lock()
		delete(in.waiting, m.Header.MsgID)
		in.mu.Unlock()
	}()
	if err := k.sock.stdin.send(m); err != nil {
		return "", fmt.Errorf("kernel: input request: %w", err)
	}
	select {
	case v := <-ch:
		return v, nil
	case <-ctx.Done():
		return "", ctx.Err()
	case <-k.stop:
		return "", errors.New("kernel: shutting down")
	}
}

// deliver hands an input_reply to its waiting Input call. A reply with no
// parent goes to the one request waiting, if exactly one is: jupyter_client's
// input(), and so jupyter console, send input_reply with an empty parent
// header.
func (in *inputs) deliver(parentID, value string) bool {
	in.mu.Lock()
	ch, ok := in.waiting[parentID]
	if parentID == "" && len(in.waiting) == 1 {
		for _, only := range in.waiting {
			ch, ok = only, true
		}
	}
	in.mu.Unlock()
	if !ok {
		return false
	}
	select {
	case ch <- value:
	default:
	}
	return true
}

func (k *kernel) handleStdin(c *channel, msg *Message) {
	if msg.Header.MsgType != "input_reply" {
		k.log.Warn("ignored message on stdin", "msg_type", msg.Header.MsgType)
		return
	}
	var in struct {
		Value string `json:"value"`
	}
	if err := decodeContent(msg, &in); err != nil {
		k.log.Warn("bad input_reply", "err", err)
		return
	}
	if !k.inputs.deliver(msg.ParentID(), in.Value) {
		k.log.Warn("input_reply for no pending input request", "parent", msg.ParentID())
	}
}

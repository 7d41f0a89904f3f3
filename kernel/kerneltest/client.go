package kerneltest

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"sync"
	"time"

	"github.com/dmirror/dmirror/kernel"
	"github.com/go-zeromq/zmq4"
	"github.com/google/uuid"
)

// Client talks to one kernel over its five sockets. It is safe for
// concurrent use.
type Client struct {
	info    kernel.ConnectionInfo
	key     []byte
	session string
	cancel  context.CancelFunc

	socks  [4]zmq4.Socket // Shell, Control, Stdin (DEALER), IOPub (SUB)
	sendMu [3]sync.Mutex
	hb     zmq4.Socket // REQ
	hbMu   sync.Mutex

	board   *board
	readers sync.WaitGroup
}

// Dial connects to the kernel described by info. The sockets retry until
// the kernel listens or ctx ends.
func Dial(ctx context.Context, info kernel.ConnectionInfo) (*Client, error) {
	sockCtx, cancel := context.WithCancel(context.WithoutCancel(ctx))
	session := uuid.NewString()
	// Shell, control and stdin share the session as their identity, as
	// front ends do: the kernel sends input_request on stdin to the
	// identity of the execute request that came on shell.
	opts := func(string) []zmq4.Option {
		return []zmq4.Option{zmq4.WithID(zmq4.SocketIdentity(session)), zmq4.WithDialerMaxRetries(-1),
			zmq4.WithDialerRetry(20 * time.Millisecond)}
	}
	c := &Client{
		info:    info,
		key:     []byte(info.Key),
		session: session,
		cancel:  cancel,
		board:   newBoard(),
		hb:      zmq4.NewReq(sockCtx, opts("hb")...),
	}
	c.socks[Shell] = zmq4.NewDealer(sockCtx, opts("shell")...)
	c.socks[Control] = zmq4.NewDealer(sockCtx, opts("control")...)
	c.socks[Stdin] = zmq4.NewDealer(sockCtx, opts("stdin")...)
	c.socks[IOPub] = zmq4.NewSub(sockCtx, opts("iopub")...)
	ports := [4]int{info.ShellPort, info.ControlPort, info.StdinPort, info.IOPubPort}
	stopDial := context.AfterFunc(ctx, cancel) // a dial blocked on a dead kernel ends with ctx
	defer stopDial()
	for ch, s := range c.socks {
		if err := s.Dial(info.Endpoint(ports[ch])); err != nil {
			c.closeSockets()
			return nil, fmt.Errorf("kerneltest: dial %s: %w", Channel(ch), err)
		}
	}
	if err := c.hb.Dial(info.Endpoint(info.HBPort)); err != nil {
		c.closeSockets()
		return nil, fmt.Errorf("kerneltest: dial heartbeat: %w", err)
	}
	if err := c.socks[IOPub].SetOption(zmq4.OptionSubscribe, ""); err != nil {
		c.closeSockets()
		return nil, fmt.Errorf("kerneltest: subscribe: %w", err)
	}
	for ch := range c.socks {
		c.readers.Go(func() { c.read(Channel(ch)) })
	}
	return c, nil
}

// read keeps every message of one socket until the socket is closed.
// Frames that do not decode are kept as nothing: tests look for messages.
func (c *Client) read(ch Channel) {
	for {
		raw, err := c.socks[ch].Recv()
		if err != nil {
			return
		}
		m, err := kernel.Decode(raw.Frames, c.key)
		if err != nil {
			continue
		}
		c.board.add(ch, m)
	}
}

// Close closes the sockets and waits for the readers.
func (c *Client) Close() error {
	err := c.closeSockets()
	c.readers.Wait()
	return err
}

func (c *Client) closeSockets() error {
	c.cancel()
	var errs []error
	for _, s := range append(c.socks[:], c.hb) {
		// Connections the kernel already closed are not an error.
		if err := s.Close(); err != nil && !errors.Is(err, net.ErrClosed) {
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}

// Session is the client's session id, the session of its requests.
func (c *Client) Session() string { return c.session }

// NewRequest builds a request of msgType with content.
func (c *Client) NewRequest(msgType string, content any) (*kernel.Message, error) {
	return kernel.NewMessage(c.session, "kerneltest", msgType, nil, content)
}

// SendMessage signs and sends m on ch (Shell, Control or Stdin).
func (c *Client) SendMessage(ch Channel, m *kernel.Message) error {
	frames, err := kernel.Encode(m, c.key)
	if err != nil {
		return err
	}
	return c.SendFrames(ch, frames)
}

// Send sends a new request and returns its msg_id.
func (c *Client) Send(ch Channel, msgType string, content any) (string, error) {
	m, err := c.NewRequest(msgType, content)
	if err != nil {
		return "", err
	}
	return m.Header.MsgID, c.SendMessage(ch, m)
}

// SendFrames sends frames as they are, to test malformed or forged messages.
func (c *Client) SendFrames(ch Channel, frames [][]byte) error {
	if ch == IOPub {
		return errors.New("kerneltest: cannot send on iopub")
	}
	c.sendMu[ch].Lock()
	defer c.sendMu[ch].Unlock()
	if err := c.socks[ch].SendMulti(zmq4.NewMsgFrom(frames...)); err != nil {
		return fmt.Errorf("kerneltest: send on %s: %w", ch, err)
	}
	return nil
}

// Replies returns the messages received so far on ch whose parent is msgID.
func (c *Client) Replies(ch Channel, msgID string) []*kernel.Message {
	return c.board.children(ch, msgID)
}

// Messages returns every message received so far on ch.
func (c *Client) Messages(ch Channel) []*kernel.Message { return c.board.snapshot(ch) }

// Reply waits for the first message on ch whose parent is msgID.
func (c *Client) Reply(ctx context.Context, ch Channel, msgID string) (*kernel.Message, error) {
	var reply *kernel.Message
	err := c.board.wait(ctx, ch, msgID, func(ms []*kernel.Message) bool {
		if len(ms) > 0 {
			reply = ms[0]
			return true
		}
		return false
	})
	if err != nil {
		return nil, fmt.Errorf("kerneltest: no reply on %s to %s: %w", ch, msgID, err)
	}
	return reply, nil
}

// UntilIdle waits for the idle status of msgID and returns the iopub
// messages of msgID, busy and idle included, in order.
func (c *Client) UntilIdle(ctx context.Context, msgID string) ([]*kernel.Message, error) {
	var out []*kernel.Message
	scanned := 0 // messages only ever append, so each is looked at once
	err := c.board.wait(ctx, IOPub, msgID, func(ms []*kernel.Message) bool {
		for ; scanned < len(ms); scanned++ {
			if IsStatus(ms[scanned], "idle") {
				out = append(out, ms[:scanned+1]...)
				return true
			}
		}
		return false
	})
	if err != nil {
		return nil, fmt.Errorf("kerneltest: no idle for %s: %w", msgID, err)
	}
	return out, nil
}

// Result is a request's reply and its iopub messages from busy to idle.
type Result struct {
	Request *kernel.Message
	Reply   *kernel.Message
	IOPub   []*kernel.Message
}

// Request sends a request on ch and waits for its reply and its idle.
func (c *Client) Request(ctx context.Context, ch Channel, msgType string, content any) (*Result, error) {
	m, err := c.NewRequest(msgType, content)
	if err != nil {
		return nil, err
	}
	if err := c.SendMessage(ch, m); err != nil {
		return nil, err
	}
	return c.Await(ctx, ch, m)
}

// Await waits for the reply on ch and the idle of a request already sent.
func (c *Client) Await(ctx context.Context, ch Channel, req *kernel.Message) (*Result, error) {
	reply, err := c.Reply(ctx, ch, req.Header.MsgID)
	if err != nil {
		return nil, err
	}
	iopub, err := c.UntilIdle(ctx, req.Header.MsgID)
	if err != nil {
		return nil, err
	}
	return &Result{Request: req, Reply: reply, IOPub: iopub}, nil
}

// Heartbeat sends one ping and waits for its echo.
func (c *Client) Heartbeat(ctx context.Context) error {
	// The lock is held until the echo arrives (or Close ends the wait), so
	// a ping that timed out never takes the echo of the next one.
	c.hbMu.Lock()
	ping := []byte(uuid.NewString())
	if err := c.hb.Send(zmq4.NewMsg(ping)); err != nil {
		c.hbMu.Unlock()
		return fmt.Errorf("kerneltest: heartbeat send: %w", err)
	}
	got := make(chan error, 1)
	c.readers.Go(func() {
		defer c.hbMu.Unlock()
		msg, err := c.hb.Recv()
		if err == nil && (len(msg.Frames) != 1 || string(msg.Frames[0]) != string(ping)) {
			err = fmt.Errorf("kerneltest: heartbeat echoed %q, want %q", msg.Frames, ping)
		}
		got <- err
	})
	select {
	case err := <-got:
		return err
	case <-ctx.Done():
		return fmt.Errorf("kerneltest: heartbeat: %w", ctx.Err())
	}
}

// WaitReady sends kernel_info_request until the kernel replies and its
// idle status arrives on iopub, as front ends do: a SUB socket misses what
// was published before it connected.
func (c *Client) WaitReady(ctx context.Context) error {
	_, err := c.waitReady(ctx)
	return err
}

// waitReady is WaitReady that also returns when the first reply arrived.
func (c *Client) waitReady(ctx context.Context) (firstReply time.Time, err error) {
	for {
		id, err := c.Send(Shell, "kernel_info_request", map[string]any{})
		if err != nil {
			return firstReply, err
		}
		attempt, cancel := context.WithTimeout(ctx, time.Second)
		_, err = c.Reply(attempt, Shell, id)
		cancel()
		if err == nil && firstReply.IsZero() {
			firstReply = time.Now()
		}
		if err == nil {
			// The reply came; its idle may have been published before the
			// subscription reached the kernel, so ask again soon.
			attempt, cancel := context.WithTimeout(ctx, 200*time.Millisecond)
			_, err = c.UntilIdle(attempt, id)
			cancel()
		}
		if err == nil {
			return firstReply, nil
		}
		if ctx.Err() != nil {
			return firstReply, fmt.Errorf("kerneltest: kernel not ready: %w", ctx.Err())
		}
	}
}

// Content unmarshals m's content into v.
func Content(m *kernel.Message, v any) error {
	if err := json.Unmarshal(m.Content, v); err != nil {
		return fmt.Errorf("kerneltest: %s content: %w", m.Header.MsgType, err)
	}
	return nil
}

// Fields returns m's content as a map (nil if it is not an object).
func Fields(m *kernel.Message) map[string]any {
	var v map[string]any
	if json.Unmarshal(m.Content, &v) != nil {
		return nil
	}
	return v
}

// IsStatus reports whether m is a status message with execution_state state.
func IsStatus(m *kernel.Message, state string) bool {
	return m.Header.MsgType == "status" && Fields(m)["execution_state"] == state
}

// WaitFor waits for a message on ch for which match is true and returns it.
func (c *Client) WaitFor(ctx context.Context, ch Channel, match func(*kernel.Message) bool) (*kernel.Message, error) {
	var found *kernel.Message
	err := c.board.wait(ctx, ch, "", func(ms []*kernel.Message) bool {
		for _, m := range ms {
			if match(m) {
				found = m
				return true
			}
		}
		return false
	})
	if err != nil {
		return nil, fmt.Errorf("kerneltest: waiting on %s: %w", ch, err)
	}
	return found, nil
}

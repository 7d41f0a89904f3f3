package kernel

import (
	"context"
	"errors"
	"fmt"
	"net"
	"sync"

	"github.com/go-zeromq/zmq4"
)

// errClosed is returned when sending on a channel after Serve closed it.
var errClosed = errors.New("kernel: socket closed")

// channel is one of the kernel's sockets. Sends are serialised by mu, so
// the order of messages on a socket is the order of the send calls.
type channel struct {
	name string
	key  []byte
	sock zmq4.Socket

	mu     sync.Mutex // guards sends and closed
	closed bool
}

func (c *channel) send(m *Message) error {
	frames, err := Encode(m, c.key)
	if err != nil {
		return err
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.closed {
		return errClosed
	}
	if err := c.sock.SendMulti(zmq4.NewMsgFrom(frames...)); err != nil {
		return fmt.Errorf("kernel: send %s on %s: %w", m.Header.MsgType, c.name, err)
	}
	return nil
}

// sendRaw sends frames as they are (the heartbeat echo).
func (c *channel) sendRaw(msg zmq4.Msg) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.closed {
		return errClosed
	}
	return c.sock.Send(msg)
}

func (c *channel) close() error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.closed {
		return nil
	}
	c.closed = true
	return c.sock.Close()
}

// sockets are the five channels of a connection file.
type sockets struct {
	shell, control, stdin, iopub, hb *channel
}

func (s *sockets) all() []*channel {
	return []*channel{s.shell, s.control, s.stdin, s.iopub, s.hb}
}

// openSockets binds the five sockets. On error, the ones already bound are
// closed. The sockets live on ctx, which should outlive the serving loop so
// that final replies can still be sent.
func openSockets(ctx context.Context, info *ConnectionInfo) (*sockets, error) {
	key := []byte(info.Key)
	s := &sockets{
		shell:   &channel{name: "shell", key: key, sock: zmq4.NewRouter(ctx)},
		control: &channel{name: "control", key: key, sock: zmq4.NewRouter(ctx)},
		stdin:   &channel{name: "stdin", key: key, sock: zmq4.NewRouter(ctx)},
		// zmq4's PUB queues without limit while its high-water mark is 0,
		// the default; setting OptionHWM would make it drop messages past
		// the mark, so it is left unset: nothing published is dropped, and
		// stream coalescing keeps the queue short.
		iopub: &channel{name: "iopub", key: key, sock: zmq4.NewPub(ctx)},
		hb:    &channel{name: "heartbeat", sock: zmq4.NewRep(ctx)},
	}
	ports := []int{info.ShellPort, info.ControlPort, info.StdinPort, info.IOPubPort, info.HBPort}
	for i, c := range s.all() {
		ep := info.Endpoint(ports[i])
		if err := c.sock.Listen(ep); err != nil {
			s.close()
			return nil, fmt.Errorf("kernel: bind %s socket: %w", c.name, err)
		}
	}
	return s, nil
}

func (s *sockets) close() error {
	var errs []error
	for _, c := range s.all() {
		// Connections the peer already closed are not a failure.
		if err := c.close(); err != nil && !errors.Is(err, net.ErrClosed) {
			errs = append(errs, fmt.Errorf("close %s: %w", c.name, err))
		}
	}
	return errors.Join(errs...)
}

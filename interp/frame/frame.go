// Package frame sends typed messages between dmirror's processes (kernel,
// image process, mirrors) over a pair of pipes: each message is a 4-byte
// big-endian length followed by that many bytes of JSON.
package frame

import (
	"bufio"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"sync"
	"syscall"
)

// MaxSize bounds one message, so that a corrupt length cannot make the
// reader allocate without limit.
const MaxSize = 1 << 30

// Msg is one message. Type says what Body holds; ID pairs a reply with its
// request (0 when the message is not part of an exchange).
type Msg struct {
	Type string          `json:"type"`
	ID   uint64          `json:"id,omitempty"`
	Body json.RawMessage `json:"body,omitempty"`
}

// Decode unmarshals the body into v.
func (m Msg) Decode(v any) error {
	if err := json.Unmarshal(m.Body, v); err != nil {
		return fmt.Errorf("frame: decode %s body: %w", m.Type, err)
	}
	return nil
}

// Conn reads and writes messages. Send is safe for concurrent use; Recv must
// be called from one goroutine.
type Conn struct {
	r  *bufio.Reader
	mu sync.Mutex
	w  io.Writer
}

// New returns a Conn reading from r and writing to w.
func New(r io.Reader, w io.Writer) *Conn {
	return &Conn{r: bufio.NewReaderSize(r, 64<<10), w: w}
}

// Send writes one message whose body is v marshalled to JSON.
func (c *Conn) Send(typ string, id uint64, v any) error {
	var body json.RawMessage
	if v != nil {
		b, err := json.Marshal(v)
		if err != nil {
			return fmt.Errorf("frame: encode %s: %w", typ, err)
		}
		body = b
	}
	data, err := json.Marshal(Msg{Type: typ, ID: id, Body: body})
	if err != nil {
		return fmt.Errorf("frame: encode %s: %w", typ, err)
	}
	if len(data) > MaxSize {
		return fmt.Errorf("frame: %s message of %d bytes exceeds %d", typ, len(data), MaxSize)
	}
	buf := make([]byte, 4+len(data))
	binary.BigEndian.PutUint32(buf, uint32(len(data)))
	copy(buf[4:], data)
	c.mu.Lock()
	defer c.mu.Unlock()
	if _, err := c.w.Write(buf); err != nil {
		return fmt.Errorf("frame: write %s: %w", typ, err)
	}
	return nil
}

// Recv reads the next message. It returns io.EOF when the peer closed the
// pipe between messages.
func (c *Conn) Recv() (Msg, error) {
	var hdr [4]byte
	if _, err := io.ReadFull(c.r, hdr[:]); err != nil {
		if err == io.ErrUnexpectedEOF {
			return Msg{}, fmt.Errorf("frame: truncated header: %w", err)
		}
		return Msg{}, err
	}
	n := binary.BigEndian.Uint32(hdr[:])
	if n > MaxSize {
		return Msg{}, fmt.Errorf("frame: message of %d bytes exceeds %d", n, MaxSize)
	}
	data := make([]byte, n)
	if _, err := io.ReadFull(c.r, data); err != nil {
		return Msg{}, fmt.Errorf("frame: truncated message: %w", err)
	}
	var m Msg
	if err := json.Unmarshal(data, &m); err != nil {
		return Msg{}, fmt.Errorf("frame: bad message: %w", err)
	}
	return m, nil
}

// Inherited returns the pipe inherited as fd, as a file whose reads and
// writes go through the Go runtime's poller. os/exec hands pipes to a child
// in blocking mode, and a goroutine blocked reading one holds its thread and
// P in a system call: with one P (mirrors), the goroutine it has just woken
// then waits for the runtime to take the P back, about 0.1 ms per message
// measured here. It returns nil if fd is not open.
func Inherited(fd int, name string) *os.File {
	// On failure the file still works, blocking.
	_ = syscall.SetNonblock(fd, true)
	return os.NewFile(uintptr(fd), name)
}

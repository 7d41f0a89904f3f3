// Package frame sends typed messages between dmirror's processes (kernel,
// image process, mirrors) over a pair of pipes. A message is a 4-byte
// big-endian length n, then n bytes: a 4-byte big-endian length h, a header
// of h bytes of JSON (type, id, the lengths of the blobs), the body, JSON,
// and the blobs, raw. Blobs carry the encoded values of Parallel calls
// (megabytes for large workloads), which as base64 in JSON cost a scan
// per byte on each side; the body refers to them by Ref.
//
// The body follows the header rather than sitting inside it so that it is
// scanned once, when it is decoded: a body held in a JSON envelope is
// scanned again to encode the envelope and to find its end, which made
// each message three times as costly (a Parallel call of 10^6 elements
// sends several megabytes).
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
	Type  string
	ID    uint64
	Body  json.RawMessage // nil when the message has none
	Blobs [][]byte
}

// header is what a message says before its body.
type header struct {
	Type  string `json:"type"`
	ID    uint64 `json:"id,omitempty"`
	Blobs []int  `json:"blobs,omitempty"` // their lengths
}

// Ref is how a body refers to a blob of its message: 1 for the first; 0
// refers to none.
type Ref int

// Blobs collects the blobs of a message being built.
type Blobs struct{ list [][]byte }

// Put adds b to the message and returns its Ref; an empty b is not added
// and gets Ref 0.
func (bs *Blobs) Put(b []byte) Ref {
	if len(b) == 0 {
		return 0
	}
	bs.list = append(bs.list, b)
	return Ref(len(bs.list))
}

// List returns the blobs, for Send.
func (bs *Blobs) List() [][]byte { return bs.list }

// Blob returns the blob r refers to (nil for Ref 0).
func (m Msg) Blob(r Ref) ([]byte, error) {
	if r == 0 {
		return nil, nil
	}
	if r < 0 || int(r) > len(m.Blobs) {
		return nil, fmt.Errorf("frame: %s message has no blob %d (it has %d)", m.Type, r, len(m.Blobs))
	}
	return m.Blobs[r-1], nil
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

// Send writes one message whose body is v marshalled to JSON, followed by
// blobs.
func (c *Conn) Send(typ string, id uint64, v any, blobs ...[]byte) error {
	var body []byte
	if v != nil {
		b, err := json.Marshal(v)
		if err != nil {
			return fmt.Errorf("frame: encode %s: %w", typ, err)
		}
		body = b
	}
	h := header{Type: typ, ID: id}
	n := 0
	for _, b := range blobs {
		h.Blobs = append(h.Blobs, len(b))
		n += len(b)
	}
	head, err := json.Marshal(h)
	if err != nil {
		return fmt.Errorf("frame: encode %s: %w", typ, err)
	}
	n += 4 + len(head) + len(body)
	if n > MaxSize {
		return fmt.Errorf("frame: %s message of %d bytes exceeds %d", typ, n, MaxSize)
	}
	buf := make([]byte, 8, 4+n)
	binary.BigEndian.PutUint32(buf, uint32(n))
	binary.BigEndian.PutUint32(buf[4:], uint32(len(head)))
	buf = append(append(buf, head...), body...)
	c.mu.Lock()
	defer c.mu.Unlock()
	if _, err := c.w.Write(buf); err != nil {
		return fmt.Errorf("frame: write %s: %w", typ, err)
	}
	for _, b := range blobs {
		if _, err := c.w.Write(b); err != nil {
			return fmt.Errorf("frame: write %s: %w", typ, err)
		}
	}
	return nil
}

// Recv reads the next message. It returns io.EOF when the peer closed the
// pipe between messages.
func (c *Conn) Recv() (Msg, error) {
	var size [4]byte
	if _, err := io.ReadFull(c.r, size[:]); err != nil {
		if err == io.ErrUnexpectedEOF {
			return Msg{}, fmt.Errorf("frame: truncated length: %w", err)
		}
		return Msg{}, err
	}
	n := binary.BigEndian.Uint32(size[:])
	if n > MaxSize {
		return Msg{}, fmt.Errorf("frame: message of %d bytes exceeds %d", n, MaxSize)
	}
	if n < 4 {
		return Msg{}, fmt.Errorf("frame: message of %d bytes has no header length", n)
	}
	data := make([]byte, n)
	if _, err := io.ReadFull(c.r, data); err != nil {
		return Msg{}, fmt.Errorf("frame: truncated message: %w", err)
	}
	h := binary.BigEndian.Uint32(data)
	if h > n-4 {
		return Msg{}, fmt.Errorf("frame: header of %d bytes in a message of %d", h, n)
	}
	var head header
	if err := json.Unmarshal(data[4:4+h], &head); err != nil {
		return Msg{}, fmt.Errorf("frame: bad header: %w", err)
	}
	m := Msg{Type: head.Type, ID: head.ID}
	rest := data[4+h:]
	blobs := 0
	for _, b := range head.Blobs {
		if b < 0 || b > len(rest)-blobs {
			return Msg{}, fmt.Errorf("frame: %s message: blobs of %v bytes in %d", head.Type, head.Blobs, len(rest))
		}
		blobs += b
	}
	body, raw := rest[:len(rest)-blobs], rest[len(rest)-blobs:]
	if len(body) > 0 {
		m.Body = body
	}
	for _, b := range head.Blobs {
		m.Blobs = append(m.Blobs, raw[:b:b])
		raw = raw[b:]
	}
	return m, nil
}

// Inherited returns the pipe inherited as fd, as a file whose reads and
// writes go through the Go runtime's poller. os/exec hands pipes to a child
// in blocking mode, and a goroutine blocked reading one holds its thread and
// P in a system call: with one P (as mirrors had), the goroutine it has
// just woken then waits for the runtime to take the P back, about 0.1 ms
// per message measured here. It returns nil if fd is not open.
func Inherited(fd int, name string) *os.File {
	// On failure the file still works, blocking.
	_ = syscall.SetNonblock(fd, true)
	return os.NewFile(uintptr(fd), name)
}

package frame

import (
	"bytes"
	"encoding/binary"
	"io"
	"os"
	"syscall"
	"testing"
)

func TestRoundTrip(t *testing.T) {
	var buf bytes.Buffer
	c := New(&buf, &buf)
	if err := c.Send("hello", 7, map[string]int{"a": 1}); err != nil {
		t.Fatal(err)
	}
	if err := c.Send("bye", 0, nil); err != nil {
		t.Fatal(err)
	}
	m, err := c.Recv()
	if err != nil {
		t.Fatal(err)
	}
	var body map[string]int
	if err := m.Decode(&body); err != nil {
		t.Fatal(err)
	}
	if m.Type != "hello" || m.ID != 7 || body["a"] != 1 {
		t.Fatalf("got %+v %v, want hello 7 a=1", m, body)
	}
	m, err = c.Recv()
	if err != nil || m.Type != "bye" || m.Body != nil {
		t.Fatalf("got %+v %v, want bye with no body", m, err)
	}
	if _, err := c.Recv(); err != io.EOF {
		t.Fatalf("got %v at end, want io.EOF", err)
	}
}

func TestBadInput(t *testing.T) {
	huge := make([]byte, 4)
	binary.BigEndian.PutUint32(huge, MaxSize+1)
	for name, in := range map[string][]byte{
		"short header": {0, 0},
		"short body":   {0, 0, 0, 9, '{'},
		"no header":    {0, 0, 0, 3, 'a', 'b', 'c'},
		"long header":  {0, 0, 0, 6, 0, 0, 0, 9, '{', '}'},
		"bad header":   {0, 0, 0, 7, 0, 0, 0, 3, 'a', 'b', 'c'},
		"long blob":    append([]byte{0, 0, 0, 32, 0, 0, 0, 25}, `{"type":"x","blobs":[10]}xyz`...),
		"minus blob":   append([]byte{0, 0, 0, 32, 0, 0, 0, 25}, `{"type":"x","blobs":[-1]}xyz`...),
		"too large":    huge,
	} {
		c := New(bytes.NewReader(in), io.Discard)
		if _, err := c.Recv(); err == nil || err == io.EOF {
			t.Errorf("%s: got %v, want a decode error", name, err)
		}
	}
}

// TestBlobs: blobs travel raw after the body and come back by Ref.
func TestBlobs(t *testing.T) {
	var buf bytes.Buffer
	c := New(&buf, &buf)
	var bs Blobs
	body := map[string]Ref{"a": bs.Put([]byte{0, 1, 2}), "none": bs.Put(nil), "b": bs.Put([]byte("\"x"))}
	if err := c.Send("data", 1, body, bs.List()...); err != nil {
		t.Fatal(err)
	}
	m, err := c.Recv()
	if err != nil {
		t.Fatal(err)
	}
	var got map[string]Ref
	if err := m.Decode(&got); err != nil {
		t.Fatal(err)
	}
	for name, want := range map[string][]byte{"a": {0, 1, 2}, "none": nil, "b": []byte("\"x")} {
		b, err := m.Blob(got[name])
		if err != nil || !bytes.Equal(b, want) {
			t.Errorf("blob %s = %q, %v; want %q", name, b, err, want)
		}
	}
	if _, err := m.Blob(3); err == nil {
		t.Error("a Ref past the blobs was accepted")
	}
}

// TestLayout: a message is its length, its header's length, the header
// and the body; the body is only parsed by Decode.
func TestLayout(t *testing.T) {
	var buf bytes.Buffer
	if err := New(&buf, &buf).Send("run", 3, []int{1, 2}); err != nil {
		t.Fatal(err)
	}
	head, body := `{"type":"run","id":3}`, `[1,2]`
	want := binary.BigEndian.AppendUint32(nil, uint32(4+len(head)+len(body)))
	want = binary.BigEndian.AppendUint32(want, uint32(len(head)))
	want = append(append(want, head...), body...)
	if !bytes.Equal(buf.Bytes(), want) {
		t.Fatalf("wrote %q, want %q", buf.Bytes(), want)
	}

	in := binary.BigEndian.AppendUint32(nil, uint32(4+len(head)+3))
	in = binary.BigEndian.AppendUint32(in, uint32(len(head)))
	in = append(append(in, head...), "[1,"...)
	m, err := New(bytes.NewReader(in), io.Discard).Recv()
	if err != nil {
		t.Fatalf("a message with a bad body was refused on receipt: %v", err)
	}
	var got []int
	if err := m.Decode(&got); err == nil {
		t.Fatal("a bad body decoded")
	}
}

// TestInheritedIsPollable: Inherited turns a blocking pipe, as os/exec
// hands it to a child, into a non-blocking one, which the runtime's poller
// serves.
func TestInheritedIsPollable(t *testing.T) {
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	defer w.Close()
	fd, err := syscall.Dup(int(r.Fd())) // Fd leaves r blocking, as os/exec leaves a child's pipes
	if err != nil {
		t.Fatal(err)
	}
	r.Close()
	if nonblocking(t, fd) {
		t.Fatal("the duplicated pipe is already non-blocking")
	}
	f := Inherited(fd, "test-in")
	defer f.Close()
	if !nonblocking(t, fd) {
		t.Fatal("Inherited left the pipe blocking")
	}
	if _, err := w.Write([]byte("x")); err != nil {
		t.Fatal(err)
	}
	if _, err := io.ReadFull(f, make([]byte, 1)); err != nil {
		t.Fatal(err)
	}
}

func nonblocking(t *testing.T, fd int) bool {
	t.Helper()
	flags, _, errno := syscall.Syscall(syscall.SYS_FCNTL, uintptr(fd), syscall.F_GETFL, 0)
	if errno != 0 {
		t.Fatal(errno)
	}
	return flags&syscall.O_NONBLOCK != 0
}

package frame

import (
	"bytes"
	"errors"
	"io"
	"os"
	"syscall"
	"testing"
)

// quietPipe returns the two ends of a pipe in non-blocking mode, as
// Inherited makes them, read and written through Quiet.
func quietPipe(t *testing.T) (r, w io.ReadWriteCloser) {
	t.Helper()
	var fds [2]int
	if err := syscall.Pipe2(fds[:], syscall.O_NONBLOCK|syscall.O_CLOEXEC); err != nil {
		t.Fatal(err)
	}
	rf, wf := os.NewFile(uintptr(fds[0]), "r"), os.NewFile(uintptr(fds[1]), "w")
	r, err := Quiet(rf)
	if err != nil {
		t.Fatal(err)
	}
	if w, err = Quiet(wf); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { r.Close(); w.Close() })
	return r, w
}

// TestQuietCarriesFrames: frames far larger than the pipe's buffer, so
// that writes are partial and both ends wait in the poller, arrive whole
// and in order, then EOF when the writer closes.
func TestQuietCarriesFrames(t *testing.T) {
	r, w := quietPipe(t)
	big := bytes.Repeat([]byte("0123456789"), 100_000) // 1 MB: the pipe holds 64 KiB
	sent := make(chan error, 1)
	go func() {
		c := New(nil, w)
		err := c.Send("small", 1, map[string]int{"a": 1})
		if err == nil {
			err = c.Send("big", 2, nil, big)
		}
		w.Close()
		sent <- err
	}()
	c := New(r, nil)
	m, err := c.Recv()
	if err != nil || m.Type != "small" || m.ID != 1 || string(m.Body) != `{"a":1}` {
		t.Fatalf("first frame: %+v, %v", m, err)
	}
	m, err = c.Recv()
	if err != nil || m.Type != "big" || len(m.Blobs) != 1 || !bytes.Equal(m.Blobs[0], big) {
		t.Fatalf("second frame: type %q, %d blobs, %v", m.Type, len(m.Blobs), err)
	}
	if _, err := c.Recv(); err != io.EOF {
		t.Fatalf("after the writer closed: %v, want io.EOF", err)
	}
	if err := <-sent; err != nil {
		t.Fatal(err)
	}
}

// TestQuietCloseEndsRead: closing a stream ends a read waiting on it (or
// about to), with an error that is not EOF, so that its reader's owner can
// stop it.
func TestQuietCloseEndsRead(t *testing.T) {
	r, _ := quietPipe(t)
	read := make(chan error, 1)
	go func() {
		_, err := r.Read(make([]byte, 8))
		read <- err
	}()
	r.Close()
	if err := <-read; err == nil || err == io.EOF {
		t.Fatalf("read after close: %v, want an error other than EOF", err)
	}
}

// TestQuietWriteToClosedReader: a write to a pipe whose reader is gone
// fails with EPIPE rather than blocking or losing the error.
func TestQuietWriteToClosedReader(t *testing.T) {
	r, w := quietPipe(t)
	r.Close()
	if _, err := w.Write([]byte("lost")); !errors.Is(err, syscall.EPIPE) {
		t.Fatalf("write: %v, want EPIPE", err)
	}
}

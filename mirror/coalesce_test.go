package mirror

import (
	"bytes"
	"testing"

	"github.com/dmirror/dmirror/interp/frame"
)

// countingWriter records the size of each write.
type countingWriter struct {
	bytes.Buffer
	writes []int
}

func (w *countingWriter) Write(p []byte) (int, error) {
	w.writes = append(w.writes, len(p))
	return w.Buffer.Write(p)
}

// TestCoalescer: a small message with blobs reaches the writer as one
// write, a large one as frame.Conn writes it; the reader decodes both.
func TestCoalescer(t *testing.T) {
	w := &countingWriter{}
	conn := frame.New(bytes.NewReader(nil), coalesced(w))
	small := [][]byte{[]byte("first blob"), []byte("second")}
	large := bytes.Repeat([]byte("x"), coalesceMax)
	if err := conn.Send("small", 1, map[string]int{"a": 1}, small...); err != nil {
		t.Fatal(err)
	}
	if len(w.writes) != 1 {
		t.Errorf("the small message took %d writes, want 1", len(w.writes))
	}
	if err := conn.Send("large", 2, nil, large); err != nil {
		t.Fatal(err)
	}
	if len(w.writes) != 3 {
		t.Errorf("%d writes after the large message, want 3 (it is not copied)", len(w.writes))
	}
	if err := conn.Send("after", 3, nil); err != nil {
		t.Fatal(err)
	}
	r := frame.New(bytes.NewReader(w.Bytes()), nil)
	for _, want := range []struct {
		typ   string
		blobs int
	}{{"small", 2}, {"large", 1}, {"after", 0}} {
		m, err := r.Recv()
		if err != nil {
			t.Fatal(err)
		}
		if m.Type != want.typ || len(m.Blobs) != want.blobs {
			t.Errorf("got %s with %d blobs, want %s with %d", m.Type, len(m.Blobs), want.typ, want.blobs)
		}
	}
}

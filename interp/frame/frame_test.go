package frame

import (
	"bytes"
	"encoding/binary"
	"io"
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
		"not json":     {0, 0, 0, 3, 'a', 'b', 'c'},
		"too large":    huge,
	} {
		c := New(bytes.NewReader(in), io.Discard)
		if _, err := c.Recv(); err == nil || err == io.EOF {
			t.Errorf("%s: got %v, want a decode error", name, err)
		}
	}
}

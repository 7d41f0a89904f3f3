package values

import (
	"encoding/binary"
	"reflect"
	"testing"
	"time"
)

type fuzzTarget struct {
	B    bool
	I    int
	I8   int8
	U    uint32
	F    float64
	C    complex64
	S    string
	Bs   []byte
	Is   []int
	Ss   []string
	A    [2]uint16
	M    map[string][]any
	P    *node
	Any  any
	Anys []any
	T    time.Time
	Fn   func()
	Ch   []chan int
	E    error
}

// fuzzTypes are the receiver types fuzzed payloads are decoded as.
var fuzzTypes = []reflect.Type{
	reflect.TypeFor[fuzzTarget](), reflect.TypeFor[any](), reflect.TypeFor[*node](),
	reflect.TypeFor[map[any]any](), reflect.TypeFor[[]any](), reflect.TypeFor[[][]int](),
}

// FuzzDecode feeds arbitrary payloads, behind valid headers, to the
// decoder: it must return an error or a value that encodes again, and
// never panic (recovery is off here, so that a panic fails the fuzz test).
func FuzzDecode(f *testing.F) {
	ring := &node{Val: 1}
	ring.Next = ring
	ring.Any = []any{ring, map[string]any{"t": time.Unix(5, 0)}}
	seeds := []any{
		fuzzTarget{I: -3, S: "s", Bs: []byte{1}, Is: []int{1, 2}, M: map[string][]any{"k": {1, "x", nil}}, P: ring, Any: struct{ X []int }{[]int{1}}, T: time.Unix(1, 2)},
		any([]any{1, "a", []int{3}, map[string]int{"z": 1}, struct{ A, B int }{1, 2}, &struct{ P *int }{}}),
		ring,
		map[any]any{1: 2, "x": []byte("y")},
		[]any{int8(1), uint(2), 3.5, complex(1, 2), true},
		[][]int{nil, {}, {1, -1}},
	}
	for _, s := range seeds {
		v := reflect.ValueOf(&s).Elem().Elem()
		data, err := Encode(v)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(data[10:])
	}
	f.Fuzz(func(t *testing.T, payload []byte) {
		recoverPanics = false
		defer func() { recoverPanics = true }()
		for _, typ := range fuzzTypes {
			data := append([]byte{magic, version}, binary.LittleEndian.AppendUint64(nil, infoOf(typ).fp)...)
			v, err := NewDecoder(reflect.TypeFor[node]()).Decode(append(data, payload...), typ)
			if err != nil {
				continue
			}
			if _, err := Encode(v); err != nil {
				t.Errorf("decoded %s does not encode again: %v", typ, err)
			}
		}
	})
}

// FuzzTypeDescription feeds arbitrary type descriptions to the parser and
// the resolver: they must fail with an error or give a type whose own
// (canonical) description resolves to it again, and never panic.
func FuzzTypeDescription(f *testing.F) {
	for _, t := range []reflect.Type{
		reflect.TypeFor[fuzzTarget](), reflect.TypeFor[*node](), reflect.TypeFor[map[string][3]*int](),
		reflect.TypeFor[struct {
			A func(int, ...string) error
			B <-chan []byte
		}](),
	} {
		f.Add([]byte(infoOf(t).canon))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		recoverPanics = false
		defer func() { recoverPanics = true }()
		d := &decoder{dec: NewDecoder(reflect.TypeFor[node]()), root: reflect.TypeFor[any]()}
		typ, err := d.resolve(string(data))
		if err != nil {
			return
		}
		canon := infoOf(typ).canon
		again, err := d.resolve(canon)
		if err != nil || again != typ {
			t.Errorf("%s (from %x) described as %x resolves to %v, %v", typ, data, canon, again, err)
		}
	})
}

package values

import (
	"errors"
	"io"
	"math"
	"math/big"
	"net"
	"os"
	"reflect"
	"strings"
	"sync"
	"testing"
	"time"
	"unsafe"

	yaegi "github.com/traefik/yaegi/interp"
)

// roundTrip encodes v and decodes it as a new value of the same type.
func roundTrip(t *testing.T, v any) reflect.Value {
	t.Helper()
	rv := reflect.ValueOf(&v).Elem().Elem()
	data, err := Encode(rv)
	if err != nil {
		t.Fatalf("Encode(%T): %v", v, err)
	}
	got, err := Decode(data, rv.Type())
	if err != nil {
		t.Fatalf("Decode(%T): %v", v, err)
	}
	if !got.CanSet() {
		t.Errorf("Decode(%T) is not settable", v)
	}
	if a, b := dump(rv), dump(got); a != b {
		t.Errorf("round trip of %T\n got %s\nwant %s", v, b, a)
	}
	return got
}

func TestScalars(t *testing.T) {
	for _, v := range []any{
		true, false, 0, -1, math.MaxInt64, math.MinInt64, int8(-128), int16(math.MaxInt16),
		int32(math.MinInt32), uint(math.MaxUint), uint8(255), uint16(65535), uint32(math.MaxUint32),
		uint64(math.MaxUint64), uintptr(12), float32(-1.5), math.Inf(-1), math.SmallestNonzeroFloat64,
		complex64(complex(1, -1)), complex(math.MaxFloat64, 3), "", "héllo\x00", 'r', byte('b'),
		[0]int{}, [3]string{"a", "", "c"}, struct{}{}, time.Duration(-5),
	} {
		roundTrip(t, v)
	}
	// NaN is not equal to itself; compare bits.
	got := roundTrip(t, math.NaN())
	if !math.IsNaN(got.Float()) {
		t.Errorf("NaN came back as %v", got.Float())
	}
}

type node struct {
	Val  int
	Next *node
	Any  any
}

// Host types held in interfaces must be registered, as dmirror's own
// binary packages are.
func init() {
	RegisterExports(yaegi.Exports{
		"github.com/dmirror/dmirror/interp/values/values": {"node": reflect.ValueOf((*node)(nil))},
	})
}

func TestNilVersusEmpty(t *testing.T) {
	type s struct {
		NilS   []int
		EmptyS []int
		NilM   map[string]int
		EmptyM map[string]int
		NilP   *int
		NilA   any
		NilB   []byte
		EmptyB []byte
		NilSS  [][]string
		Inner  [][]string
		NilCh  chan int
		NilFn  func()
	}
	got := roundTrip(t, s{EmptyS: []int{}, EmptyM: map[string]int{}, EmptyB: []byte{}, Inner: [][]string{nil, {}}}).Interface().(s)
	if got.NilS != nil || got.EmptyS == nil || got.NilM != nil || got.EmptyM == nil ||
		got.NilB != nil || got.EmptyB == nil || got.NilSS != nil || got.Inner[0] != nil || got.Inner[1] == nil {
		t.Errorf("nil and empty confused: %#v", got)
	}
}

func TestSharingAndCycles(t *testing.T) {
	shared := &node{Val: 1}
	ring := &node{Val: 1, Next: &node{Val: 2}}
	ring.Next.Next = ring
	selfSlice := []any{nil, 3}
	selfSlice[0] = selfSlice
	selfMap := map[string]any{}
	selfMap["me"] = selfMap
	ifaceCycle := &node{Val: 5}
	ifaceCycle.Any = ifaceCycle
	type holder struct {
		A, B  *node
		Ring  *node
		SS    []any
		M     map[string]any
		M2    map[string]any
		Cycle *node
		Ints  []*int
	}
	x := 3
	got := roundTrip(t, holder{A: shared, B: shared, Ring: ring, SS: selfSlice, M: selfMap, M2: selfMap, Cycle: ifaceCycle, Ints: []*int{&x, &x}}).Interface().(holder)
	if got.A != got.B || got.A == shared {
		t.Errorf("sharing lost: A=%p B=%p", got.A, got.B)
	}
	if got.Ring.Next.Next != got.Ring {
		t.Errorf("cycle lost")
	}
	if reflect.ValueOf(got.M).Pointer() != reflect.ValueOf(got.M2).Pointer() {
		t.Errorf("map sharing lost")
	}
	if got.Cycle.Any.(*node) != got.Cycle {
		t.Errorf("cycle through an interface lost")
	}
	if got.Ints[0] != got.Ints[1] || *got.Ints[0] != 3 {
		t.Errorf("shared *int lost")
	}
}

// family contains itself through a slice, without a pointer.
type family struct {
	Name string
	Kids []family
}

func TestCycleThroughSliceOfItself(t *testing.T) {
	s := make([]family, 2)
	s[0] = family{Name: "a", Kids: s}
	s[1].Name = "b"
	got := roundTrip(t, s).Interface().([]family)
	if &got[0].Kids[0] != &got[0] || got[0].Kids[1].Name != "b" {
		t.Errorf("the slice no longer contains itself: %p %p", &got[0].Kids[0], &got[0])
	}
}

func TestInterfaces(t *testing.T) {
	type point = struct{ X, Y int } // unnamed, as interpreted types are
	for _, v := range []any{
		[]any{1, "two", 3.0, []int{4}, map[string]any{"five": 5}, point{6, 7}, &point{8, 9}, nil},
		map[any]any{1: "a", "b": 2, point{1, 2}: []string{"p"}},
		[]any{time.Date(2020, 1, 1, 0, 0, 0, 1, time.UTC), time.Second, big.NewInt(-7)},
		[]any{[2]int8{1, -1}, uint16(7), struct{ A []any }{[]any{nil, true}}},
		[]error{nil, io.EOF, errors.New("e")},
	} {
		roundTrip(t, v)
	}
}

func TestMarshallers(t *testing.T) {
	type s struct {
		T   time.Time
		TP  *time.Time
		B   *big.Int
		Rat big.Rat
		D   time.Duration
		M   time.Month
	}
	now := time.Now()
	got := roundTrip(t, s{T: now, TP: &now, B: big.NewInt(1 << 62), Rat: *big.NewRat(1, 3), D: time.Hour, M: time.March}).Interface().(s)
	if !got.T.Equal(now) || !got.TP.Equal(now) || got.B.Int64() != 1<<62 || got.Rat.String() != "1/3" {
		t.Errorf("got %+v", got)
	}
}

func TestSentinelsAndErrors(t *testing.T) {
	got := roundTrip(t, []any{io.EOF, os.Stdout, errors.New("x")}).Interface().([]any)
	if got[0] != io.EOF || got[1] != os.Stdout || got[2].(error).Error() != "x" {
		t.Errorf("got %v", got)
	}
}

type handle uintptr

// fdHolder keeps a handle in an exported uintptr field.
type fdHolder struct{ Fd uintptr }

type image struct{ W, H int }

func TestUncopyableHost(t *testing.T) {
	f, err := os.Open(os.DevNull)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	a, b := net.Pipe()
	defer a.Close()
	defer b.Close()
	x := 1
	type jobs struct{ Jobs []chan int }
	type withMu struct {
		N  int
		Mu sync.Mutex
	}
	type embeds struct {
		sync.WaitGroup
		N int
	}
	cases := []struct {
		v    any
		want string
	}{
		{make(chan int), "cannot copy chan int"},
		{jobs{[]chan int{nil, nil, make(chan int)}}, "cannot copy chan int at .Jobs[2]"},
		{func() {}, "cannot copy func()"},
		{unsafe.Pointer(&x), "cannot copy unsafe.Pointer"},
		{handle(3), "cannot copy values.handle"},
		{[]fdHolder{{3}}, "cannot copy values.fdHolder at [0]"},
		{f, "cannot copy *os.File"},
		{&withMu{}, "cannot copy sync.Mutex at .Mu"},
		{map[string]*withMu{"k": {}}, `cannot copy sync.Mutex at ["k"].Mu`},
		{embeds{}, "cannot copy sync.WaitGroup at .WaitGroup"},
		{&sync.RWMutex{}, "cannot copy *sync.RWMutex"},
		{sync.Once{}, "cannot copy sync.Once"},
		{[]net.Conn{a}, "cannot copy *net.pipe at [0]"},
		{[]any{1, func() {}}, "cannot copy func() at [1]"},
		{[]any{reflect.ValueOf(1)}, "cannot copy reflect.Value at [0]"},
		{[]any{struct{ X, Y int }{}, handle(1)}, "cannot copy values.handle at [1]"},
		{[]any{image{}}, "cannot copy values.image at [0] (type github.com/dmirror/dmirror/interp/values.image is not known"},
	}
	for _, c := range cases {
		rv := reflect.ValueOf(&c.v).Elem().Elem()
		data, err := Encode(rv)
		var u *UncopyableError
		if !errors.As(err, &u) || data != nil {
			t.Errorf("Encode(%T) = %d bytes, %v; want an *UncopyableError and no data", c.v, len(data), err)
			continue
		}
		if !strings.HasPrefix(err.Error(), c.want) {
			t.Errorf("Encode(%T): %q, want it to start with %q", c.v, err, c.want)
		}
	}
	// Nil chans and funcs are zero values: they copy.
	roundTrip(t, struct {
		C chan int
		F func()
	}{})
}

func TestEncodeAs(t *testing.T) {
	anyT, errT := reflect.TypeFor[any](), reflect.TypeFor[error]()
	for _, c := range []struct {
		x any
		t reflect.Type
	}{{5, anyT}, {nil, anyT}, {[]int{1}, anyT}, {nil, errT}, {io.EOF, errT}, {int8(3), reflect.TypeFor[int8]()}} {
		data, err := EncodeAs(c.x, c.t)
		if err != nil {
			t.Fatalf("EncodeAs(%v, %s): %v", c.x, c.t, err)
		}
		v, err := Decode(data, c.t)
		if err != nil {
			t.Fatalf("Decode as %s: %v", c.t, err)
		}
		if got := v.Interface(); dump(reflect.ValueOf(&got).Elem()) != dump(reflect.ValueOf(&c.x).Elem()) {
			t.Errorf("EncodeAs(%v, %s) came back as %v", c.x, c.t, got)
		}
	}
	if _, err := EncodeAs("s", reflect.TypeFor[int]()); err == nil {
		t.Error("EncodeAs encoded a string as an int")
	}
}

// TestBoxedDecodesAsDeclaredType: a value encoded as any decodes as the
// receiver's declared type, whatever the sender knew of it.
func TestBoxedDecodesAsDeclaredType(t *testing.T) {
	ring := &node{Val: 1}
	ring.Next = ring
	for _, c := range []struct {
		x  any
		as reflect.Type
	}{
		{5, reflect.TypeFor[int]()},
		{[]string{"a"}, reflect.TypeFor[[]string]()},
		{io.EOF, reflect.TypeFor[error]()},
		{nil, reflect.TypeFor[error]()},
		{nil, reflect.TypeFor[[]int]()},
		{ring, reflect.TypeFor[*node]()},
		{struct{ A int }{3}, reflect.TypeFor[struct{ A int }]()},
	} {
		data, err := EncodeAs(c.x, reflect.TypeFor[any]())
		if err != nil {
			t.Fatalf("EncodeAs(%v): %v", c.x, err)
		}
		v, err := Decode(data, c.as)
		if err != nil {
			t.Fatalf("Decode(boxed %T) as %s: %v", c.x, c.as, err)
		}
		if v.Type() != c.as || !v.CanSet() {
			t.Errorf("decoded a %s (settable %v), want a %s", v.Type(), v.CanSet(), c.as)
		}
		want := reflect.New(c.as).Elem()
		if c.x != nil {
			want.Set(reflect.ValueOf(c.x))
		}
		if dump(v) != dump(want) {
			t.Errorf("boxed %v came back as %v", c.x, v)
		}
	}
	for _, c := range []struct {
		x  any
		as reflect.Type
	}{{"s", reflect.TypeFor[int]()}, {nil, reflect.TypeFor[int]()}, {int32(1), reflect.TypeFor[int]()}} {
		data, err := EncodeAs(c.x, reflect.TypeFor[any]())
		if err != nil {
			t.Fatal(err)
		}
		if v, err := Decode(data, c.as); err == nil {
			t.Errorf("boxed %#v decoded as a %s: %v", c.x, c.as, v)
		}
	}
}

func TestDecodeChecksType(t *testing.T) {
	data, err := Encode(reflect.ValueOf(struct{ X, Y int }{1, 2}))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := Decode(data, reflect.TypeFor[struct{ Y, X int }]()); err == nil {
		t.Error("decoded a struct{X, Y int} as a struct{Y, X int}")
	}
	if _, err := Decode(data[:len(data)-1], reflect.TypeFor[struct{ X, Y int }]()); err == nil {
		t.Error("decoded truncated data")
	}
	if _, err := Decode(append(data, 0), reflect.TypeFor[struct{ X, Y int }]()); err == nil {
		t.Error("decoded data with trailing bytes")
	}
	if _, err := Decode([]byte("nonsense!!"), reflect.TypeFor[int]()); err == nil {
		t.Error("decoded nonsense")
	}
}

func TestDeepListDoesNotOverflow(t *testing.T) {
	var head *node
	for i := range 50_000 {
		head = &node{Val: i, Next: head}
	}
	got := roundTrip(t, head).Interface().(*node)
	n := 0
	for ; got != nil; got = got.Next {
		n++
	}
	if n != 50_000 {
		t.Errorf("list of %d nodes came back with %d", 50_000, n)
	}
}

package values_test

import (
	"errors"
	"fmt"
	"reflect"
	"strings"
	"testing"

	yaegi "github.com/traefik/yaegi/interp"

	"github.com/dmirror/dmirror/interp/values"
	"github.com/dmirror/dmirror/interp/vm"
	"github.com/dmirror/dmirror/mirror"
)

// decls is evaluated in both interpreters: the same types and variables.
const decls = `
import (
	"errors"
	"fmt"
	"io"
	"math/big"
	"os"
	"time"
)

type Inner struct {
	A      int
	secret string
	F      float64
}

type Outer struct {
	Name   string
	In     Inner
	Ptr    *Inner
	M      map[string][]int
	S      []Inner
	When   time.Time
	D      time.Duration
	hidden int
	Any    any
	Arr    [3]uint8
	C      complex128
	Err    error
}

type List struct {
	Val  int
	Next *List
}

type Tree struct {
	L, R *Tree
	V    any
}

type Node struct {
	Name   string
	Kids   []*Node
	Parent *Node
	Attrs  map[string]any
}

type Celsius float64

type Shape interface{ Area() float64 }

type Scene struct {
	Name   string
	Shapes []Shape
	Bg     Shape
}

func (c Celsius) String() string { return "C" }

var (
	o        Outer
	l        *List
	cyc      *List
	shared   *Inner
	pair     [2]*Inner
	nilS     []int
	emptyS   []int
	nilM     map[string]int
	emptyM   map[string]int
	anyInt   any
	anyStr   any
	anySlice any
	anyInner any
	anyPtr   any
	anyTime  any
	anyList  any
	anyMap   any
	tr       *Tree
	root     *Node
	errv     error
	eof      error
	out      *os.File
	bigv     *big.Int
	temp     Celsius
	nums     []int
	bs       []byte
	u8       uint8
	i64      int64
	f32      float32
	c64      complex64
	r        rune
	strs     []string
	grid     [][]float64
	nilFn    func(int) int
	nilCh    chan int
	selfAny  []any
	loopMap  map[string]any
	scene    Scene
	_ = errors.New
	_ = io.EOF
)
`

// values is evaluated in the sending interpreter only.
const initValues = `
func init1() {
	o = Outer{
		Name: "outer", In: Inner{1, "s1", 1.5}, Ptr: &Inner{2, "s2", 2.5},
		M:    map[string][]int{"a": {1, 2}, "b": nil, "c": {}},
		S:    []Inner{{3, "s3", 3.5}, {4, "s4", -0.0}},
		When: time.Date(2024, 2, 29, 13, 4, 5, 123456789, time.UTC),
		D:    90 * time.Second, hidden: 77, Any: map[string]any{"k": []any{1, "x"}},
		Arr: [3]uint8{1, 2, 255}, C: complex(1, -2), Err: errors.New("wrapped"),
	}
	l = &List{1, &List{2, &List{3, nil}}}
	cyc = &List{10, &List{20, nil}}
	cyc.Next.Next = cyc
	shared = &Inner{A: 7}
	pair = [2]*Inner{shared, shared}
	emptyS = []int{}
	emptyM = map[string]int{}
	anyInt = 42
	anyStr = "str"
	anySlice = []any{1, "x", []int{}, map[string]any{"k": 1.5}, nil, int8(-3)}
	anyInner = Inner{5, "s5", 5.5}
	anyPtr = &Inner{6, "s6", 6.5}
	anyTime = time.Date(2001, 1, 2, 3, 4, 5, 6, time.FixedZone("X", 3600))
	anyList = &List{100, &List{200, nil}}
	anyMap = map[string]Inner{"z": {9, "s9", 9.5}}
	tr = &Tree{L: &Tree{V: "left"}, R: &Tree{V: 3}, V: &List{1, nil}}
	root = &Node{Name: "root", Attrs: map[string]any{"depth": 0}}
	for _, n := range []string{"a", "b"} {
		k := &Node{Name: n, Parent: root, Attrs: map[string]any{"up": root}}
		root.Kids = append(root.Kids, k)
	}
	root.Attrs["self"] = root.Attrs
	errv = errors.New("boom")
	eof = io.EOF
	out = os.Stdout
	bigv = new(big.Int).Lsh(big.NewInt(3), 100)
	temp = 36.6
	nums = []int{1, -2, 3 << 40}
	bs = []byte("bytes\x00\xff")
	u8, i64, f32, c64, r = 255, -1<<63, 1.25, complex(1, 2), 'é'
	strs = []string{"", "a", "日本"}
	grid = [][]float64{{1, 2}, nil, {}}
	selfAny = make([]any, 2)
	selfAny[0] = selfAny
	selfAny[1] = "end"
	loopMap = map[string]any{}
	loopMap["me"] = loopMap
	scene = Scene{Name: "empty", Shapes: []Shape{nil, nil}}
}

func _() {}
`

func newInterp(t testing.TB, src ...string) *yaegi.Interpreter {
	t.Helper()
	i, err := buildInterp(src...)
	if err != nil {
		t.Fatal(err)
	}
	return i
}

// buildInterp returns an interpreter configured as dmirror's that has
// evaluated src.
func buildInterp(src ...string) (*yaegi.Interpreter, error) {
	// The prelude needs dmirror/parallel; mirrors get this one.
	i, err := vm.New(vm.Config{Exports: []yaegi.Exports{mirror.WorkerExports()}})
	if err != nil {
		return nil, err
	}
	for _, s := range src {
		if _, err := i.Eval(s); err != nil {
			return nil, fmt.Errorf("eval: %w", err)
		}
	}
	return i, nil
}

// globalTypes returns the types of i's globals, as a receiver knows them.
func globalTypes(i *yaegi.Interpreter) []reflect.Type {
	var ts []reflect.Type
	for _, v := range i.Globals() {
		ts = append(ts, v.Type())
	}
	return ts
}

func TestRoundTripBetweenInterpreters(t *testing.T) {
	src := newInterp(t, decls, initValues, "init1()")
	dst := newInterp(t, decls)
	dec := values.NewDecoder(globalTypes(dst)...)
	g1, g2 := src.Globals(), dst.Globals()
	for name, v := range g1 {
		w, ok := g2[name]
		if !ok || w.Kind() == reflect.Invalid || !w.CanSet() {
			continue // consts and the like
		}
		t.Run(name, func(t *testing.T) {
			data, err := values.Encode(v)
			if err != nil {
				t.Fatalf("Encode: %v", err)
			}
			got, err := dec.Decode(data, w.Type())
			if err != nil {
				t.Fatalf("Decode: %v", err)
			}
			w.Set(got)
			if a, b := values.Dump(v), values.Dump(w); a != b {
				t.Errorf("after the round trip\n got %s\nwant %s", b, a)
			}
		})
	}
	// The receiving interpreter sees working values of its own types.
	for expr, got := range evalChecks(dst) {
		if want := receiverChecks[expr]; got != want {
			t.Errorf("%s = %s, want %s", expr, got, want)
		}
	}
}

// receiverChecks are expressions evaluated in an interpreter that received
// the values of initValues, with their expected results.
var receiverChecks = map[string]string{
	`l.Next.Next.Val`:                                  "3",
	`cyc.Next.Next == cyc`:                             "true",
	`pair[0] == pair[1] && pair[0] != shared`:          "true",
	`nilS == nil && emptyS != nil && len(emptyS) == 0`: "true",
	`nilM == nil && emptyM != nil`:                     "true",
	`o.In.secret + o.Ptr.secret`:                       "s1s2",
	`o.hidden`:                                         "77",
	`o.When.Nanosecond()`:                              "123456789",
	`o.D.String()`:                                     "1m30s",
	`o.Err.Error()`:                                    "wrapped",
	`anyInner.(Inner).secret`:                          "s5",
	`anyPtr.(*Inner).F`:                                "6.5",
	`anyList.(*List).Next.Val`:                         "200",
	`anyTime.(time.Time).Format(time.RFC3339Nano)`:     "2001-01-02T03:04:05.000000006+01:00",
	`anyMap.(map[string]Inner)["z"].secret`:            "s9",
	`tr.V.(*List).Val`:                                 "1",
	`root.Kids[1].Parent == root && root.Kids[0].Attrs["up"] == root`: "true",
	`errv.Error()`:                        "boom",
	`eof == io.EOF`:                       "true",
	`out == os.Stdout`:                    "true",
	`bigv.String()`:                       "3802951800684688204490109616128",
	`temp.String()`:                       "C",
	`selfAny[0].([]any)[1]`:               "end",
	`len(loopMap["me"].(map[string]any))`: "1",
}

// evalChecks evaluates receiverChecks in i, giving each result or error.
func evalChecks(i *yaegi.Interpreter) map[string]string {
	got := map[string]string{}
	for expr := range receiverChecks {
		res, err := i.Eval(expr)
		if err != nil {
			got[expr] = "error: " + err.Error()
			continue
		}
		got[expr] = strings.TrimSpace(fmtValue(res))
	}
	return got
}

func fmtValue(v reflect.Value) string {
	if v.CanInterface() {
		return fmt.Sprint(v.Interface())
	}
	return v.String()
}

// TestRecursiveTypeInInterfaceNeedsKnownTypes: reflect cannot build a
// recursive type, so a Decoder must know it.
func TestRecursiveTypeInInterfaceNeedsKnownTypes(t *testing.T) {
	src := newInterp(t, decls, initValues, "init1()")
	dst := newInterp(t, decls)
	data, err := values.Encode(src.Globals()["anyList"])
	if err != nil {
		t.Fatal(err)
	}
	anyType := dst.Globals()["anyList"].Type()
	if _, err := values.Decode(data, anyType); err == nil || !strings.Contains(err.Error(), "recursive type") {
		t.Errorf("Decode without known types: err = %v, want a recursive type error", err)
	}
	listType := dst.Globals()["l"].Type()
	v, err := values.NewDecoder(listType).Decode(data, anyType)
	if err != nil {
		t.Fatal(err)
	}
	if got := v.Elem().Type(); got != listType {
		t.Errorf("decoded type %v, want the receiver's %v", got, listType)
	}
}

// TestKnownTypesFindsDeclaredTypes: recursive types that no global reaches
// are found by the names the declarations give them.
func TestKnownTypesFindsDeclaredTypes(t *testing.T) {
	decls := `
type Chain struct { V int; Next *Chain }
type (
	link struct { V int; Next *link }
	Pair[T any] struct { A, B T }
)
var a, b any
`
	names := values.TypeNames(decls, "not go {", "package main\ntype Other int")
	if got, want := strings.Join(names, " "), "Chain link Other"; got != want {
		t.Errorf("TypeNames = %s, want %s", got, want)
	}
	src := newInterp(t, decls, "func setup() { a = &Chain{1, &Chain{2, nil}}; b = &link{3, nil} }", "setup()")
	dst := newInterp(t, decls)
	for _, name := range []string{"a", "b"} {
		data, err := values.Encode(src.Globals()[name])
		if err != nil {
			t.Fatal(err)
		}
		g := dst.Globals()[name]
		if _, err := values.NewDecoder(values.KnownTypes(dst)...).Decode(data, g.Type()); err == nil {
			t.Errorf("%s: a recursive type no global reaches was found without its name", name)
		}
		v, err := values.NewDecoder(values.KnownTypes(dst, append(names, "Pair", "nope", "1x")...)...).Decode(data, g.Type())
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		g.Set(v)
		if a, b := values.Dump(src.Globals()[name]), values.Dump(g); a != b {
			t.Errorf("%s: got %s, want %s", name, b, a)
		}
	}
}

func TestUncopyableInInterpreter(t *testing.T) {
	i := newInterp(t, `
import ("net"; "os"; "sync")
type Work struct { Name string; Jobs []chan int }
type Guarded struct { mu sync.Mutex; N int }
type Shape interface { Area() float64 }
type Sq struct{ S float64 }
func (s Sq) Area() float64 { return s.S * s.S }
type Celsius float64
func (c Celsius) String() string { return "C" }
var (
	w     = Work{"w", []chan int{nil, nil, make(chan int)}}
	fn    = func(x int) int { return x }
	file, _ = os.Open("/dev/null")
	g     Guarded
	rw    sync.RWMutex
	wg    *sync.WaitGroup = &sync.WaitGroup{}
	once  sync.Once
	conn, _ = net.Pipe()
	shape Shape = Sq{2}
	fns   = map[string]func(){"go": func() {}}
	shapes = []Shape{nil, Sq{1}}
	boxed any = Celsius(2)
)
`)
	cases := map[string]string{
		"w":      "cannot copy chan int at .Jobs[2]",
		"fn":     "cannot copy func(int) int",
		"file":   "cannot copy *os.File",
		"g":      "cannot copy sync.Mutex at .Xmu",
		"rw":     "cannot copy sync.RWMutex",
		"wg":     "cannot copy *sync.WaitGroup",
		"once":   "cannot copy sync.Once",
		"conn":   "cannot copy *net.pipe",
		"shape":  "cannot copy interp.valueInterface",
		"fns":    `cannot copy func() at ["go"]`,
		"shapes": "cannot copy interp.valueInterface at [1]",
		"boxed":  "cannot copy interp.valueInterface",
	}
	g := i.Globals()
	for name, want := range cases {
		data, err := values.Encode(g[name])
		var u *values.UncopyableError
		if !errors.As(err, &u) {
			t.Errorf("%s: Encode = %d bytes, %v; want an *values.UncopyableError", name, len(data), err)
			continue
		}
		if data != nil {
			t.Errorf("%s: Encode wrote %d bytes with its error", name, len(data))
		}
		if !strings.HasPrefix(err.Error(), want) {
			t.Errorf("%s: error %q, want it to start with %q", name, err, want)
		}
	}
}

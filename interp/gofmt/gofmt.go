// Package gofmt lets compiled fmt print values of interpreted types as
// compiled Go prints them. Runs in every interpreter (the image process and
// the mirrors) as the binary package dmirror/gofmt.
//
// yaegi gives compiled code the bare representation of an interpreted
// value: a Level (type Level byte) is a uint8, a struct has its unexported
// fields renamed Xname, and the value has no methods, so fmt neither calls
// String nor Error nor Format, not even on the elements of a slice or the
// fields of a struct. The frontend knows the static types: it passes each
// such argument of a fmt call as V(x, spec, strs, fmts), where spec
// describes x's type (its Go name, its fields' Go names, which of its parts
// have which methods) and strs and fmts are interpreted funcs that call
// those methods. The Value that V returns is a fmt.Formatter that walks x
// the way fmt's printValue does.
//
// fmt answers %T and %p before it asks a Formatter: F turns those verbs
// of wrapped arguments into verbs of Value's own. Eq compares interface
// values through the interpreter's wrappers (identity.go).
package gofmt

import (
	"encoding/json"
	"fmt"
	"go/token"
	"reflect"
	"strconv"
	"strings"
	"sync"

	"github.com/traefik/yaegi/interp"
)

// Path is the import path of the binary package.
const Path = "dmirror/gofmt"

// node describes one type of a spec: nodes refer to each other by index+1
// (0 is none), so that recursive types are finite.
type node struct {
	Name   string  `json:"n,omitempty"` // Go's name, for %#v
	Native bool    `json:"x,omitempty"` // no session type inside: fmt prints it as Go would
	Elem   int     `json:"e,omitempty"` // pointer, slice, array, map value
	Key    int     `json:"k,omitempty"` // map key
	Fields []field `json:"f,omitempty"`
	Str    int     `json:"s,omitempty"` // String method: index+1 in strs
	Err    int     `json:"r,omitempty"` // Error method
	GoStr  int     `json:"g,omitempty"` // GoString method
	Fmt    int     `json:"m,omitempty"` // Format method: index+1 in fmts

	elem, key *node
}

type field struct {
	Name string `json:"n"`
	Type int    `json:"t"`

	typ *node
}

// specs caches parsed specs: a cell calls V with the same constant spec
// every time.
var specs sync.Map // string → *node or error

func parse(spec string) (*node, error) {
	if v, ok := specs.Load(spec); ok {
		if err, bad := v.(error); bad {
			return nil, err
		}
		return v.(*node), nil
	}
	var nodes []*node
	if err := json.Unmarshal([]byte(spec), &nodes); err != nil || len(nodes) == 0 {
		err = fmt.Errorf("gofmt: bad spec %q: %v", spec, err)
		specs.Store(spec, err)
		return nil, err
	}
	at := func(i int) *node {
		if i <= 0 || i > len(nodes) {
			return nil
		}
		return nodes[i-1]
	}
	for _, n := range nodes {
		n.elem, n.key = at(n.Elem), at(n.Key)
		for i := range n.Fields {
			n.Fields[i].typ = at(n.Fields[i].Type)
		}
	}
	specs.Store(spec, nodes[0])
	return nodes[0], nil
}

// Value is an interpreted value that formats itself as compiled Go would
// format it. It is only meant as an argument of fmt's functions.
type Value struct {
	v    reflect.Value
	t    *node
	strs []func(any) string
	fmts []func(any, fmt.State, rune)
}

// V wraps x, of the type spec describes, for fmt. strs and fmts are the
// methods spec refers to.
func V(x any, spec string, strs []func(any) string, fmts []func(any, fmt.State, rune)) any {
	t, err := parse(spec)
	if err != nil {
		panic(err) // the frontend wrote a bad spec: a bug, reported as the cell's panic
	}
	return Value{v: reflect.ValueOf(x), t: t, strs: strs, fmts: fmts}
}

// Format implements fmt.Formatter.
func (w Value) Format(s fmt.State, verb rune) {
	if w.special(s, verb) {
		return
	}
	p := &printer{s: s, verb: verb, w: w, sharpV: verb == 'v' && s.Flag('#'), plusV: verb == 'v' && s.Flag('+')}
	p.dir = directive(s, verb)
	p.value(w.v, w.t, 0, false)
}

type printer struct {
	s             fmt.State
	verb          rune
	dir           string // the directive, as written, for the parts fmt prints itself
	sharpV, plusV bool
	w             Value
}

// directive rebuilds the formatting directive from the state.
func directive(s fmt.State, verb rune) string {
	b := []byte{'%'}
	for _, f := range "+-# 0" {
		if s.Flag(int(f)) {
			b = append(b, byte(f))
		}
	}
	if w, ok := s.Width(); ok {
		b = strconv.AppendInt(b, int64(w), 10)
	}
	if pr, ok := s.Precision(); ok {
		b = append(b, '.')
		b = strconv.AppendInt(b, int64(pr), 10)
	}
	return string(b) + string(verb)
}

func (p *printer) write(s string) { fmt.Fprint(p.s, s) }

// native lets fmt print v with the directive.
func (p *printer) native(v reflect.Value, depth int) {
	if !v.IsValid() {
		p.write("<nil>")
		return
	}
	if depth > 0 && v.Kind() == reflect.Pointer {
		p.pointer(v, nil)
		return
	}
	if !v.CanInterface() {
		fmt.Fprintf(p.s, "%%!%c(unexported)", p.verb)
		return
	}
	fmt.Fprintf(p.s, p.dir, v.Interface())
}

// value prints v of type t as fmt's printValue does (handleMethods first).
// ro marks a value reached through an unexported field: compiled fmt
// cannot call its methods (nor those of what it holds), so neither does
// this, also for compiled types.
func (p *printer) value(v reflect.Value, t *node, depth int, ro bool) {
	if !v.IsValid() {
		p.native(v, depth)
		return
	}
	if (t == nil || t.Native) && !ro {
		p.native(v, depth)
		return
	}
	if t != nil && t.Native {
		t = nil
	}
	if t != nil && !ro && p.methods(v, t) {
		return
	}
	switch v.Kind() {
	case reflect.Struct:
		p.structValue(v, t, depth, ro)
	case reflect.Slice, reflect.Array:
		p.list(v, t, depth, ro)
	case reflect.Map:
		p.mapValue(v, t, depth, ro)
	case reflect.Pointer:
		if depth == 0 && !v.IsNil() {
			switch v.Elem().Kind() {
			case reflect.Array, reflect.Slice, reflect.Struct, reflect.Map:
				p.write("&")
				p.value(v.Elem(), t.elemOf(), depth+1, ro)
				return
			}
		}
		p.pointer(v, t)
	case reflect.Interface:
		if v.IsNil() {
			if p.sharpV {
				p.write(t.name(v) + "(nil)")
			} else {
				p.write("<nil>")
			}
			return
		}
		p.value(v.Elem(), nil, depth+1, ro)
	default:
		if !ro {
			p.native(v, depth)
			return
		}
		// A bad verb names the value's type: its own, not its kind's.
		out := fmt.Sprintf(p.dir, basic(v).Interface())
		bad := "%!" + string(p.verb) + "(" + basicTypes[v.Kind()].String() + "="
		if rest, ok := strings.CutPrefix(out, bad); ok {
			out = "%!" + string(p.verb) + "(" + t.name(v) + "=" + rest
		}
		p.write(out)
	}
}

// elemOf and keyOf are nil for nil: a value described by no node.
func (t *node) elemOf() *node {
	if t == nil {
		return nil
	}
	return t.elem
}

func (t *node) keyOf() *node {
	if t == nil {
		return nil
	}
	return t.key
}

// name is the Go name of v's type.
func (t *node) name(v reflect.Value) string {
	if t == nil || t.Name == "" {
		return v.Type().String()
	}
	return t.Name
}

var basicTypes = map[reflect.Kind]reflect.Type{
	reflect.Bool: reflect.TypeFor[bool](), reflect.String: reflect.TypeFor[string](),
	reflect.Int: reflect.TypeFor[int](), reflect.Int8: reflect.TypeFor[int8](), reflect.Int16: reflect.TypeFor[int16](),
	reflect.Int32: reflect.TypeFor[int32](), reflect.Int64: reflect.TypeFor[int64](),
	reflect.Uint: reflect.TypeFor[uint](), reflect.Uint8: reflect.TypeFor[uint8](), reflect.Uint16: reflect.TypeFor[uint16](),
	reflect.Uint32: reflect.TypeFor[uint32](), reflect.Uint64: reflect.TypeFor[uint64](), reflect.Uintptr: reflect.TypeFor[uintptr](),
	reflect.Float32: reflect.TypeFor[float32](), reflect.Float64: reflect.TypeFor[float64](),
	reflect.Complex64: reflect.TypeFor[complex64](), reflect.Complex128: reflect.TypeFor[complex128](),
}

// basic is v as a value of its kind's predeclared type, which has no
// methods: fmt prints a value it cannot call methods of that way.
// It reads v with the accessors that also work on unexported fields.
func basic(v reflect.Value) reflect.Value {
	bt, ok := basicTypes[v.Kind()]
	if !ok {
		return v
	}
	var x any
	switch v.Kind() {
	case reflect.Bool:
		x = v.Bool()
	case reflect.String:
		x = v.String()
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		x = v.Int()
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Uintptr:
		x = v.Uint()
	case reflect.Float32, reflect.Float64:
		x = v.Float()
	default:
		x = v.Complex()
	}
	return reflect.ValueOf(x).Convert(bt)
}

// methods calls the methods fmt's handleMethods would call, and reports
// whether one printed v.
func (p *printer) methods(v reflect.Value, t *node) (done bool) {
	if !v.CanInterface() {
		return false
	}
	call := func(name string, f func()) (done bool) {
		defer func() {
			if r := recover(); r != nil {
				done = true
				if v.Kind() == reflect.Pointer && v.IsNil() {
					p.write("<nil>")
					return
				}
				fmt.Fprintf(p.s, "%%!%c(PANIC=%s method: %v)", p.verb, name, r)
			}
		}()
		f()
		return true
	}
	x := v.Interface()
	if t.Fmt > 0 && t.Fmt <= len(p.w.fmts) {
		return call("Format", func() { p.w.fmts[t.Fmt-1](x, p.s, p.verb) })
	}
	str := func(i int) string { return p.w.strs[i-1](x) }
	ok := func(i int) bool { return i > 0 && i <= len(p.w.strs) }
	if p.sharpV {
		if ok(t.GoStr) {
			return call("GoString", func() { p.write(str(t.GoStr)) })
		}
		return false
	}
	switch p.verb {
	case 'v', 's', 'x', 'X', 'q':
		if ok(t.Err) {
			return call("Error", func() { fmt.Fprintf(p.s, p.dir, str(t.Err)) })
		}
		if ok(t.Str) {
			return call("String", func() { fmt.Fprintf(p.s, p.dir, str(t.Str)) })
		}
	}
	return false
}

func (p *printer) structValue(v reflect.Value, t *node, depth int, ro bool) {
	fields := make([]field, v.NumField())
	if t != nil {
		if len(t.Fields) != len(fields) {
			p.native(v, depth)
			return
		}
		copy(fields, t.Fields)
	} else {
		for i := range fields {
			fields[i].Name = v.Type().Field(i).Name
		}
	}
	if p.sharpV {
		p.write(t.name(v))
	}
	p.write("{")
	for i, f := range fields {
		if i > 0 {
			if p.sharpV {
				p.write(", ")
			} else {
				p.write(" ")
			}
		}
		if p.plusV || p.sharpV {
			p.write(f.Name + ":")
		}
		fv := v.Field(i)
		fro := ro || !token.IsExported(f.Name) || !v.Type().Field(i).IsExported()
		if fv.Kind() == reflect.Interface && !fv.IsNil() {
			p.value(fv.Elem(), nil, depth+1, fro)
			continue
		}
		p.value(fv, f.typ, depth+1, fro)
	}
	p.write("}")
}

func (p *printer) list(v reflect.Value, t *node, depth int, ro bool) {
	switch p.verb {
	case 's', 'q', 'x', 'X':
		if v.Type().Elem().Kind() == reflect.Uint8 {
			b := make([]byte, v.Len())
			for i := range b {
				b[i] = byte(v.Index(i).Uint())
			}
			fmt.Fprintf(p.s, p.dir, b)
			return
		}
	}
	if p.sharpV {
		if v.Kind() == reflect.Slice && v.IsNil() {
			p.write(t.name(v) + "(nil)")
			return
		}
		p.write(t.name(v) + "{")
		for i := 0; i < v.Len(); i++ {
			if i > 0 {
				p.write(", ")
			}
			p.value(v.Index(i), t.elemOf(), depth+1, ro)
		}
		p.write("}")
		return
	}
	p.write("[")
	for i := 0; i < v.Len(); i++ {
		if i > 0 {
			p.write(" ")
		}
		p.value(v.Index(i), t.elemOf(), depth+1, ro)
	}
	p.write("]")
}

func (p *printer) mapValue(v reflect.Value, t *node, depth int, ro bool) {
	if p.sharpV {
		if v.IsNil() {
			p.write(t.name(v) + "(nil)")
			return
		}
		p.write(t.name(v) + "{")
	} else {
		p.write("map[")
	}
	keys := sortedKeys(v)
	for i, k := range keys {
		if i > 0 {
			if p.sharpV {
				p.write(", ")
			} else {
				p.write(" ")
			}
		}
		p.value(k, t.keyOf(), depth+1, ro)
		p.write(":")
		p.value(v.MapIndex(k), t.elemOf(), depth+1, ro)
	}
	if p.sharpV {
		p.write("}")
	} else {
		p.write("]")
	}
}

// pointer prints a pointer as fmt's fmtPointer does.
func (p *printer) pointer(v reflect.Value, t *node) {
	switch p.verb {
	case 'v':
	case 'b', 'o', 'd', 'x', 'X', 'p':
		fmt.Fprintf(p.s, p.dir, v.UnsafePointer())
		return
	default:
		val := "<nil>"
		if !v.IsNil() {
			val = "0x" + strconv.FormatUint(uint64(v.Pointer()), 16)
		}
		p.write("%!" + string(p.verb) + "(" + t.name(v) + "=" + val + ")")
		return
	}
	if p.sharpV {
		name := t.name(v)
		if v.IsNil() {
			p.write("(" + name + ")(nil)")
		} else {
			p.write("(" + name + ")(0x" + strconv.FormatUint(uint64(v.Pointer()), 16) + ")")
		}
		return
	}
	if v.IsNil() {
		fmt.Fprintf(p.s, "%"+p.dir[1:len(p.dir)-1]+"s", "<nil>")
		return
	}
	fmt.Fprintf(p.s, p.dir, v.UnsafePointer())
}

// Use registers the package with an interpreter that has the standard
// library, with the wrappers of wrappers.go and the table that makes the
// interpreter use them.
func Use(i *interp.Interpreter) error {
	mt := mapTypes()
	// The interpreter's fmt.Print, Printf, Println and log's Fatal and Panic
	// funcs are its own (writing to its stdout, panicking): the table must
	// name those values.
	std := i.Symbols("fmt")["fmt"]
	logs := i.Symbols("log")["log"]
	ts := mt[reflect.ValueOf(fmt.Println)]
	for _, name := range []string{"Print", "Printf", "Println"} {
		if v, ok := std[name]; ok {
			mt[v] = ts
		}
	}
	for _, name := range []string{"Fatal", "Fatalf", "Fatalln", "Panic", "Panicf", "Panicln", "Print", "Printf", "Println"} {
		if v, ok := logs[name]; ok {
			mt[v] = ts
		}
	}
	var probed reflect.Type
	probe := func(e error) bool {
		probed = reflect.TypeOf(e)
		return true
	}
	err := i.Use(interp.Exports{
		".": {"MapTypes": reflect.ValueOf(mt)},
		// A session value stored in a fmt.Stringer is wrapped in this
		// package's _Stringer too, which prints %d as the value. (Not
		// "fmt/fmt": that key makes the interpreter reset its stdlib.)
		"fmt/_dmgofmt": {"_Stringer": reflect.ValueOf((*_Stringer)(nil))},
		// The interpreter looks wrappers up by the interface's own package path.
		reflect.TypeFor[Stringer]().PkgPath() + "/gofmt": {
			"Errorer":   reflect.ValueOf((*Errorer)(nil)),
			"Stringer":  reflect.ValueOf((*Stringer)(nil)),
			"_Errorer":  reflect.ValueOf((*_Errorer)(nil)),
			"_Stringer": reflect.ValueOf((*_Stringer)(nil)),
		},
		Path + "/gofmt": {
			"V":          reflect.ValueOf(V),
			"F":          reflect.ValueOf(F),
			"Eq":         reflect.ValueOf(Eq),
			"NoWrap":     reflect.ValueOf(NoWrap),
			"D":          reflect.ValueOf(D),
			"FT":         reflect.ValueOf(FT),
			"TypeName":   reflect.ValueOf(TypeName),
			"Value":      reflect.ValueOf((*Value)(nil)),
			"ProbeError": reflect.ValueOf(probe),
			"J":          reflect.ValueOf(J),
			"JSONErr":    reflect.ValueOf(JSONErr),
			"Join":       reflect.ValueOf(Join),
			"Error":      reflect.ValueOf((*Error)(nil)),
		},
	})
	if err != nil {
		return err
	}
	return useErrorWrappers(i, &probed)
}

// probeSource converts a value of an interpreted type to error and hands
// it to compiled code, which sees the type of the interpreter's own error
// wrapper, unexported in its package.
const probeSource = `package main

import __dmgofmtprobe "dmirror/gofmt"

type __dmErrProbe struct{}

func (__dmErrProbe) Error() string { return "" }

var __dmErrProbed = __dmgofmtprobe.ProbeError(__dmErrProbe{})
`

// useErrorWrappers registers errorWrappers for the interpreter's error
// wrapper, which the table knows by the value the interpreter exports it
// as: a nil pointer to it.
func useErrorWrappers(i *interp.Interpreter, probed *reflect.Type) error {
	if _, err := i.Eval(probeSource); err != nil {
		return fmt.Errorf("gofmt: probe the error wrapper: %w", err)
	}
	if *probed == nil || (*probed).Kind() != reflect.Struct {
		return fmt.Errorf("gofmt: probe the error wrapper: got %v", *probed)
	}
	key := reflect.Zero(reflect.PointerTo(*probed))
	return i.Use(interp.Exports{".": {"MapTypes": reflect.ValueOf(map[reflect.Value][]reflect.Type{key: errorWrappers})}})
}

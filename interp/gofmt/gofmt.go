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
// It does not change what %T and %p print: fmt handles those verbs before
// it asks a Formatter, so the frontend rewrites them itself.
package gofmt

import (
	"encoding/json"
	"fmt"
	"reflect"
	"strconv"
	"sync"
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
	p.value(w.v, w.t, 0)
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
func (p *printer) value(v reflect.Value, t *node, depth int) {
	if t == nil || t.Native || !v.IsValid() {
		p.native(v, depth)
		return
	}
	if p.methods(v, t) {
		return
	}
	switch v.Kind() {
	case reflect.Struct:
		p.structValue(v, t, depth)
	case reflect.Slice, reflect.Array:
		p.list(v, t, depth)
	case reflect.Map:
		p.mapValue(v, t, depth)
	case reflect.Pointer:
		if depth == 0 && !v.IsNil() {
			switch v.Elem().Kind() {
			case reflect.Array, reflect.Slice, reflect.Struct, reflect.Map:
				p.write("&")
				p.value(v.Elem(), t.elem, depth+1)
				return
			}
		}
		p.pointer(v, t)
	case reflect.Interface:
		if v.IsNil() {
			if p.sharpV {
				p.write(t.Name + "(nil)")
			} else {
				p.write("<nil>")
			}
			return
		}
		p.native(v.Elem(), depth+1)
	default:
		p.native(v, depth)
	}
}

// methods calls the methods fmt's handleMethods would call, and reports
// whether one printed v.
func (p *printer) methods(v reflect.Value, t *node) (done bool) {
	if !v.CanInterface() {
		return false
	}
	call := func(name string, f func()) bool {
		defer func() {
			if r := recover(); r != nil {
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

func (p *printer) structValue(v reflect.Value, t *node, depth int) {
	if v.NumField() != len(t.Fields) {
		p.native(v, depth)
		return
	}
	if p.sharpV {
		p.write(t.Name)
	}
	p.write("{")
	for i, f := range t.Fields {
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
		if fv.Kind() == reflect.Interface && !fv.IsNil() {
			fv = fv.Elem()
			p.native(fv, depth+1)
			continue
		}
		p.value(fv, f.typ, depth+1)
	}
	p.write("}")
}

func (p *printer) list(v reflect.Value, t *node, depth int) {
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
			p.write(t.Name + "(nil)")
			return
		}
		p.write(t.Name + "{")
		for i := 0; i < v.Len(); i++ {
			if i > 0 {
				p.write(", ")
			}
			p.value(v.Index(i), t.elem, depth+1)
		}
		p.write("}")
		return
	}
	p.write("[")
	for i := 0; i < v.Len(); i++ {
		if i > 0 {
			p.write(" ")
		}
		p.value(v.Index(i), t.elem, depth+1)
	}
	p.write("]")
}

func (p *printer) mapValue(v reflect.Value, t *node, depth int) {
	if p.sharpV {
		if v.IsNil() {
			p.write(t.Name + "(nil)")
			return
		}
		p.write(t.Name + "{")
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
		p.value(k, t.key, depth+1)
		p.write(":")
		p.value(v.MapIndex(k), t.elem, depth+1)
	}
	if p.sharpV {
		p.write("}")
	} else {
		p.write("]")
	}
}

// pointer prints a pointer as fmt's fmtPointer does.
func (p *printer) pointer(v reflect.Value, t *node) {
	if p.verb != 'v' {
		fmt.Fprintf(p.s, p.dir, v.UnsafePointer())
		return
	}
	if p.sharpV {
		name := v.Type().String()
		if t != nil {
			name = t.Name
		}
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

// Exports returns the package for yaegi.
func Exports() map[string]map[string]reflect.Value {
	return map[string]map[string]reflect.Value{
		Path + "/gofmt": {
			"V":     reflect.ValueOf(V),
			"F":     reflect.ValueOf(F),
			"Value": reflect.ValueOf((*Value)(nil)),
		},
	}
}

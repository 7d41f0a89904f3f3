package values

import (
	"encoding/binary"
	"errors"
	"fmt"
	"hash/fnv"
	"reflect"
	"sync"
)

// A tdesc describes a type independently of any process: interpreted
// (unnamed) types by their structure, binary named types by package path
// and name. Descriptions may be cyclic, as recursive interpreted types are.
type tdesc struct {
	kind     reflect.Kind // a reflect.Kind, or kNamed or kError
	pkg      string       // kNamed
	name     string       // kNamed
	elem     *tdesc       // Array, Chan, Map, Pointer, Slice
	key      *tdesc       // Map
	n        int          // Array length, Chan direction
	variadic bool         // Func
	in, out  []*tdesc     // Func
	fields   []fdesc      // Struct
	methods  []string     // non-empty unnamed Interface, for identity only
}

type fdesc struct {
	name, tag string
	anon      bool
	typ       *tdesc
}

// Description kinds beyond reflect's.
const (
	kNamed reflect.Kind = 100 + iota // binary named type
	kError                           // the predeclared error interface
	kRef                             // a node described earlier in the same description
)

var errorType = reflect.TypeFor[error]()

func isComposite(k reflect.Kind) bool {
	switch k {
	case reflect.Array, reflect.Chan, reflect.Func, reflect.Interface, reflect.Map,
		reflect.Pointer, reflect.Slice, reflect.Struct:
		return true
	}
	return false
}

func isBasic(k reflect.Kind) bool {
	return k >= reflect.Bool && k <= reflect.Complex128 || k == reflect.String
}

// describe returns the description of t; seen makes cycles terminate.
func describe(t reflect.Type, seen map[reflect.Type]*tdesc) *tdesc {
	if d := seen[t]; d != nil {
		return d
	}
	if t.Name() != "" {
		switch {
		case IsGenerationPath(t.PkgPath()):
			return &tdesc{kind: kNamed, pkg: SessionPkg, name: sessionName(t)}
		case t.PkgPath() != "":
			return &tdesc{kind: kNamed, pkg: t.PkgPath(), name: t.Name()}
		case t == errorType:
			return &tdesc{kind: kError}
		}
		return &tdesc{kind: t.Kind()} // predeclared
	}
	d := &tdesc{kind: t.Kind()}
	seen[t] = d
	switch t.Kind() {
	case reflect.Pointer, reflect.Slice:
		d.elem = describe(t.Elem(), seen)
	case reflect.Array:
		d.n, d.elem = t.Len(), describe(t.Elem(), seen)
	case reflect.Chan:
		d.n, d.elem = int(t.ChanDir()), describe(t.Elem(), seen)
	case reflect.Map:
		d.key, d.elem = describe(t.Key(), seen), describe(t.Elem(), seen)
	case reflect.Func:
		d.variadic = t.IsVariadic()
		for i := range t.NumIn() {
			d.in = append(d.in, describe(t.In(i), seen))
		}
		for i := range t.NumOut() {
			d.out = append(d.out, describe(t.Out(i), seen))
		}
	case reflect.Struct:
		for i := range t.NumField() {
			f := t.Field(i)
			name := f.Name
			if f.PkgPath != "" {
				name = f.PkgPath + "." + name
			}
			d.fields = append(d.fields, fdesc{name: name, tag: string(f.Tag), anon: f.Anonymous, typ: describe(f.Type, seen)})
		}
	case reflect.Interface:
		for i := range t.NumMethod() {
			m := t.Method(i)
			d.methods = append(d.methods, m.Name+" "+m.Type.String())
		}
	}
	return d
}

// canonical serializes d, numbering composite nodes in visiting order so
// that identical types give identical bytes in every process.
func (d *tdesc) canonical() string {
	return string(appendDesc(nil, d, map[*tdesc]int{}))
}

func appendDesc(b []byte, d *tdesc, seen map[*tdesc]int) []byte {
	if isComposite(d.kind) {
		if id, ok := seen[d]; ok {
			b = append(b, byte(kRef))
			return binary.AppendUvarint(b, uint64(id))
		}
		seen[d] = len(seen)
	}
	b = append(b, byte(d.kind))
	switch d.kind {
	case kNamed:
		b = appendString(b, d.pkg)
		b = appendString(b, d.name)
	case reflect.Pointer, reflect.Slice:
		b = appendDesc(b, d.elem, seen)
	case reflect.Array, reflect.Chan:
		b = binary.AppendUvarint(b, uint64(d.n))
		b = appendDesc(b, d.elem, seen)
	case reflect.Map:
		b = appendDesc(b, d.key, seen)
		b = appendDesc(b, d.elem, seen)
	case reflect.Func:
		b = append(b, boolByte(d.variadic))
		b = binary.AppendUvarint(b, uint64(len(d.in)))
		for _, x := range d.in {
			b = appendDesc(b, x, seen)
		}
		b = binary.AppendUvarint(b, uint64(len(d.out)))
		for _, x := range d.out {
			b = appendDesc(b, x, seen)
		}
	case reflect.Struct:
		b = binary.AppendUvarint(b, uint64(len(d.fields)))
		for _, f := range d.fields {
			b = appendString(b, f.name)
			b = appendString(b, f.tag)
			b = append(b, boolByte(f.anon))
			b = appendDesc(b, f.typ, seen)
		}
	case reflect.Interface:
		b = binary.AppendUvarint(b, uint64(len(d.methods)))
		for _, m := range d.methods {
			b = appendString(b, m)
		}
	}
	return b
}

func boolByte(x bool) byte {
	if x {
		return 1
	}
	return 0
}

// typeInfo is what the codec needs to know about a type, computed once.
type typeInfo struct {
	canon string // canonical description
	fp    uint64 // fingerprint of canon, in every header
	// portErr says why a value of this type cannot travel inside an
	// interface (the receiver could not rebuild the type); nil if it can.
	portErr error
}

var infos sync.Map // reflect.Type → *typeInfo

func infoOf(t reflect.Type) *typeInfo {
	if i, ok := infos.Load(t); ok {
		return i.(*typeInfo)
	}
	d := describe(t, map[reflect.Type]*tdesc{})
	canon := d.canonical()
	h := fnv.New64a()
	h.Write([]byte(canon))
	i := &typeInfo{canon: canon, fp: h.Sum64(), portErr: portable(d, map[*tdesc]bool{})}
	infos.Store(t, i)
	return i
}

// portable reports why the receiver of a description could not rebuild
// the type, checked on the sender so that the error comes before anything
// is sent.
func portable(d *tdesc, seen map[*tdesc]bool) error {
	if seen[d] {
		return nil
	}
	seen[d] = true
	switch d.kind {
	case kNamed:
		if _, ok := reg.lookupType(d.pkg, d.name); !ok {
			return fmt.Errorf("type %s.%s is not known to other processes", d.pkg, d.name)
		}
	case reflect.Interface:
		if len(d.methods) > 0 {
			return errors.New("unnamed interface types with methods cannot be rebuilt")
		}
	}
	for _, c := range d.children() {
		if err := portable(c, seen); err != nil {
			return err
		}
	}
	return nil
}

func (d *tdesc) children() []*tdesc {
	var c []*tdesc
	if d.key != nil {
		c = append(c, d.key)
	}
	if d.elem != nil {
		c = append(c, d.elem)
	}
	c = append(c, d.in...)
	c = append(c, d.out...)
	for _, f := range d.fields {
		c = append(c, f.typ)
	}
	return c
}

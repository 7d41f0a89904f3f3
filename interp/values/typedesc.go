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

// Limits on descriptions read from the wire.
const (
	maxDescDepth = 200
	maxDescNodes = 2_000
)

// parseDesc reads a description written by appendDesc.
func parseDesc(data []byte) (*tdesc, error) {
	p := descParser{r: reader{buf: data}}
	d, err := p.node(0)
	if err != nil {
		return nil, fmt.Errorf("bad type description: %w", err)
	}
	if p.r.remaining() != 0 {
		return nil, errors.New("bad type description: trailing bytes")
	}
	return d, nil
}

type descParser struct {
	r     reader
	nodes []*tdesc
}

func (p *descParser) node(depth int) (*tdesc, error) {
	if depth > maxDescDepth {
		return nil, errors.New("nested too deeply")
	}
	k, err := p.r.byte()
	if err != nil {
		return nil, err
	}
	kind := reflect.Kind(k)
	switch {
	case kind == kRef:
		id, err := p.r.uvarint()
		if err != nil {
			return nil, err
		}
		if id >= uint64(len(p.nodes)) {
			return nil, fmt.Errorf("reference %d to an undescribed type", id)
		}
		return p.nodes[id], nil
	case kind == kError || isBasic(kind):
		return &tdesc{kind: kind}, nil
	case kind == kNamed:
		pkg, err := p.r.bytes()
		if err != nil {
			return nil, err
		}
		name, err := p.r.bytes()
		if err != nil {
			return nil, err
		}
		return &tdesc{kind: kind, pkg: string(pkg), name: string(name)}, nil
	case !isComposite(kind):
		return nil, fmt.Errorf("unknown kind %d", k)
	}
	if len(p.nodes) >= maxDescNodes {
		return nil, errors.New("too many types")
	}
	d := &tdesc{kind: kind}
	p.nodes = append(p.nodes, d)
	return d, p.composite(d, depth)
}

func (p *descParser) composite(d *tdesc, depth int) (err error) {
	switch d.kind {
	case reflect.Pointer, reflect.Slice:
		d.elem, err = p.node(depth + 1)
	case reflect.Array, reflect.Chan:
		var n uint64
		if n, err = p.r.uvarint(); err != nil {
			return err
		}
		if n > 1<<31 {
			return fmt.Errorf("array length %d too large", n)
		}
		d.n = int(n)
		d.elem, err = p.node(depth + 1)
	case reflect.Map:
		if d.key, err = p.node(depth + 1); err != nil {
			return err
		}
		d.elem, err = p.node(depth + 1)
	case reflect.Func:
		if d.variadic, err = p.r.bool(); err != nil {
			return err
		}
		if d.in, err = p.list(depth); err != nil {
			return err
		}
		d.out, err = p.list(depth)
	case reflect.Struct:
		err = p.fields(d, depth)
	case reflect.Interface:
		var n int
		if n, err = p.r.length(1); err != nil {
			return err
		}
		for range n {
			var m []byte
			if m, err = p.r.bytes(); err != nil {
				return err
			}
			d.methods = append(d.methods, string(m))
		}
	}
	return err
}

func (p *descParser) list(depth int) ([]*tdesc, error) {
	n, err := p.r.length(1)
	if err != nil {
		return nil, err
	}
	var l []*tdesc
	for range n {
		x, err := p.node(depth + 1)
		if err != nil {
			return nil, err
		}
		l = append(l, x)
	}
	return l, nil
}

func (p *descParser) fields(d *tdesc, depth int) error {
	n, err := p.r.length(4)
	if err != nil {
		return err
	}
	for range n {
		name, err := p.r.bytes()
		if err != nil {
			return err
		}
		tag, err := p.r.bytes()
		if err != nil {
			return err
		}
		anon, err := p.r.bool()
		if err != nil {
			return err
		}
		typ, err := p.node(depth + 1)
		if err != nil {
			return err
		}
		d.fields = append(d.fields, fdesc{name: string(name), tag: string(tag), anon: anon, typ: typ})
	}
	return nil
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

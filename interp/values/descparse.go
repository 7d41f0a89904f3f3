package values

import (
	"errors"
	"fmt"
	"reflect"
)

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

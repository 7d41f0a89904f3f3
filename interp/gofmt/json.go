package gofmt

import (
	"encoding/json"
	"errors"
	"reflect"
	"strings"
	"sync"
)

// encoding/json sees no method of an interpreted type. J gives json.Marshal
// a shadow of x in which every value whose type has a MarshalJSON or
// MarshalText method (found by the frontend, with the static types) is
// replaced by the method's result: json.RawMessage for MarshalJSON, a
// TextMarshaler of this package for MarshalText (map keys too). The rest
// keeps its types, field names and tags, so json treats it as Go would.

// jsonNode describes a type for J (indices 1-based, 0 none).
type jsonNode struct {
	Plain  bool        `json:"x,omitempty"` // nothing to replace inside
	Elem   int         `json:"e,omitempty"`
	Key    int         `json:"k,omitempty"`
	Fields []jsonField `json:"f,omitempty"`
	JSON   int         `json:"j,omitempty"` // MarshalJSON: index+1 in the methods
	Text   int         `json:"t,omitempty"` // MarshalText

	elem, key *jsonNode
	shadow    reflect.Type // of values of this type, built on first use
	once      sync.Once
}

type jsonField struct {
	Type int `json:"t"`
	typ  *jsonNode
}

var jsonSpecs sync.Map // string → *jsonNode

func parseJSON(spec string) *jsonNode {
	if v, ok := jsonSpecs.Load(spec); ok {
		return v.(*jsonNode)
	}
	var nodes []*jsonNode
	if err := json.Unmarshal([]byte(spec), &nodes); err != nil || len(nodes) == 0 {
		panic("gofmt: bad json spec " + spec) // a frontend bug, reported as the cell's panic
	}
	at := func(i int) *jsonNode {
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
	v, _ := jsonSpecs.LoadOrStore(spec, nodes[0])
	return v.(*jsonNode)
}

// textValue is the result of a MarshalText method.
type textValue struct {
	b   []byte
	err string
}

func (t textValue) MarshalText() ([]byte, error) {
	if t.err != "" {
		return nil, jsonError(t.err)
	}
	return t.b, nil
}

type jsonError string

func (e jsonError) Error() string { return string(e) }

// rawValue is the result of a MarshalJSON method (json.RawMessage, which
// has no room for an error). Shadows hold both as pointers, so that a
// field Go's omitempty finds empty can be left nil.
type rawValue struct {
	b   []byte
	err error
}

func (r rawValue) MarshalJSON() ([]byte, error) { return r.b, r.err }

var (
	textType = reflect.TypeFor[*textValue]()
	rawType  = reflect.TypeFor[*rawValue]()
)

// J returns the shadow of x for json.Marshal.
func J(x any, spec string, methods []func(any) ([]byte, error)) any {
	t := parseJSON(spec)
	s := shadowValue(reflect.ValueOf(x), t, methods)
	if !s.IsValid() {
		return nil
	}
	return s.Interface()
}

// shadowType is the type of the shadows of values of type t, described by n.
func shadowType(t reflect.Type, n *jsonNode) reflect.Type {
	if n == nil || n.Plain {
		return t
	}
	if n.JSON > 0 {
		return rawType
	}
	if n.Text > 0 {
		return textType
	}
	switch t.Kind() {
	case reflect.Pointer:
		return reflect.PointerTo(shadowType(t.Elem(), n.elem))
	case reflect.Slice:
		return reflect.SliceOf(shadowType(t.Elem(), n.elem))
	case reflect.Array:
		return reflect.ArrayOf(t.Len(), shadowType(t.Elem(), n.elem))
	case reflect.Map:
		return reflect.MapOf(shadowType(t.Key(), n.key), shadowType(t.Elem(), n.elem))
	case reflect.Struct:
		if len(n.Fields) != t.NumField() {
			return t
		}
		fs := make([]reflect.StructField, t.NumField())
		for i := range fs {
			f := t.Field(i)
			fs[i] = reflect.StructField{Name: f.Name, Tag: f.Tag, Type: shadowType(f.Type, n.Fields[i].typ)}
		}
		return reflect.StructOf(fs)
	}
	return t
}

// shadowValue converts v, of a type n describes, into its shadow.
func shadowValue(v reflect.Value, n *jsonNode, methods []func(any) ([]byte, error)) reflect.Value {
	if !v.IsValid() || n == nil || n.Plain {
		return v
	}
	call := func(i int) ([]byte, error) { return methods[i-1](v.Interface()) }
	switch {
	case n.JSON > 0:
		if v.Kind() == reflect.Pointer && v.IsNil() {
			return reflect.Zero(rawType)
		}
		b, err := call(n.JSON)
		return reflect.ValueOf(&rawValue{b, err})
	case n.Text > 0:
		if v.Kind() == reflect.Pointer && v.IsNil() {
			return reflect.Zero(textType)
		}
		b, err := call(n.Text)
		tv := &textValue{b: b}
		if err != nil {
			tv.err = err.Error()
		}
		return reflect.ValueOf(tv)
	}
	st := shadowType(v.Type(), n)
	switch v.Kind() {
	case reflect.Pointer:
		if v.IsNil() {
			return reflect.Zero(st)
		}
		p := reflect.New(st.Elem())
		p.Elem().Set(shadowValue(v.Elem(), n.elem, methods))
		return p
	case reflect.Slice:
		if v.IsNil() {
			return reflect.Zero(st)
		}
		s := reflect.MakeSlice(st, v.Len(), v.Len())
		for i := 0; i < v.Len(); i++ {
			s.Index(i).Set(shadowValue(v.Index(i), n.elem, methods))
		}
		return s
	case reflect.Array:
		a := reflect.New(st).Elem()
		for i := 0; i < v.Len(); i++ {
			a.Index(i).Set(shadowValue(v.Index(i), n.elem, methods))
		}
		return a
	case reflect.Map:
		if v.IsNil() {
			return reflect.Zero(st)
		}
		m := reflect.MakeMapWithSize(st, v.Len())
		it := v.MapRange()
		for it.Next() {
			m.SetMapIndex(shadowValue(it.Key(), n.key, methods), shadowValue(it.Value(), n.elem, methods))
		}
		return m
	case reflect.Struct:
		if st == v.Type() {
			return v
		}
		s := reflect.New(st).Elem()
		for i := 0; i < v.NumField(); i++ {
			f := st.Field(i)
			sv := shadowValue(v.Field(i), n.Fields[i].typ, methods)
			if opts := strings.Split(f.Tag.Get("json"), ","); (f.Type == rawType || f.Type == textType) && hasOpt(opts[1:], "omitempty") && isEmpty(v.Field(i)) {
				continue // Go's omitempty looks at the field's own kind
			}
			s.Field(i).Set(sv)
		}
		return s
	}
	return v
}

func hasOpt(opts []string, o string) bool {
	for _, x := range opts {
		if x == o {
			return true
		}
	}
	return false
}

// isEmpty is encoding/json's isEmptyValue.
func isEmpty(v reflect.Value) bool {
	switch v.Kind() {
	case reflect.Array, reflect.Map, reflect.Slice, reflect.String:
		return v.Len() == 0
	case reflect.Bool, reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Uintptr,
		reflect.Float32, reflect.Float64, reflect.Interface, reflect.Pointer:
		return v.IsZero()
	}
	return false
}

// JSONErr gives an *json.UnmarshalTypeError the Go name of the session
// struct holding the field (encoding/json takes it from the struct's
// reflect type, which has none for an interpreted struct): root is a nil
// value of the call's target type, names pairs of names and nil pointers
// of the session structs reachable from it. The frontend wraps the calls.
func JSONErr(err error, root any, names ...any) error {
	var ute *json.UnmarshalTypeError
	if !errors.As(err, &ute) || ute.Struct != "" || ute.Field == "" {
		return err
	}
	byType := map[reflect.Type]string{}
	for i := 0; i+1 < len(names); i += 2 {
		name, _ := names[i].(string)
		if pt := reflect.TypeOf(names[i+1]); pt != nil && pt.Kind() == reflect.Pointer {
			byType[pt.Elem()] = name
		}
	}
	t := reflect.TypeOf(root)
	var inner reflect.Type
	for _, key := range strings.Split(ute.Field, ".") {
		for t != nil && (t.Kind() == reflect.Pointer || t.Kind() == reflect.Slice || t.Kind() == reflect.Array || t.Kind() == reflect.Map) {
			t = t.Elem()
		}
		if t == nil || t.Kind() != reflect.Struct {
			return err
		}
		f, ok := fieldForKey(t, key)
		if !ok {
			return err
		}
		inner, t = t, f.Type
	}
	if name, ok := byType[inner]; ok {
		ute.Struct = name
	}
	return err
}

// fieldForKey finds the field of struct type t that encoding/json fills
// from key: by tag name, else by field name, ignoring case as json does.
func fieldForKey(t reflect.Type, key string) (reflect.StructField, bool) {
	for i := 0; i < t.NumField(); i++ {
		f := t.Field(i)
		name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
		if name == "-" {
			continue
		}
		if name == "" {
			name = f.Name
		}
		if strings.EqualFold(name, key) {
			return f, true
		}
	}
	return reflect.StructField{}, false
}

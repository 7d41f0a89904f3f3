package frontend

import (
	"encoding/json"
	"fmt"
	"go/ast"
	"go/types"
	"strconv"
	"strings"
)

// encoding/json sees neither the methods nor the real field names of
// session types: it writes unexported fields as "Xname" and calls no
// MarshalJSON, MarshalText, UnmarshalJSON or UnmarshalText method, except
// the one of json.Marshal's argument itself, which the interpreter wraps.
// Marshalling goes through gofmt.J, which calls the methods of the
// types' own method sets; what it cannot do (a method of *T for a T
// value, which json calls only on addressable values; unmarshalling) is
// refused here, naming the type.

// jsonMethods refuses an encoding/json call that would not give Go's
// result.
func (c *compiler) jsonMethods(call *ast.CallExpr, fn *types.Func) {
	if fn.Pkg().Path() != "encoding/json" {
		return
	}
	var arg ast.Expr
	marshal := true
	switch fn.FullName() {
	case "encoding/json.Marshal", "encoding/json.MarshalIndent", "(*encoding/json.Encoder).Encode":
		if len(call.Args) > 0 {
			arg = call.Args[0]
		}
	case "encoding/json.Unmarshal":
		if len(call.Args) > 1 {
			arg = call.Args[1]
		}
		marshal = false
	case "(*encoding/json.Decoder).Decode":
		if len(call.Args) > 0 {
			arg = call.Args[0]
		}
		marshal = false
	}
	if arg == nil {
		return
	}
	t := c.chk.info.Types[arg].Type
	if t == nil {
		return
	}
	methods := []string{"MarshalJSON", "MarshalText"}
	if !marshal {
		methods = []string{"UnmarshalJSON", "UnmarshalText"}
	}
	// json.Marshal's own argument is wrapped with the methods of its
	// static type (the interpreter's MapTypes); nothing else is.
	top := fn.FullName() == "encoding/json.Marshal"
	j := &jsonWalk{c: c, methods: methods, marshal: marshal, seen: map[types.Type]bool{}}
	if !j.walk(t, top) && j.needs {
		c.jsonShadow(arg, t)
		return
	}
	if !marshal && j.typ == nil {
		c.jsonErrNames(call, t)
	}
	if j.typ != nil {
		name := "json." + fn.Name()
		if fn.Name() == "Encode" || fn.Name() == "Decode" {
			name = fn.FullName()[len("(*encoding/"):]
			name = "(*" + name
		}
		if j.method != "" {
			c.errAt(c.coff(arg.Pos()), "%s of %s, which has %s %s method, is not supported by the interpreter (it would not call the method)", name, c.goName(j.typ), article(j.method), j.method)
		} else {
			c.errAt(c.coff(arg.Pos()), "%s of %s, which has the unexported field %s, is not supported by the interpreter (it would write the field)", name, c.goName(j.typ), j.field)
		}
	}
}

// jsonWalk finds, in the values of a type, a session type json would get
// wrong.
type jsonWalk struct {
	c       *compiler
	methods []string
	marshal bool
	seen    map[types.Type]bool
	typ     types.Type // what is wrong: a type with a method, or a struct
	method  string     // with this method
	field   string     // or with this unexported field
	needs   bool       // marshal: a MarshalJSON or MarshalText of a type's own, which gofmt.J calls
}

func (j *jsonWalk) walk(t types.Type, top bool) bool {
	if t == nil || j.seen[t] {
		return false
	}
	j.seen[t] = true
	if top || j.marshal && j.c.interpretedNamed(t) {
		for _, m := range j.methods {
			if types.NewMethodSet(t).Lookup(nil, m) != nil {
				j.needs = j.needs || j.marshal && j.c.interpretedNamed(t)
				return false // json calls it, and looks no further
			}
		}
	}
	if n, ok := t.(*types.Named); ok && j.c.interpretedNamed(n) && !types.IsInterface(n) {
		for _, m := range j.methods {
			inT := types.NewMethodSet(t).Lookup(nil, m) != nil
			inPtr := types.NewMethodSet(types.NewPointer(t)).Lookup(nil, m) != nil
			if inT || inPtr {
				j.typ, j.method = t, m
				return true
			}
		}
	}
	switch u := t.Underlying().(type) {
	case *types.Pointer:
		return j.walk(u.Elem(), false)
	case *types.Slice:
		return j.walk(u.Elem(), false)
	case *types.Array:
		return j.walk(u.Elem(), false)
	case *types.Map:
		return j.walk(u.Key(), false) || j.walk(u.Elem(), false)
	case *types.Struct:
		for i := 0; i < u.NumFields(); i++ {
			f := u.Field(i)
			if !f.Exported() && !f.Embedded() {
				// The frontend tags the session's untagged unexported fields
				// json:"-" (hideUnexported); module packages' are not rewritten.
				if j.marshal && j.c.interpretedNamed(t) && (u.Tag(i) != "" || !isSessionType(t)) {
					j.typ, j.field = t, f.Name()
					return true
				}
				continue
			}
			if j.walk(f.Type(), false) {
				return true
			}
		}
	}
	return false
}

func article(word string) string {
	if word != "" && strings.ContainsRune("AEIOU", rune(word[0])) {
		return "an"
	}
	return "a"
}

// templateMethods refuses executing a text/template or html/template with
// data of a session type that has methods: the template sees none of them,
// neither to call ({{.Title}}) nor to print values ({{.Price}} with a
// String method).
func (c *compiler) templateMethods(call *ast.CallExpr, fn *types.Func) {
	var arg ast.Expr
	switch fn.FullName() {
	case "(*text/template.Template).Execute", "(*html/template.Template).Execute":
		if len(call.Args) == 2 {
			arg = call.Args[1]
		}
	case "(*text/template.Template).ExecuteTemplate", "(*html/template.Template).ExecuteTemplate":
		if len(call.Args) == 3 {
			arg = call.Args[2]
		}
	}
	if arg == nil {
		return
	}
	if t, m := c.withMethods(c.chk.info.Types[arg].Type, map[types.Type]bool{}); t != nil {
		c.errAt(c.coff(arg.Pos()), "%s.%s with data of %s, which has the method %s, is not supported by the interpreter (templates do not see methods of session types)", fn.Pkg().Name(), fn.Name(), c.goName(t), m)
	}
}

// withMethods finds, in the values of t, a session type with methods.
func (c *compiler) withMethods(t types.Type, seen map[types.Type]bool) (types.Type, string) {
	if t == nil || seen[t] {
		return nil, ""
	}
	seen[t] = true
	if c.interpretedNamed(t) && !types.IsInterface(t) {
		base := t
		if p, ok := t.(*types.Pointer); ok {
			base = p.Elem()
		}
		if ms := types.NewMethodSet(types.NewPointer(base)); ms.Len() > 0 {
			return base, ms.At(0).Obj().Name()
		}
	}
	switch u := t.Underlying().(type) {
	case *types.Pointer:
		return c.withMethods(u.Elem(), seen)
	case *types.Slice:
		return c.withMethods(u.Elem(), seen)
	case *types.Array:
		return c.withMethods(u.Elem(), seen)
	case *types.Map:
		if t, m := c.withMethods(u.Key(), seen); t != nil {
			return t, m
		}
		return c.withMethods(u.Elem(), seen)
	case *types.Struct:
		for i := 0; i < u.NumFields(); i++ {
			if t, m := c.withMethods(u.Field(i).Type(), seen); t != nil {
				return t, m
			}
		}
	}
	return nil, ""
}

// hideUnexported tags the unexported fields of a struct type `json:"-"`:
// the interpreter's struct types have every field exported (a field x is
// Xx to reflection), so encoding/json would write and read them; Go's
// json skips them. Fields with a tag of their own keep it (jsonMethods
// refuses marshalling them).
func (c *compiler) hideUnexported(st *ast.StructType) {
	for _, f := range st.Fields.List {
		if f.Tag != nil || len(f.Names) == 0 || f.Names[0].IsExported() {
			continue
		}
		c.ed.insert(c.coff(f.Type.End()), " `json:\"-\"`")
	}
}

// jsonShadow passes arg, of type t, through gofmt.J.
func (c *compiler) jsonShadow(arg ast.Expr, t types.Type) {
	js := &jsonSpecBuilder{c: c}
	js.node(t, false)
	b, err := json.Marshal(js.nodes)
	if err != nil {
		panic(err) // plain structs always marshal
	}
	methods := "nil"
	if len(js.methods) > 0 {
		methods = "[]func(any) ([]byte, error){" + strings.Join(js.methods, ", ") + "}"
	}
	c.ed.insert(c.coff(arg.Pos()), "__dmgofmt.J(")
	c.ed.insertOuter(c.coff(arg.End()), ", "+strconv.Quote(string(b))+", "+methods+")")
}

// jsonNode is gofmt's (interp/gofmt/json.go).
type jsonNode struct {
	Plain  bool       `json:"x,omitempty"`
	Elem   int        `json:"e,omitempty"`
	Key    int        `json:"k,omitempty"`
	Fields []fmtField `json:"f,omitempty"`
	JSON   int        `json:"j,omitempty"`
	Text   int        `json:"t,omitempty"`
}

type jsonSpecBuilder struct {
	c       *compiler
	types   []types.Type
	keys    []bool
	nodes   []*jsonNode
	methods []string
}

// node returns the 1-based index of the node of t (as a map key: json
// uses the string of a string key, not its MarshalText).
func (js *jsonSpecBuilder) node(t types.Type, key bool) int {
	for i, seen := range js.types {
		if types.Identical(seen, t) && js.keys[i] == key {
			return i + 1
		}
	}
	n := &jsonNode{}
	js.types, js.keys, js.nodes = append(js.types, t), append(js.keys, key), append(js.nodes, n)
	id := len(js.nodes)
	if key && isString(t) {
		n.Plain = true
		return id
	}
	if js.c.interpretedNamed(t) && !types.IsInterface(t) {
		ms := types.NewMethodSet(t)
		for _, m := range []string{"MarshalJSON", "MarshalText"} {
			if ms.Lookup(nil, m) == nil {
				continue
			}
			js.methods = append(js.methods, fmt.Sprintf("func(__dmv any) ([]byte, error) { return __dmv.(%s).%s() }", js.c.typeString(t), m))
			if m == "MarshalJSON" {
				n.JSON = len(js.methods)
			} else {
				n.Text = len(js.methods)
			}
			return id
		}
	}
	j := &jsonWalk{c: js.c, methods: []string{"MarshalJSON", "MarshalText"}, marshal: true, seen: map[types.Type]bool{}}
	if j.walk(t, false); !j.needs {
		n.Plain = true
		return id
	}
	switch u := t.Underlying().(type) {
	case *types.Pointer:
		n.Elem = js.node(u.Elem(), false)
	case *types.Slice:
		n.Elem = js.node(u.Elem(), false)
	case *types.Array:
		n.Elem = js.node(u.Elem(), false)
	case *types.Map:
		n.Key = js.node(u.Key(), true)
		n.Elem = js.node(u.Elem(), false)
	case *types.Struct:
		for i := 0; i < u.NumFields(); i++ {
			n.Fields = append(n.Fields, fmtField{Name: u.Field(i).Name(), Type: js.node(u.Field(i).Type(), false)})
		}
	default:
		n.Plain = true
	}
	return id
}

// jsonErrNames names session structs in the errors of json.Unmarshal and
// Decode: encoding/json writes "Go struct field Item.qty", taking Item from
// the struct's reflect type, which has no name for an interpreted struct
// (it wrote ".qty"). The call becomes __dmgofmt.JSONErr(call, root,
// "Item", (*Item)(nil), ...): the target's static type, and each session
// struct reachable from it with its Go name.
func (c *compiler) jsonErrNames(call *ast.CallExpr, t types.Type) {
	var structs []string
	seen := map[types.Type]bool{}
	var walk func(t types.Type)
	walk = func(t types.Type) {
		if t == nil || seen[t] {
			return
		}
		seen[t] = true
		if n, ok := types.Unalias(t).(*types.Named); ok && c.interpretedNamed(n) {
			if _, isStruct := n.Underlying().(*types.Struct); isStruct {
				structs = append(structs, fmt.Sprintf("%q, (*%s)(nil)", n.Obj().Name(), c.typeString(n)))
			}
		}
		switch u := t.Underlying().(type) {
		case *types.Pointer:
			walk(u.Elem())
		case *types.Slice:
			walk(u.Elem())
		case *types.Array:
			walk(u.Elem())
		case *types.Map:
			walk(u.Elem())
		case *types.Struct:
			for i := 0; i < u.NumFields(); i++ {
				walk(u.Field(i).Type())
			}
		}
	}
	walk(t)
	if len(structs) == 0 || types.IsInterface(t) {
		return
	}
	c.ed.insert(c.coff(call.Pos()), "__dmgofmt.JSONErr(")
	c.ed.insert(c.coff(call.End()), fmt.Sprintf(", (%s)(nil), %s)", c.typeString(t), strings.Join(structs, ", ")))
}

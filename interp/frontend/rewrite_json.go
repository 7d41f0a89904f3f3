package frontend

import (
	"go/ast"
	"go/types"
	"strings"
)

// encoding/json sees neither the methods nor the real field names of
// session types: it writes unexported fields as "Xname" and calls no
// MarshalJSON, MarshalText, UnmarshalJSON or UnmarshalText method, except
// the one of json.Marshal's argument itself, which the interpreter wraps.
// Until session types are compiled, such calls are refused here, naming
// the type.

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
	j := &jsonWalk{methods: methods, marshal: marshal, seen: map[types.Type]bool{}}
	if j.walk(t, top) {
		name := "json." + fn.Name()
		if fn.Name() == "Encode" || fn.Name() == "Decode" {
			name = fn.FullName()[len("(*encoding/"):]
			name = "(*" + name
		}
		if j.method != "" {
			c.errAt(c.coff(arg.Pos()), "%s of %s, which has %s %s method, is not supported by the interpreter (it would not call the method)", name, c.goName(j.typ), article(j.method), j.method)
		} else {
			c.errAt(c.coff(arg.Pos()), "%s of %s, which has the unexported field %s, is not supported by the interpreter (it would write the field as %q)", name, c.goName(j.typ), j.field, "X"+j.field)
		}
	}
}

// jsonWalk finds, in the values of a type, a session type json would get
// wrong.
type jsonWalk struct {
	methods []string
	marshal bool
	seen    map[types.Type]bool
	typ     types.Type // what is wrong: a type with a method, or a struct
	method  string     // with this method
	field   string     // or with this unexported field
}

func (j *jsonWalk) walk(t types.Type, top bool) bool {
	if t == nil || j.seen[t] {
		return false
	}
	j.seen[t] = true
	if top {
		for _, m := range j.methods {
			if types.NewMethodSet(t).Lookup(nil, m) != nil {
				return false // json calls it, and looks no further
			}
		}
	}
	if n, ok := t.(*types.Named); ok && isSessionType(n) && !types.IsInterface(n) {
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
				if j.marshal && isSessionType(t) {
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

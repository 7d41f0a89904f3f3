package frontend

import (
	"go/ast"
	"go/types"
	"strings"
)

// embedConversions refuses giving a value of a session struct type that
// embeds an interface (type reverse struct{ sort.Interface }) to a
// compiled interface with methods: yaegi then builds its type with reflect.StructOf, which does
// not support the methods of embedded interfaces, and the cell panicked
// ("reflect: StructOf does not support methods of embedded interfaces",
// acceptance program sort_interface_embedding), failed with "method not
// found: Read", or gave "invalid interface value". Calling the promoted
// methods in interpreted code works and stays, and so does giving the
// value to any or to an interface the session declared. The contexts
// looked at:
// call arguments and conversions, assignments, var declarations with a
// type, returns, composite literal elements and sends.
func (c *compiler) embedConversions() {
	for _, n := range c.cellNodes() {
		ast.Inspect(n, func(x ast.Node) bool {
			switch x := x.(type) {
			case *ast.CallExpr:
				c.embedCall(x)
			case *ast.AssignStmt:
				if len(x.Lhs) == len(x.Rhs) {
					for i, r := range x.Rhs {
						c.embedTo(r, c.chk.info.Types[x.Lhs[i]].Type)
					}
				}
			case *ast.ValueSpec:
				if x.Type != nil {
					for _, v := range x.Values {
						c.embedTo(v, c.chk.info.Types[x.Type].Type)
					}
				}
			case *ast.ReturnStmt:
				if res := c.resultsOf(x); res != nil && res.Len() == len(x.Results) {
					for i, r := range x.Results {
						c.embedTo(r, res.At(i).Type())
					}
				}
			case *ast.CompositeLit:
				c.embedElems(x)
			case *ast.SendStmt:
				if ch, ok := types.Unalias(c.chk.info.Types[x.Chan].Type).Underlying().(*types.Chan); ok {
					c.embedTo(x.Value, ch.Elem())
				}
			}
			return true
		})
	}
}

func (c *compiler) embedCall(call *ast.CallExpr) {
	tv := c.chk.info.Types[call.Fun]
	if tv.IsType() {
		if len(call.Args) == 1 {
			c.embedTo(call.Args[0], tv.Type)
		}
		return
	}
	sig, ok := types.Unalias(tv.Type).Underlying().(*types.Signature)
	if !ok {
		return
	}
	for i, a := range call.Args {
		if call.Ellipsis.IsValid() && i == len(call.Args)-1 {
			break
		}
		c.embedTo(a, paramType(sig, i))
	}
}

func (c *compiler) embedElems(lit *ast.CompositeLit) {
	t := c.chk.info.Types[lit].Type
	if t == nil {
		return
	}
	for i, e := range lit.Elts {
		kv, isKV := e.(*ast.KeyValueExpr)
		switch u := types.Unalias(t).Underlying().(type) {
		case *types.Struct:
			if isKV {
				if id, ok := kv.Key.(*ast.Ident); ok {
					for j := 0; j < u.NumFields(); j++ {
						if u.Field(j).Name() == id.Name {
							c.embedTo(kv.Value, u.Field(j).Type())
						}
					}
				}
			} else if i < u.NumFields() {
				c.embedTo(e, u.Field(i).Type())
			}
		case *types.Slice:
			c.embedTo(elemValue(e), u.Elem())
		case *types.Array:
			c.embedTo(elemValue(e), u.Elem())
		case *types.Map:
			if isKV {
				c.embedTo(kv.Key, u.Key())
				c.embedTo(kv.Value, u.Elem())
			}
		}
	}
}

func elemValue(e ast.Expr) ast.Expr {
	if kv, ok := e.(*ast.KeyValueExpr); ok {
		return kv.Value
	}
	return e
}

// resultsOf is the result list of the func a statement is in; nil for
// the statements of the cell itself.
func (c *compiler) resultsOf(n ast.Node) *types.Tuple {
	for p := c.parents[n]; p != nil; p = c.parents[p] {
		var t types.Type
		switch f := p.(type) {
		case *ast.FuncLit:
			t = c.chk.info.Types[f].Type
		case *ast.FuncDecl:
			if obj := c.chk.info.Defs[f.Name]; obj != nil {
				t = obj.Type()
			}
		default:
			continue
		}
		if sig, ok := t.(*types.Signature); ok {
			return sig.Results()
		}
		return nil
	}
	return nil
}

// embedTo refuses e when it is a value of a session struct type that
// embeds an interface and target is an interface type.
func (c *compiler) embedTo(e ast.Expr, target types.Type) {
	if target == nil || !types.IsInterface(target) {
		return
	}
	if _, ok := target.(*types.TypeParam); ok {
		return
	}
	if it, ok := target.Underlying().(*types.Interface); !ok || it.Empty() || c.interpretedNamed(target) {
		return // any, or a session interface: yaegi makes those values itself
	}
	t := c.chk.info.Types[e].Type
	if t == nil || types.IsInterface(t) {
		return
	}
	if emb := c.embeddedIface(t); emb != nil {
		c.errAt(c.coff(e.Pos()), "a value of %s, a struct type that embeds an interface (%s), given to %s is not supported by the interpreter: it fails (reflect.StructOf does not support methods of embedded interfaces); use a named field and forward the methods", c.goName(t), c.goName(emb), c.goName(target))
	}
}

// embeddedIface is the interface a session struct type t (or *t) embeds,
// or nil.
func (c *compiler) embeddedIface(t types.Type) types.Type {
	if p, ok := t.(*types.Pointer); ok {
		t = p.Elem()
	}
	if !c.interpretedNamed(t) {
		return nil
	}
	st, ok := t.Underlying().(*types.Struct)
	if !ok {
		return nil
	}
	for i := 0; i < st.NumFields(); i++ {
		if f := st.Field(i); f.Embedded() && types.IsInterface(f.Type()) {
			return f.Type()
		}
	}
	return nil
}

// pointerConstraints refuses a type parameter whose constraint's type set
// is a pointer type, as in the pointer-method pattern
// `func F[T any, PT interface{ *T; Set(string) error }]`: yaegi fails on
// the func ("CFG post-order panic: runtime error: invalid memory address",
// or "not a generic type" in acceptance program generics_ptr_constraint).
func (c *compiler) pointerConstraints(params *ast.FieldList) {
	if params == nil {
		return
	}
	for _, f := range params.List {
		for _, name := range f.Names {
			tn, ok := c.chk.info.Defs[name].(*types.TypeName)
			if !ok {
				continue
			}
			tp, ok := tn.Type().(*types.TypeParam)
			if !ok {
				continue
			}
			if iface, ok := tp.Constraint().Underlying().(*types.Interface); ok && pointerTerm(iface) {
				c.errAt(c.coff(name.Pos()), "a type parameter constrained to pointer types (%s %s) is not supported by the interpreter (it fails on the func); take a func that makes the pointer's method call instead, or a parameter of the interface type", name.Name, c.goName(tp.Constraint()))
			}
		}
	}
}

// pointerTerm reports whether an interface's type set has a pointer term.
func pointerTerm(iface *types.Interface) bool {
	for i := 0; i < iface.NumEmbeddeds(); i++ {
		switch e := iface.EmbeddedType(i).(type) {
		case *types.Pointer:
			return true
		case *types.Union:
			for j := 0; j < e.Len(); j++ {
				if _, ok := e.Term(j).Type().(*types.Pointer); ok {
					return true
				}
			}
		case *types.Named, *types.Alias:
			if in, ok := e.Underlying().(*types.Interface); ok && pointerTerm(in) {
				return true
			}
		}
	}
	return false
}

// promotedIfaceMethod writes out the path of a method promoted through an
// embedded interface field (n.Area() with type Named struct{ Shape; name
// string } becomes n.Shape.Area()): yaegi panicked "invalid interface
// value" on the promoted call when the struct had other fields, and the
// explicit selection works.
func (c *compiler) promotedIfaceMethod(sel *ast.SelectorExpr) {
	s, ok := c.chk.info.Selections[sel]
	if !ok || s.Kind() == types.FieldVal || len(s.Index()) < 2 {
		return
	}
	t := s.Recv()
	var path []string
	viaIface := false
	for _, i := range s.Index()[:len(s.Index())-1] {
		if p, ok := t.Underlying().(*types.Pointer); ok {
			t = p.Elem()
		}
		if p, ok := t.(*types.Pointer); ok {
			t = p.Elem()
		}
		st, ok := t.Underlying().(*types.Struct)
		if !ok || i >= st.NumFields() {
			return
		}
		f := st.Field(i)
		path = append(path, f.Name())
		t = f.Type()
		viaIface = viaIface || types.IsInterface(t)
	}
	if !viaIface {
		return
	}
	c.ed.insert(c.coff(sel.Sel.Pos()), strings.Join(path, ".")+".")
}

package frontend

import (
	"go/ast"
	"go/token"
	"go/types"
)

// Where the interpreter would give a value compiled Go does not, the cell
// gets Go's value through a rewrite, or fails with an error naming the
// construct.

// errorType is the predeclared error interface.
var errorType = types.Universe.Lookup("error").Type().Underlying().(*types.Interface)

// compiledCall handles a call of a compiled (standard library) func.
func (c *compiler) compiledCall(call *ast.CallExpr) {
	sig, fn := c.calleeOf(call)
	if sig == nil || fn == nil || fn.Pkg() == nil || fn.Pkg().Path() == "main" {
		return
	}
	done := c.fmtArgs(call, fn)
	c.errorArgs(call, sig, done)
	c.jsonArgs(call, fn)
	c.jsonMethods(call, fn)
	c.errorsAsStruct(call, fn)
	c.templateMethods(call, fn)
	c.reflectArgs(call, fn)
}

// calleeOf returns the signature and the func a call calls, if static.
func (c *compiler) calleeOf(call *ast.CallExpr) (*types.Signature, *types.Func) {
	var id *ast.Ident
	switch f := ast.Unparen(call.Fun).(type) {
	case *ast.Ident:
		id = f
	case *ast.SelectorExpr:
		id = f.Sel
	default:
		return nil, nil
	}
	fn, ok := c.chk.info.Uses[id].(*types.Func)
	if !ok {
		return nil, nil
	}
	sig, _ := c.chk.info.Types[call.Fun].Type.(*types.Signature)
	return sig, fn
}

// errorArgs passes a value of a session type that implements error as an
// error: passed as any, compiled code (fmt's %w and %v) does not see the
// interpreted Error method. A conversion error(x) is not enough for the
// interpreter; a value that went through an error parameter is.
func (c *compiler) errorArgs(call *ast.CallExpr, sig *types.Signature, done map[ast.Expr]bool) {
	if call.Ellipsis.IsValid() {
		return
	}
	for i, arg := range call.Args {
		if done[arg] {
			continue // printed by fmtArgs' wrapper
		}
		pt := paramType(sig, i)
		if pt == nil || !types.IsInterface(pt) {
			continue
		}
		at := c.chk.info.Types[arg].Type
		if at == nil || types.IsInterface(at) || !isSessionType(at) || !types.Implements(at, errorType) {
			continue
		}
		c.asError(arg)
	}
}

// asError passes e through an error parameter.
func (c *compiler) asError(e ast.Expr) {
	c.ed.insert(c.coff(e.Pos()), "func(__dmE error) error { return __dmE }(")
	c.ed.insertOuter(c.coff(e.End()), ")")
}

// errorAssign does the same for a value of a session type assigned to an
// error variable: the interpreter's error value then prints as the
// struct's fields (value receivers), and errors.Is panics on it.
func (c *compiler) errorAssign(lhs []types.Type, rhs []ast.Expr) {
	if len(lhs) != len(rhs) {
		return
	}
	for i, r := range rhs {
		if lhs[i] == nil || !types.Identical(lhs[i], types.Universe.Lookup("error").Type()) {
			continue
		}
		at := c.chk.info.Types[r].Type
		if at == nil || types.IsInterface(at) || !isSessionType(at) || !types.Implements(at, errorType) {
			continue
		}
		c.asError(r)
	}
}

func (c *compiler) assignErrors(n ast.Node) {
	switch n := n.(type) {
	case *ast.AssignStmt:
		if n.Tok != token.ASSIGN {
			return
		}
		lhs := make([]types.Type, len(n.Lhs))
		for i, l := range n.Lhs {
			lhs[i] = c.chk.info.Types[l].Type
		}
		c.errorAssign(lhs, n.Rhs)
	case *ast.ValueSpec:
		if n.Type == nil {
			return
		}
		t := c.chk.info.Types[n.Type].Type
		lhs := make([]types.Type, len(n.Values))
		for i := range lhs {
			lhs[i] = t
		}
		c.errorAssign(lhs, n.Values)
	}
}

func paramType(sig *types.Signature, i int) types.Type {
	n := sig.Params().Len()
	if n == 0 {
		return nil
	}
	if sig.Variadic() && i >= n-1 {
		if s, ok := sig.Params().At(n - 1).Type().(*types.Slice); ok {
			return s.Elem()
		}
		return nil
	}
	if i >= n {
		return nil
	}
	return sig.Params().At(i).Type()
}

// isSessionType reports whether t is (a pointer to) a type the session
// declared: the interpreter's own.
func isSessionType(t types.Type) bool {
	if p, ok := t.(*types.Pointer); ok {
		t = p.Elem()
	}
	n, ok := t.(*types.Named)
	return ok && n.Obj().Pkg() != nil && n.Obj().Pkg().Path() == "main"
}

// jsonArgs refuses encoding/json of a session struct with an embedded
// struct: the interpreter nests the embedded fields ({"In":{"A":1}}).
func (c *compiler) jsonArgs(call *ast.CallExpr, fn *types.Func) {
	if fn.Pkg().Path() != "encoding/json" {
		return
	}
	var arg ast.Expr
	switch fn.Name() {
	case "Marshal", "MarshalIndent", "Encode", "Decode":
		if len(call.Args) > 0 {
			arg = call.Args[0]
		}
	case "Unmarshal":
		if len(call.Args) > 1 {
			arg = call.Args[1]
		}
	}
	if arg == nil {
		return
	}
	if st, field := embeddedStruct(c.chk.info.Types[arg].Type, map[types.Type]bool{}); st != "" && !c.comp.has(st) { // compiled: Go's json
		c.errAt(c.coff(arg.Pos()), "encoding/json of %s with the embedded field %s is not supported by the interpreter (it would nest the embedded fields)", st, field)
	}
}

// embeddedStruct finds, in the values of t, a session struct with an
// embedded struct field, and names both.
func embeddedStruct(t types.Type, seen map[types.Type]bool) (string, string) {
	if t == nil || seen[t] {
		return "", ""
	}
	seen[t] = true
	switch u := t.Underlying().(type) {
	case *types.Pointer:
		return embeddedStruct(u.Elem(), seen)
	case *types.Slice:
		return embeddedStruct(u.Elem(), seen)
	case *types.Array:
		return embeddedStruct(u.Elem(), seen)
	case *types.Map:
		return embeddedStruct(u.Elem(), seen)
	case *types.Struct:
		for i := 0; i < u.NumFields(); i++ {
			f := u.Field(i)
			ft := f.Type()
			if p, ok := ft.(*types.Pointer); ok {
				ft = p.Elem()
			}
			if _, isStruct := ft.Underlying().(*types.Struct); f.Embedded() && isStruct && isSessionType(t) {
				return types.TypeString(t, func(*types.Package) string { return "" }), f.Name()
			}
			if s, fl := embeddedStruct(f.Type(), seen); s != "" {
				return s, fl
			}
		}
	}
	return "", ""
}

package frontend

import (
	"go/ast"
	"go/types"
)

// variadicCall applies the rewrites of this file to a call of a variadic
// func, method or func value (not a builtin, not a conversion).
func (c *compiler) variadicCall(call *ast.CallExpr) {
	tv := c.chk.info.Types[call.Fun]
	sig, _ := tv.Type.(*types.Signature)
	if sig == nil || !sig.Variadic() || tv.IsType() || c.isBuiltinCall(call) {
		return
	}
	c.spreadFuncArgs(call)
	_, fn := c.calleeOf(call)
	if fn != nil && fn.Pkg() != nil && fn.Pkg().Path() != "main" {
		c.variadicIfaceArgs(call, sig, fn) // compiledCall's case, with fn's package
		c.nilSpread(call, sig)
		return
	}
	if !c.mayCallCompiled(call, fn) {
		c.nilSpread(call, sig)
		return
	}
	c.variadicIfaceArgs(call, sig, nil)
	if !c.nilSpread(call, sig) {
		c.emptyVariadic(call, sig)
	}
}

func (c *compiler) isBuiltinCall(call *ast.CallExpr) bool {
	id, ok := ast.Unparen(call.Fun).(*ast.Ident)
	if !ok {
		return false
	}
	_, ok = c.chk.info.Uses[id].(*types.Builtin)
	return ok
}

// mayCallCompiled reports whether a call of a session func or method, or
// of a func value, fn its func if static, may run compiled code: a
// compiled session func or method, an interface's method, a func value.
func (c *compiler) mayCallCompiled(call *ast.CallExpr, fn *types.Func) bool {
	if fn == nil {
		return true
	}
	recv := fn.Type().(*types.Signature).Recv()
	if recv == nil {
		return c.comp.has(fn.Name())
	}
	if types.IsInterface(recv.Type()) {
		return true
	}
	return c.compiledNamed(recv.Type()) != nil
}

// variadicIfaceArgs passes a value of an interpreted session type given
// to the variadic parameter ...I of a compiled func, I a non-empty
// compiled interface, through a parameter of type I first: yaegi makes
// the interface value for a fixed parameter, but not for a variadic one
// (io.MultiWriter(&sb, upper{&sb}) panicked "reflect: cannot use struct
// { Xw io.Writer } as type io.Writer in Call": acceptance program
// io_reader_custom; total(sq, blob{1}) of a compiled total(xs ...Shape),
// "cannot use struct { Xr float64 } as type main.Shape"). fn is the
// called package func, whose package the cell imports; nil for session
// funcs, methods and func values, whose I must be a session interface.
// The arguments of a deferred call or go statement pass through variables
// of the parameters' types already.
func (c *compiler) variadicIfaceArgs(call *ast.CallExpr, sig *types.Signature, fn *types.Func) {
	if call.Ellipsis.IsValid() || c.deferredOrGo(call) {
		return
	}
	n := sig.Params().Len()
	for i := n - 1; i < len(call.Args); i++ {
		pt := paramType(sig, i)
		it, ok := pt.Underlying().(*types.Interface)
		if !ok || it.Empty() || !c.compiledIface(pt) || !c.nameable(pt, fn) {
			continue
		}
		arg := call.Args[i]
		at := c.chk.info.Types[arg].Type
		if at == nil || types.IsInterface(at) || !c.interpretedSessionType(at) {
			continue
		}
		ts := c.typeString(pt)
		c.ed.insert(c.coff(arg.Pos()), "func(__dmI "+ts+") "+ts+" { return __dmI }(")
		c.ed.insertOuter(c.coff(arg.End()), ")")
	}
}

// nameable reports whether the cell can name t: a named type of the
// universe, of the session, or of fn's package (which the cell imports).
func (c *compiler) nameable(t types.Type, fn *types.Func) bool {
	n, ok := types.Unalias(t).(*types.Named)
	if !ok {
		return false
	}
	p := n.Obj().Pkg()
	return p == nil || fn != nil && p == fn.Pkg() || p.Path() == "main" && n.Obj().Parent() == p.Scope()
}

// nilSpread writes f(a, nil...) as f(a, []T(nil)...), or as f(a) when
// the cell cannot name T: yaegi v0.16.1 fails on nil... ("CFG post-order
// panic: runtime error: invalid memory address or nil pointer
// dereference"), and Go passes nil for no arguments too. It reports
// whether it rewrote the call. A deferred call or go statement, whose
// arguments are written out one by one, keeps nil... where the cell
// cannot name T.
func (c *compiler) nilSpread(call *ast.CallExpr, sig *types.Signature) bool {
	if !call.Ellipsis.IsValid() || len(call.Args) == 0 {
		return false
	}
	last := call.Args[len(call.Args)-1]
	if tv := c.chk.info.Types[last]; !tv.IsNil() {
		return false
	}
	if s := c.nilSlice(sig); s != "" {
		c.ed.replace(c.coff(last.Pos()), c.coff(last.End()), s)
		return true
	}
	if c.deferredOrGo(call) {
		return false
	}
	from := c.coff(last.Pos())
	if len(call.Args) > 1 {
		from = c.coff(call.Args[len(call.Args)-2].End())
	}
	to := c.coff(call.Ellipsis) + len("...")
	if len(call.Args) == 1 {
		to = c.coff(call.Rparen) // and a trailing comma
	}
	c.ed.replace(from, to, "")
	return true
}

// emptyVariadic passes nil explicitly (f(a, []T(nil)...)) where a call
// of a func that may be compiled gives its variadic parameter no
// argument: yaegi calls compiled funcs through reflect.Value.Call, which
// passes an empty slice, not nil (names(",") of a compiled names(sep
// string, xs ...Shape) saw xs != nil). Not in a deferred call or go
// statement, whose arguments are written out one by one.
func (c *compiler) emptyVariadic(call *ast.CallExpr, sig *types.Signature) {
	if call.Ellipsis.IsValid() || len(call.Args) >= sig.Params().Len() || c.deferredOrGo(call) {
		return
	}
	s := c.nilSlice(sig)
	if s == "" {
		return
	}
	if len(call.Args) == 0 {
		c.ed.insert(c.coff(call.Lparen)+1, s+"...")
		if c.emptyArgs == nil {
			c.emptyArgs = map[*ast.CallExpr]bool{}
		}
		c.emptyArgs[call] = true
		return
	}
	c.ed.insertOuter(c.coff(call.Args[len(call.Args)-1].End()), ", "+s+"...")
}

// nilVariadic is the argument a deferred call or go statement, whose
// arguments are written out one by one, spreads for the variadic
// parameter ...T of a session func, method or func value when call gives
// it none: []T(nil), as Go passes. yaegi passes an empty slice that is
// not nil there, to interpreted and compiled funcs alike (emptyVariadic
// is the same fix for other calls of compiled funcs). It is "" otherwise,
// or when the cell cannot name T.
func (c *compiler) nilVariadic(call *ast.CallExpr) string {
	tv := c.chk.info.Types[call.Fun]
	sig, _ := tv.Type.(*types.Signature)
	if sig == nil || !sig.Variadic() || tv.IsType() || c.isBuiltinCall(call) ||
		call.Ellipsis.IsValid() || len(call.Args) >= sig.Params().Len() {
		return ""
	}
	_, fn := c.calleeOf(call)
	if fn != nil && fn.Pkg() != nil && fn.Pkg().Path() != "main" {
		return ""
	}
	return c.nilSlice(sig)
}

// nilSlice is []T(nil) for the variadic parameter ...T of sig, "" when
// the cell cannot name T.
func (c *compiler) nilSlice(sig *types.Signature) string {
	t := sig.Params().At(sig.Params().Len() - 1).Type()
	if _, ok := typeNamesIn(t, func(string) bool { return true }); !ok {
		return ""
	}
	return "(" + c.typeString(t) + ")(nil)"
}

// spreadFuncArgs converts a session func passed by name to a call with
// xs... to its type, (func(...Shape) float64)(total): yaegi v0.16.1
// panics on apply(total, s...) ("reflect.Set: value of type *interp.node
// is not assignable to type func(...main.Shape) float64"), not on the
// converted func or a variable holding it (a deferred call's arguments
// go through variables).
func (c *compiler) spreadFuncArgs(call *ast.CallExpr) {
	if !call.Ellipsis.IsValid() || c.deferredOrGo(call) {
		return
	}
	for _, arg := range call.Args[:len(call.Args)-1] {
		id, ok := ast.Unparen(arg).(*ast.Ident)
		if !ok {
			continue
		}
		fn, ok := c.chk.info.Uses[id].(*types.Func)
		if !ok || fn.Pkg() == nil || fn.Pkg().Path() != "main" || fn.Parent() != fn.Pkg().Scope() {
			continue
		}
		if _, ok := typeNamesIn(fn.Type(), func(string) bool { return true }); !ok {
			continue // generic, or naming a type of a func
		}
		c.ed.insert(c.coff(arg.Pos()), "("+c.typeString(fn.Type())+")(")
		c.ed.insertOuter(c.coff(arg.End()), ")")
	}
}

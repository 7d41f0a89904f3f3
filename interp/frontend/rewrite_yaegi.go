package frontend

import (
	"fmt"
	"go/ast"
	"go/token"
	"go/types"
	"strconv"
)

// Workarounds for yaegi v0.16.1 bugs that give a different result without
// an error (found by the acceptance suite, testdata/programs). Each is a
// rewrite into a form yaegi runs as Go does.

// yaegiWorkarounds applies the rewrites of this file to n.
func (c *compiler) yaegiWorkarounds(n ast.Node) {
	switch n := n.(type) {
	case *ast.AssignStmt:
		if n.Tok == token.ASSIGN && len(n.Lhs) == len(n.Rhs) {
			for i, r := range n.Rhs {
				c.toIface(c.chk.info.Types[n.Lhs[i]].Type, r)
			}
		}
	case *ast.ValueSpec:
		if n.Type != nil && len(n.Names) == len(n.Values) {
			for _, r := range n.Values {
				c.toIface(c.chk.info.Types[n.Type].Type, r)
			}
		}
	case *ast.ReturnStmt:
		c.returnToIface(n)
	case *ast.SwitchStmt:
		c.switchInit(n)
	case *ast.SelectorExpr:
		c.methodValue(n)
	case *ast.CallExpr:
		c.argsToIface(n)
	case *ast.CompositeLit:
		c.eltsToIface(n)
	case *ast.SendStmt:
		if ch, ok := c.chk.info.Types[n.Chan].Type.Underlying().(*types.Chan); ok {
			c.nilToIface(ch.Elem(), n.Value)
		}
	case *ast.RangeStmt:
		c.rangeOfChans(n)
	case *ast.BinaryExpr:
		c.typedShift(n)
	case *ast.TypeSwitchStmt:
		c.caseError(n)
		c.namedBasicCases(n)
	case *ast.TypeAssertExpr:
		if n.Type != nil {
			c.namedBasic(n.X, n.Type)
		}
	}
}

// toIface applies the rewrites of a value e stored in a destination of
// type t.
func (c *compiler) toIface(t types.Type, e ast.Expr) {
	c.parenToIface(t, e)
	c.nilToIface(t, e)
}

// parenToIface parenthesises an operation (x * y, -x, <-ch) whose result
// is stored in a variable, field or result of interface type t. yaegi
// writes such an operation's result straight into the destination's slot
// and skips the assignment: into an interface field of a compiled struct
// (ring.Ring's Value) or a compiled interface variable (fmt.Stringer,
// error) the function then silently ends there, or the destination (a
// returned error) stays nil. A parenthesised operation is not optimised.
func (c *compiler) parenToIface(t types.Type, rhs ast.Expr) {
	if t == nil || !types.IsInterface(t) {
		return
	}
	switch rhs.(type) {
	case *ast.BinaryExpr, *ast.UnaryExpr:
		c.ed.insert(c.coff(rhs.Pos()), "(")
		c.ed.insert(c.coff(rhs.End()), ")")
	}
}

// returnToIface applies toIface to the results of a return.
func (c *compiler) returnToIface(r *ast.ReturnStmt) {
	sig := c.enclosingSig(r)
	if sig == nil || sig.Results().Len() != len(r.Results) {
		return
	}
	for i, e := range r.Results {
		t := sig.Results().At(i).Type()
		c.toIface(t, e)
		// `return <-c` in a func literal panics "reflect.Value.Set using
		// unaddressable value"; `return (<-c)` runs.
		if u, ok := e.(*ast.UnaryExpr); ok && u.Op == token.ARROW && !types.IsInterface(t) {
			c.ed.insert(c.coff(e.Pos()), "(")
			c.ed.insert(c.coff(e.End()), ")")
		}
	}
}

// enclosingSig is the signature of the func whose body holds n.
func (c *compiler) enclosingSig(n ast.Node) *types.Signature {
	for p := c.parents[n]; p != nil; p = c.parents[p] {
		switch f := p.(type) {
		case *ast.FuncLit:
			sig, _ := c.chk.info.Types[f].Type.(*types.Signature)
			return sig
		case *ast.FuncDecl:
			if obj := c.chk.info.Defs[f.Name]; obj != nil {
				sig, _ := obj.Type().(*types.Signature)
				return sig
			}
			return nil
		}
	}
	return nil
}

// switchInit moves the init statement of a switch with a tag into a block
// around it: `switch s := "go"; len(s) {` becomes
// `{ s := "go"; switch len(s) {`, the same scopes. yaegi runs the init
// and then goes straight to the cases, skipping the tag's evaluation, so
// a tag other than a variable matched no case. A label stays on the
// switch, for break.
func (c *compiler) switchInit(s *ast.SwitchStmt) {
	if s.Init == nil || s.Tag == nil || c.ifaceSwitched(s) {
		return
	}
	var outer ast.Stmt = s
	label := ""
	if l, ok := c.parents[s].(*ast.LabeledStmt); ok {
		outer, label = l, l.Label.Name+": "
	}
	c.ed.replaceFunc(c.coff(outer.Pos()), c.coff(s.Tag.Pos()), func() string {
		return "{ " + c.text(s.Init) + "; " + label + "switch "
	})
	c.ed.insert(c.coff(s.End()), " }")
}

// methodValue evaluates a method value x.M as Go does, copying the
// receiver when M has a value receiver (or is a method of a compiled
// interface): yaegi v0.16.1 binds the variable x itself, so the method
// value sees later changes of x (get := c.Get; c.Inc(); get() gave the
// new count). The receiver becomes the parameter of a func literal called
// at once, which returns the method value of its own copy:
// func(__dmR T) func() int { return __dmR.M }(x). A method value of an
// interpreted interface works as is; one of a compiled type with a
// pointer receiver is left as is (yaegi refuses the literal's form).
// `go x.M()` also evaluates x.M at once (see goStmt).
func (c *compiler) methodValue(sel *ast.SelectorExpr) {
	s := c.chk.info.Selections[sel]
	if s == nil || s.Kind() != types.MethodVal || c.calledNow(sel) || c.compiledMethodValue(sel) {
		return
	}
	fn, _ := s.Obj().(*types.Func)
	if fn == nil {
		return
	}
	// The receiver: x, then the embedded fields through which M is
	// promoted.
	t, path := s.Recv(), ""
	idx := s.Index()
	for _, i := range idx[:len(idx)-1] {
		st, _ := derefType(t).Underlying().(*types.Struct)
		if st == nil || i >= st.NumFields() {
			return
		}
		f := st.Field(i)
		if !f.Exported() && f.Pkg() != nil && f.Pkg().Path() != "main" {
			return // not nameable here
		}
		path += "." + f.Name()
		t = f.Type()
	}
	deref := false
	switch {
	case types.IsInterface(t):
		if !c.compiledIface(t) {
			return
		}
	default:
		if _, ptrRecv := fn.Type().(*types.Signature).Recv().Type().(*types.Pointer); ptrRecv {
			return // shares the variable in Go too
		}
		if p, ok := t.Underlying().(*types.Pointer); ok {
			t, deref = p.Elem(), true
		}
	}
	c.ed.replaceFunc(c.coff(sel.Pos()), c.coff(sel.End()), func() string {
		recv := "(" + c.text(sel.X) + ")" + path
		if deref {
			recv = "*(" + recv + ")"
		}
		return fmt.Sprintf("func(__dmR %s) %s { return __dmR.%s }(%s)", c.typeString(t), c.typeString(s.Type()), sel.Sel.Name, recv)
	})
}

// calledNow reports whether sel is the func of a call made where it
// stands (not a method value), a go statement's call excepted: goStmt
// evaluates the method value first.
func (c *compiler) calledNow(sel *ast.SelectorExpr) bool {
	var n ast.Node = sel
	for {
		p := c.parents[n]
		if pe, ok := p.(*ast.ParenExpr); ok {
			n = pe
			continue
		}
		call, ok := p.(*ast.CallExpr)
		if !ok || call.Fun != n {
			return false
		}
		_, inGo := c.parents[call].(*ast.GoStmt)
		return !inGo
	}
}

func derefType(t types.Type) types.Type {
	if p, ok := t.Underlying().(*types.Pointer); ok {
		return p.Elem()
	}
	return t
}

// argsToIface applies nilToIface to the arguments of a call and to the
// operand of a conversion (operations passed as arguments run right).
func (c *compiler) argsToIface(call *ast.CallExpr) {
	if tv := c.chk.info.Types[call.Fun]; tv.IsType() {
		if len(call.Args) == 1 {
			c.nilToIface(tv.Type, call.Args[0])
		}
		return
	}
	sig, _ := c.chk.info.Types[call.Fun].Type.(*types.Signature)
	if sig == nil || call.Ellipsis.IsValid() {
		return
	}
	for i, a := range call.Args {
		c.nilToIface(paramType(sig, i), a)
	}
}

// eltsToIface applies nilToIface to the elements of a composite literal
// (operations in them run right).
func (c *compiler) eltsToIface(lit *ast.CompositeLit) {
	t := c.chk.info.Types[lit].Type
	if t == nil {
		return
	}
	for i, e := range lit.Elts {
		kv, isKV := e.(*ast.KeyValueExpr)
		if isKV {
			e = kv.Value
		}
		switch u := derefType(t).Underlying().(type) {
		case *types.Struct:
			if isKV {
				if f, ok := c.chk.info.Uses[identOf(kv.Key)].(*types.Var); ok {
					c.nilToIface(f.Type(), e)
				}
			} else if i < u.NumFields() {
				c.nilToIface(u.Field(i).Type(), e)
			}
		case *types.Slice:
			c.nilToIface(u.Elem(), e)
		case *types.Array:
			c.nilToIface(u.Elem(), e)
		case *types.Map:
			c.nilToIface(u.Elem(), e)
		}
	}
}

// nilToIface makes a nil pointer (or nil slice, map, func, chan) of a
// session type stored in a compiled interface (error, io.Reader,
// fmt.Stringer) fail, naming the construct: yaegi makes it a nil
// interface, so err == nil is true where Go's error holds the nil pointer
// and is not nil (a func returning a nil *MyErr as error). Interpreted
// interfaces and any keep the pointer, as Go does.
func (c *compiler) nilToIface(t types.Type, e ast.Expr) {
	if t == nil || !c.compiledIface(t) && !types.Identical(t, types.Universe.Lookup("error").Type()) {
		return
	}
	st := c.chk.info.Types[e].Type
	if st == nil || types.IsInterface(st) || !c.interpretedNamed(st) && !c.interpretedSessionType(st) {
		return
	}
	switch st.Underlying().(type) {
	case *types.Pointer, *types.Slice, *types.Map, *types.Signature, *types.Chan:
	default:
		return
	}
	switch x := ast.Unparen(e).(type) {
	case *ast.UnaryExpr: // &T{...}
		if x.Op == token.AND {
			return
		}
	case *ast.CompositeLit, *ast.FuncLit:
		return
	}
	what := fmt.Sprintf("cell[%d] line %d: a nil %s stored in %s is not supported by the interpreter: its %s would be nil (Go's holds the nil value and is not nil)", c.cell, c.lineOf(e.Pos()), c.goName(st), c.goName(t), c.goName(t))
	// The literal returns t: yaegi converts a value of a session type to a
	// compiled interface where it is assigned, passed or returned as one,
	// not a call's result of the session type.
	c.ed.insert(c.coff(e.Pos()), fmt.Sprintf("func(__dmN %s) %s { if __dmN == nil { panic(%s) }; return __dmN }(", c.typeString(st), c.typeString(t), strconv.Quote(what)))
	c.ed.insert(c.coff(e.End()), ")")
}

// rangeOfChans rewrites a range with a value variable over a slice, array
// or map of channels, which yaegi v0.16.1 fails on as soon as the loop
// runs ("reflect: call of reflect.Value.Len on int Value"):
// `for i, c := range cs {` becomes
// `{ __dmX := cs; for __dmI := range __dmX { i, c := __dmI, __dmX[__dmI]; {`,
// the range expression evaluated once, c a variable of each iteration.
func (c *compiler) rangeOfChans(r *ast.RangeStmt) {
	if r.Value == nil || r.Body == nil || r.Tok == token.ILLEGAL {
		return
	}
	if id, ok := r.Value.(*ast.Ident); ok && id.Name == "_" {
		return
	}
	xt := c.chk.info.Types[r.X].Type
	if xt == nil {
		return
	}
	var elem types.Type
	switch u := derefType(xt).Underlying().(type) {
	case *types.Slice:
		elem = u.Elem()
	case *types.Array:
		elem = u.Elem()
	case *types.Map:
		elem = u.Elem()
	default:
		return
	}
	if _, ok := elem.Underlying().(*types.Chan); !ok {
		return
	}
	var outer ast.Stmt = r
	label := ""
	if l, ok := c.parents[r].(*ast.LabeledStmt); ok {
		outer, label = l, l.Label.Name+": "
	}
	x, i := c.name("X"), c.name("I")
	c.ed.replaceFunc(c.coff(outer.Pos()), c.coff(r.Body.Lbrace)+1, func() string {
		key := "_"
		if r.Key != nil {
			key = c.text(r.Key)
		}
		return fmt.Sprintf("{ %s := %s; %sfor %s := range %s { %s, %s %s %s, %s[%s]; {", x, c.text(r.X), label, i, x, key, c.text(r.Value), r.Tok, i, x, i)
	})
	// The body is a block of its own: it may declare the names again
	// (rangeStmt's copies for closures do).
	c.ed.insert(c.coff(r.Body.Rbrace), "}")
	c.ed.insert(c.coff(r.End()), " }")
}

// typedShift gives the untyped constant operand of a shift by a variable
// (1 << i) the type Go gives it from the context: yaegi v0.16.1 makes it
// an int, and p&(1<<i) with p of a type based on uint8 panicked
// ("reflect: call of reflect.Value.Uint on int Value").
func (c *compiler) typedShift(b *ast.BinaryExpr) {
	if b.Op != token.SHL && b.Op != token.SHR || c.chk.info.Types[b].Value != nil {
		return
	}
	tv := c.chk.info.Types[b.X]
	if tv.Value == nil || tv.Type == nil {
		return
	}
	if bt, ok := tv.Type.(*types.Basic); ok && bt.Info()&types.IsUntyped != 0 {
		return
	}
	c.ed.replace(c.coff(b.X.Pos()), c.coff(b.X.End()), c.constText(tv))
}

// caseError writes `case error` of a type switch on a value of an
// interface type other than a compiled one (any, a session interface) as
// the compiled interface __dmgofmt.Error: yaegi v0.16.1 matches `case
// error` for no value of a compiled type (errors.New's), and matches
// other compiled interfaces. (On a compiled interface value, wrappedSwitch
// rewrites the switch.)
func (c *compiler) caseError(ts *ast.TypeSwitchStmt) {
	x := switchSubject(ts)
	xt := c.chk.info.Types[x].Type
	if xt == nil || c.compiledIface(xt) {
		return
	}
	for _, s := range ts.Body.List {
		for _, e := range s.(*ast.CaseClause).List {
			if id := identOf(e); id != nil && c.chk.info.Uses[id] == types.Universe.Lookup("error") {
				c.ed.replace(c.coff(e.Pos()), c.coff(e.End()), "__dmgofmt.Error")
			}
		}
	}
}

// namedBasicCases applies namedBasic to the cases of a type switch.
func (c *compiler) namedBasicCases(ts *ast.TypeSwitchStmt) {
	x := switchSubject(ts)
	for _, s := range ts.Body.List {
		for _, e := range s.(*ast.CaseClause).List {
			c.namedBasic(x, e)
		}
	}
}

// namedBasic refuses a type assertion or type switch case to a session
// type based on a basic type (type Celsius float64) on a value of an
// empty interface type: there yaegi v0.16.1 does not tell it from its
// underlying type, so a float64 matched case Celsius and
// any(2.5).(Celsius) held. (The converse, any(Celsius(1)).(float64)
// holding too, is not refused: it would refuse every v.(int) of a session
// with a type based on int.)
func (c *compiler) namedBasic(x, typ ast.Expr) {
	tt, xt := c.chk.info.Types[typ].Type, c.chk.info.Types[x].Type
	if tt == nil || xt == nil || !c.interpretedSessionType(tt) {
		return
	}
	// In a compiled interface (error) the interpreter keeps such values
	// in a record of their own, and tells them apart; in a non-empty
	// session interface no basic value can be.
	if it, ok := xt.Underlying().(*types.Interface); !ok || !it.Empty() {
		return
	}
	if _, ptr := tt.(*types.Pointer); ptr {
		return
	}
	b, ok := tt.Underlying().(*types.Basic)
	if !ok {
		return
	}
	c.errAt(c.coff(typ.Pos()), "a type assertion or type switch case to %s on an interface value is not supported by the interpreter: it does not tell %s from %s (or another type based on %s) in an interface", c.goName(tt), c.goName(tt), b.Name(), b.Name())
}

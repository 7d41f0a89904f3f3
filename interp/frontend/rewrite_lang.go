package frontend

import (
	"fmt"
	"go/ast"
	"go/constant"
	"go/token"
	"go/types"
	"strconv"
	"strings"
)

func (c *compiler) name(prefix string) string {
	c.tmp++
	return fmt.Sprintf("__dm%s%d", prefix, c.tmp)
}

// text is the cell source of node with the edits inside it applied.
func (c *compiler) text(n ast.Node) string {
	start, end := c.coff(n.Pos()), c.coff(n.End())
	if c.inDecls(n.Pos()) {
		return c.ed.apply(c.declPiece, start, end, c.inSegs(segDecl))
	}
	return c.ed.apply(c.bodyPiece, start, end, c.inSegs(segStmt, segVar))
}

func (c *compiler) inDecls(p token.Pos) bool {
	off := c.chk.tf.Offset(p)
	return off >= c.declOff && off < c.declOff+len(c.declPiece)
}

// minMax rewrites min and max (Go 1.21), which yaegi lacks: a constant
// call becomes its value, others a call of a func literal.
func (c *compiler) minMax(call *ast.CallExpr) {
	tv := c.chk.info.Types[call]
	name := call.Fun.(*ast.Ident).Name
	if tv.Value != nil {
		c.ed.replace(c.coff(call.Pos()), c.coff(call.End()), c.constText(tv))
		return
	}
	t := c.typeString(tv.Type)
	cmp := "<"
	if name == "max" {
		cmp = ">"
	}
	cond := "__dmX " + cmp + " __dmR"
	if b, ok := tv.Type.Underlying().(*types.Basic); ok && b.Info()&types.IsFloat != 0 {
		cond += " || __dmX != __dmX" // a NaN argument makes the result NaN
	}
	lit := fmt.Sprintf("func(__dmR %s, __dmXs ...%s) %s { for _, __dmX := range __dmXs { if %s { __dmR = __dmX } }; return __dmR }", t, t, t, cond)
	c.ed.replace(c.coff(call.Fun.Pos()), c.coff(call.Fun.End()), lit)
}

// constText prints a constant so that it keeps its type.
func (c *compiler) constText(tv types.TypeAndValue) string {
	v := tv.Value
	b, basic := tv.Type.(*types.Basic)
	var lit string
	switch v.Kind() {
	case constant.String:
		lit = strconv.Quote(constant.StringVal(v))
	case constant.Float:
		lit = v.ExactString()
		if f, ok := constant.Float64Val(v); ok {
			lit = strconv.FormatFloat(f, 'g', -1, 64)
		}
		if !strings.ContainsAny(lit, ".eEn") {
			lit += ".0"
		}
	default:
		lit = v.ExactString()
	}
	if basic && b.Info()&types.IsUntyped != 0 {
		if b.Kind() == types.UntypedRune {
			return "rune(" + lit + ")"
		}
		return lit
	}
	return c.typeString(tv.Type) + "(" + lit + ")"
}

// clear rewrites clear (Go 1.21), which yaegi lacks.
func (c *compiler) clear(call *ast.CallExpr) {
	if len(call.Args) != 1 {
		return
	}
	at := c.chk.info.Types[call.Args[0]].Type
	t := c.typeString(at)
	var lit string
	switch u := at.Underlying().(type) {
	case *types.Map:
		lit = fmt.Sprintf("func(__dmM %s) { for __dmK := range __dmM { delete(__dmM, __dmK) } }", t)
	case *types.Slice:
		lit = fmt.Sprintf("func(__dmS %s) { var __dmZ %s; for __dmI := range __dmS { __dmS[__dmI] = __dmZ } }", t, c.typeString(u.Elem()))
	default:
		c.errAt(c.coff(call.Pos()), "clear of %s is not supported by the interpreter", t)
		return
	}
	c.ed.replace(c.coff(call.Fun.Pos()), c.coff(call.Fun.End()), lit)
}

// print sends the builtins print and println to the prelude's __dmPrint
// and __dmPrintln, which write to stderr as Go does (yaegi writes them to
// stdout). Arguments Go cannot print are refused as the Go compiler
// refuses them.
func (c *compiler) print(call *ast.CallExpr) {
	name := ast.Unparen(call.Fun).(*ast.Ident).Name
	for _, a := range call.Args {
		t := c.chk.info.Types[a].Type
		if t == nil {
			return
		}
		switch u := t.Underlying().(type) {
		case *types.Interface:
			c.ed.insert(c.coff(a.Pos()), "__dmIface(")
			c.ed.insert(c.coff(a.End()), ")")
		case *types.Basic, *types.Pointer, *types.Chan, *types.Map, *types.Signature, *types.Slice:
			if b, ok := u.(*types.Basic); ok && b.Kind() == types.UntypedNil {
				c.errAt(c.coff(a.Pos()), "use of untyped nil in argument to built-in %s", name)
				return
			}
		default:
			// The Go compiler's words, which say print for println too.
			c.errAt(c.coff(a.Pos()), "illegal types for operand: print\n\t%s", c.typeString(t))
			return
		}
	}
	c.ed.replace(c.coff(call.Fun.Pos()), c.coff(call.Fun.End()), "__dm"+strings.ToUpper(name[:1])+name[1:])
}

// rangeStmt rewrites range over an int (Go 1.22) into a counting loop,
// rejects range over funcs, and gives per-iteration variables (Go 1.22) to
// loops whose variables closures capture.
func (c *compiler) rangeStmt(r *ast.RangeStmt) {
	xt := c.chk.info.Types[r.X].Type
	if xt == nil {
		return
	}
	switch u := xt.Underlying().(type) {
	case *types.Signature:
		c.rangeFunc(r, u)
		return
	case *types.Basic:
		if u.Info()&types.IsInteger != 0 {
			c.rangeInt(r, xt)
			return
		}
	}
	if r.Tok != token.DEFINE || r.Body == nil {
		return
	}
	var vars []*ast.Ident
	for _, e := range []ast.Expr{r.Key, r.Value} {
		if id, ok := e.(*ast.Ident); ok && id.Name != "_" && c.captured(c.chk.info.Defs[id], r.Body) {
			vars = append(vars, id)
		}
	}
	if len(vars) == 0 {
		return
	}
	var copies []string
	for _, v := range vars {
		copies = append(copies, v.Name+" := "+v.Name+";")
	}
	// The user's body is a block of its own, as the loop's body is a scope
	// of its own in Go: it may declare the same names again.
	c.ed.insert(c.coff(r.Body.Lbrace)+1, " "+strings.Join(copies, " ")+" {")
	c.ed.insert(c.coff(r.Body.Rbrace), "}")
}

func (c *compiler) rangeInt(r *ast.RangeStmt, xt types.Type) {
	t := xt
	if b, ok := xt.(*types.Basic); ok && b.Info()&types.IsUntyped != 0 {
		t = types.Typ[types.Int]
	}
	if r.Key != nil && r.Tok == token.DEFINE {
		if id, ok := r.Key.(*ast.Ident); ok {
			if obj := c.chk.info.Defs[id]; obj != nil {
				t = obj.Type()
			}
		}
	}
	ts := c.typeString(t)
	i, n := c.name("I"), c.name("N")
	c.ed.replace(c.coff(r.For), c.coff(r.X.Pos()), fmt.Sprintf("for %s, %s := %s(0), %s(", i, n, ts, ts))
	c.ed.insert(c.coff(r.X.End()), fmt.Sprintf("); %s < %s; %s++", i, n, i))
	if id, ok := r.Key.(*ast.Ident); ok && id.Name == "_" {
		return
	}
	if r.Key != nil {
		op := " = "
		if r.Tok == token.DEFINE {
			op = " := "
		}
		c.ed.insert(c.coff(r.Body.Lbrace)+1, " "+c.text(r.Key)+op+i+"; {")
		c.ed.insert(c.coff(r.Body.Rbrace), "}")
	}
}

// captured reports whether a closure in body refers to v, or body takes
// its address: then v needs a copy per iteration.
func (c *compiler) captured(v types.Object, body ast.Node) bool {
	if v == nil {
		return false
	}
	found := false
	var inLit int
	var walk func(n ast.Node) bool
	walk = func(n ast.Node) bool {
		if found {
			return false
		}
		switch x := n.(type) {
		case *ast.FuncLit:
			inLit++
			ast.Inspect(x.Body, walk)
			inLit--
			return false
		case *ast.UnaryExpr:
			if id, ok := ast.Unparen(x.X).(*ast.Ident); ok && x.Op == token.AND && c.chk.info.Uses[id] == v {
				found = true
			}
		case *ast.Ident:
			if inLit > 0 && c.chk.info.Uses[x] == v {
				found = true
			}
		}
		return true
	}
	ast.Inspect(body, walk)
	return found
}

// forStmt gives a three-clause loop per-iteration variables (Go 1.22) when
// a closure captures them: the loop runs on renamed variables and the body
// works on copies, written back before the next iteration.
func (c *compiler) forStmt(f *ast.ForStmt) {
	as, ok := f.Init.(*ast.AssignStmt)
	if !ok || as.Tok != token.DEFINE {
		return
	}
	type loopVar struct {
		obj     types.Object
		name, r string
	}
	var vars []loopVar
	for _, l := range as.Lhs {
		id, ok := l.(*ast.Ident)
		if !ok || id.Name == "_" {
			continue
		}
		obj := c.chk.info.Defs[id]
		if c.captured(obj, f.Body) {
			vars = append(vars, loopVar{obj: obj, name: id.Name, r: c.name("L")})
		}
	}
	if len(vars) == 0 {
		return
	}
	rename := func(n ast.Node) {
		if n == nil {
			return
		}
		ast.Inspect(n, func(x ast.Node) bool {
			id, ok := x.(*ast.Ident)
			if !ok {
				return true
			}
			obj := c.chk.info.Defs[id]
			if obj == nil {
				obj = c.chk.info.Uses[id]
			}
			for _, v := range vars {
				if obj == v.obj {
					c.ed.replace(c.coff(id.Pos()), c.coff(id.End()), v.r)
				}
			}
			return true
		})
	}
	rename(f.Init)
	rename(f.Cond)
	rename(f.Post)
	var inner, outer []string
	for _, v := range vars {
		inner = append(inner, v.name)
		outer = append(outer, v.r)
	}
	copyIn := strings.Join(inner, ", ") + " := " + strings.Join(outer, ", ") + ";"
	writeBack := strings.Join(outer, ", ") + " = " + strings.Join(inner, ", ")
	c.ed.insert(c.coff(f.Body.Lbrace)+1, " "+copyIn+" {")
	c.ed.insert(c.coff(f.Body.Rbrace), "}; "+writeBack+" ")
	// A continue skips the end of the body: write back before it.
	label := ""
	if l, ok := c.parents[f].(*ast.LabeledStmt); ok {
		label = l.Label.Name
	}
	c.continues(f.Body, label, func(b *ast.BranchStmt) {
		c.ed.replace(c.coff(b.Pos()), c.coff(b.End()), "{ "+writeBack+"; "+c.text(b)+" }")
	})
}

// loopFuncLit makes a func literal in a loop body in a frame of its own
// (ownFrameLit), so that the closure holds its iteration's variables and
// no closure ending on another goroutine can replace it (ownFrame). yaegi
// hands a bare literal argument to compiled code (wg.Go, time.AfterFunc)
// as a wrapper that reads the enclosing frame when it runs, so every
// closure of the loop saw the variables of the iteration running then
// (after the loop, the last one), even copies made in the body (v := i);
// and a literal assigned in the loop (f := func() {...}; go f()) could
// take an earlier iteration's closure. Left as they are: literals called
// where they stand (deferred ones are loopDeferLit's), the blocks of
// Parallel calls (mirrors inline them), literals in a go statement (which
// has a frame of its own), deferred ones (yaegi deadlocks running a
// second deferred closure value) and those sent in a select case (yaegi
// sends nil for a func value made by a call there). Literals that call
// recover stay too (yaegi's recover looks at the frame that made the
// literal).
func (c *compiler) loopFuncLit(lit *ast.FuncLit) {
	if call, ok := c.parents[lit].(*ast.CallExpr); ok && call.Fun == lit {
		if _, deferred := c.parents[call].(*ast.DeferStmt); deferred {
			c.loopDeferLit(lit)
		}
		return
	}
	for _, pb := range c.pending {
		if ast.Unparen(pb.arg) == lit {
			return
		}
	}
	if callsRecover(c.chk.info, lit) {
		return
	}
	for n := c.parents[lit]; n != nil; n = c.parents[n] {
		switch l := n.(type) {
		case *ast.FuncLit, *ast.FuncDecl, *ast.DeferStmt, *ast.GoStmt:
			return
		case *ast.CommClause:
			if l.Comm != nil && lit.Pos() >= l.Comm.Pos() && lit.End() <= l.Comm.End() {
				return
			}
			continue
		case *ast.ForStmt:
			if !within(lit, l.Body) {
				return
			}
		case *ast.RangeStmt:
			if !within(lit, l.Body) {
				return
			}
		default:
			continue
		}
		c.ownFrameLit(lit)
		return
	}
}

// ownFrameLit makes a func literal in a func literal of its own, called
// where it stands: `func() func() { return func() { f(i) } }()`. The
// closure is then made in that call's frame, so that a closure that ends
// on another goroutine writes back there, not into the loop's frame
// (ownFrame).
func (c *compiler) ownFrameLit(lit *ast.FuncLit) {
	t := c.chk.info.Types[lit].Type
	if t == nil {
		return
	}
	c.ed.insert(c.coff(lit.Pos()), "func() "+c.typeString(t)+" { return ")
	c.ed.insert(c.coff(lit.End()), " }()")
}

// loopDeferLit gives a deferred func literal in a loop body the variables
// of its iteration: `defer func() { f(i) }()` calls f(2), f(2), f(2) in
// yaegi (the bare literal reads the frame at return), Go f(2), f(1), f(0).
// The literal is made by a literal of its own that takes those variables
// as parameters: `defer (func(i int) func() { return func() { f(i) } })(i)()`,
// so it holds their values at the defer statement, where the defer
// rewrite must evaluate that call (c.remade: yaegi would evaluate it at
// return). It is made in that literal's
// frame, which is free when the defers run (a literal made in the
// deferring func's own frame deadlocks yaegi there). Literals that call
// recover stay as they are (yaegi's recover looks at the frame that made
// the literal), and so do those that assign to or take the address of such
// a variable (a parameter would be a copy).
func (c *compiler) loopDeferLit(lit *ast.FuncLit) {
	loop := c.enclosingLoop(lit)
	if loop == nil || callsRecover(c.chk.info, lit) {
		return
	}
	vars := c.capturedFrom(lit, loop)
	t := c.chk.info.Types[lit].Type
	if len(vars) == 0 || t == nil {
		return
	}
	var params, args []string
	for _, v := range vars {
		if c.changedIn(v, lit) {
			return
		}
		params = append(params, v.Name()+" "+c.typeString(v.Type()))
		args = append(args, v.Name())
	}
	if c.remade == nil {
		c.remade = map[*ast.FuncLit]bool{}
	}
	c.remade[lit] = true
	c.ed.insert(c.coff(lit.Pos()), "(func("+strings.Join(params, ", ")+") "+c.typeString(t)+" { return ")
	c.ed.insert(c.coff(lit.End()), " })("+strings.Join(args, ", ")+")")
}

// enclosingLoop returns the innermost for or range statement whose body
// holds n in the same func, or nil.
func (c *compiler) enclosingLoop(n ast.Node) ast.Stmt {
	for p := c.parents[n]; p != nil; p = c.parents[p] {
		switch l := p.(type) {
		case *ast.FuncLit, *ast.FuncDecl:
			return nil
		case *ast.ForStmt:
			if within(n, l.Body) {
				return l
			}
		case *ast.RangeStmt:
			if within(n, l.Body) {
				return l
			}
		}
	}
	return nil
}

// capturedFrom returns the variables declared in stmt (and not in lit)
// that lit uses, in the order of first use: those with a copy per
// iteration.
func (c *compiler) capturedFrom(lit *ast.FuncLit, stmt ast.Stmt) []*types.Var {
	var vars []*types.Var
	seen := map[*types.Var]bool{}
	ast.Inspect(lit.Body, func(n ast.Node) bool {
		id, ok := n.(*ast.Ident)
		if !ok {
			return true
		}
		v, ok := c.chk.info.Uses[id].(*types.Var)
		if ok && !seen[v] && v.Pos() >= stmt.Pos() && v.Pos() < stmt.End() && (v.Pos() < lit.Pos() || v.Pos() >= lit.End()) {
			seen[v] = true
			vars = append(vars, v)
		}
		return true
	})
	return vars
}

// changedIn reports whether n assigns to v, increments or decrements it,
// or takes its address.
func (c *compiler) changedIn(v *types.Var, n ast.Node) bool {
	is := func(e ast.Expr) bool {
		id, ok := ast.Unparen(e).(*ast.Ident)
		return ok && c.chk.info.Uses[id] == v
	}
	found := false
	ast.Inspect(n, func(x ast.Node) bool {
		switch s := x.(type) {
		case *ast.AssignStmt:
			for _, l := range s.Lhs {
				found = found || is(l)
			}
		case *ast.IncDecStmt:
			found = found || is(s.X)
		case *ast.UnaryExpr:
			found = found || (s.Op == token.AND && is(s.X))
		}
		return !found
	})
	return found
}

// within reports whether n lies inside block.
func within(n ast.Node, block *ast.BlockStmt) bool {
	return block != nil && n.Pos() >= block.Pos() && n.End() <= block.End()
}

// continues calls fn for each continue statement in body that continues
// the loop whose body it is (label: that loop's label, if any).
func (c *compiler) continues(body *ast.BlockStmt, label string, fn func(*ast.BranchStmt)) {
	depth := 0
	var walk func(n ast.Node) bool
	walk = func(n ast.Node) bool {
		switch x := n.(type) {
		case *ast.FuncLit:
			return false
		case *ast.ForStmt, *ast.RangeStmt:
			depth++
			var b *ast.BlockStmt
			if f, ok := x.(*ast.ForStmt); ok {
				b = f.Body
			} else {
				b = x.(*ast.RangeStmt).Body
			}
			ast.Inspect(b, walk)
			depth--
			return false
		case *ast.BranchStmt:
			if x.Tok != token.CONTINUE {
				return true
			}
			if (x.Label == nil && depth == 0) || (x.Label != nil && x.Label.Name == label && label != "") {
				fn(x)
			}
		}
		return true
	}
	ast.Inspect(body, walk)
}

// goStmt makes a goroutine report its panic instead of killing the
// process, and attributes its output to the cell: `go f(a, b)` evaluates
// f, a and b at once, as Go does, and hands the call to the prelude's
// __dmGo. The whole statement runs in a func literal called where it
// stands (ownFrame).
func (c *compiler) goStmt(g *ast.GoStmt) {
	// The declaring cell: __dmGoCell finds the cell that runs the statement.
	cell := c.cell
	cellExpr := fmt.Sprintf("__dmGoCell(%d)", cell)
	if _, helper, ok := c.goMethod(g, cellExpr); ok {
		c.addHelper(g.Pos(), helper)
		c.ed.replaceFunc(c.coff(g.Pos()), c.coff(g.End()), func() string {
			stmt, _, _ := c.goMethod(g, cellExpr) // with the edits inside it
			return ownFrame(stmt)
		})
		return
	}
	c.ed.replaceFunc(c.coff(g.Pos()), c.coff(g.End()), func() string {
		decls, inv, _ := c.callNow(g.Call, true, true)
		hook := fmt.Sprintf("__dmGo(__dmGoCell(%d), func() { %s })", cell, inv)
		return ownFrame(strings.Join(append(decls, hook), "; "))
	})
}

// ownFrame makes stmts the body of a func literal called where it stands,
// so that the func literals made by stmts live in that call's frame.
// When a closure of yaegi returns, it writes back into the frame that
// made it the slot of its literal as it was when it was made: a
// goroutine that ends while a loop makes the same literal again can put
// an earlier iteration's closure (or nil) in the slot between the making
// and the reading, and the loop starts that one instead, with the other
// iteration's arguments (mutex_atomic: a goroutine of 20 saw a
// neighbour's id in about 1 run in 50). A frame of its own per
// statement is written back only after it is done with.
func ownFrame(stmts string) string {
	return "func() { " + stmts + " }()"
}

// deferStmt evaluates a deferred call's func value, receiver and arguments
// at the defer statement, as Go does: yaegi evaluates them when the call
// runs, at return (`for i := 0; i < 3; i++ { defer add(i) }` gave 333).
// The values go into variables declared in a block around the defer:
// each execution of the block gets fresh ones.
func (c *compiler) deferStmt(d *ast.DeferStmt) {
	if _, helper, ok := c.deferMethod(d); ok {
		c.addHelper(d.Pos(), helper)
		c.ed.replaceFunc(c.coff(d.Pos()), c.coff(d.End()), func() string {
			stmt, _, _ := c.deferMethod(d) // with the edits inside it
			return stmt
		})
		return
	}
	c.ed.replaceFunc(c.coff(d.Pos()), c.coff(d.End()), func() string {
		// A declared func deferred in a func literal goes through a
		// variable: yaegi silently skips the call if the func is declared
		// later in the source.
		decls, inv, spread := c.callNow(d.Call, c.inFuncLit(d), false)
		if spread {
			// yaegi fails on a deferred call with a spread argument
			// ("cannot use []string as type string"); a func literal
			// makes the call instead.
			inv = "func() { " + inv + " }()"
		}
		if len(decls) == 0 {
			return "defer " + inv
		}
		return "{ " + strings.Join(decls, "; ") + "; defer " + inv + " }"
	})
}

// callNow returns declarations that evaluate call's func value, receiver
// and arguments, and the call of those values, and whether that call
// spreads a slice (xs...). Constants, nil, declared funcs, func literals
// and package funcs need no variable. With names, a declared func's name
// is copied too, and with lits a func literal (a go statement's, as
// before; a deferred literal must stay: yaegi deadlocks calling a
// literal of the returning func in its defers).
func (c *compiler) callNow(call *ast.CallExpr, names, lits bool) (decls []string, inv string, spread bool) {
	fun := c.text(call.Fun)
	recvArg := "" // the receiver, for the accessor of a compiled type's method
	fe := ast.Unparen(call.Fun)
	if ix, ok := fe.(*ast.IndexExpr); ok {
		fe = ix.X
	} else if ix, ok := fe.(*ast.IndexListExpr); ok {
		fe = ix.X
	}
	_, builtin := c.chk.info.Uses[identOf(fe)].(*types.Builtin)
	switch f := fe.(type) {
	case *ast.FuncLit:
		// A literal that loopDeferLit made is called at the defer, so that
		// it captures that iteration's variables.
		if lits || c.remade[f] {
			n := c.name("F")
			decls = append(decls, n+" := "+fun)
			fun = n
		}
	case *ast.Ident:
		if _, isFunc := c.chk.info.Uses[f].(*types.Func); (names || !isFunc) && !builtin {
			n := c.name("F")
			decls = append(decls, n+" := "+fun)
			fun = n
		}
	case *ast.SelectorExpr:
		if _, pkg := c.chk.info.Uses[identOf(f.X)].(*types.PkgName); pkg {
			break
		}
		if afun, recv, ok := c.accessorMethod(f); ok && fe == ast.Unparen(call.Fun) {
			// A method of a compiled type reached through accessors
			// (compiledMember): the receiver is evaluated now.
			x := c.text(f.X)
			fun = strings.Replace(afun, hole, x, 1)
			if recv != "" {
				n := c.name("A")
				decls = append(decls, n+" := "+strings.Replace(recv, hole, x, 1))
				recvArg = n
			}
			break
		}
		sel := c.chk.info.Selections[f]
		if sel == nil || sel.Kind() != types.MethodVal || fe != ast.Unparen(call.Fun) {
			n := c.name("F")
			decls = append(decls, n+" := "+fun)
			fun = n
		}
		// A method call keeps its receiver: yaegi reads the receiver of
		// a deferred method call, and of a method value, when the call
		// runs, even from a copy made at the defer statement.
	default:
		n := c.name("F")
		decls = append(decls, n+" := "+fun)
		fun = n
	}
	var sig *types.Signature
	if t := c.chk.info.Types[call.Fun].Type; t != nil {
		sig, _ = t.Underlying().(*types.Signature)
	}
	var args []string
	if len(call.Args) == 1 && !builtin {
		if tuple, ok := c.chk.info.Types[call.Args[0]].Type.(*types.Tuple); ok && tuple.Len() > 1 {
			names := make([]string, tuple.Len())
			for i := range names {
				names[i] = c.name("A")
			}
			decls = append(decls, strings.Join(names, ", ")+" := "+c.text(call.Args[0]))
			return decls, fun + "(" + strings.Join(names, ", ") + ")", false
		}
	}
	for i, a := range call.Args {
		tv := c.chk.info.Types[a]
		if tv.Value != nil || tv.IsNil() || tv.Type == nil {
			args = append(args, c.text(a))
			continue
		}
		n := c.name("A")
		args = append(args, n)
		if builtin || sig == nil {
			decls = append(decls, n+" := "+c.text(a))
			continue
		}
		t := types.Default(tv.Type)
		if pt := paramType(sig, i); pt != nil && types.IsInterface(pt) && !(call.Ellipsis.IsValid() && i == len(call.Args)-1) {
			t = pt // the conversion Go makes at the call
		}
		decls = append(decls, "var "+n+" "+c.typeString(t)+" = "+c.text(a))
	}
	if recvArg != "" {
		args = append([]string{recvArg}, args...)
	}
	spread = call.Ellipsis.IsValid()
	if s := c.nilVariadic(call); s != "" {
		args, spread = append(args, s), true
	}
	inv = fun + "(" + strings.Join(args, ", ")
	if spread {
		inv += "..."
	}
	return decls, inv + ")", spread
}

func identOf(e ast.Expr) *ast.Ident {
	id, _ := ast.Unparen(e).(*ast.Ident)
	return id
}

// compiledVarAssign writes an assignment to a variable of an imported
// package (os.Args = ..., time.Local = time.FixedZone(...)) through the
// variable's address: yaegi drops such an assignment when the value is a
// call or a composite literal (it writes the value in place, into a slot
// of the interpreter's own frame).
func (c *compiler) compiledVarAssign(sel *ast.SelectorExpr) {
	as, ok := c.parents[sel].(*ast.AssignStmt)
	if !ok || as.Tok == token.DEFINE {
		return
	}
	if _, pkg := c.chk.info.Uses[identOf(sel.X)].(*types.PkgName); !pkg {
		return
	}
	if _, isVar := c.chk.info.Uses[sel.Sel].(*types.Var); !isVar {
		return
	}
	for _, l := range as.Lhs {
		if l == sel {
			c.ed.insert(c.coff(sel.Pos()), "*(&")
			c.ed.insert(c.coff(sel.End()), ")")
		}
	}
}

// compiledFunc reports whether fn, a func or method of the session, is
// compiled code (a generation's): it gets closures as compiled code does.
func (c *compiler) compiledFunc(fn *types.Func) bool {
	if recv := fn.Type().(*types.Signature).Recv(); recv != nil {
		return c.compiledNamed(recv.Type()) != nil
	}
	return c.comp.has(fn.Name())
}

// nameParams names the unnamed parameters of a func literal `_`: yaegi
// gives a closure with unnamed parameters that calls compiled code the
// parameters' values in place of its captured variables
// (`http.HandlerFunc(func(http.ResponseWriter, *http.Request) { add(i) })`
// with add compiled panicked "reflect.Set: value of type
// http.ResponseWriter is not assignable to type func(int)").
func (c *compiler) nameParams(ft *ast.FuncType) {
	if ft.Params == nil {
		return
	}
	for _, f := range ft.Params.List {
		if len(f.Names) == 0 {
			c.ed.insert(c.coff(f.Type.Pos()), "_ ")
		}
	}
}

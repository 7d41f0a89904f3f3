package frontend

import (
	"fmt"
	"go/ast"
	"go/token"
	"go/types"
	"strings"
)

// coff maps a position of the pass-2 check file into the cell, or -1.
func (c *compiler) coff(p token.Pos) int {
	return c.cellOffset(c.chk.tf.Offset(p), c.bodyLen)
}

// cellNodes are the pass-2 nodes that come from the cell.
func (c *compiler) cellNodes() []ast.Node {
	nodes := make([]ast.Node, 0, len(c.cellDecls)+1)
	for _, d := range c.cellDecls {
		if !c.compiledDecl(d) { // compiled: Go as written
			nodes = append(nodes, d)
		}
	}
	if c.bodyFunc != nil {
		nodes = append(nodes, c.bodyFunc.Body)
	}
	return nodes
}

// rewrite records the edits that make the cell run in yaegi.
func (c *compiler) rewrite() {
	c.parents = map[ast.Node]ast.Node{}
	for _, n := range c.cellNodes() {
		var stack []ast.Node
		ast.Inspect(n, func(x ast.Node) bool {
			if x == nil {
				stack = stack[:len(stack)-1]
				return true
			}
			if len(stack) > 0 {
				c.parents[x] = stack[len(stack)-1]
			}
			stack = append(stack, x)
			return true
		})
	}
	c.explicitTypeArgs()
	var stored []*declItem
	if !c.rebuild {
		stored = c.kept // their bodies were not checked again
	}
	if c.deps == nil {
		// A declaration rendered again (rerenderItem) shares its cell's
		// graph: building one per declaration made a rebuild quadratic.
		c.deps = newDepGraph(c.chk, stored)
	}
	for _, n := range c.cellNodes() {
		ast.Inspect(n, c.visit)
	}
	c.embedConversions()
	if c.bodyFunc != nil {
		c.computeTouched()
		c.initOrder()
	}
	if calls := c.entryCalls(); calls != "" && c.hasResult {
		c.ed.insert(c.coff(c.resultExpr.Pos()), calls+"; ")
	}
	if c.hasResult {
		c.result()
	}
}

// explicitTypeArgs writes out the type arguments Go infers: yaegi infers
// them wrongly (R from func(T) R) or crashes on top-level generic calls.
func (c *compiler) explicitTypeArgs() {
	for id, inst := range c.chk.info.Instances {
		if _, ok := c.parents[id]; !ok {
			continue // not in the cell
		}
		var target ast.Expr = id
		if sel, ok := c.parents[id].(*ast.SelectorExpr); ok && sel.Sel == id {
			target = sel
		}
		if c.compiledInstance(id, inst, target) {
			continue
		}
		args := make([]string, inst.TypeArgs.Len())
		for i := range args {
			args[i] = c.typeString(inst.TypeArgs.At(i))
		}
		list := strings.Join(args, ", ")
		switch p := c.parents[target].(type) {
		case *ast.IndexExpr:
			if p.X == target {
				if len(args) > 1 {
					c.ed.replace(c.coff(p.Lbrack)+1, c.coff(p.Rbrack), list)
				}
				continue
			}
		case *ast.IndexListExpr:
			if p.X == target {
				if len(p.Indices) < len(args) {
					c.ed.replace(c.coff(p.Lbrack)+1, c.coff(p.Rbrack), list)
				}
				continue
			}
		}
		c.ed.insert(c.coff(target.End()), "["+list+"]")
	}
}

func (c *compiler) visit(n ast.Node) bool {
	if lit, ok := n.(*ast.FuncLit); ok && c.compiledLits[lit] {
		return false // Go as written, in the generation
	}
	switch n := n.(type) {
	case *ast.CallExpr:
		switch {
		case c.isBuiltin(n.Fun, "min"), c.isBuiltin(n.Fun, "max"):
			c.minMax(n)
		case c.isBuiltin(n.Fun, "clear"):
			c.clear(n)
		case c.isBuiltin(n.Fun, "print"), c.isBuiltin(n.Fun, "println"):
			c.print(n)
		case c.isBuiltin(n.Fun, "recover"):
			c.recoverCall(n)
		default:
			c.blockCall(n)
			c.compiledCall(n)
			c.variadicCall(n)
		}
	case *ast.SelectorExpr:
		c.checkMember(n)
		c.promotedIfaceMethod(n)
		c.methodExpr(n)
		c.compiledVarAssign(n)
		c.compiledMember(n)
		c.reflectPkgPath(n)
	case *ast.FuncType:
		c.bareConstraints(n.TypeParams)
		c.pointerConstraints(n.TypeParams)
	case *ast.TypeSpec:
		if n.Assign.IsValid() && n.TypeParams != nil {
			// Go 1.23 (the frontend's language, for range over func)
			// accepts them; the interpreter does not.
			c.errAt(c.coff(n.Pos()), "a generic type alias is not supported by the interpreter (it runs Go 1.22)")
		}
		c.bareConstraints(n.TypeParams)
		c.pointerConstraints(n.TypeParams)
	case *ast.CompositeLit:
		c.compiledLit(n)
		c.compiledIfaceLit(n)
	case *ast.RangeStmt:
		c.rangeStmt(n)
	case *ast.ForStmt:
		c.forStmt(n)
	case *ast.GoStmt:
		c.goStmt(n)
	case *ast.DeferStmt:
		c.deferStmt(n)
		c.deferredLiterals(n)
	case *ast.FuncLit:
		c.nameParams(n.Type)
		c.loopFuncLit(n)
	case *ast.Ident:
		if alt, ok := c.im.pre.aliasFor[n.Name]; ok {
			c.ed.replace(c.coff(n.Pos()), c.coff(n.End()), alt)
		}
		c.renameEntry(n)
		c.compiledRef(n)
	case *ast.ReturnStmt:
		c.bareReturn(n)
	case *ast.TypeSwitchStmt:
		c.switchStructs(n)
		if !c.wrappedSwitch(n) {
			c.typeSwitch(n)
		}
	case *ast.TypeAssertExpr:
		c.assertStruct(n)
		c.ifaceAssert(n)
	case *ast.BinaryExpr:
		c.ifaceCompare(n)
		if !c.foldConst(n) {
			return false // replaced by its value
		}
	case *ast.StructType:
		c.hideUnexported(n)
	case *ast.SwitchStmt:
		c.ifaceSwitch(n)
	case *ast.AssignStmt:
		c.multiLitValues(c.defineTypes(n), n.TokPos, n.Rhs)
		c.typedNils(n)
		c.assignErrors(n)
		c.ifaceFieldAssign(n)
		c.splitAssign(n)
		c.commaOk(len(n.Lhs), n.Rhs)
	case *ast.LabeledStmt:
		c.caseLabel(n)
	case *ast.UnaryExpr, *ast.ParenExpr:
		if !c.foldConst(n.(ast.Expr)) {
			return false // replaced by its value
		}
	case *ast.ValueSpec:
		c.multiLitValues(c.specTypes(n), specEnd(n), n.Values)
		c.assignErrors(n)
		c.commaOk(len(n.Names), n.Values)
		c.multiIfaceSpec(n)
	}
	c.yaegiWorkarounds(n) // last: its edits go inside those above
	return true
}

// typeSwitch binds the value of a type switch that has no binding: without
// one, yaegi matches no case of session types (`switch v.(type)`).
func (c *compiler) typeSwitch(ts *ast.TypeSwitchStmt) {
	if es, ok := ts.Assign.(*ast.ExprStmt); ok {
		c.ed.insert(c.coff(es.Pos()), c.name("TS")+" := ")
	}
}

// typedNils gives the untyped nils of a multiple assignment the type they
// are assigned to: yaegi panics on `n, err = 1, nil`.
func (c *compiler) typedNils(as *ast.AssignStmt) {
	if as.Tok != token.ASSIGN || len(as.Lhs) < 2 || len(as.Lhs) != len(as.Rhs) {
		return
	}
	for i, r := range as.Rhs {
		if !c.chk.info.Types[r].IsNil() {
			continue
		}
		t := c.chk.info.Types[as.Lhs[i]].Type
		if t == nil {
			continue
		}
		c.ed.replace(c.coff(r.Pos()), c.coff(r.End()), "("+c.typeString(t)+")(nil)")
	}
}

// result makes the body func return the trailing expression.
func (c *compiler) result() {
	// Bound to a variable first: yaegi fails to return some expressions
	// (a channel receive) directly as an interface.
	c.ed.insert(c.coff(c.resultExpr.Pos()), "__dmV := ")
	ret := "__dmV"
	if methods := c.displayMethods(c.chk.info.Types[c.resultExpr].Type); len(methods) > 0 {
		var entries []string
		for _, m := range methods {
			entries = append(entries, fmt.Sprintf("%q: __dmV.%s()", m, m))
		}
		ret = "__dmRich(__dmV, map[string]any{" + strings.Join(entries, ", ") + "})"
	} else if show := c.anyResult(c.chk.info.Types[c.resultExpr].Type); show != "" {
		ret = show + "(__dmV)"
	}
	c.ed.insert(c.coff(c.resultExpr.End()), "; return "+ret)
}

// displayMethods are the methods through which a value shows itself, with
// the type of their result ("" for any type).
var displayMethods = func() []struct {
	name   string
	result types.Type
} {
	str := types.Typ[types.String]
	bytes := types.NewSlice(types.Typ[types.Byte])
	bundle := types.NewMap(str, types.NewInterfaceType(nil, nil).Complete())
	return []struct {
		name   string
		result types.Type
	}{
		{"HTML", str}, {"Markdown", str}, {"Latex", str}, {"SVG", str},
		{"PNG", bytes}, {"JPEG", bytes}, {"JSON", nil}, {"MIME", bundle}, {"String", str},
	}
}()

// displayMethods lists the display methods values of type t have (through
// a variable, so pointer methods count). Interpreted methods are invisible
// to compiled code, so the cell calls them and hands their results to the
// prelude's __dmRich.
func (c *compiler) displayMethods(t types.Type) []string {
	if t == nil || c.chk.pkg.Scope().Lookup("__dmRich") == nil {
		return nil
	}
	mt := t
	if _, ok := t.Underlying().(*types.Interface); !ok {
		if _, ptr := t.(*types.Pointer); !ptr {
			mt = types.NewPointer(t)
		}
	}
	ms := types.NewMethodSet(mt)
	var out []string
	for _, dm := range displayMethods {
		sel := ms.Lookup(nil, dm.name)
		if sel == nil {
			continue
		}
		sig, ok := sel.Type().(*types.Signature)
		if !ok || sig.Params().Len() != 0 || sig.Results().Len() != 1 {
			continue
		}
		if dm.result != nil && !types.Identical(sig.Results().At(0).Type(), dm.result) {
			continue
		}
		out = append(out, dm.name)
	}
	return out
}

// isBuiltin reports whether e names the predeclared func name.
func (c *compiler) isBuiltin(e ast.Expr, name string) bool {
	id, ok := ast.Unparen(e).(*ast.Ident)
	if !ok {
		return false
	}
	b, ok := c.chk.info.Uses[id].(*types.Builtin)
	return ok && b.Name() == name
}

// checkMember rejects a standard library member the interpreter lacks,
// such as slices.Sort or strings.Lines.
func (c *compiler) checkMember(sel *ast.SelectorExpr) {
	id, ok := sel.X.(*ast.Ident)
	if !ok {
		return
	}
	pn, ok := c.chk.info.Uses[id].(*types.PkgName)
	if !ok {
		return
	}
	path := pn.Imported().Path()
	if c.instanced[sel.Sel] {
		return
	}
	if brokenGeneric[path+"."+sel.Sel.Name] {
		// Not compiled (compiled packages off, or a type argument
		// declared in the session): the interpreter's generic source
		// would run, and it fails.
		c.errAt(c.coff(sel.Pos()), "%s.%s is not supported by the interpreter: its generic source in the interpreter fails; it runs compiled only, with compiled packages on (not DMIRROR_NATIVE=0) and type arguments compiled code can name", id.Name, sel.Sel.Name)
		return
	}
	if !interpreterHas(path, sel.Sel.Name) && path == "unsafe" {
		c.errAt(c.coff(sel.Pos()), "unsafe.%s is not supported by the interpreter: its unsafe package has Pointer, Sizeof, Alignof, Offsetof and Add, and unsafe's funcs are the compiler's builtins, which cannot be compiled for it", sel.Sel.Name)
		return
	}
	if !interpreterHas(path, sel.Sel.Name) {
		if c.im.opts.Compiled && !isGeneric(c.chk.info.Uses[sel.Sel]) {
			c.needStd(path)
			return
		}
		if c.im.opts.Compiled {
			// A generic one that compiledInstance left: its type
			// arguments name session types.
			c.errAt(c.coff(sel.Pos()), "%s.%s with a type declared in the session is not supported: the interpreter's standard library (Go 1.22) lacks it, and compiled code cannot name session types, which are interpreted", id.Name, sel.Sel.Name)
			return
		}
		c.errAt(c.coff(sel.Pos()), "%s.%s is not available in the interpreter: it has the Go 1.22 standard library", id.Name, sel.Sel.Name)
	}
}

// methodExpr turns a method expression T.M into a func literal: yaegi
// gives T.M the type of the method value, func(args) instead of
// func(T, args).
func (c *compiler) methodExpr(sel *ast.SelectorExpr) {
	s := c.chk.info.Selections[sel]
	if s == nil || s.Kind() != types.MethodExpr {
		return
	}
	sig, ok := s.Type().(*types.Signature)
	if !ok || sig.Params().Len() == 0 {
		return
	}
	var params, args []string
	for i := 0; i < sig.Params().Len(); i++ {
		t := c.typeString(sig.Params().At(i).Type())
		name := fmt.Sprintf("__dmP%d", i)
		if sig.Variadic() && i == sig.Params().Len()-1 {
			t = "..." + strings.TrimPrefix(t, "[]")
			name += "..."
		}
		params = append(params, fmt.Sprintf("__dmP%d %s", i, t))
		if i > 0 {
			args = append(args, name)
		}
	}
	var results []string
	for i := 0; i < sig.Results().Len(); i++ {
		results = append(results, c.typeString(sig.Results().At(i).Type()))
	}
	call := "__dmP0." + sel.Sel.Name + "(" + strings.Join(args, ", ") + ")"
	body := call
	if len(results) > 0 {
		body = "return " + call
	}
	lit := fmt.Sprintf("func(%s) (%s) { %s }", strings.Join(params, ", "), strings.Join(results, ", "), body)
	c.ed.replace(c.coff(sel.Pos()), c.coff(sel.End()), lit)
}

// bareReturn makes a `return` that ends a cell early return no value when
// the body func returns the cell's value.
func (c *compiler) bareReturn(r *ast.ReturnStmt) {
	if !c.hasResult || len(r.Results) > 0 || c.bodyFunc == nil {
		return
	}
	for n := c.parents[r]; n != nil; n = c.parents[n] {
		if _, ok := n.(*ast.FuncLit); ok {
			return
		}
		if n == c.bodyFunc.Body {
			c.ed.replace(c.coff(r.Pos()), c.coff(r.End()), "return nil")
			return
		}
	}
}

// needStd marks a standard package to be compiled for the session.
func (c *compiler) needStd(path string) {
	if c.nativeStd == nil {
		c.nativeStd = map[string]bool{}
	}
	c.nativeStd[path] = true
}

// isGeneric reports whether obj is a generic func or type.
func isGeneric(obj types.Object) bool {
	switch o := obj.(type) {
	case *types.Func:
		s, ok := o.Type().(*types.Signature)
		return ok && s.TypeParams().Len() > 0
	case *types.TypeName:
		n, ok := o.Type().(*types.Named)
		return ok && n.TypeParams().Len() > 0
	}
	return false
}

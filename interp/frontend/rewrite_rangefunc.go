package frontend

import (
	"fmt"
	"go/ast"
	"go/token"
	"go/types"
	"strings"
)

// rangeFunc rewrites a range over a func (Go 1.23), which the interpreter
// (Go 1.22) cannot run, into the call Go makes of it: the loop body becomes
// the yield func, a continue of the loop returns true from it and a break
// returns false.
//
//	for k, v := range seq { body }
//	→ seq(func(k K, v V) bool { { body }; return true })
//
// A statement that leaves more than an iteration (a return, a break or
// continue of an outer label) sets the loop's state variable and returns
// false; after the call, the statement runs where Go would run it: in the
// enclosing func or loop, or, when that is itself a range over func, as
// that loop's own exit. A defer or a goto out of the body cannot move into
// the yield func and is refused by name.
func (c *compiler) rangeFunc(r *ast.RangeStmt, sig *types.Signature) {
	if sig.Params().Len() != 1 || r.Body == nil {
		return // not a yield func: the type check has said so
	}
	yield, ok := sig.Params().At(0).Type().Underlying().(*types.Signature)
	if !ok {
		return
	}
	if c.rangeFuncs == nil {
		c.rangeFuncs = map[*ast.RangeStmt]*rangeFuncLoop{}
	}
	loop := &rangeFuncLoop{stmt: r, state: c.name("S"), results: c.enclosingResults(r), outer: c.enclosingRangeFunc(r)}
	for i := range loop.results.Len() {
		loop.resultTypes = append(loop.resultTypes, c.typeString(loop.results.At(i).Type()))
	}
	c.rangeFuncs[r] = loop
	if l, ok := c.parents[r].(*ast.LabeledStmt); ok {
		loop.label = l
		if c.gotoTargets()[c.chk.info.Defs[l.Label]] {
			c.errAt(c.coff(l.Pos()), "a goto to the label of a range over func is not supported by the interpreter (it runs Go 1.22 and calls the func with the loop's body as the yield func)")
			return
		}
	}
	body, bad := c.rangeFuncBody(loop)
	if bad != "" {
		c.errAt(c.coff(r.For), "range over func with %s in its body is not supported by the interpreter (it runs Go 1.22 and calls the func with the loop's body as the yield func)", bad)
		return
	}
	if len(body.returns) > 0 {
		loop.resultVars(c)
	}
	for _, ret := range body.returns {
		c.ed.replaceFunc(c.coff(ret.Pos()), c.coff(ret.End()), func() string { return c.rangeFuncReturn(loop, ret) })
	}
	for _, b := range body.branches {
		c.ed.replace(c.coff(b.Pos()), c.coff(b.End()), c.rangeFuncBranch(loop, b))
	}
	if loop.label != nil {
		c.ed.replace(c.coff(loop.label.Label.Pos()), c.coff(loop.label.Colon)+1, "")
	}
	c.ed.replaceFunc(c.coff(r.For), c.coff(r.X.Pos()), loop.before)
	c.ed.insert(c.coff(r.X.End()), "(func("+c.yieldParams(r, yield))
	c.ed.insert(c.coff(r.Body.Rbrace)+1, "; return true })")
	c.ed.replaceFunc(c.coff(r.Body.Rbrace)+1, c.coff(r.Body.Rbrace)+1, loop.after)
}

// rangeFuncLoop is a range over func being rewritten.
type rangeFuncLoop struct {
	stmt    *ast.RangeStmt
	label   *ast.LabeledStmt // the loop's label, if any
	outer   *rangeFuncLoop   // the range over func whose yield func this one is in
	state   string           // 0: running; 1: a return; 2+: exits[state-2]
	results *types.Tuple     // of the func the loop is in
	exits   []string         // statements run after the call, by state

	resultTypes []string // results' types as Go source
	// A return in the body, or in a range over func within it, sets
	// state 1 and vals, and returnStmt runs after the call.
	returns    bool
	vals       []string
	returnStmt string
}

// exit adds a statement to run after the call and returns the statement
// that sets its state and leaves the yield func.
func (l *rangeFuncLoop) exit(stmt string) string {
	l.exits = append(l.exits, stmt)
	return fmt.Sprintf("{ %s = %d; return false }", l.state, len(l.exits)+1)
}

// resultVars returns the variables that hold a return's results, declaring
// them on first use, with the statement that returns them after the call:
// a return, or in the yield func of an outer range over func, that loop's
// own return.
func (l *rangeFuncLoop) resultVars(c *compiler) []string {
	if l.returns {
		return l.vals
	}
	l.returns = true
	for range l.results.Len() {
		l.vals = append(l.vals, c.name("R"))
	}
	if l.outer == nil {
		l.returnStmt = strings.TrimSpace("return " + strings.Join(l.vals, ", "))
		return l.vals
	}
	set := ""
	if ov := l.outer.resultVars(c); len(ov) > 0 {
		set = strings.Join(ov, ", ") + " = " + strings.Join(l.vals, ", ") + "; "
	}
	l.returnStmt = fmt.Sprintf("{ %s%s = 1; return false }", set, l.outer.state)
	return l.vals
}

// before declares the state and results variables, if the loop has exits.
func (l *rangeFuncLoop) before() string {
	if !l.returns && len(l.exits) == 0 {
		return ""
	}
	s := l.state + " := 0; "
	for i, v := range l.vals {
		s += fmt.Sprintf("var %s %s; ", v, l.resultTypes[i])
	}
	return s
}

// after runs the statement of the state a leaving statement set.
func (l *rangeFuncLoop) after() string {
	var s string
	if l.returns {
		s += fmt.Sprintf("; if %s == 1 { %s }", l.state, l.returnStmt)
	}
	for i, e := range l.exits {
		s += fmt.Sprintf("; if %s == %d { %s }", l.state, i+2, e)
	}
	return s
}

// rangeFuncReturn is what a return statement of the loop's body becomes:
// its results are kept (a bare return with named results keeps the named
// results, which Go says are not shadowed there) and the loop is left.
func (c *compiler) rangeFuncReturn(loop *rangeFuncLoop, ret *ast.ReturnStmt) string {
	vals := loop.vals
	set := ""
	switch {
	case len(ret.Results) == 1:
		set = strings.Join(vals, ", ") + " = " + c.text(ret.Results[0]) + "; "
	case len(ret.Results) > 1:
		// One assignment each: yaegi assigns wrong values in `a, b = i,
		// f(w)` (splitAssign). The variables are the rewrite's own, which
		// the results cannot read, so the order is Go's.
		for i, e := range ret.Results {
			set += vals[i] + " = " + c.text(e) + "; "
		}
	case len(vals) > 0:
		names := make([]string, len(vals))
		for i := range names {
			names[i] = loop.results.At(i).Name()
		}
		set = strings.Join(vals, ", ") + " = " + strings.Join(names, ", ") + "; "
	}
	return fmt.Sprintf("{ %s%s = 1; return false }", set, loop.state)
}

// rangeFuncBranch is what a break or continue of the loop's body becomes
// (one the body's own statements do not take).
func (c *compiler) rangeFuncBranch(loop *rangeFuncLoop, b *ast.BranchStmt) string {
	if b.Label == nil || (loop.label != nil && b.Label.Name == loop.label.Label.Name) {
		if b.Tok == token.BREAK {
			return "return false"
		}
		return "return true"
	}
	return loop.exit(c.branchAfter(loop, b.Tok, b.Label.Name))
}

// branchAfter is the statement that continues or breaks the loop labelled
// name, run after the call of loop's func.
func (c *compiler) branchAfter(loop *rangeFuncLoop, tok token.Token, name string) string {
	plain := tok.String() + " " + name
	o := loop.outer
	if o == nil || c.labelInside(loop.stmt, name, o.stmt) {
		return plain
	}
	if o.label != nil && o.label.Label.Name == name {
		if tok == token.BREAK {
			return "return false"
		}
		return "return true"
	}
	return o.exit(c.branchAfter(o, tok, name))
}

// labelInside reports whether the statement labelled name encloses n
// within the body of outer.
func (c *compiler) labelInside(n ast.Node, name string, outer ast.Node) bool {
	for p := c.parents[n]; p != nil && p != outer; p = c.parents[p] {
		if l, ok := p.(*ast.LabeledStmt); ok && l.Label.Name == name {
			return true
		}
	}
	return false
}

// rangeFuncStatements are the statements of a range-over-func body that
// leave more than their own statement.
type rangeFuncStatements struct {
	branches []*ast.BranchStmt // breaks and continues the yield func takes
	returns  []*ast.ReturnStmt
}

// rangeFuncBody finds the breaks, continues and returns of the loop's body
// that its rewrite handles, or names what cannot move into a yield func.
// Nested ranges over funcs handle their own.
func (c *compiler) rangeFuncBody(loop *rangeFuncLoop) (found rangeFuncStatements, bad string) {
	inner := map[string]bool{} // labels declared in the body
	ast.Inspect(loop.stmt.Body, func(n ast.Node) bool {
		switch n := n.(type) {
		case *ast.FuncLit:
			return false
		case *ast.LabeledStmt:
			inner[n.Label.Name] = true
		}
		return true
	})
	// breakDepth and loopDepth count the statements between a branch and
	// this loop that an unlabelled break or continue would take.
	var walk func(n ast.Node, breakDepth, loopDepth int)
	walk = func(n ast.Node, breakDepth, loopDepth int) {
		ast.Inspect(n, func(x ast.Node) bool {
			if bad != "" {
				return false
			}
			if x == n {
				return true
			}
			switch x := x.(type) {
			case *ast.FuncLit:
				return false
			case *ast.DeferStmt:
				bad = "defer"
			case *ast.ReturnStmt:
				found.returns = append(found.returns, x)
			case *ast.BranchStmt:
				if take, why := c.rangeFuncTakes(x, breakDepth, loopDepth, inner); why != "" {
					bad = why
				} else if take {
					found.branches = append(found.branches, x)
				}
			case *ast.RangeStmt:
				if c.isFuncRange(x) {
					return false // its own rewrite
				}
				walk(x, breakDepth+1, loopDepth+1)
				return false
			case *ast.ForStmt:
				walk(x, breakDepth+1, loopDepth+1)
				return false
			case *ast.SwitchStmt, *ast.TypeSwitchStmt, *ast.SelectStmt:
				walk(x, breakDepth+1, loopDepth)
				return false
			}
			return true
		})
	}
	walk(loop.stmt.Body, 0, 0)
	return found, bad
}

// rangeFuncTakes reports whether the rewrite of a range-over-func body
// replaces a branch statement of it, or names why it cannot.
func (c *compiler) rangeFuncTakes(b *ast.BranchStmt, breakDepth, loopDepth int, inner map[string]bool) (bool, string) {
	switch b.Tok {
	case token.GOTO:
		if !inner[b.Label.Name] {
			return false, "a goto out of the body"
		}
		return false, ""
	case token.BREAK, token.CONTINUE:
		if b.Label != nil {
			return !inner[b.Label.Name], ""
		}
		if b.Tok == token.BREAK {
			return breakDepth == 0, ""
		}
		return loopDepth == 0, ""
	}
	return false, ""
}

// yieldParams are the yield func's parameters: the loop's variables where
// it defines them, else fresh names, assigned to what the loop assigns at
// the start of the body.
func (c *compiler) yieldParams(r *ast.RangeStmt, yield *types.Signature) string {
	params := make([]string, yield.Params().Len())
	var assigns []string
	for i := range params {
		name := c.name("Y")
		var e ast.Expr
		switch i {
		case 0:
			e = r.Key
		case 1:
			e = r.Value
		}
		if id, ok := e.(*ast.Ident); ok && r.Tok == token.DEFINE && id.Name != "_" {
			name = id.Name
		} else if e != nil && r.Tok == token.ASSIGN && !isBlank(e) {
			assigns = append(assigns, fmt.Sprintf("%s = %s; ", c.text(e), name))
		}
		params[i] = name + " " + c.typeString(yield.Params().At(i).Type())
	}
	return strings.Join(params, ", ") + ") bool { " + strings.Join(assigns, "")
}

// isFuncRange reports whether r ranges over a func.
func (c *compiler) isFuncRange(r *ast.RangeStmt) bool {
	t := c.chk.info.Types[r.X].Type
	if t == nil {
		return false
	}
	_, ok := t.Underlying().(*types.Signature)
	return ok
}

// enclosingRangeFunc is the range over func whose body n is in, within
// the same func, or nil.
func (c *compiler) enclosingRangeFunc(n ast.Node) *rangeFuncLoop {
	for p := c.parents[n]; p != nil; p = c.parents[p] {
		switch p := p.(type) {
		case *ast.FuncLit, *ast.FuncDecl:
			return nil
		case *ast.RangeStmt:
			if l := c.rangeFuncs[p]; l != nil {
				return l
			}
		}
	}
	return nil
}

// enclosingResults are the results of the func a statement is in; none
// for the statements of the cell itself.
func (c *compiler) enclosingResults(n ast.Node) *types.Tuple {
	if r := c.resultsOf(n); r != nil {
		return r
	}
	return types.NewTuple()
}

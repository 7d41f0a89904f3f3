package frontend

import "go/ast"

// recoverCall rewrites recover() to __dmRecover(recover()), which gives the
// value Go's recover gives (see vm.Recovered): yaegi's is the reflect.Value
// of a panic(v), or reflect's text of a runtime error. recover is still
// called by the deferred func itself, as yaegi needs. `defer recover()` and
// `go recover()` stay: the argument of __dmRecover would be evaluated at
// the defer statement.
func (c *compiler) recoverCall(call *ast.CallExpr) {
	switch p := c.parents[call].(type) {
	case *ast.DeferStmt:
		if p.Call == call {
			return
		}
	case *ast.GoStmt:
		if p.Call == call {
			return
		}
	}
	c.ed.insert(c.coff(call.Pos()), "__dmRecover(")
	c.ed.insert(c.coff(call.End()), ")")
}

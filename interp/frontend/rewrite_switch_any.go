package frontend

import (
	"go/ast"
	"go/types"
)

// methodCasesOnAny reports whether a type switch on a value of an empty
// interface type has a case of a session type with methods (or a pointer
// to one): yaegi v0.16.1 matches none of them (a *P held in an any went
// to default, and so did a P value when *P has methods), while comma-ok
// assertions do match, so wrappedSwitch rewrites such switches too.
func (c *compiler) methodCasesOnAny(xt types.Type, ts *ast.TypeSwitchStmt) bool {
	if it, ok := xt.Underlying().(*types.Interface); !ok || !it.Empty() {
		return false
	}
	for _, s := range ts.Body.List {
		for _, e := range s.(*ast.CaseClause).List {
			t := c.chk.info.Types[e].Type
			if t == nil || types.IsInterface(t) || !c.interpretedNamed(t) {
				continue
			}
			if p, ok := t.(*types.Pointer); ok {
				t = p.Elem()
			}
			if types.NewMethodSet(types.NewPointer(t)).Len() > 0 {
				return true
			}
		}
	}
	return false
}

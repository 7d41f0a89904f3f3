package frontend

import (
	"go/ast"
	"go/types"
)

// variadicIfaceArgs passes a value of a session type given to the variadic
// parameter ...I of a compiled func, I a non-empty interface, through a
// parameter of type I first: yaegi makes the interface value for a fixed
// parameter, but not for a variadic one (io.MultiWriter(&sb, upper{&sb})
// panicked "reflect: cannot use struct { Xw io.Writer } as type io.Writer
// in Call": acceptance program io_reader_custom).
func (c *compiler) variadicIfaceArgs(call *ast.CallExpr, sig *types.Signature, fn *types.Func) {
	if !sig.Variadic() || call.Ellipsis.IsValid() {
		return
	}
	n := sig.Params().Len()
	for i := n - 1; i < len(call.Args); i++ {
		pt := paramType(sig, i)
		it, ok := pt.Underlying().(*types.Interface)
		if !ok || it.Empty() || !c.nameable(pt, fn) {
			continue
		}
		arg := call.Args[i]
		at := c.chk.info.Types[arg].Type
		if at == nil || types.IsInterface(at) || !isSessionType(at) {
			continue
		}
		ts := c.typeString(pt)
		c.ed.insert(c.coff(arg.Pos()), "func(__dmI "+ts+") "+ts+" { return __dmI }(")
		c.ed.insertOuter(c.coff(arg.End()), ")")
	}
}

// nameable reports whether the cell can name t: a named type of the
// called func's package (which the cell imports) or of the universe.
func (c *compiler) nameable(t types.Type, fn *types.Func) bool {
	n, ok := types.Unalias(t).(*types.Named)
	if !ok {
		return false
	}
	return n.Obj().Pkg() == nil || n.Obj().Pkg() == fn.Pkg()
}

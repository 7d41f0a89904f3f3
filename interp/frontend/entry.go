package frontend

import (
	"fmt"
	"go/ast"
	"go/types"
	"strings"
)

// A cell may hold a whole program. Its func init run when the cell runs,
// in order, after its statements, and a func main it declares runs after
// them, as `go run` runs a file. yaegi runs a package's func main after
// every evaluation and its init funcs at each evaluation of their source
// (so again at every rebuild of the image): the emitted code calls main
// __dmMain and each init a name of its own (initName). Checks keep the
// names Go knows, so that go/types applies Go's rules to them.

// mainName is func main's name in emitted code.
const mainName = "__dmMain"

// initName names the func init declared at line and col of cell.
func initName(cell, line, col int) string {
	return fmt.Sprintf("__dmInit%d_%d_%d", cell, line, col)
}

// renameEntry renames main and init where id declares or uses them.
func (c *compiler) renameEntry(id *ast.Ident) {
	if id.Name != "main" && id.Name != "init" {
		return
	}
	obj := c.chk.info.Defs[id]
	if obj == nil {
		obj = c.chk.info.Uses[id]
	}
	f, ok := obj.(*types.Func)
	if !ok || f.Pkg() == nil || f.Type().(*types.Signature).Recv() != nil {
		return
	}
	if id.Name == "main" && f.Parent() != f.Pkg().Scope() {
		return // a local func value named main
	}
	name := mainName
	if id.Name == "init" {
		line, col := c.pos(c.coff(id.Pos()))
		name = initName(c.cell, line, col)
	}
	c.ed.replace(c.coff(id.Pos()), c.coff(id.End()), name)
}

// entryCalls is the source that runs the cell's init funcs and main.
func (c *compiler) entryCalls() string {
	var calls []string
	for _, n := range c.inits {
		calls = append(calls, n+"()")
	}
	if c.hasMain {
		calls = append(calls, mainName+"()")
	}
	return strings.Join(calls, "; ")
}

// entryDecls are the cell's declarations of init funcs and main, which
// the cell runs.
func (c *compiler) entryDecls() []*ast.FuncDecl {
	var out []*ast.FuncDecl
	for _, d := range c.cellDecls {
		if fd, ok := d.(*ast.FuncDecl); ok && fd.Recv == nil && (fd.Name.Name == "init" || fd.Name.Name == "main" && c.hasMain) {
			out = append(out, fd)
		}
	}
	return out
}

package frontend

import (
	"fmt"
	"go/ast"
	"go/types"
	"sort"
	"strings"
)

type pendingBlock struct {
	block Block
	arg   ast.Expr
}

// blockCall describes the blocks of a call of a prelude func that takes
// blocks (Parallel*, CreateMirror) and passes their IDs and captured
// values to it as __dmBlock options.
func (c *compiler) blockCall(call *ast.CallExpr) {
	var opts []string
	for _, arg := range c.blockArgs(call) {
		line, col := c.pos(c.coff(arg.Pos()))
		b := Block{
			ID:   c.blockID(),
			Type: c.typeString(unnamedParams(c.chk.info.Types[arg].Type)),
			Pos:  fmt.Sprintf("cell[%d] line %d", c.cell, line),
		}
		b.File, b.Line, b.Col = cellFile(c.cell), line, col
		capNames := []string{fmt.Sprint(b.ID)}
		for _, v := range c.capturesOf(arg) {
			b.Captures = append(b.Captures, Var{Name: v.Name(), Type: c.typeString(v.Type())})
			capNames = append(capNames, v.Name())
		}
		b.Globals = sortedNames(c.deps.closure(arg), func(name string, _ bool) bool {
			return c.isSessionVar(name)
		})
		b.Compiled = c.compiledBlockCall(arg)
		c.pending = append(c.pending, pendingBlock{block: b, arg: arg})
		opts = append(opts, "__dmBlock("+strings.Join(capNames, ", ")+")")
	}
	if len(opts) == 0 {
		return
	}
	if call.Ellipsis.IsValid() {
		last := call.Args[len(call.Args)-1]
		c.ed.insert(c.coff(last.Pos()), "append(append([]ParallelOption(nil), ")
		c.ed.insert(c.coff(call.Ellipsis), "), "+strings.Join(opts, ", ")+")")
		return
	}
	text := ", " + strings.Join(opts, ", ")
	if len(call.Args) == 0 {
		text = strings.Join(opts, ", ")
	} else if between := c.src[c.coff(call.Args[len(call.Args)-1].End()):c.coff(call.Rparen)]; strings.Contains(between, ",") {
		text = strings.Join(opts, ", ") + ","
	}
	c.ed.insertOuter(c.coff(call.Rparen), text)
}

// blockArgs returns the block arguments of a call of a prelude func that
// takes blocks, none for other calls.
func (c *compiler) blockArgs(call *ast.CallExpr) []ast.Expr {
	fun := ast.Unparen(call.Fun)
	switch x := fun.(type) {
	case *ast.IndexExpr:
		fun = x.X
	case *ast.IndexListExpr:
		fun = x.X
	}
	id, ok := fun.(*ast.Ident)
	if !ok {
		return nil
	}
	obj, ok := c.chk.info.Uses[id].(*types.Func)
	if !ok || obj.Pkg() == nil || obj.Pkg().Path() != "main" {
		return nil
	}
	name := obj.Name()
	if alt, ok := c.im.pre.aliasFor[name]; ok {
		name = alt
	} else if !c.im.isPrelude(obj.Pos()) {
		return nil
	}
	var args []ast.Expr
	for _, i := range c.im.pre.blocks[name] {
		if i >= len(call.Args) || (call.Ellipsis.IsValid() && i == len(call.Args)-1) {
			continue
		}
		args = append(args, call.Args[i])
	}
	return args
}

// capturesOf returns the local variables e refers to that are declared
// outside it, in order of first use.
func (c *compiler) capturesOf(e ast.Expr) []*types.Var {
	var out []*types.Var
	seen := map[*types.Var]bool{}
	ast.Inspect(e, func(n ast.Node) bool {
		id, ok := n.(*ast.Ident)
		if !ok {
			return true
		}
		v, ok := c.chk.info.Uses[id].(*types.Var)
		if !ok || v.IsField() || seen[v] || v.Pkg() == nil {
			return true
		}
		if v.Parent() == v.Pkg().Scope() || v.Parent() == types.Universe {
			return true
		}
		if v.Pos() >= e.Pos() && v.Pos() < e.End() {
			return true
		}
		seen[v] = true
		out = append(out, v)
		return true
	})
	return out
}

// finishBlocks renders the blocks' expressions once every edit is known.
func (c *compiler) finishBlocks() {
	sort.SliceStable(c.pending, func(i, j int) bool { return c.pending[i].block.ID < c.pending[j].block.ID })
	for i := range c.pending {
		b := &c.pending[i].block
		// The directive puts Expr's nodes in a file named as the session's,
		// whatever the code around it says: yaegi resolves qualified names
		// by file name.
		b.Expr = exprDirective(c.cell, b.Line) + c.text(c.pending[i].arg)
		c.blocks = append(c.blocks, c.pending[i].block)
	}
}

// blockID returns the ID of the next block: the one it had before when a
// committed declaration is rendered again, else a new one.
func (c *compiler) blockID() int {
	if len(c.reuseIDs) > 0 {
		id := c.reuseIDs[0]
		c.reuseIDs = c.reuseIDs[1:]
		return id
	}
	return int(c.im.blockSeq.Add(1))
}

// exprDirective starts a block's Expr: a //line directive on a line of its
// own (so Expr goes at the start of a line), without a column, as mirrors
// report a block's frames by line.
func exprDirective(cell, line int) string {
	return fmt.Sprintf("//line %s:%d\n", cellFile(cell), line)
}

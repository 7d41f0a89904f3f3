package frontend

import (
	"go/ast"
	"go/constant"
	"go/token"
	"go/types"
)

// endless reports whether the cell holds a loop that cannot end by itself:
// a `for` without a condition (or with a constant true one) that no break,
// goto or return leaves, and in which nothing panics or exits by name. The
// image process stops such a cell as a runaway once its live heap has
// grown by 512 MiB and is still growing (Plan.Endless), rather than
// when the heap reaches the image's limit, which interpreted code needs
// most of a minute to fill at the default limit.
//
// It errs on the side of false: a loop that might end is not endless.
func (c *compiler) endless() bool {
	found := false
	for _, n := range c.cellNodes() {
		ast.Inspect(n, func(x ast.Node) bool {
			if f, ok := x.(*ast.ForStmt); ok && !found && c.alwaysTrue(f.Cond) && !c.leaves(f.Body) {
				found = true
			}
			return !found
		})
	}
	return found
}

// alwaysTrue reports whether a loop condition is missing or constant true.
func (c *compiler) alwaysTrue(cond ast.Expr) bool {
	if cond == nil {
		return true
	}
	tv, ok := c.chk.info.Types[cond]
	return ok && tv.Value != nil && tv.Value.Kind() == constant.Bool && constant.BoolVal(tv.Value)
}

// leaves reports whether a statement in body may leave the loop that body
// belongs to: a return, a goto, a labelled branch (it may name an outer
// statement), a break that is not inside a nested for, switch or select,
// or a call of panic, os.Exit, log.Fatal…, log.Panic… or runtime.Goexit.
// Func literals are not looked into: their returns leave only them.
func (c *compiler) leaves(body *ast.BlockStmt) bool {
	out := false
	var walk func(n ast.Node, nested bool)
	walk = func(n ast.Node, nested bool) {
		ast.Inspect(n, func(x ast.Node) bool {
			if out {
				return false
			}
			switch x := x.(type) {
			case *ast.FuncLit:
				return false
			case *ast.ReturnStmt:
				out = true
			case *ast.BranchStmt:
				out = x.Tok == token.GOTO || x.Label != nil || (x.Tok == token.BREAK && !nested)
			case *ast.CallExpr:
				out = c.exits(x)
			case *ast.ForStmt, *ast.RangeStmt, *ast.SwitchStmt, *ast.TypeSwitchStmt, *ast.SelectStmt:
				if x != n {
					walk(x, true)
					return false
				}
			}
			return !out
		})
	}
	walk(body, false)
	return out
}

// exits reports whether call is one that ends the goroutine or the
// program: panic, os.Exit, runtime.Goexit, log's Fatal and Panic funcs.
func (c *compiler) exits(call *ast.CallExpr) bool {
	var id *ast.Ident
	switch f := ast.Unparen(call.Fun).(type) {
	case *ast.Ident:
		id = f
	case *ast.SelectorExpr:
		id = f.Sel
	default:
		return false
	}
	switch obj := c.chk.info.Uses[id].(type) {
	case *types.Builtin:
		return obj.Name() == "panic"
	case *types.Func:
		if obj.Pkg() == nil {
			return false
		}
		switch obj.Pkg().Path() + "." + obj.Name() {
		case "os.Exit", "runtime.Goexit", "log.Fatal", "log.Fatalf", "log.Fatalln", "log.Panic", "log.Panicf", "log.Panicln":
			return true
		}
		// (*log.Logger).Fatal and friends.
		if sig, ok := obj.Type().(*types.Signature); ok && sig.Recv() != nil && obj.Pkg().Path() == "log" {
			switch obj.Name() {
			case "Fatal", "Fatalf", "Fatalln", "Panic", "Panicf", "Panicln":
				return true
			}
		}
	}
	return false
}

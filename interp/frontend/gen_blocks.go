package frontend

import (
	"crypto/sha256"
	"encoding/hex"
	"go/ast"
	"go/token"
	"go/types"
	"slices"
	"strings"
)

// Compiled blocks: a func literal passed as a block of a Parallel call in
// the cell's statements is compiled into the generation when it does work
// the interpreter is slow at (a loop) and Go can compile it. The
// generation gets a constructor taking the literal's captures and the
// interpreted session variables it reads,
//
//	func __dmB<hash>(n int, k int) func(int) int { return func(x int) int { ... } }
//
// and the cell passes __dms.F___dmB<hash>(n, k) in place of the literal, so
// the image and every mirror run the block as compiled code. The
// constructor is named by a hash of its source without its cell, and it
// stays in later generations while it compiles: running the cell again
// builds nothing. A block that writes a variable it did not declare stays
// interpreted: the constructor's parameters are copies.

// cellBlock is a block literal of the cell that may be compiled.
type cellBlock struct {
	lit  *ast.FuncLit
	item *declItem // the constructor, as a declaration of the generation
	// vars are the interpreted session variables among its arguments
	// (not its dependencies); typeDeps and imports are the session types
	// and imports its parameters and type name.
	vars, typeDeps, imports []string
	args                    []blockArg // what the cell passes the constructor
	committed               bool       // item is the committed generation's
}

// blockArg is an argument of a block constructor: a captured local or a
// session variable.
type blockArg struct {
	name    string
	session bool
}

// BlockPrefix starts the names of block constructors: a compiled frame
// of one is the block's literal.
const BlockPrefix = "__dmB"

func isBlockItem(d *declItem) bool { return strings.HasPrefix(d.names[0], BlockPrefix) }

// findBlocks lists the cell's block literals that may be compiled (before
// the generation is decided).
func (c *compiler) findBlocks() {
	if c.bodyFunc == nil {
		return
	}
	committed := map[string]*declItem{}
	for _, d := range c.base.compiled.blockItems() {
		committed[d.names[0]] = d
	}
	same := map[string]*declItem{}
	ast.Inspect(c.bodyFunc.Body, func(n ast.Node) bool {
		call, ok := n.(*ast.CallExpr)
		if !ok {
			return true
		}
		for _, arg := range c.blockArgs(call) {
			lit, ok := ast.Unparen(arg).(*ast.FuncLit)
			if !ok {
				continue
			}
			if b := c.cellBlock(lit); b != nil {
				if d := committed[b.item.names[0]]; d != nil {
					b.item, b.committed = d, true
				} else if d := same[b.item.names[0]]; d != nil {
					b.item = d // the same literal again: one constructor
				}
				same[b.item.names[0]] = b.item
				c.cellBlocks = append(c.cellBlocks, b)
			}
		}
		return true
	})
}

// cellBlock returns lit as a block to compile, or nil when it stays
// interpreted.
func (c *compiler) cellBlock(lit *ast.FuncLit) *cellBlock {
	if !hasLoop(lit.Body) || c.writesOuter(lit) {
		return nil
	}
	b := &cellBlock{lit: lit}
	q := &blockQualifier{c: c}
	var params []string
	for _, v := range c.blockParams(lit) {
		params = append(params, v.Name()+" "+types.TypeString(v.Type(), q.qualify))
		if v.Parent() == v.Pkg().Scope() {
			b.vars = append(b.vars, v.Name())
		}
		b.args = append(b.args, blockArg{v.Name(), v.Parent() == v.Pkg().Scope()})
		if !q.typeDeps(v.Type()) {
			return nil
		}
	}
	sigT := c.chk.info.Types[lit].Type
	sig := types.TypeString(sigT, q.qualify)
	if q.bad || !q.typeDeps(sigT) {
		return nil
	}
	b.typeDeps, b.imports = q.deps, q.imports
	start, end := c.coff(lit.Pos()), c.coff(lit.End())
	if start < 0 || end > len(c.src) || start >= end {
		return nil
	}
	text := c.src[start:end]
	head := "(" + strings.Join(params, ", ") + ") " + sig
	sum := sha256.Sum256([]byte(head + "\n" + text))
	name := BlockPrefix + hex.EncodeToString(sum[:6])
	lead := "func " + name + head + " { return "
	line, col := c.lines.pos(start)
	b.item = &declItem{names: []string{name}, cell: c.cell, line: line, col: col, check: lead + text + "\n}",
		emitLead: lead, identCache: &itemIdents{}}
	return b
}

// blockParams are the constructor's parameters: the literal's captured
// locals and the interpreted session variables it reads, in order of first
// use. Compiled variables are the generation's own.
func (c *compiler) blockParams(lit *ast.FuncLit) []*types.Var {
	var out []*types.Var
	seen := map[*types.Var]bool{}
	ast.Inspect(lit, func(n ast.Node) bool {
		id, ok := n.(*ast.Ident)
		if !ok {
			return true
		}
		v, ok := c.chk.info.Uses[id].(*types.Var)
		if !ok || v.IsField() || seen[v] || v.Pkg() == nil || v.Pkg().Path() != "main" || v.Parent() == types.Universe {
			return true
		}
		if v.Pos() >= lit.Pos() && v.Pos() < lit.End() {
			return true // its own
		}
		if v.Parent() == v.Pkg().Scope() && (c.base.compiled.has(v.Name()) || c.im.isPrelude(v.Pos())) {
			return true
		}
		seen[v] = true
		out = append(out, v)
		return true
	})
	return out
}

// blockQualifier writes types for the generation: session types by name,
// packages by the session's import of them.
type blockQualifier struct {
	c             *compiler
	bad           bool     // a type the generation cannot name
	deps, imports []string // the session types and imports the types need
}

func (q *blockQualifier) qualify(p *types.Package) string {
	if p == nil || p.Path() == "main" {
		return ""
	}
	for _, im := range q.c.imports {
		if im.path == p.Path() && im.name != "_" && im.name != "." {
			name := im.key(q.c.im.imp)
			if spec := name + " " + quote(p.Path()); !slices.Contains(q.imports, spec) {
				q.imports = append(q.imports, spec)
			}
			return name
		}
	}
	q.bad = true
	return p.Name()
}

// typeDeps adds the session types t names; false when the generation
// cannot name t (a type declared in a func).
func (q *blockQualifier) typeDeps(t types.Type) bool {
	names, ok := typeNamesIn(t, func(string) bool { return true })
	for _, n := range names {
		if !slices.Contains(q.deps, n) {
			q.deps = append(q.deps, n)
		}
	}
	return ok
}

// hasLoop reports whether a body has a for or range statement, the work
// compiling a block pays off for.
func hasLoop(body *ast.BlockStmt) bool {
	found := false
	ast.Inspect(body, func(n ast.Node) bool {
		switch n.(type) {
		case *ast.ForStmt, *ast.RangeStmt:
			found = true
		}
		return !found
	})
	return found
}

// writesOuter reports whether lit assigns, increments, takes the address
// of, or calls a pointer method on a variable it did not declare (or
// something reached from one): compiled, it would change a copy.
func (c *compiler) writesOuter(lit *ast.FuncLit) bool {
	outer := func(e ast.Expr) bool {
		id := rootIdent(e)
		if id == nil {
			return false
		}
		v, ok := c.chk.info.Uses[id].(*types.Var)
		return ok && !(v.Pos() >= lit.Pos() && v.Pos() < lit.End())
	}
	found := false
	ast.Inspect(lit.Body, func(n ast.Node) bool {
		switch n := n.(type) {
		case *ast.AssignStmt:
			if n.Tok != token.DEFINE {
				found = found || slices.ContainsFunc(n.Lhs, outer)
			}
		case *ast.IncDecStmt:
			found = found || outer(n.X)
		case *ast.RangeStmt:
			if n.Tok == token.ASSIGN {
				found = found || n.Key != nil && outer(n.Key) || n.Value != nil && outer(n.Value)
			}
		case *ast.UnaryExpr:
			found = found || n.Op == token.AND && outer(n.X)
		case *ast.SelectorExpr:
			if s := c.chk.info.Selections[n]; s != nil && s.Kind() == types.MethodVal {
				recv := s.Obj().(*types.Func).Type().(*types.Signature).Recv()
				_, isPtr := c.chk.info.Types[n.X].Type.Underlying().(*types.Pointer)
				found = found || recv != nil && isPointer(recv.Type()) && !isPtr && outer(n.X)
			}
		}
		return !found
	})
	return found
}

// rootIdent is the variable an lvalue expression starts from, nil if none.
func rootIdent(e ast.Expr) *ast.Ident {
	for {
		switch x := e.(type) {
		case *ast.Ident:
			return x
		case *ast.SelectorExpr:
			e = x.X
		case *ast.IndexExpr:
			e = x.X
		case *ast.IndexListExpr:
			e = x.X
		case *ast.StarExpr:
			e = x.X
		case *ast.ParenExpr:
			e = x.X
		case *ast.SliceExpr:
			e = x.X
		default:
			return nil
		}
	}
}

// fixBlockDeps makes the cell's new block constructors depend on the
// session types their parameters name, and not on the interpreted
// variables they take as parameters (which would move them into compiled
// code).
func (c *compiler) fixBlockDeps() {
	for _, b := range c.cellBlocks {
		d := b.item.comp
		if d == nil || b.committed {
			continue
		}
		d.deps = slices.DeleteFunc(d.deps, func(n string) bool { return slices.Contains(b.vars, n) })
		for _, t := range b.typeDeps {
			if !slices.Contains(d.deps, t) {
				d.deps = append(d.deps, t)
			}
		}
		for _, im := range b.imports {
			if !slices.Contains(d.imports, im) {
				d.imports = append(d.imports, im)
			}
		}
		slices.Sort(d.deps)
		slices.Sort(d.imports)
	}
}

// newBlocks reports whether the cell has a block the committed generation
// does not compile.
func (c *compiler) newBlocks() bool {
	for _, b := range c.cellBlocks {
		if !c.base.compiled.has(b.item.names[0]) {
			return true
		}
	}
	return false
}

// blockItems are the block constructors of the generation after the
// cell: the committed ones, then the cell's new ones.
func (c *compiler) blockItems() []*declItem {
	out := c.base.compiled.blockItems()
	for _, b := range c.cellBlocks {
		if !slices.Contains(out, b.item) {
			out = append(out, b.item)
		}
	}
	return out
}

// blockItems are the compiled block constructors of s.
func (s *compiledSet) blockItems() []*declItem {
	if s == nil {
		return nil
	}
	return s.blocks
}

// withBlocks is s with the block constructors among items it compiles.
func (s *compiledSet) withBlocks(items []*declItem) *compiledSet {
	for _, d := range items {
		if isBlockItem(d) && s.names[d.names[0]] {
			s.blocks = append(s.blocks, d)
		}
	}
	return s
}

// compiledBlockCall replaces a block literal the generation compiles by a
// call of its constructor, and says where its code is; nothing inside it
// is rewritten for the interpreter.
func (c *compiler) compiledBlockCall(arg ast.Expr) *CompiledBlock {
	lit, ok := ast.Unparen(arg).(*ast.FuncLit)
	if !ok {
		return nil
	}
	for _, b := range c.cellBlocks {
		if b.lit != lit || !c.comp.has(b.item.names[0]) {
			continue
		}
		args := make([]string, len(b.args))
		for i, a := range b.args {
			args[i] = a.name
			if a.session && c.comp.has(a.name) { // moved into compiled code by the cell
				args[i] = "(*" + SessionName + "." + varKey(a.name) + ")"
			}
		}
		c.ed.replace(c.coff(lit.Pos()), c.coff(lit.End()), SessionName+"."+funcKey(b.item.names[0])+"("+strings.Join(args, ", ")+")")
		if c.compiledLits == nil {
			c.compiledLits = map[*ast.FuncLit]bool{}
		}
		c.compiledLits[lit] = true
		return &CompiledBlock{Func: b.item.names[0], File: cellFile(b.item.cell), Line: b.item.line}
	}
	return nil
}

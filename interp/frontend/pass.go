package frontend

import (
	"fmt"
	"go/ast"
	"go/token"
	"go/types"
	"strings"
)

// structural records an edit that pass 2 checks: the body as yaegi runs it,
// before the rewrites that need types.
func (c *compiler) structural(start, end int, text string) {
	c.sed.replace(start, end, text)
	c.ed.replace(start, end, text)
}

// varToAssign turns a top-level `var` statement into assignments to the
// package variables it declares, keeping lines: `var x T = v` becomes
// `    x   = v`, `var x T` becomes `x = func() (z T) { return }()`, and a
// group becomes a block. (yaegi's `*new(T)` of a session interface type is
// not nil; a named result is.)
func (c *compiler) varToAssign(g *ast.GenDecl, off func(token.Pos) int) {
	c.structural(off(g.TokPos), off(g.TokPos)+3, "   ")
	if g.Lparen.IsValid() {
		c.structural(off(g.Lparen), off(g.Lparen)+1, "{")
		c.structural(off(g.Rparen), off(g.Rparen)+1, "}")
	}
	for _, sp := range g.Specs {
		vs := sp.(*ast.ValueSpec)
		if len(vs.Values) > 0 {
			if vs.Type != nil {
				s, e := off(vs.Type.Pos()), off(vs.Type.End())
				c.structural(s, e, blankText(c.src[s:e]))
			}
			continue
		}
		names := make([]string, len(vs.Names))
		zeros := make([]string, len(vs.Names))
		typ := c.src[off(vs.Type.Pos()):off(vs.Type.End())]
		for i, n := range vs.Names {
			names[i] = n.Name
			zeros[i] = "func() (z " + typ + ") { return }()"
		}
		// The names keep their text: a rewrite of a name (a compiled
		// variable's pointer) needs it.
		c.structural(off(vs.Names[len(vs.Names)-1].End()), off(vs.End()), " = "+strings.Join(zeros, ", "))
	}
}

// blankText replaces every byte but newlines by a space.
func blankText(s string) string {
	b := []byte(s)
	for i := range b {
		if b[i] != '\n' {
			b[i] = ' '
		}
	}
	return string(b)
}

func (c *compiler) funcName() string { return fmt.Sprintf("__cell%d", c.cell) }

// build writes the check file: imports, the committed declarations that
// stay, vars, the cell's declarations and its statements in a func.
func (c *compiler) build(items []*declItem, body string) (string, *checkFile) {
	f := newCheckFile()
	for _, im := range c.imports {
		f.add("import "+im.spec(), im.cell, im.line)
	}
	f.raw(c.im.pre.aliasDecls)
	c.itemOffs = map[*declItem]int{}
	for _, d := range items {
		c.itemOffs[d] = f.add(d.check, d.cell, d.line)
	}
	c.declOff = f.add(c.declPiece, c.cell, 1)
	f.raw("func " + c.funcName() + "() {\n")
	c.bodyOff = f.add(body, c.cell, 1)
	f.raw("}\n")
	return f.b.String(), f
}

// report turns type errors into cell errors.
func (c *compiler) report(chk *checked, f *checkFile, bodyLen int, skip func(types.Error) bool) {
	for _, te := range chk.errs {
		if skip != nil && skip(te) {
			continue
		}
		off := chk.tf.Offset(te.Pos)
		if co := c.cellOffset(off, bodyLen); co >= 0 {
			c.errAt(co, "%s", te.Msg)
			continue
		}
		line := chk.tf.Line(te.Pos)
		if cell, l, ok := f.locate(line); ok {
			c.ce.add(cell, l, 0, "%s", te.Msg)
		} else {
			c.ce.add(c.cell, 0, 0, "%s", te.Msg)
		}
	}
}

// cellOffset maps an offset of the check file into the cell, or -1.
func (c *compiler) cellOffset(off, bodyLen int) int {
	if off >= c.declOff && off <= c.declOff+len(c.declPiece) {
		return off - c.declOff
	}
	if off >= c.bodyOff && off <= c.bodyOff+bodyLen {
		return c.structMap.back(off - c.bodyOff)
	}
	return -1
}

// pass1 type-checks the cell with its top-level variables as locals of
// the body func, to learn their types.
func (c *compiler) pass1() error {
	src, f := c.build(c.checkItems(c.kept), c.bodyPiece)
	chk, err := c.check(src, fmt.Sprintf("check1/cell[%d]", c.cell), c.declOff)
	if err != nil {
		return c.fail("check pass 1: %w", err)
	}
	if hoisted := c.hoistable(chk); len(hoisted) > 0 {
		// The cell's var declarations refer to each other forward, as a
		// package's may: check them as package variables.
		c.swapPieces(hoisted)
		src2, f2 := c.build(c.kept, c.bodyPiece)
		chk2, err := c.check(src2, fmt.Sprintf("check1/cell[%d]", c.cell), c.declOff)
		if err != nil {
			return c.fail("check pass 1: %w", err)
		}
		if len(chk2.errs) == 0 {
			src, f, chk = src2, f2, chk2
			defer c.swapPieces(hoisted)
		} else {
			// They refer to the cell's other variables too: the errors
			// of the first check stand.
			c.swapPieces(hoisted)
			src, f = c.build(c.kept, c.bodyPiece)
		}
	}
	fn := findFunc(chk.file, c.funcName())
	if fn == nil {
		return c.fail("check pass 1: body func missing")
	}
	if c.switchIndexed(chk, fn) {
		// The switch changes what the calls return: check again.
		src, f = c.build(c.checkItems(c.kept), c.bodyPiece)
		if chk, err = c.check(src, fmt.Sprintf("check1/cell[%d]", c.cell), c.declOff); err != nil {
			return c.fail("check pass 1: %w", err)
		}
		if fn = findFunc(chk.file, c.funcName()); fn == nil {
			return c.fail("check pass 1: body func missing")
		}
	}
	found := map[string]types.Type{}
	record := func(id *ast.Ident) {
		if obj := chk.info.Defs[id]; obj != nil && found[id.Name] == nil {
			found[id.Name] = obj.Type()
		}
	}
	for _, s := range fn.Body.List {
		switch s := s.(type) {
		case *ast.AssignStmt:
			if s.Tok == token.DEFINE {
				for _, l := range s.Lhs {
					if id, ok := l.(*ast.Ident); ok {
						record(id)
					}
				}
			}
		case *ast.DeclStmt:
			if g, ok := s.Decl.(*ast.GenDecl); ok {
				for _, sp := range g.Specs {
					if vs, ok := sp.(*ast.ValueSpec); ok {
						for _, n := range vs.Names {
							record(n)
						}
					}
				}
			}
		}
	}
	for _, d := range chk.file.Decls {
		if g, ok := d.(*ast.GenDecl); ok && g.Tok == token.VAR && c.inDeclPiece(chk, g.Pos()) {
			for _, sp := range g.Specs {
				for _, n := range sp.(*ast.ValueSpec).Names {
					record(n) // a hoisted var declaration
				}
			}
		}
	}
	c.pass1Types = chk
	bad := false
	for i := range c.promoted {
		p := &c.promoted[i]
		p.typ = found[p.name]
		if p.typ == nil || p.typ == typesInvalid() || strings.Contains(types.TypeString(p.typ, nil), "invalid type") {
			bad = true
		}
	}
	if bad {
		// Report what pass 1 found in the statements; errors in the
		// declarations may only be uses of the variables we could not type.
		c.structMap = nil
		c.report(chk, f, len(c.bodyPiece), func(te types.Error) bool {
			off := chk.tf.Offset(te.Pos)
			return !(off >= c.bodyOff && off <= c.bodyOff+len(c.bodyPiece))
		})
		if !c.failed() {
			c.report(chk, f, len(c.bodyPiece), nil)
		}
		if !c.failed() {
			c.errAt(0, "cannot determine the types of the cell's variables")
		}
	}
	return nil
}

func typesInvalid() types.Type { return types.Typ[types.Invalid] }

func findFunc(f *ast.File, name string) *ast.FuncDecl {
	for _, d := range f.Decls {
		if fd, ok := d.(*ast.FuncDecl); ok && fd.Recv == nil && fd.Name.Name == name {
			return fd
		}
	}
	return nil
}

// declareVars decides which top-level variables of the cell need a new
// package declaration: those that do not exist yet or exist with another
// type (which replaces the old declaration).
func (c *compiler) declareVars() {
	for i := range c.promoted {
		p := &c.promoted[i]
		p.tstr = c.typeString(p.typ)
		same := false
		var kept []*declItem
		for _, d := range c.kept {
			if !hasName(d, p.name) {
				kept = append(kept, d)
				continue
			}
			if d.isVar && d.varType == p.tstr {
				same = true
				kept = append(kept, d)
				continue
			}
			c.rebuild = true
		}
		c.kept = kept
		if same {
			continue
		}
		decl := "var " + p.name + " " + p.tstr
		// The type checker sees the type as Go writes it; yaegi may need
		// a compiled instantiation's symbol instead (typeString).
		check := "var " + p.name + " " + types.TypeString(p.typ, c.qualifier)
		c.newVars = append(c.newVars, &declItem{
			names: []string{p.name}, cell: c.cell, line: p.line, col: p.col,
			check: check, emit: decl, varType: p.tstr, isVar: true, identCache: &itemIdents{},
		})
	}
}

func hasName(d *declItem, name string) bool {
	for _, n := range d.names {
		if n == name {
			return true
		}
	}
	return false
}

// typeString prints t as valid source in package main: session types
// unqualified, other packages by the name the session imports them as
// (importing them if the session does not).
func (c *compiler) typeString(t types.Type) string {
	if t == nil {
		return "any"
	}
	t = unnamedParams(t)
	if c.im.opts.Compiled && c.hasCompiledInstance(t, map[types.Type]bool{}) {
		var b strings.Builder
		c.writeType(&b, t)
		return b.String()
	}
	return types.TypeString(t, c.qualifier)
}

// hasCompiledInstance reports whether t mentions an instantiated generic
// type of a compiled package, which only its compiled instantiation names.
func (c *compiler) hasCompiledInstance(t types.Type, seen map[types.Type]bool) bool {
	if seen[t] {
		return false
	}
	seen[t] = true
	switch t := t.(type) {
	case *types.Named:
		if t.TypeArgs().Len() > 0 && t.Obj().Pkg() != nil && t.Obj().Pkg().Path() != "main" {
			return true
		}
	case *types.Pointer:
		return c.hasCompiledInstance(t.Elem(), seen)
	case *types.Slice:
		return c.hasCompiledInstance(t.Elem(), seen)
	case *types.Array:
		return c.hasCompiledInstance(t.Elem(), seen)
	case *types.Chan:
		return c.hasCompiledInstance(t.Elem(), seen)
	case *types.Map:
		return c.hasCompiledInstance(t.Key(), seen) || c.hasCompiledInstance(t.Elem(), seen)
	case *types.Signature:
		for _, tup := range []*types.Tuple{t.Params(), t.Results()} {
			for i := 0; i < tup.Len(); i++ {
				if c.hasCompiledInstance(tup.At(i).Type(), seen) {
					return true
				}
			}
		}
	}
	return false
}

// writeType is types.TypeString with compiled instantiations of generic
// types written as their symbols (hasCompiledInstance).
func (c *compiler) writeType(b *strings.Builder, t types.Type) {
	switch t := t.(type) {
	case *types.Named:
		if s, ok := c.instanceTypeString(t); ok {
			b.WriteString(s)
			return
		}
	case *types.Pointer:
		b.WriteString("*")
		c.writeType(b, t.Elem())
		return
	case *types.Slice:
		b.WriteString("[]")
		c.writeType(b, t.Elem())
		return
	case *types.Array:
		fmt.Fprintf(b, "[%d]", t.Len())
		c.writeType(b, t.Elem())
		return
	case *types.Map:
		b.WriteString("map[")
		c.writeType(b, t.Key())
		b.WriteString("]")
		c.writeType(b, t.Elem())
		return
	case *types.Chan:
		switch t.Dir() {
		case types.SendRecv:
			b.WriteString("chan ")
		case types.SendOnly:
			b.WriteString("chan<- ")
		case types.RecvOnly:
			b.WriteString("<-chan ")
		}
		c.writeType(b, t.Elem())
		return
	case *types.Signature:
		b.WriteString("func")
		c.writeTuple(b, t.Params(), t.Variadic())
		if t.Results().Len() > 0 {
			b.WriteString(" ")
			c.writeTuple(b, t.Results(), false)
		}
		return
	}
	b.WriteString(types.TypeString(t, c.qualifier))
}

func (c *compiler) writeTuple(b *strings.Builder, tup *types.Tuple, variadic bool) {
	b.WriteString("(")
	for i := 0; i < tup.Len(); i++ {
		if i > 0 {
			b.WriteString(", ")
		}
		t := tup.At(i).Type()
		if variadic && i == tup.Len()-1 {
			b.WriteString("...")
			t = t.(*types.Slice).Elem()
		}
		c.writeType(b, t)
	}
	b.WriteString(")")
}

func (c *compiler) qualifier(p *types.Package) string {
	if p == nil || p.Path() == "main" {
		return ""
	}
	for _, im := range c.imports {
		if im.path != p.Path() || im.name == "_" {
			continue
		}
		if im.name == "." {
			return ""
		}
		return im.key(c.im.imp)
	}
	// An import the cell did not write: under a name users cannot clash
	// with, so that it takes no name from them.
	name := "__dm_" + strings.NewReplacer("/", "_", ".", "_", "-", "_").Replace(p.Path())
	c.imports = append(c.imports, importItem{name: name, path: p.Path(), cell: c.cell, line: 1})
	return name
}

// pass2 type-checks the cell as yaegi will run it: its top-level variables
// are package variables and its statements assign them. Its errors are
// the cell's errors.
func (c *compiler) pass2() error {
	body := c.sed.apply(c.bodyPiece, 0, len(c.bodyPiece), nil)
	c.structMap = c.sed.mapping()
	c.bodyLen = len(body)
	checked := c.checkItems(c.kept, varTexts(c.newVars)...)
	c.fullCheck = len(checked) == len(c.kept)
	items := append(append([]*declItem(nil), checked...), c.newVars...)
	src, f := c.build(items, body)
	// When the cell replaces nothing, the committed funcs' bodies, checked
	// when they were committed, cannot break: only their signatures are
	// checked again, and their references come from what was kept.
	stubBefore := 0
	if !c.rebuild {
		stubBefore = c.declOff
	}
	chk, err := c.check(src, fmt.Sprintf("check/cell[%d]", c.cell), stubBefore)
	if err != nil {
		return c.fail("check: %w", err)
	}
	c.chk = chk
	c.bodyFunc = findFunc(chk.file, c.funcName())
	if c.bodyFunc == nil {
		return c.fail("check: body func missing")
	}
	for _, d := range chk.file.Decls {
		off := chk.tf.Offset(d.Pos())
		if off >= c.declOff && off < c.declOff+len(c.declPiece) {
			c.cellDecls = append(c.cellDecls, d)
		}
	}
	var trailing ast.Expr
	if n := len(c.bodyFunc.Body.List); n > 0 && c.trailing != nil {
		if es, ok := c.bodyFunc.Body.List[n-1].(*ast.ExprStmt); ok {
			trailing = es.X
		}
	}
	c.report(chk, f, len(body), func(te types.Error) bool {
		// A trailing expression is the cell's value, not an unused one.
		return trailing != nil && te.Pos >= trailing.Pos() && te.Pos < trailing.End() && strings.HasSuffix(te.Msg, "is not used")
	})
	if trailing != nil {
		tv, ok := chk.info.Types[trailing]
		if ok && tv.Type != nil && !tv.IsType() && !tv.IsVoid() && !tv.IsNil() {
			if _, tuple := tv.Type.(*types.Tuple); !tuple {
				c.hasResult = true
			}
		}
		if c.hasResult {
			c.resultExpr = trailing
		}
	}
	return nil
}

// switchIndexed calls the WithID variant of a prelude func (CreateMirror)
// when its block takes the element's position too: func(T, int) R. The
// pieces get an alias of the variant as long as the name it replaces (for
// type-checking, offsets unchanged), the emitted code the variant.
func (c *compiler) switchIndexed(chk *checked, fn *ast.FuncDecl) bool {
	if len(c.im.pre.indexed) == 0 {
		return false
	}
	switched := false
	var nodes []ast.Node
	for _, d := range chk.file.Decls {
		off := chk.tf.Offset(d.Pos())
		if off >= c.declOff && off < c.declOff+len(c.declPiece) {
			nodes = append(nodes, d)
		}
	}
	nodes = append(nodes, fn.Body)
	for _, n := range nodes {
		ast.Inspect(n, func(x ast.Node) bool {
			call, ok := x.(*ast.CallExpr)
			if !ok {
				return true
			}
			fun := ast.Unparen(call.Fun)
			if ix, ok := fun.(*ast.IndexExpr); ok {
				fun = ix.X
			} else if ix, ok := fun.(*ast.IndexListExpr); ok {
				fun = ix.X
			}
			id, ok := fun.(*ast.Ident)
			if !ok {
				return true
			}
			obj, isFunc := chk.info.Uses[id].(*types.Func)
			if c.im.pre.indexed[id.Name] == "" || !isFunc || !c.im.isPrelude(obj.Pos()) {
				return true
			}
			params := c.im.pre.blocks[id.Name]
			if len(params) == 0 || params[0] >= len(call.Args) {
				return true
			}
			if blockArity(chk.info, call.Args[params[0]]) == 2 {
				off := c.cellOffset(chk.tf.Offset(id.Pos()), len(c.bodyPiece))
				alias := c.im.pre.aliases[id.Name]
				if strings.HasPrefix(c.declPiece[off:], id.Name) {
					c.declPiece = c.declPiece[:off] + alias + c.declPiece[off+len(alias):]
				}
				if strings.HasPrefix(c.bodyPiece[off:], id.Name) {
					c.bodyPiece = c.bodyPiece[:off] + alias + c.bodyPiece[off+len(alias):]
				}
				switched = true // rewrite emits alt for the alias
			}
			return true
		})
	}
	return switched
}

// blockArity is the number of parameters of a block argument: from its
// type, or from its syntax when type-checking failed, as it does for a
// func(T, int) R passed where func(T) R is expected.
func blockArity(info *types.Info, arg ast.Expr) int {
	if sig, ok := info.Types[arg].Type.(*types.Signature); ok {
		return sig.Params().Len()
	}
	if lit, ok := ast.Unparen(arg).(*ast.FuncLit); ok {
		n := 0
		for _, f := range lit.Type.Params.List {
			n += max(1, len(f.Names))
		}
		return n
	}
	if id, ok := ast.Unparen(arg).(*ast.Ident); ok && info.Uses[id] != nil {
		if sig, ok := info.Uses[id].Type().(*types.Signature); ok {
			return sig.Params().Len()
		}
	}
	return -1
}

// check type-checks a check file and remembers it, so that done can drop
// it from the file set: a long session must not keep every check's line
// table.
func (c *compiler) check(src, name string, stubBefore int) (*checked, error) {
	chk, err := c.im.check(src, name, stubBefore)
	if chk != nil {
		c.files = append(c.files, chk.tf)
	}
	return chk, err
}

// done forgets the positions of the compiler's check files.
func (c *compiler) done() {
	for _, f := range c.files {
		c.im.fset.RemoveFile(f)
	}
}

// unnamedParams is t with the parameters and results of its func types
// unnamed: yaegi fails `var f func(x int) int` with "variable definition
// loop" when the session has a variable x, and the names mean nothing in a
// type.
func unnamedParams(t types.Type) types.Type {
	switch u := t.(type) {
	case *types.Signature:
		if u.Recv() != nil || u.TypeParams().Len() > 0 {
			return t
		}
		return types.NewSignatureType(nil, nil, nil, unnamedTuple(u.Params()), unnamedTuple(u.Results()), u.Variadic())
	case *types.Slice:
		return types.NewSlice(unnamedParams(u.Elem()))
	case *types.Array:
		return types.NewArray(unnamedParams(u.Elem()), u.Len())
	case *types.Pointer:
		return types.NewPointer(unnamedParams(u.Elem()))
	case *types.Map:
		return types.NewMap(unnamedParams(u.Key()), unnamedParams(u.Elem()))
	case *types.Chan:
		return types.NewChan(u.Dir(), unnamedParams(u.Elem()))
	case *types.Struct:
		fields := make([]*types.Var, u.NumFields())
		tags := make([]string, u.NumFields())
		for i := range fields {
			f := u.Field(i)
			fields[i] = types.NewField(f.Pos(), f.Pkg(), f.Name(), unnamedParams(f.Type()), f.Embedded())
			tags[i] = u.Tag(i)
		}
		return types.NewStruct(fields, tags)
	}
	return t
}

func unnamedTuple(t *types.Tuple) *types.Tuple {
	vars := make([]*types.Var, t.Len())
	for i := range vars {
		v := t.At(i)
		vars[i] = types.NewParam(v.Pos(), v.Pkg(), "", unnamedParams(v.Type()))
	}
	return types.NewTuple(vars...)
}

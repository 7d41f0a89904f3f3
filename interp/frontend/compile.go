package frontend

import (
	"fmt"
	"go/ast"
	"go/parser"
	"go/scanner"
	"go/token"
	"go/types"
	"slices"
	"strconv"
	"strings"
)

// compiler compiles one cell against a committed state.
type compiler struct {
	im    *Image
	base  *state
	cell  int
	src   string
	lines *lineTable
	segs  []segment
	ce    *CompileError

	declPiece, bodyPiece string
	cellImports          []importItem
	imports              []importItem        // the session's imports after the cell
	instances            []Instance          // compiled generic instantiations the cell uses
	instanced            map[*ast.Ident]bool // uses rewritten to those instantiations
	nativeStd            map[string]bool     // standard packages to compile: the interpreter lacks them
	items                []*declItem         // the cell's own declarations
	itemNodes            []itemNode
	declNames            map[string]bool
	promoted             []promotedVar
	topStmts             []ast.Stmt // the cell's top-level statements (standalone parse)
	trailing             ast.Expr   // the last statement, if an expression (standalone parse)
	needPass1            bool
	defineAt             map[int]bool                      // cell offsets of the top-level := statements
	varSegNames          map[int][]string                  // the names each top-level var statement declares, by segment
	gotos                map[types.Object]bool             // labels goto statements name (gotoTargets)
	rangeFuncs           map[*ast.RangeStmt]*rangeFuncLoop // ranges over funcs rewritten (rangeFunc)
	bodyHelpers          []string                          // funcs the body's rewrites declare (deferMethod)
	inits                []string                          // the cell's func init, by their emitted names, in order
	hasMain              bool                              // the cell declares func main
	rebuild              bool
	kept                 []*declItem // committed declarations that stay
	newVars              []*declItem // generated `var x T` for this cell
	ed                   *editor     // edits on the cell, in cell offsets
	sed                  *editor     // the structural edits only: what pass 2 checks
	structMap            offsetMap   // check text of the body piece → cell offsets

	// pass 2
	chk              *checked
	declOff, bodyOff int // offsets of the pieces in the check file
	bodyFunc         *ast.FuncDecl
	cellDecls        []ast.Decl
	hasResult        bool
	resultExpr       ast.Expr
	bodyLen          int
	parents          map[ast.Node]ast.Node
	touched          []string
	deps             *depGraph
	tmp              int // counter for generated names
	pending          []pendingBlock
	files            []*token.File     // check files, removed from the file set when done
	itemOffs         map[*declItem]int // offsets of committed declarations in the pass-2 file

	// For a committed declaration rendered again: its text starts at line
	// lineBase+1, column colBase+1 of its cell.
	lineBase, colBase int
	pass1Types        *checked
	fullCheck         bool // pass 2 checked every committed declaration
	blocks            []Block
	reuseIDs          []int   // block IDs of a committed declaration rendered again
	rerendered        []Block // the blocks of committed declarations rendered again

	// compiledDecls says that the cell's compiled declarations make a
	// generation (Options.CompiledDecls, until DisableGenerations); comp
	// is what is compiled after the cell, genChanged whether that is a
	// new generation.
	compiledDecls bool
	comp          *compiledSet
	genChanged    bool
	// cellBlocks are the cell's block literals that may be compiled,
	// compiledLits those the generation compiles (findBlocks).
	cellBlocks   []*cellBlock
	compiledLits map[*ast.FuncLit]bool
	// ptrUsed are the selections through field accessors whose pointer an
	// enclosing selection uses (compiledMember).
	ptrUsed map[*ast.SelectorExpr]bool
	// emptyArgs are the calls without arguments that emptyVariadic gave
	// one: an accessor's receiver goes before it.
	emptyArgs map[*ast.CallExpr]bool
	// sessInsts are the instantiations of packages' generics with
	// compiled session types the cell's interpreted code uses.
	sessInsts map[string]*sessionInstance
	// genChecked is the check of the generation's declarations.
	genChecked checkedGeneration

	// remade are the deferred func literals loopDeferLit made into a call
	// of a literal: the defer statement must evaluate that call where it
	// stands, not at return.
	remade map[*ast.FuncLit]bool
}

type itemNode struct {
	item       *declItem
	start, end int // range of the emitted text in the cell
}

type promotedVar struct {
	name string
	line int
	col  int
	typ  types.Type
	tstr string
}

const bodyPrefix = "package main;func _(){"

// Compile turns a cell into a plan, type-checking it with the whole
// session. It never changes the image; errors are *CompileError.
func (im *Image) Compile(code string, cell int) (plan *Plan, err error) {
	if im.preErr != nil {
		return nil, im.preErr
	}
	defer func() {
		// A bug here must fail the cell, not the kernel.
		if r := recover(); r != nil {
			plan, err = nil, fmt.Errorf("frontend: internal error compiling cell[%d]: %v", cell, r)
		}
	}()
	c := &compiler{im: im, base: im.current(), cell: cell, src: code, lines: newLineTable(code), ce: &CompileError{Cell: cell},
		instanced: map[*ast.Ident]bool{}, compiledDecls: im.opts.CompiledDecls && !im.gensOff.Load()}
	c.ed = &editor{}
	c.sed = &editor{}
	defer c.done()
	p, err := c.run()
	if err != nil {
		return nil, err
	}
	if len(c.ce.Errors) > 0 {
		return nil, c.ce.sorted()
	}
	return p, nil
}

func (c *compiler) failed() bool { return len(c.ce.Errors) > 0 }

func (c *compiler) errAt(off int, format string, args ...any) {
	line, col := c.pos(off)
	c.ce.add(c.cell, line, col, format, args...)
}

// pos is the line and column in the cell of an offset of the compiled text.
func (c *compiler) pos(off int) (line, col int) {
	line, col = c.lines.pos(off)
	if line == 1 {
		col += c.colBase
	}
	return line + c.lineBase, col
}

func (c *compiler) run() (*Plan, error) {
	c.segs = split(c.src)
	for _, s := range c.segs {
		// A whole file may be pasted: its package main clause is
		// accepted and ignored (the piece is in no check or source).
		if f := strings.Fields(c.src[s.start:s.end]); s.kind == segPackage && (len(f) != 2 || f[1] != "main") {
			c.errAt(s.start, "%s: every cell is part of package main (a package main clause is accepted and ignored)", strings.Join(f, " "))
		}
	}
	if c.failed() {
		return nil, nil
	}
	c.declPiece = blank(c.src, c.segs, func(k segKind) bool { return k == segDecl })
	c.bodyPiece = blank(c.src, c.segs, func(k segKind) bool { return k == segStmt || k == segVar })
	importPiece := blank(c.src, c.segs, func(k segKind) bool { return k == segImport })

	c.parseImports(importPiece)
	c.parseDecls()
	c.parseBody()
	if c.failed() {
		return nil, nil
	}
	c.mergeImports()
	if c.failed() {
		return nil, nil
	}
	c.keepCommitted()
	for base := range c.im.pre.indexed {
		if strings.Contains(c.declPiece, base) {
			c.needPass1 = true // a func declared here may pass a block whose type picks the variant
		}
	}
	if c.needPass1 || len(c.promoted) > 0 && (c.im.reference || !c.literalTypes()) {
		if err := c.pass1(); err != nil || c.failed() {
			return nil, err
		}
	}
	c.declareVars()
	if c.compiledDecls {
		c.predictMoves()
	}
	if err := c.pass2(); err != nil || c.failed() {
		return nil, err
	}
	if c.compiledDecls {
		c.findBlocks()
		if c.generation(); c.failed() {
			return nil, nil
		}
	}
	c.rewrite()
	if c.rebuild {
		c.rerender()
	}
	if c.compiledDecls && !c.failed() {
		c.finishGeneration()
	}
	if c.failed() {
		return nil, nil
	}
	return c.plan(), nil
}

func (c *compiler) parseImports(piece string) {
	const prefix = "package main;"
	fs := token.NewFileSet()
	f, err := parser.ParseFile(fs, "", prefix+piece, parser.ImportsOnly|parser.SkipObjectResolution)
	if err != nil {
		syntaxErrors(firstError(err), len(prefix), c.lines, c.cell, c.ce)
		return
	}
	for _, s := range f.Imports {
		path, err := strconv.Unquote(s.Path.Value)
		off := fs.Position(s.Pos()).Offset - len(prefix)
		if err != nil || path == "" {
			c.errAt(off, "invalid import path %s", s.Path.Value)
			continue
		}
		line, _ := c.lines.pos(off)
		it := importItem{path: path, cell: c.cell, line: line}
		if s.Name != nil {
			it.name = s.Name.Name
		}
		if _, err := c.im.imp.Import(path); err != nil {
			c.errAt(off, "cannot import %q: no such package in the standard library or the module cache (%v)", path, unwrapImport(err))
			continue
		}
		if !interpreterHas(path, "") {
			if !c.im.opts.Compiled {
				c.errAt(off, "package %q is not available in the interpreter: it has the Go 1.22 standard library", path)
				continue
			}
			c.needStd(path)
		}
		c.cellImports = append(c.cellImports, it)
	}
}

// unwrapImport keeps the cause of an import error short.
func unwrapImport(err error) string {
	msg := err.Error()
	if i := strings.LastIndex(msg, ": "); i >= 0 && len(msg)-i < 200 {
		return msg[i+2:]
	}
	return msg
}

func (c *compiler) parseDecls() {
	const prefix = "package main;"
	fs := token.NewFileSet()
	f, err := parser.ParseFile(fs, "", prefix+c.declPiece, parser.ParseComments|parser.SkipObjectResolution)
	if err != nil {
		syntaxErrors(firstError(err), len(prefix), c.lines, c.cell, c.ce)
		return
	}
	off := func(p token.Pos) int { return fs.Position(p).Offset - len(prefix) }
	c.declNames = map[string]bool{}
	addItem := func(names []string, start, end int, lead string) {
		for _, n := range names {
			if n == "_" {
				continue
			}
			c.declNames[n] = true
		}
		line, col := c.lines.pos(start)
		it := &declItem{names: names, cell: c.cell, line: line, col: col, check: lead + c.src[start:end], emitLead: lead, identCache: &itemIdents{}}
		c.items = append(c.items, it)
		c.itemNodes = append(c.itemNodes, itemNode{item: it, start: start, end: end})
	}
	for _, d := range f.Decls {
		switch d := d.(type) {
		case *ast.FuncDecl:
			name := d.Name.Name
			if d.Recv != nil && len(d.Recv.List) == 1 {
				name = recvTypeName(d.Recv.List[0].Type) + "." + name
			} else if name == "init" {
				// Runs when its cell runs, under a name of its own: yaegi
				// would run it again whenever the image is rebuilt.
				line, col := c.lines.pos(off(d.Name.Pos()))
				name = initName(c.cell, line, col)
				c.inits = append(c.inits, name)
			} else if name == "main" {
				c.hasMain = true
			}
			start := d.Pos()
			if d.Doc != nil {
				start = d.Doc.Pos()
			}
			addItem([]string{name}, off(start), off(d.End()), "")
		case *ast.GenDecl:
			if d.Tok == token.TYPE && d.Lparen.IsValid() {
				for _, s := range d.Specs {
					ts := s.(*ast.TypeSpec)
					start := ts.Pos()
					if ts.Doc != nil {
						start = ts.Doc.Pos()
					}
					addItem([]string{ts.Name.Name}, off(start), off(ts.End()), "type ")
				}
				continue
			}
			var names []string
			for _, s := range d.Specs {
				switch s := s.(type) {
				case *ast.TypeSpec:
					names = append(names, s.Name.Name)
				case *ast.ValueSpec:
					for _, n := range s.Names {
						names = append(names, n.Name)
					}
				}
			}
			start := d.Pos()
			if d.Doc != nil {
				start = d.Doc.Pos()
			}
			addItem(names, off(start), off(d.End()), "")
		}
	}
}

// recvTypeName returns T for receivers T, *T, T[P] and *T[P].
func recvTypeName(e ast.Expr) string {
	for {
		switch x := e.(type) {
		case *ast.StarExpr:
			e = x.X
		case *ast.ParenExpr:
			e = x.X
		case *ast.IndexExpr:
			e = x.X
		case *ast.IndexListExpr:
			e = x.X
		case *ast.Ident:
			return x.Name
		default:
			return "?"
		}
	}
}

func (c *compiler) parseBody() {
	fs := token.NewFileSet()
	f, err := parser.ParseFile(fs, "", bodyPrefix+c.bodyPiece+"\n}", parser.SkipObjectResolution)
	if err != nil {
		syntaxErrors(firstError(err), len(bodyPrefix), c.lines, c.cell, c.ce)
		return
	}
	body := f.Decls[0].(*ast.FuncDecl).Body
	c.topStmts = body.List
	off := func(p token.Pos) int { return fs.Position(p).Offset - len(bodyPrefix) }
	seen := map[string]bool{}
	promote := func(id *ast.Ident) {
		if id.Name == "_" || seen[id.Name] {
			return
		}
		seen[id.Name] = true
		line, col := c.lines.pos(off(id.Pos()))
		c.promoted = append(c.promoted, promotedVar{name: id.Name, line: line, col: col})
	}
	for _, s := range body.List {
		switch s := s.(type) {
		case *ast.AssignStmt:
			if s.Tok == token.DEFINE {
				for _, l := range s.Lhs {
					if id, ok := l.(*ast.Ident); ok {
						promote(id)
					}
				}
				c.structural(off(s.TokPos), off(s.TokPos)+2, " =")
				if c.defineAt == nil {
					c.defineAt = map[int]bool{}
				}
				c.defineAt[off(s.TokPos)] = true
			}
		case *ast.DeclStmt:
			if g, ok := s.Decl.(*ast.GenDecl); ok && g.Tok == token.VAR {
				for _, sp := range g.Specs {
					vs := sp.(*ast.ValueSpec)
					for _, n := range vs.Names {
						promote(n)
						if i := c.segAt(off(n.Pos())); i >= 0 {
							if c.varSegNames == nil {
								c.varSegNames = map[int][]string{}
							}
							c.varSegNames[i] = append(c.varSegNames[i], n.Name)
						}
					}
				}
				c.varToAssign(g, off)
			}
		}
	}
	if n := len(body.List); n > 0 {
		if es, ok := body.List[n-1].(*ast.ExprStmt); ok {
			c.trailing = es.X
		}
	}
	ast.Inspect(body, func(n ast.Node) bool {
		if id, ok := n.(*ast.Ident); ok && c.im.pre.indexed[id.Name] != "" {
			c.needPass1 = true // a block's type decides which prelude func runs it
		}
		return true
	})
	for _, p := range c.promoted {
		if c.declNames[p.name] {
			c.ce.add(c.cell, p.line, p.col, "%s redeclared in this cell", p.name)
		}
	}
}

// mergeImports computes the session's imports after the cell: an import
// of a name that exists with another path replaces it.
func (c *compiler) mergeImports() {
	c.imports = append([]importItem(nil), c.base.imports...)
	for _, ci := range c.cellImports {
		key := ci.key(c.im.imp)
		dup := false
		for i, old := range c.imports {
			if old.key(c.im.imp) != key {
				continue
			}
			if old.path == ci.path {
				dup = true
				break
			}
			if old.cell == c.cell {
				line, col := ci.line, 0
				c.ce.add(c.cell, line, col, "%s redeclared in this cell: imported as %q and %q", key, old.path, ci.path)
				dup = true
				break
			}
			c.imports = append(c.imports[:i], c.imports[i+1:]...)
			c.rebuild = true
			break
		}
		if !dup {
			c.imports = append(c.imports, ci)
		}
	}
}

// newImports are the imports the cell adds to the session.
func (c *compiler) newImports() []importItem {
	var out []importItem
	for _, im := range c.imports {
		if im.cell == c.cell {
			out = append(out, im)
		}
	}
	return out
}

// keepCommitted drops committed declarations the cell redefines. A
// declaration the cell repeats word for word (a cell run again) is not a
// redefinition: the committed one stays and the image needs no rebuild.
func (c *compiler) keepCommitted() {
	c.kept = nil
	same := map[*declItem]bool{}
	for _, d := range c.base.items {
		replaced := false
		for _, n := range d.names {
			if c.declNames[n] {
				replaced = true
			}
		}
		if !replaced {
			c.kept = append(c.kept, d)
			continue
		}
		if ci := c.identical(d); ci != nil && !d.isVar {
			same[ci] = true
			c.kept = append(c.kept, d)
			continue
		}
		c.rebuild = true
	}
	if len(same) == 0 {
		return
	}
	var nodes []itemNode
	var items []*declItem
	for _, n := range c.itemNodes {
		if same[n.item] {
			// Out of the checks and of the emitted declarations.
			c.declPiece = c.declPiece[:n.start] + blankText(c.declPiece[n.start:n.end]) + c.declPiece[n.end:]
			continue
		}
		nodes, items = append(nodes, n), append(items, n.item)
	}
	c.itemNodes, c.items = nodes, items
}

// identical returns the cell's declaration that repeats d, if any.
func (c *compiler) identical(d *declItem) *declItem {
	for _, it := range c.items {
		if it.check == d.check && slices.Equal(it.names, d.names) {
			return it
		}
	}
	return nil
}

func (c *compiler) fail(format string, args ...any) error {
	return fmt.Errorf("frontend: cell[%d]: "+format, append([]any{c.cell}, args...)...)
}

// firstError keeps the first syntax error of a piece: the parser's later
// ones mostly follow from it.
func firstError(err error) error {
	if list, ok := err.(scanner.ErrorList); ok && len(list) > 1 {
		return list[:1]
	}
	return err
}

// segAt returns the index of the segment that holds off, or -1.
func (c *compiler) segAt(off int) int {
	for i, s := range c.segs {
		if s.start <= off && off < s.end {
			return i
		}
	}
	return -1
}

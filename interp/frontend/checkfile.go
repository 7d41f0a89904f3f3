package frontend

import (
	"go/ast"
	"go/parser"
	"go/scanner"
	"go/token"
	"go/types"
	"regexp"
	"sort"
	"strings"
)

// span says that lines [from, to) of a check file come from a cell,
// starting at cellLine.
type span struct {
	from, to int
	cell     int
	cellLine int
}

// checkFile is the whole session as one Go file for go/types: imports,
// committed declarations, the cell's declarations and a func holding the
// cell's statements. spans map its lines back to cells.
type checkFile struct {
	b     strings.Builder
	line  int
	spans []span
}

func newCheckFile() *checkFile {
	f := &checkFile{line: 1}
	f.b.WriteString("package main\n")
	f.line = 2
	return f
}

// add appends text on a line of its own and records that it comes from
// cell at cellLine. It returns the byte offset of text in the file.
func (f *checkFile) add(text string, cell, cellLine int) int {
	off := f.b.Len()
	n := strings.Count(text, "\n")
	f.b.WriteString(text)
	f.b.WriteString("\n")
	f.spans = append(f.spans, span{from: f.line, to: f.line + n + 1, cell: cell, cellLine: cellLine})
	f.line += n + 1
	return off
}

// raw appends generated text that belongs to no cell line.
func (f *checkFile) raw(text string) {
	f.b.WriteString(text)
	f.line += strings.Count(text, "\n")
}

func (f *checkFile) locate(line int) (cell, cellLine int, ok bool) {
	i := sort.Search(len(f.spans), func(i int) bool { return f.spans[i].to > line })
	if i < len(f.spans) && f.spans[i].from <= line {
		s := f.spans[i]
		return s.cell, s.cellLine + line - s.from, true
	}
	return 0, 0, false
}

// checked is the outcome of type-checking a check file.
type checked struct {
	file *ast.File
	tf   *token.File
	pkg  *types.Package
	info *types.Info
	errs []types.Error
	// unused are the positions of variables declared and not used: Go
	// rejects them, the notebook does not, so their declarations stay
	// interpreted (classifyItems).
	unused []token.Pos
}

// ignorable reports errors that notebooks must not stop on: variables and
// imports are declared in one cell and used in the next.
func ignorable(msg string) bool {
	return strings.Contains(msg, "declared and not used") ||
		strings.Contains(msg, "imported and not used") ||
		(strings.Contains(msg, " imported as ") && strings.HasSuffix(msg, "not used"))
}

// check type-checks src. Funcs declared before offset stubBefore get
// a stub body first (stubBody): a check that only needs the cell's types
// skips the committed bodies.
func (im *Image) check(src string, name string, stubBefore int) (*checked, error) {
	f, err := parser.ParseFile(im.fset, name, src, parser.SkipObjectResolution)
	if err != nil {
		return nil, err
	}
	base := im.fset.File(f.Pos()).Base()
	for _, d := range f.Decls {
		if fd, ok := d.(*ast.FuncDecl); ok && fd.Body != nil && int(fd.Pos())-base < stubBefore {
			fd.Body = stubBody(fd.Body)
		}
	}
	c := &checked{file: f, tf: im.fset.File(f.Pos())}
	c.info = &types.Info{
		Types:      map[ast.Expr]types.TypeAndValue{},
		Defs:       map[*ast.Ident]types.Object{},
		Uses:       map[*ast.Ident]types.Object{},
		Selections: map[*ast.SelectorExpr]*types.Selection{},
		Instances:  map[*ast.Ident]types.Instance{},
		Scopes:     map[ast.Node]*types.Scope{},
		Implicits:  map[ast.Node]types.Object{},
	}
	conf := types.Config{
		// The interpreter runs Go 1.22: newer language features are
		// errors (the frontend rewrites what it can, such as min).
		GoVersion: interpreterGoVersion,
		Importer:  im.imp,
		Error: func(err error) {
			te, ok := err.(types.Error)
			if ok && strings.Contains(te.Msg, "declared and not used") {
				c.unused = append(c.unused, te.Pos)
			}
			if !ok || ignorable(te.Msg) {
				return
			}
			if im.fset.File(te.Pos) != c.tf {
				return // the prelude's stubs are not the user's problem
			}
			te.Msg = preludeNames(explainVersion(te.Msg))
			c.errs = append(c.errs, te)
		},
	}
	pre := im.prePkg.get(im.fset, im.imp, im.prelude)
	if im.reference || pre.extends(f) {
		files := append(append([]*ast.File(nil), im.prelude...), f)
		c.pkg, _ = conf.Check("main", im.fset, files, c.info)
		return c, nil
	}
	c.pkg = pre.sessionPackage()
	_ = types.NewChecker(&conf, im.fset, c.pkg, c.info).Files([]*ast.File{f}) // errors went to conf.Error
	for i := range c.errs {
		c.errs[i].Msg = pre.unqualify(c.errs[i].Msg)
	}
	return c, nil
}

// syntaxErrors converts parser errors of a piece parsed with a prefix of
// prefixLen bytes into cell errors.
func syntaxErrors(err error, prefixLen int, lines *lineTable, cell int, ce *CompileError) {
	list, ok := err.(scanner.ErrorList)
	if !ok {
		ce.add(cell, 0, 0, "%v", err)
		return
	}
	for _, e := range list {
		off := e.Pos.Offset - prefixLen
		line, col := lines.pos(off)
		ce.add(cell, line, col, "%s", e.Msg)
	}
}

// lineTable converts byte offsets of a cell to lines and columns.
type lineTable struct {
	starts []int
	size   int
}

func newLineTable(src string) *lineTable {
	t := &lineTable{starts: []int{0}, size: len(src)}
	for i := 0; i < len(src); i++ {
		if src[i] == '\n' {
			t.starts = append(t.starts, i+1)
		}
	}
	return t
}

// pos returns the 1-based line and column of off, clamped to the cell.
func (t *lineTable) pos(off int) (line, col int) {
	if off < 0 {
		off = 0
	}
	if off > t.size {
		off = t.size
	}
	i := sort.Search(len(t.starts), func(i int) bool { return t.starts[i] > off }) - 1
	return i + 1, off - t.starts[i] + 1
}

// interpreterGoVersion is the language the frontend accepts: the
// interpreter's Go 1.22, and Go 1.23's range over func, which the frontend
// rewrites into calls (rangeFunc).
const interpreterGoVersion = "go1.23"

var requires = regexp.MustCompile(`requires (go1\.\d+) or later`)

// explainVersion says why a newer language feature is refused.
func explainVersion(msg string) string {
	if !requires.MatchString(msg) {
		return msg
	}
	return requires.ReplaceAllString(msg, "requires $1 or later; the interpreter runs Go 1.22")
}

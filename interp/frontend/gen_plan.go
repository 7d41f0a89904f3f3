package frontend

import (
	"fmt"
	"go/ast"
	"go/parser"
	"go/types"
	"strings"
)

// predictMoves makes the cell rebuild the image when one of its
// declarations may move a variable of the image into compiled code: every
// interpreted declaration using the variable must then be rendered again,
// which needs them all checked. The test is by name, a superset.
func (c *compiler) predictMoves() {
	if c.rebuild || len(c.items) == 0 {
		return
	}
	vars := map[string]bool{}
	for _, d := range c.base.items {
		if d.isVar && !c.base.compiled.has(d.names[0]) {
			vars[d.names[0]] = true
		}
	}
	if len(vars) == 0 {
		return
	}
	for _, d := range c.items {
		for _, n := range d.idents() {
			if vars[n] {
				c.rebuild = true
				return
			}
		}
	}
}

// maxPins bounds the declarations Go rejects in one generation (see
// generation): each costs a check of the generation.
const maxPins = 8

// generation decides what is compiled after the cell (c.comp, whose files
// finishGeneration writes once the rewrites found the instantiations the
// generation compiles).
func (c *compiler) generation() {
	c.comp = c.base.compiled
	if len(c.items) == 0 && !c.rebuild && !c.newBlocks() {
		return // statements only: nothing compiled changes
	}
	c.recordDeps()
	c.fixBlockDeps()
	next := c.nextItems()
	pins := c.im.rejectedPins(next.items)
	for range maxPins {
		names := classifyItems(next.items, pins)
		src := generationSource(next, names)
		if c.base.compiled != nil && c.base.compiled.files["session.go"] == src {
			c.comp = c.base.compiled
			return
		}
		pkg, err := c.im.checkGeneration(src)
		if err == nil {
			c.genChecked = checkedGeneration{src, pkg} // for finishGeneration
			c.comp = (&compiledSet{names: names}).withBlocks(next.items)
			if len(names) == 0 && c.base.compiled == nil {
				c.comp = nil
			}
			return
		}
		// Go rejects a declaration the interpreter runs (go/types'
		// version of the rules, or a classification this file got
		// wrong): it stays interpreted.
		d := itemAt(next.items, err)
		if d == nil || pins[d] != "" {
			c.errAt(0, "compiled declarations: %v", err)
			return
		}
		pins[d] = err.Error()
	}
	c.errAt(0, "compiled declarations: more than %d declarations Go rejects", maxPins)
}

// checkedGeneration is session.go and its type check.
type checkedGeneration struct {
	src string
	pkg *types.Package
}

// nextItems is the image's declarations after the cell, for the
// generation.
func (c *compiler) nextItems() *state {
	items := append(append(append([]*declItem(nil), c.kept...), c.newVars...), c.items...)
	items = append(items, c.blockItems()...)
	return &state{imports: c.imports, items: items}
}

// finishGeneration writes the generation's files when what is compiled
// (declarations and instantiations) is not the committed generation.
func (c *compiler) finishGeneration() {
	var names map[string]bool
	if c.comp != nil {
		names = c.comp.names
	}
	base := c.base.compiled
	if len(c.items) == 0 && !c.rebuild && len(c.sessInsts) == 0 && !c.newBlocks() {
		return // statements that need nothing new compiled
	}
	insts := c.instancesAfter(names)
	if c.comp == nil && len(insts) == 0 && base == nil {
		return
	}
	next := c.nextItems()
	src := generationSource(next, names)
	key := instancesKey(insts)
	if base != nil && base.files["session.go"] == src && base.instKey == key {
		c.comp = base
		return
	}
	files, err := c.im.generationFiles(next, names, insts, c.genChecked)
	if err != nil {
		c.errAt(0, "compiled declarations: %v", err)
		return
	}
	c.comp = (&compiledSet{names: names, files: files, n: int(c.im.genSeq.Add(1)), insts: insts, instKey: key}).withBlocks(next.items)
	c.genChanged = true
}

// itemAt returns the declaration an error of the generation's check names
// (through its //line directive), or nil.
func itemAt(items []*declItem, err error) *declItem {
	te, ok := err.(types.Error)
	if !ok {
		return nil
	}
	pos := te.Fset.Position(te.Pos)
	return itemAtLine(items, pos.Filename, pos.Line)
}

// itemAtLine returns the declaration whose text holds line of file (a
// cell's, as the generation's //line directives name them), or nil.
func itemAtLine(items []*declItem, file string, line int) *declItem {
	for _, d := range items {
		if file == cellFile(d.cell) && line >= d.line && line <= d.line+strings.Count(d.check, "\n") {
			return d
		}
	}
	return nil
}

// compiledItem reports whether the declaration node of the cell (in the
// pass-2 check) is compiled: it is then not rewritten for the interpreter.
func (c *compiler) compiledDecl(n ast.Node) bool {
	if c.comp == nil {
		return false
	}
	off := c.coff(n.Pos())
	end := c.coff(n.End())
	any := false
	for _, in := range c.itemNodes {
		if in.start < end && off < in.end {
			if !c.comp.has(in.item.names[0]) {
				return false
			}
			any = true
		}
	}
	return any
}

// generationOf returns the plan's Generation, nil when it has none.
func (c *compiler) generationOf() *Generation {
	if !c.genChanged {
		return nil
	}
	files := c.comp.files
	if files == nil {
		files = map[string]string{}
	}
	return &Generation{N: c.comp.n, Files: files}
}

// typeAliases declares, for the interpreted image, each compiled type under
// its own name: interpreted sources write session types as the user did
// (and rewrites copy their text), so the names stay and are aliases.
func typeAliases(s *state) string {
	var b strings.Builder
	for _, d := range s.items {
		if d.isVar || !s.compiled.has(d.names[0]) || d.comp == nil {
			continue
		}
		for _, n := range d.names {
			if n != "_" && isTypeDecl(d) {
				fmt.Fprintf(&b, "\ntype %s = %s.%s", n, SessionName, typeKey(n))
			}
		}
	}
	return b.String()
}

// isTypeDecl reports whether d declares types.
func isTypeDecl(d *declItem) bool {
	return d.emitLead == "type " || strings.HasPrefix(strings.TrimLeft(stripComments(d.check), " \t\n"), "type")
}

// stripComments drops the leading comments of a declaration's text.
func stripComments(s string) string {
	for {
		t := strings.TrimLeft(s, " \t\n")
		switch {
		case strings.HasPrefix(t, "//"):
			i := strings.IndexByte(t, '\n')
			if i < 0 {
				return ""
			}
			s = t[i:]
		case strings.HasPrefix(t, "/*"):
			i := strings.Index(t, "*/")
			if i < 0 {
				return ""
			}
			s = t[i+2:]
		default:
			return t
		}
	}
}

// interpretedType writes a type for interpreted code: compiled session
// types as __dms.<key>.
func interpretedType(typ string, s *compiledSet) string {
	if s == nil {
		return typ
	}
	e, err := parser.ParseExpr(typ)
	if err != nil {
		return typ
	}
	type edit struct {
		at   int
		name string
	}
	var edits []edit
	var walk func(n ast.Node) bool
	walk = func(n ast.Node) bool {
		switch n := n.(type) {
		case *ast.SelectorExpr:
			return false // a package's type
		case *ast.Field:
			ast.Inspect(n.Type, walk)
			return false
		case *ast.Ident:
			if s.has(n.Name) {
				edits = append(edits, edit{int(n.Pos()) - 1, n.Name})
			}
		}
		return true
	}
	ast.Inspect(e, walk)
	var b strings.Builder
	at := 0
	for _, ed := range edits {
		b.WriteString(typ[at:ed.at])
		b.WriteString(SessionName + "." + typeKey(ed.name))
		at = ed.at + len(ed.name)
	}
	b.WriteString(typ[at:])
	return b.String()
}

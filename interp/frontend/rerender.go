package frontend

import "sort"

// rerender rewrites the committed declarations again with the types of
// this check, when the cell rebuilds the image: their rewrites (type
// arguments, min and max, blocks) depend on types the cell may have
// changed, such as a variable's.
func (c *compiler) rerender() {
	for i, d := range c.kept {
		if d.isVar || c.comp.has(d.names[0]) {
			continue // `var x T`: its type was printed when it was declared; compiled: not interpreted
		}
		off, ok := c.itemOffs[d]
		if !ok {
			continue
		}
		c.kept[i] = c.rerenderItem(d, off)
	}
}

func (c *compiler) rerenderItem(d *declItem, off int) *declItem {
	sub := &compiler{
		im: c.im, base: c.base, cell: d.cell, src: d.check, lines: newLineTable(d.check), ce: c.ce,
		ed: &editor{}, sed: &editor{}, chk: c.chk, imports: c.imports, deps: c.deps,
		declPiece: d.check, segs: []segment{{kind: segDecl, start: 0, end: len(d.check)}},
		declOff: off, bodyOff: -1 << 40,
		lineBase: d.line - 1, colBase: d.col - 1 - len(d.emitLead), comp: c.comp,
	}
	for _, b := range d.blocks {
		sub.reuseIDs = append(sub.reuseIDs, b.ID) // the same source has its blocks in the same order
	}
	// The file's declarations are in offset order: find the first of d's
	// rather than look at all of them for every declaration rendered again.
	decls := c.chk.file.Decls
	for i := sort.Search(len(decls), func(i int) bool { return c.chk.tf.Offset(decls[i].Pos()) >= off }); i < len(decls); i++ {
		if o := c.chk.tf.Offset(decls[i].Pos()); o >= off+len(d.check) {
			break
		}
		sub.cellDecls = append(sub.cellDecls, decls[i])
	}
	sub.rewrite()
	sub.finishBlocks()
	c.imports = sub.imports
	for _, si := range sub.sessInsts {
		c.addSessionInstance(si)
	}
	nd := *d
	nd.emit = sub.ed.apply(d.check, len(d.emitLead), len(d.check), nil)
	nd.blocks = sub.blocks
	nd.refs = sub.funcRefs(0, len(d.check))
	c.rerendered = append(c.rerendered, sub.blocks...)
	return &nd
}

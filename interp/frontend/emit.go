package frontend

import (
	"go/types"
	"strings"
)

// plan emits the rewritten sources and the image after the cell.
func (c *compiler) plan() *Plan {
	c.finishBlocks()
	p := &Plan{Cell: c.cell, Source: c.src, Rebuild: c.rebuild || c.genChanged, HasResult: c.hasResult, Generation: c.generationOf(),
		ResultIsError: c.hasResult && types.Identical(c.chk.info.Types[c.resultExpr].Type, types.Universe.Lookup("error").Type()),
		Blocks:        append(append([]Block(nil), c.blocks...), c.rerendered...),
		Endless:       c.endless(),
		Instances:     c.instances,
		NativeStd:     sortedKeys(c.nativeStd)}
	var bodyBlocks []Block
	for _, pb := range c.pending {
		if !c.inDecls(pb.arg.Pos()) {
			bodyBlocks = append(bodyBlocks, pb.block)
		}
	}
	for _, n := range c.itemNodes {
		n.item.check = n.item.emitLead + c.declPiece[n.start:n.end] // with the aliases of pass 1
		n.item.emit = c.ed.apply(c.declPiece, n.start, n.end, c.inSegs(segDecl))
		n.item.refs = c.funcRefs(n.start, n.end)
		for _, pb := range c.pending {
			if off := c.coff(pb.arg.Pos()); c.inDecls(pb.arg.Pos()) && off >= n.start && off < n.end {
				n.item.blocks = append(n.item.blocks, pb.block)
			}
		}
	}
	newImports := c.newImports()
	for _, im := range newImports {
		p.Imports = append(p.Imports, im.path)
	}
	cellItems := append(append([]*declItem(nil), c.newVars...), c.items...)
	if len(newImports) > 0 || len(cellItems) > 0 {
		var b strings.Builder
		b.WriteString(fileHeader(c.cell))
		b.WriteString(importBlock(newImports))
		for _, d := range cellItems {
			if c.comp.has(d.names[0]) {
				continue // in the generation
			}
			b.WriteString("\n")
			b.WriteString(d.source())
		}
		b.WriteString("\n")
		p.Decls = b.String()
	}
	if calls := c.entryCalls(); c.hasStatements() || calls != "" {
		p.BodyFunc = c.funcName()
		sig := "() {\n"
		if c.hasResult {
			sig = "() any {\n"
			calls = "" // run before the result, by rewrite
		}
		var helpers strings.Builder
		for _, h := range c.bodyHelpers {
			helpers.WriteString("\n" + h) // before their use: see addHelper
		}
		p.Body = fileHeader(c.cell) + helpers.String() + "\nfunc " + p.BodyFunc + sig + lineDirective(c.cell, 1, 1) +
			c.ed.apply(c.bodyPiece, 0, len(c.bodyPiece), c.inSegs(segStmt, segVar)) + "\n" + calls + "\n}\n"
	}
	next := &state{
		imports: c.imports,
		items:   append(append([]*declItem(nil), c.kept...), cellItems...),
		gen:     c.base.gen,
		blocks:  append(append([]Block(nil), c.base.blocks...), bodyBlocks...),
		pkg:     c.chk.pkg,
		info:    c.chk.info,
		full:    c.fullCheck,
	}
	if c.compiledDecls {
		next.compiled = c.comp
	}
	if p.Rebuild {
		// Only a rebuild needs the whole image: writing it for every cell
		// made a cell's cost grow with the session.
		p.ImageDecls = imageSource(next)
		next.gen++
		next.chunks = []string{p.ImageDecls}
	} else {
		next.chunks = append(append([]string(nil), c.base.chunks...), p.Decls)
		if p.Decls == "" {
			next.chunks = c.base.chunks
		}
	}
	p.Vars = stateVars(next)
	p.Touched = c.touched
	p.next = next
	p.base = c.base
	return p
}

// NeedRebuild makes the image process run p in a fresh interpreter built
// from the whole image (for a module that changed version, which an
// interpreter cannot reload).
func (p *Plan) NeedRebuild() {
	p.Rebuild = true
	if p.ImageDecls == "" && p.next != nil {
		p.ImageDecls = imageSource(p.next)
	}
}

func (c *compiler) hasStatements() bool {
	for _, s := range c.segs {
		if s.kind == segStmt || s.kind == segVar {
			return true
		}
	}
	return false
}

// inSegs accepts edits that lie in a segment of one of kinds: the cell's
// declarations and statements share offsets, and each piece takes only
// its own edits.
func (c *compiler) inSegs(kinds ...segKind) func(start, end int) bool {
	return func(start, end int) bool {
		for _, s := range c.segs {
			for _, k := range kinds {
				if s.kind == k && s.start <= start && end <= s.end {
					return true
				}
			}
		}
		return false
	}
}

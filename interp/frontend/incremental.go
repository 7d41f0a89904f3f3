package frontend

import (
	"go/scanner"
	"go/token"
	"go/types"
	"strings"
	"sync"
)

// A long session must not make every cell slower: checking every committed
// declaration again with each cell cost time in proportion to the
// session's length (7 ms a cell after 2,000 cells). A cell that replaces
// nothing is checked with the committed declarations it names, directly or
// through the declarations those name, and the methods of the types among
// them: the others cannot change how the cell type-checks. (Checking the
// cell into a copy of the committed package is not an option: go/types
// compares packages by identity, and unexported fields of committed types
// would become inaccessible.)

// checkItems returns the committed declarations a check file of the cell
// must hold: all of kept when the cell replaces a declaration (the image
// is rebuilt and checked whole) and in reference mode; else those the
// cell's text, and extra (generated declarations), need.
func (c *compiler) checkItems(kept []*declItem, extra ...string) []*declItem {
	if c.im.reference || c.rebuild {
		return kept
	}
	if len(kept) != len(c.base.items) {
		return kept // not reached: only a rebuild drops declarations
	}
	byName := c.im.names.lock(c.base)
	defer c.im.names.unlock()
	var queue []string
	for _, text := range append([]string{c.declPiece, c.bodyPiece}, extra...) {
		queue = append(queue, identNames(text)...)
	}
	need := map[*declItem]bool{}
	seen := map[string]bool{}
	for len(queue) > 0 {
		n := queue[len(queue)-1]
		queue = queue[:len(queue)-1]
		if seen[n] {
			continue
		}
		seen[n] = true
		for _, d := range byName[n] {
			if !need[d] {
				need[d] = true
				queue = append(queue, d.idents()...)
			}
		}
	}
	out := make([]*declItem, 0, len(need))
	for _, d := range kept {
		if need[d] {
			out = append(out, d)
		}
	}
	return out
}

// nameIndex maps the names of a state's declarations to them, a method
// under its type's name so that a type comes with its methods. It is kept
// up to date by Commit when a cell only adds declarations, and built again
// when another state asks: building it for every cell made a cell's cost
// grow with the session.
type nameIndex struct {
	mu     sync.Mutex
	state  *state
	byName map[string][]*declItem
}

// lock returns the index of s, which stays valid until unlock.
func (x *nameIndex) lock(s *state) map[string][]*declItem {
	x.mu.Lock()
	if x.state != s {
		x.state, x.byName = s, map[string][]*declItem{}
		x.add(s.items)
	}
	return x.byName
}

func (x *nameIndex) unlock() { x.mu.Unlock() }

func (x *nameIndex) add(items []*declItem) {
	for _, d := range items {
		for _, n := range d.names {
			if recv, _, ok := strings.Cut(n, "."); ok {
				n = recv
			}
			x.byName[n] = append(x.byName[n], d)
		}
	}
}

// extend moves the index from base to next, when next only adds
// declarations to base; otherwise the next lock builds it again.
func (x *nameIndex) extend(base, next *state) {
	x.mu.Lock()
	defer x.mu.Unlock()
	// A cell that replaces declarations rebuilds the image, which starts a
	// new generation; others append to base's declarations.
	if x.state == nil || x.state != base || next.gen != base.gen || len(next.items) < len(base.items) {
		x.state = nil
		return
	}
	x.add(next.items[len(base.items):])
	x.state = next
}

// varTexts are the declarations of the cell's new variables.
func varTexts(vars []*declItem) []string {
	out := make([]string, len(vars))
	for i, v := range vars {
		out[i] = v.check
	}
	return out
}

// identNames lists the identifiers of Go source text, each once.
func identNames(src string) []string {
	var s scanner.Scanner
	fs := token.NewFileSet()
	s.Init(fs.AddFile("", -1, len(src)), []byte(src), func(token.Position, string) {}, 0)
	seen := map[string]bool{}
	var out []string
	for {
		_, tok, lit := s.Scan()
		if tok == token.EOF {
			return out
		}
		if tok == token.IDENT && !seen[lit] {
			seen[lit] = true
			out = append(out, lit)
		}
	}
}

// itemIdents caches the identifiers of a declaration's check text, which
// never changes once the declaration is committed.
type itemIdents struct {
	once  sync.Once
	names []string
}

func (d *declItem) idents() []string {
	if d.identCache == nil {
		return identNames(d.check)
	}
	d.identCache.once.Do(func() { d.identCache.names = identNames(d.check) })
	return d.identCache.names
}

// isSessionVar reports whether name is a package variable of the session
// after the cell, whether or not the check file declared it.
func (c *compiler) isSessionVar(name string) bool {
	if _, ok := c.chk.pkg.Scope().Lookup(name).(*types.Var); ok {
		return true
	}
	for _, d := range c.kept {
		if d.isVar && d.names[0] == name {
			return true
		}
	}
	return false
}

// sessionVars lists the package variables of the session after the cell.
func (c *compiler) sessionVars() []string {
	var out []string
	scope := c.chk.pkg.Scope()
	for _, n := range scope.Names() {
		if _, ok := scope.Lookup(n).(*types.Var); ok && !strings.HasPrefix(n, "__") && !c.im.isPrelude(scope.Lookup(n).Pos()) {
			out = append(out, n)
		}
	}
	for _, d := range c.kept {
		if d.isVar {
			out = append(out, d.names[0])
		}
	}
	return out
}

// sessionPackage returns the package of s with every committed
// declaration, for completion and inspection: the check of the cell that
// made s may have held only what the cell needed. It is checked on first
// use and kept.
func (im *Image) sessionPackage(s *state) *types.Package {
	if s.full || s.pkg == nil && len(s.items) == 0 {
		return s.pkg
	}
	s.wholeOnce.Do(func() {
		f := newCheckFile()
		for _, i := range s.imports {
			f.add("import "+i.spec(), i.cell, i.line)
		}
		f.raw(im.pre.aliasDecls)
		for _, d := range s.items {
			f.add(d.check, d.cell, d.line)
		}
		src := f.b.String()
		chk, err := im.check(src, "session", len(src))
		if err != nil {
			s.whole = s.pkg
			return
		}
		im.fset.RemoveFile(chk.tf)
		s.whole = chk.pkg
	})
	return s.whole
}

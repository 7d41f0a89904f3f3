package frontend

import (
	"go/ast"
	"sort"
	"strings"
)

// Package variables initialise in dependency order (the Go spec's
// "Package initialization", what go/types computes as Info.InitOrder):
// `var A = twice(); func twice() int { return B * 2 }; var B = 21` sets B
// first. In a cell, top-level `var` declarations and `:=` are the
// package variables' initialisations, and other statements run where
// they stand: each run of initialisations between two statements is
// ordered as Go orders a package's. An initialisation that needs a
// variable the cell initialises after a later statement is an error: Go
// would initialise it first, the cell cannot. Variables of earlier cells
// are initialised already: a cell never re-runs.

// initUnit is one initialisation: `x = v` or `a, b = f()` in the body.
type initUnit struct {
	stmt *ast.AssignStmt
	top  ast.Stmt        // the top-level statement that holds it
	vars []string        // the package variables it initialises
	deps map[string]bool // package variables its values refer to, also through funcs
}

// unitsOf returns the initialisations a top-level statement of the body
// is, or nil for another statement.
func (c *compiler) unitsOf(s ast.Stmt) []*initUnit {
	switch s := s.(type) {
	case *ast.AssignStmt:
		if c.defineAt[c.coff(s.TokPos)] || c.inSeg(c.coff(s.Pos()), segVar) {
			return []*initUnit{c.unit(s, s)}
		}
	case *ast.BlockStmt: // a var group
		if !c.inSeg(c.coff(s.Pos()), segVar) {
			return nil
		}
		var out []*initUnit
		for _, x := range s.List {
			if as, ok := x.(*ast.AssignStmt); ok {
				out = append(out, c.unit(as, s))
			}
		}
		return out
	}
	return nil
}

func (c *compiler) inSeg(off int, kind segKind) bool {
	for _, s := range c.segs {
		if s.kind == kind && s.start <= off && off < s.end {
			return true
		}
	}
	return false
}

func (c *compiler) unit(as *ast.AssignStmt, top ast.Stmt) *initUnit {
	u := &initUnit{stmt: as, top: top, deps: map[string]bool{}}
	for _, l := range as.Lhs {
		if id, ok := l.(*ast.Ident); ok && id.Name != "_" {
			u.vars = append(u.vars, id.Name)
		}
	}
	for _, r := range as.Rhs {
		for v := range c.deps.initDeps(r) {
			u.deps[v] = true
		}
	}
	return u
}

// initDeps returns the package variables node refers to, directly or
// through the funcs and methods it refers to (not through interface
// calls, as Go's initialisation order does not).
func (g *depGraph) initDeps(node ast.Node) map[string]bool {
	out := map[string]bool{}
	seen := map[string]bool{}
	var visit func(r *refs)
	visit = func(r *refs) {
		for v := range r.vars {
			out[v] = true
		}
		for f := range r.funcs {
			if !seen[f] {
				seen[f] = true
				visit(g.ofFunc(f))
			}
		}
	}
	visit(g.direct(node))
	return out
}

// initOrder orders the cell's initialisations.
func (c *compiler) initOrder() {
	var runs [][]*initUnit
	var cur []*initUnit
	for _, s := range c.bodyFunc.Body.List {
		us := c.unitsOf(s)
		if us == nil {
			if len(cur) > 0 {
				runs, cur = append(runs, cur), nil
			}
			continue
		}
		cur = append(cur, us...)
	}
	if len(cur) > 0 {
		runs = append(runs, cur)
	}
	runOf := map[string]int{}
	for k, run := range runs {
		for _, u := range run {
			for _, v := range u.vars {
				runOf[v] = k
			}
		}
	}
	for k, run := range runs {
		for _, u := range run {
			for _, d := range sortedNames(u.deps, func(string, bool) bool { return true }) {
				if r, ok := runOf[d]; ok && r > k {
					c.errAt(c.coff(u.stmt.Pos()), "%s refers to %s, which the cell initialises after a later statement: Go initialises package variables before any statement runs; declare %s before the statements", strings.Join(u.vars, ", "), d, d)
				}
			}
		}
		if order, ok := c.goOrder(run); ok && !sort.SliceIsSorted(order, func(i, j int) bool { return order[i] < order[j] }) {
			c.reorder(run, order)
		}
	}
}

// goOrder returns the order in which Go initialises the units: again and
// again the earliest one whose dependencies are initialised.
func (c *compiler) goOrder(run []*initUnit) ([]int, bool) {
	pendingVar := map[string]int{}
	for i, u := range run {
		for _, v := range u.vars {
			pendingVar[v] = i
		}
	}
	done := make([]bool, len(run))
	var order []int
	for len(order) < len(run) {
		next := -1
		for i, u := range run {
			if done[i] {
				continue
			}
			ready := true
			for d := range u.deps {
				if j, ok := pendingVar[d]; ok && j != i && !done[j] {
					ready = false
					break
				}
			}
			if ready {
				next = i
				break
			}
		}
		if next < 0 {
			for i, u := range run {
				if !done[i] {
					c.errAt(c.coff(u.stmt.Pos()), "initialization cycle: %s refers to itself through other package variables", strings.Join(u.vars, ", "))
					return nil, false
				}
			}
		}
		done[next] = true
		order = append(order, next)
	}
	return order, true
}

// reorder runs the units of a run in order: each becomes a func literal
// assigned where it stands, and the literals are called after the run's
// last statement. (Moving the text would change its lines.)
func (c *compiler) reorder(run []*initUnit, order []int) {
	names := make([]string, len(run))
	for i := range run {
		names[i] = c.name("I")
	}
	first := run[0].top
	c.ed.insert(c.coff(first.Pos()), "var "+strings.Join(names, ", ")+" func(); ")
	for i, u := range run {
		c.ed.insert(c.coff(u.stmt.Pos()), names[i]+" = func() { ")
		c.ed.insertOuter(c.coff(u.stmt.End()), " }")
	}
	var calls []string
	for _, i := range order {
		calls = append(calls, names[i]+"()")
	}
	c.ed.insertOuter(c.coff(run[len(run)-1].top.End()), "; "+strings.Join(calls, "; "))
}

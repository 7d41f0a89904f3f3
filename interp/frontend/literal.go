package frontend

import (
	"go/ast"
	"go/token"
	"go/types"
	"strings"
)

// literalTypes gives the cell's top-level variables their types without
// pass 1 when each is defined by a basic literal (`x := 1`, `var s = "a"`):
// their types are the literals' default types, whatever the session holds.
// It reports false, and sets nothing, when any variable needs pass 1, or
// when the cell's declarations may call a prelude func whose variant pass 1
// chooses.
func (c *compiler) literalTypes() bool {
	for base := range c.im.pre.indexed {
		if strings.Contains(c.declPiece, base) {
			return false
		}
	}
	found := map[string]types.Type{}
	define := func(names []*ast.Ident, values []ast.Expr) bool {
		if len(names) != len(values) {
			return false
		}
		for i, n := range names {
			t := literalType(values[i])
			if t == nil {
				return false
			}
			if found[n.Name] == nil {
				found[n.Name] = t
			}
		}
		return true
	}
	for _, s := range c.topStmts {
		switch s := s.(type) {
		case *ast.AssignStmt:
			if s.Tok != token.DEFINE {
				continue
			}
			names := make([]*ast.Ident, len(s.Lhs))
			for i, l := range s.Lhs {
				id, ok := l.(*ast.Ident)
				if !ok {
					return false
				}
				names[i] = id
			}
			if !define(names, s.Rhs) {
				return false
			}
		case *ast.DeclStmt:
			g, ok := s.Decl.(*ast.GenDecl)
			if !ok || g.Tok != token.VAR {
				continue
			}
			for _, sp := range g.Specs {
				vs := sp.(*ast.ValueSpec)
				if vs.Type != nil || !define(vs.Names, vs.Values) {
					return false
				}
			}
		}
	}
	for _, p := range c.promoted {
		if found[p.name] == nil {
			return false
		}
	}
	for i := range c.promoted {
		c.promoted[i].typ = found[c.promoted[i].name]
	}
	return true
}

// literalType is the default type of a basic literal, nil for other
// expressions.
func literalType(e ast.Expr) types.Type {
	lit, ok := e.(*ast.BasicLit)
	if !ok {
		return nil
	}
	switch lit.Kind {
	case token.INT:
		return types.Typ[types.Int]
	case token.FLOAT:
		return types.Typ[types.Float64]
	case token.IMAG:
		return types.Typ[types.Complex128]
	case token.CHAR:
		return types.Universe.Lookup("rune").Type()
	case token.STRING:
		return types.Typ[types.String]
	}
	return nil
}

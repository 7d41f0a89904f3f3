package interp

import (
	"go/ast"
	"go/parser"
	"go/token"
	"sort"
	"strconv"
	"strings"
)

// markLines makes a cell's body func report the line of each of its
// top-level statements before running it, through the prelude's __dmAt:
// yaegi names only the line where a function's body starts when a panic
// unwinds it, so without the marks a failing cell would always point at
// its first line. Statements nested in blocks and the bodies of funcs are
// not marked (the cost would be paid in every loop iteration): a panic in
// a loop names the loop's line.
//
// The marks are inserted on the statements' own lines, so every position
// in the body stays where it was. Source that does not parse, or has no
// func fn, is returned as it is: yaegi reports its errors.
func markLines(body, fn string, cell int) string {
	fset := token.NewFileSet()
	f, err := parser.ParseFile(fset, "", body, parser.ParseComments|parser.SkipObjectResolution)
	if err != nil {
		return body
	}
	var list []ast.Stmt
	for _, d := range f.Decls {
		if fd, ok := d.(*ast.FuncDecl); ok && fd.Recv == nil && fd.Name.Name == fn && fd.Body != nil {
			list = fd.Body.List
		}
	}
	type mark struct{ off, line int }
	var marks []mark
	last := -1
	for _, st := range list {
		if _, empty := st.(*ast.EmptyStmt); empty {
			continue
		}
		line := fset.Position(st.Pos()).Line // after //line directives: the cell's line
		if line == last {
			continue
		}
		last = line
		marks = append(marks, mark{fset.PositionFor(st.Pos(), false).Offset, line})
	}
	if len(marks) == 0 {
		return body
	}
	sort.Slice(marks, func(i, j int) bool { return marks[i].off < marks[j].off })
	var b strings.Builder
	prev := 0
	prefix := "__dmAt(" + strconv.Itoa(cell) + ", "
	for _, m := range marks {
		b.WriteString(body[prev:m.off])
		b.WriteString(prefix + strconv.Itoa(m.line) + "); ")
		prev = m.off
	}
	b.WriteString(body[prev:])
	return b.String()
}

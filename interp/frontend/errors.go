package frontend

import (
	"fmt"
	"sort"
	"strings"
)

// Error is one positioned problem in a cell.
type Error struct {
	Cell int    // the cell the problem is in (cell[N])
	Line int    // 1-based line in that cell; 0 if unknown
	Col  int    // 1-based column; 0 if unknown
	Msg  string // what is wrong, e.g. "undefined: x"
}

func (e Error) String() string {
	if e.Line > 0 {
		return fmt.Sprintf("cell[%d] line %d: %s", e.Cell, e.Line, e.Msg)
	}
	return fmt.Sprintf("cell[%d]: %s", e.Cell, e.Msg)
}

// CompileError is a cell that cannot run: every problem found, in order of
// position, like go/scanner.ErrorList. Problems may lie in an earlier cell
// when the cell replaces a declaration that earlier code still needs.
type CompileError struct {
	Cell   int
	Errors []Error
}

func (e *CompileError) Error() string {
	lines := make([]string, len(e.Errors))
	for i, x := range e.Errors {
		lines[i] = x.String()
	}
	return strings.Join(lines, "\n")
}

func (e *CompileError) add(cell, line, col int, format string, args ...any) {
	e.Errors = append(e.Errors, Error{Cell: cell, Line: line, Col: col, Msg: fmt.Sprintf(format, args...)})
}

// sorted orders errors by cell, line and column and drops duplicates, so a
// message that several passes report appears once.
func (e *CompileError) sorted() *CompileError {
	sort.SliceStable(e.Errors, func(i, j int) bool {
		a, b := e.Errors[i], e.Errors[j]
		if a.Cell != b.Cell {
			return a.Cell < b.Cell
		}
		if a.Line != b.Line {
			return a.Line < b.Line
		}
		return a.Col < b.Col
	})
	out := e.Errors[:0]
	for i, x := range e.Errors {
		if i > 0 && x == e.Errors[i-1] {
			continue
		}
		out = append(out, x)
	}
	e.Errors = out
	return e
}

package frontend

import (
	"go/scanner"
	"go/token"
)

// segKind classifies a top-level piece of a cell.
type segKind int

const (
	segStmt    segKind = iota // a statement: goes into the cell's body func
	segImport                 // an import declaration
	segDecl                   // a type, const, func or method declaration
	segVar                    // a top-level var declaration: a package var plus an assignment
	segPackage                // a package clause: rejected
	segSep                    // an explicit ";" between pieces: in no piece
)

// segment is a top-level piece of a cell, as byte offsets into the cell.
type segment struct {
	kind       segKind
	start, end int
}

// split cuts a cell into its top-level pieces: everything between two
// semicolons (explicit or inserted at a newline) outside brackets. Unlike
// Go files, cells mix declarations and statements in any order, so the
// pieces are classified by their first tokens.
func split(src string) []segment {
	type tok struct {
		off int
		tok token.Token
		end int
	}
	var s scanner.Scanner
	fs := token.NewFileSet()
	f := fs.AddFile("", fs.Base(), len(src))
	s.Init(f, []byte(src), func(token.Position, string) {}, 0)
	var toks []tok
	for {
		pos, t, lit := s.Scan()
		if t == token.EOF {
			break
		}
		off := f.Offset(pos)
		end := off + len(lit)
		if lit == "" {
			end = off + len(t.String())
		}
		if t == token.SEMICOLON && lit == "\n" {
			end = off // an inserted semicolon has no text
		}
		if t == token.ILLEGAL || end > len(src) {
			end = min(off+1, len(src)) // the scanner's text for a bad byte is not the byte
		}
		toks = append(toks, tok{off, t, end})
	}
	var segs []segment
	depth := 0
	first := -1
	// In the header of a for, if or switch, semicolons separate clauses
	// up to the body's brace.
	header := false
	flush := func(last int) {
		if first < 0 {
			return
		}
		seg := segment{kind: classify(func(i int) token.Token {
			if first+i < last {
				return toks[first+i].tok
			}
			return token.EOF
		}), start: toks[first].off, end: toks[last-1].end}
		segs = append(segs, seg)
		first = -1
	}
	for i, t := range toks {
		switch t.tok {
		case token.FOR, token.IF, token.SWITCH:
			if depth == 0 {
				header = true
			}
		case token.LBRACE:
			if depth == 0 {
				header = false
			}
			depth++
		case token.LPAREN, token.LBRACK:
			depth++
		case token.RPAREN, token.RBRACK, token.RBRACE:
			if depth > 0 {
				depth--
			}
		case token.SEMICOLON:
			if depth == 0 && !header {
				flush(i)
				if t.end > t.off {
					segs = append(segs, segment{kind: segSep, start: t.off, end: t.end})
				}
				continue
			}
		}
		if first < 0 {
			first = i
		}
	}
	flush(len(toks))
	return segs
}

// classify decides what a piece is from its tokens (at(i) is the i-th
// token of the piece, EOF past its end).
func classify(at func(int) token.Token) segKind {
	switch at(0) {
	case token.PACKAGE:
		return segPackage
	case token.IMPORT:
		return segImport
	case token.TYPE, token.CONST:
		return segDecl
	case token.VAR:
		return segVar
	case token.FUNC:
		switch at(1) {
		case token.IDENT:
			return segDecl
		case token.LPAREN:
			// A method `func (r T) Name(` or a func literal statement
			// `func(x int) int { ... }(1)`: after the receiver list, a
			// method has a name followed by its parameters.
			depth := 0
			for i := 1; at(i) != token.EOF; i++ {
				switch at(i) {
				case token.LPAREN:
					depth++
				case token.RPAREN:
					depth--
					if depth == 0 {
						if at(i+1) == token.IDENT && (at(i+2) == token.LPAREN || at(i+2) == token.LBRACK) {
							return segDecl
						}
						return segStmt
					}
				}
			}
		}
	}
	return segStmt
}

// blank returns src with every byte outside the kept segments replaced by a
// space (newlines kept), so that offsets, lines and columns stay those of
// the cell.
func blank(src string, segs []segment, keep func(segKind) bool) string {
	b := []byte(src)
	keepMask := make([]bool, len(b))
	kept := make([]bool, len(segs))
	for k, s := range segs {
		// A ";" stays after a piece the text keeps, where Go needs it.
		kept[k] = keep(s.kind) || s.kind == segSep && k > 0 && kept[k-1] && segs[k-1].kind != segSep
		if kept[k] {
			for i := s.start; i < s.end; i++ {
				keepMask[i] = true
			}
		}
	}
	for k, s := range segs {
		if kept[k] {
			continue
		}
		for i := s.start; i < s.end; i++ {
			if !keepMask[i] && b[i] != '\n' {
				b[i] = ' '
			}
		}
	}
	return string(b)
}

package frontend

import (
	"go/parser"
	"go/scanner"
	"go/token"
	"strings"
)

// IsComplete says whether a cell is ready to run, as is_complete_request
// asks: "incomplete" (with the indent of the next line) while a block,
// paren, bracket or raw string is open or the code stops mid-statement,
// "invalid" for a syntax error more input cannot fix, "complete" otherwise.
// It does not type-check.
func IsComplete(code string) (status, indent string) {
	code = blankMagics(code)
	if strings.TrimSpace(code) == "" {
		return "complete", ""
	}
	var s scanner.Scanner
	fs := token.NewFileSet()
	f := fs.AddFile("", fs.Base(), len(code))
	var scanErr string
	s.Init(f, []byte(code), func(_ token.Position, msg string) {
		if scanErr == "" {
			scanErr = msg
		}
	}, 0)
	var stack []token.Token
	for {
		_, t, _ := s.Scan()
		if t == token.EOF {
			break
		}
		switch t {
		case token.LPAREN, token.LBRACK, token.LBRACE:
			stack = append(stack, t)
		case token.RPAREN, token.RBRACK, token.RBRACE:
			open := map[token.Token]token.Token{token.RPAREN: token.LPAREN, token.RBRACK: token.LBRACK, token.RBRACE: token.LBRACE}[t]
			if len(stack) == 0 || stack[len(stack)-1] != open {
				return "invalid", ""
			}
			stack = stack[:len(stack)-1]
		}
	}
	if scanErr != "" {
		if strings.Contains(scanErr, "raw string literal not terminated") || strings.Contains(scanErr, "comment not terminated") {
			return "incomplete", ""
		}
		return "invalid", ""
	}
	if len(stack) > 0 {
		return "incomplete", strings.Repeat("    ", len(stack))
	}
	if atEOF(code) {
		return "incomplete", ""
	}
	if syntaxError(code) {
		return "invalid", ""
	}
	return "complete", ""
}

// atEOF reports whether the cell stops in the middle of a statement, such
// as after a binary operator or a comma: the first syntax error is past its
// last token.
func atEOF(code string) bool {
	errs := pieceErrors(code)
	end := len(strings.TrimRight(code, " \t\r\n"))
	return len(errs) > 0 && errs[0].Pos.Offset >= end
}

func syntaxError(code string) bool { return len(pieceErrors(code)) > 0 }

// pieceErrors parses the cell as Compile does and returns the syntax
// errors, with offsets in the cell, first first.
func pieceErrors(code string) scanner.ErrorList {
	segs := split(code)
	var all scanner.ErrorList
	parse := func(prefix, piece, suffix string) {
		_, err := parser.ParseFile(token.NewFileSet(), "", prefix+piece+suffix, parser.SkipObjectResolution)
		if list, ok := err.(scanner.ErrorList); ok {
			for _, e := range list {
				e.Pos.Offset -= len(prefix)
				all = append(all, e)
			}
		}
	}
	for _, s := range segs {
		if s.kind == segPackage {
			all = append(all, &scanner.Error{Pos: token.Position{Offset: s.start}, Msg: "package clause"})
		}
	}
	parse("package main;", blank(code, segs, func(k segKind) bool { return k == segImport }), "")
	parse("package main;", blank(code, segs, func(k segKind) bool { return k == segDecl }), "")
	parse(bodyPrefix, blank(code, segs, func(k segKind) bool { return k == segStmt || k == segVar }), "\n}")
	all.Sort()
	return all
}

// blankMagics blanks the directive lines (`%go get ...`) that may start a
// cell, keeping offsets: the session handles them before the cell compiles.
func blankMagics(code string) string {
	b := []byte(code)
	at := 0
	for at < len(b) {
		end := strings.IndexByte(code[at:], '\n')
		if end < 0 {
			end = len(code) - at
		}
		line := strings.TrimSpace(code[at : at+end])
		if line != "" && !strings.HasPrefix(line, "%") {
			break
		}
		for i := at; i < at+end; i++ {
			b[i] = ' '
		}
		at += end + 1
	}
	return string(b)
}

package modules

import (
	"fmt"
	"go/scanner"
	"go/token"
	"strconv"
	"strings"
)

// ImportPaths returns the import paths that a cell's import declarations
// name, in order. A cell is not a Go file (statements may follow its
// imports), but `import` can only start an import declaration, so scanning
// tokens finds them all without parsing the rest.
func ImportPaths(src string) []string {
	var s scanner.Scanner
	fset := token.NewFileSet()
	s.Init(fset.AddFile("cell", -1, len(src)), []byte(src), nil, 0)
	var paths []string
	next := func() (token.Token, string) { _, tok, lit := s.Scan(); return tok, lit }
	for {
		tok, _ := next()
		if tok == token.EOF {
			return paths
		}
		if tok != token.IMPORT {
			continue
		}
		tok, lit := next()
		if tok != token.LPAREN {
			paths = appendSpec(paths, tok, lit, next)
			continue
		}
		for {
			tok, lit = next()
			if tok == token.RPAREN || tok == token.EOF {
				break
			}
			paths = appendSpec(paths, tok, lit, next)
		}
	}
}

// appendSpec reads one import spec that starts with tok: an optional name
// (identifier or '.') then the path string.
func appendSpec(paths []string, tok token.Token, lit string, next func() (token.Token, string)) []string {
	if tok == token.IDENT || tok == token.PERIOD {
		tok, lit = next()
	}
	if tok != token.STRING {
		return paths
	}
	p, err := strconv.Unquote(lit)
	if err != nil {
		return paths
	}
	return append(paths, p)
}

// GoGet recognises a `%go get module@version ...` directive line. ok is
// false when line is not such a directive; err says what is wrong with one.
func GoGet(line string) (specs []string, ok bool, err error) {
	f := strings.Fields(line)
	if len(f) < 2 || f[0] != "%go" || f[1] != "get" {
		return nil, false, nil
	}
	if len(f) == 2 {
		return nil, true, fmt.Errorf("%%go get: name a module, e.g. %%go get github.com/google/uuid@v1.6.0")
	}
	for _, s := range f[2:] {
		if err := checkSpec(s); err != nil {
			return nil, true, fmt.Errorf("%%go get: %w", err)
		}
	}
	return f[2:], true, nil
}

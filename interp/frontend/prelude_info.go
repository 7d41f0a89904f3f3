package frontend

import "go/ast"

// preludeInfo is what the frontend needs to know about the prelude.
type preludeInfo struct {
	// indexed maps a func taking a func(T) R block to the func that takes
	// a func(T, int) R block instead (CreateMirror).
	indexed map[string]string
}

func scanPrelude(files []*ast.File) preludeInfo {
	return preludeInfo{indexed: map[string]string{}}
}

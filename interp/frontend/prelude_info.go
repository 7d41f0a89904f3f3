package frontend

import (
	"go/ast"
	"go/token"
	"strings"
)

// preludeInfo is what the frontend needs to know about the prelude, found
// in its source so that a new Parallel func needs no change here.
type preludeInfo struct {
	// blocks maps each func that takes blocks (a func whose last parameter
	// is `...ParallelOption`) to the positions of its func-typed
	// parameters.
	blocks map[string][]int
	// indexed maps a func taking a func(T) R block to its variant that
	// takes a func(T, int) R block (F → FWithID).
	indexed map[string]string
}

func scanPrelude(files []*ast.File) preludeInfo {
	p := preludeInfo{blocks: map[string][]int{}, indexed: map[string]string{}}
	for _, f := range files {
		for _, d := range f.Decls {
			fd, ok := d.(*ast.FuncDecl)
			if !ok || fd.Recv != nil {
				continue
			}
			var kinds []ast.Expr
			for _, field := range fd.Type.Params.List {
				n := len(field.Names)
				if n == 0 {
					n = 1
				}
				for i := 0; i < n; i++ {
					kinds = append(kinds, field.Type)
				}
			}
			if len(kinds) == 0 {
				continue
			}
			last, ok := kinds[len(kinds)-1].(*ast.Ellipsis)
			if !ok {
				continue
			}
			if id, ok := last.Elt.(*ast.Ident); !ok || id.Name != "ParallelOption" {
				continue
			}
			var params []int
			for i, k := range kinds {
				if _, ok := k.(*ast.FuncType); ok {
					params = append(params, i)
				}
			}
			if len(params) > 0 {
				p.blocks[fd.Name.Name] = params
			}
		}
	}
	for name := range p.blocks {
		if base, ok := strings.CutSuffix(name, "WithID"); ok && len(p.blocks[base]) > 0 {
			p.indexed[base] = name
		}
	}
	return p
}

func (im *Image) isPrelude(p token.Pos) bool {
	f := im.fset.File(p)
	return f != nil && strings.HasPrefix(f.Name(), "prelude/")
}

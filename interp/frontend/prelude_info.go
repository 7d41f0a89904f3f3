package frontend

import (
	"go/ast"
	"go/printer"
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
	// aliases name, for type-checking only, each variant with a name as
	// long as the func it replaces, so the switch keeps offsets: F → alias.
	aliases map[string]string
	// aliasFor maps an alias to the variant it stands for.
	aliasFor map[string]string
	// aliasDecls declares the aliases, for check files.
	aliasDecls string
}

func scanPrelude(fset *token.FileSet, files []*ast.File) preludeInfo {
	p := preludeInfo{blocks: map[string][]int{}, indexed: map[string]string{}}
	funcs := map[string]*ast.FuncDecl{}
	for _, f := range files {
		for _, d := range f.Decls {
			fd, ok := d.(*ast.FuncDecl)
			if !ok || fd.Recv != nil {
				continue
			}
			funcs[fd.Name.Name] = fd
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
		if base, ok := strings.CutSuffix(name, "WithID"); ok && len(p.blocks[base]) > 0 && len(base) > 5 {
			p.indexed[base] = name
		}
	}
	p.aliases = map[string]string{}
	p.aliasFor = map[string]string{}
	var b strings.Builder
	for base, alt := range p.indexed {
		alias := "__dm" + strings.Repeat("W", len(base)-4)
		p.aliases[base] = alias
		p.aliasFor[alias] = alt
		fd := funcs[alt]
		cp := *fd
		cp.Doc = nil
		cp.Name = ast.NewIdent(alias)
		var sb strings.Builder
		if err := printer.Fprint(&sb, fset, &cp); err == nil {
			b.WriteString(sb.String())
			b.WriteString("\n")
		}
	}
	p.aliasDecls = b.String()
	return p
}

func (im *Image) isPrelude(p token.Pos) bool {
	f := im.fset.File(p)
	return f != nil && strings.HasPrefix(f.Name(), "prelude/")
}

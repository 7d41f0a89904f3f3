package frontend

import (
	"bytes"
	"fmt"
	"go/ast"
	"go/build"
	"go/doc"
	"go/parser"
	"go/printer"
	"go/token"
	"go/types"
	"os"
	"path/filepath"
	"strings"
	"sync"
)

// Inspect returns the signature and documentation of the name at byte
// offset cursor: standard library symbols (from the documentation in
// GOROOT's source), prelude built-ins, and the session's declarations
// (their source and type).
func (im *Image) Inspect(code string, cursor int) (text string, found bool) {
	if cursor < 0 || cursor > len(code) {
		cursor = len(code)
	}
	defer func() {
		if r := recover(); r != nil {
			text, found = "", false // nothing to show rather than no kernel
		}
	}()
	code = blankMagics(code)
	start, end := cursor, cursor
	for start > 0 && isIdentByte(code[start-1]) {
		start--
	}
	for end < len(code) && isIdentByte(code[end]) {
		end++
	}
	name := code[start:end]
	if name == "" {
		return "", false
	}
	if start > 0 && code[start-1] == '.' {
		base := selectorBase(code, start-1)
		if pkg := im.packageNamed(code, base); pkg != nil {
			return im.stdDoc(pkg.Path(), name)
		}
		if t := im.exprType(code, cursor, base); t != nil {
			obj, _, _ := types.LookupFieldOrMethod(t, true, nil, name)
			if obj == nil {
				obj, _, _ = types.LookupFieldOrMethod(t, true, types.NewPackage("main", "main"), name)
			}
			if obj != nil {
				text := types.ObjectString(obj, im.qualifierFor())
				if im.isPrelude(obj.Pos()) {
					text = preludeNames(text)
				}
				if f, ok := obj.(*types.Func); ok && f.Pkg() != nil && f.Pkg().Path() == "main" {
					g := depGraph{pkg: f.Pkg()}
					if key := g.funcKey(f.Origin()); key != "" {
						if d, ok := im.sessionDoc(key); ok {
							return d, true
						}
					}
				}
				return text, true
			}
		}
		return "", false
	}
	if pkg := im.packageNamed(code, name); pkg != nil {
		return im.stdDoc(pkg.Path(), "")
	}
	if d, ok := im.sessionDoc(name); ok {
		return d, true
	}
	if d, ok := im.preludeDoc(name); ok {
		return d, true
	}
	if types.Universe.Lookup(name) != nil {
		return im.stdDoc("builtin", name)
	}
	if t := im.exprType(code, cursor, name); t != nil {
		return name + " " + types.TypeString(t, im.qualifierFor()), true
	}
	return "", false
}

func (im *Image) qualifierFor() types.Qualifier {
	return func(p *types.Package) string {
		if p.Path() == "main" {
			return ""
		}
		return p.Name()
	}
}

func (im *Image) sessionDoc(name string) (string, bool) {
	s := im.current()
	for _, d := range s.items {
		if !hasName(d, name) {
			continue
		}
		head := ""
		if pkg := im.sessionPackage(s); pkg != nil && !strings.Contains(name, ".") {
			if obj := pkg.Scope().Lookup(name); obj != nil {
				head = types.ObjectString(obj, im.qualifierFor()) + "\n\n"
			}
		}
		return fmt.Sprintf("%sdeclared in cell[%d] line %d:\n%s", head, d.cell, d.line, d.check), true
	}
	return "", false
}

func (im *Image) preludeDoc(name string) (string, bool) {
	for _, f := range im.prelude {
		for _, d := range f.Decls {
			switch d := d.(type) {
			case *ast.FuncDecl:
				if d.Recv == nil && d.Name.Name == name {
					sig := &ast.FuncDecl{Name: d.Name, Type: d.Type}
					return preludeNames(nodeString(im.fset, sig)) + "\n\n" + d.Doc.Text(), true
				}
			case *ast.GenDecl:
				for _, s := range d.Specs {
					if ts, ok := s.(*ast.TypeSpec); ok && ts.Name.Name == name {
						doc := d.Doc.Text()
						if ts.Doc != nil {
							doc = ts.Doc.Text()
						}
						return "type " + preludeNames(nodeString(im.fset, ts)) + "\n\n" + doc, true
					}
				}
			}
		}
	}
	return "", false
}

func nodeString(fset *token.FileSet, n any) string {
	var b bytes.Buffer
	if err := printer.Fprint(&b, fset, n); err != nil {
		return ""
	}
	return b.String()
}

type docEntry struct {
	p    *doc.Package
	fset *token.FileSet
}

var (
	docMu    sync.Mutex
	docCache = map[string]docEntry{}
)

// stdDoc documents a standard package (name empty) or one of its symbols.
func (im *Image) stdDoc(path, name string) (string, bool) {
	p, fset := im.docPackage(path)
	if p == nil {
		return "", false
	}
	if name == "" {
		return "package " + p.Name + " // import \"" + path + "\"\n\n" + p.Doc, true
	}
	for _, f := range p.Funcs {
		if f.Name == name {
			return declDoc(fset, f.Decl, f.Doc), true
		}
	}
	for _, t := range p.Types {
		if t.Name == name {
			return declDoc(fset, t.Decl, t.Doc), true
		}
		for _, f := range append(t.Funcs, t.Methods...) {
			if f.Name == name {
				return declDoc(fset, f.Decl, f.Doc), true
			}
		}
		for _, v := range append(t.Consts, t.Vars...) {
			if hasValue(v, name) {
				return declDoc(fset, v.Decl, v.Doc), true
			}
		}
	}
	for _, v := range append(p.Consts, p.Vars...) {
		if hasValue(v, name) {
			return declDoc(fset, v.Decl, v.Doc), true
		}
	}
	return "", false
}

func hasValue(v *doc.Value, name string) bool {
	for _, n := range v.Names {
		if n == name {
			return true
		}
	}
	return false
}

func declDoc(fset *token.FileSet, decl ast.Decl, text string) string {
	if fd, ok := decl.(*ast.FuncDecl); ok {
		decl = &ast.FuncDecl{Recv: fd.Recv, Name: fd.Name, Type: fd.Type}
	}
	return nodeString(fset, decl) + "\n\n" + text
}

// docPackage parses the documentation of a standard package, once.
func (im *Image) docPackage(path string) (*doc.Package, *token.FileSet) {
	docMu.Lock()
	defer docMu.Unlock()
	if e, ok := docCache[path]; ok {
		return e.p, e.fset
	}
	fset := token.NewFileSet()
	root := im.opts.GOROOT
	if root == "" {
		root = build.Default.GOROOT
	}
	dir := filepath.Join(root, "src", filepath.FromSlash(path))
	bp, err := build.Default.ImportDir(dir, 0)
	if err != nil {
		docCache[path] = docEntry{}
		return nil, fset
	}
	var files []*ast.File
	for _, name := range bp.GoFiles {
		src, err := os.ReadFile(filepath.Join(dir, name))
		if err != nil {
			continue
		}
		f, err := parser.ParseFile(fset, name, src, parser.ParseComments)
		if err == nil {
			files = append(files, f)
		}
	}
	mode := doc.Mode(0)
	if path == "builtin" {
		mode = doc.AllDecls
	}
	p, err := doc.NewFromFiles(fset, files, path, mode)
	if err != nil {
		p = nil
	}
	if p != nil {
		p.Doc = strings.TrimSpace(p.Doc)
	}
	docCache[path] = docEntry{p, fset}
	return p, fset
}

package frontend

import (
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"go/types"
	"strconv"
	"strings"
	"sync"

	"github.com/dmirror/dmirror/interp/modules"
	"github.com/dmirror/dmirror/interp/prelude"
)

// parsePrelude parses the prelude files as type-checking stubs: imports of
// dmirror's binary packages are dropped and every func body becomes a
// stub (stubBody), so checking cells never needs those packages.
func parsePrelude(fset *token.FileSet, files []prelude.File) ([]*ast.File, error) {
	out := make([]*ast.File, 0, len(files))
	for _, pf := range files {
		f, err := parser.ParseFile(fset, "prelude/"+pf.Name, pf.Source, parser.ParseComments)
		if err != nil {
			return nil, fmt.Errorf("frontend: parse prelude %s: %w", pf.Name, err)
		}
		stubFile(f)
		out = append(out, f)
	}
	return out, nil
}

// stubBody is the body a func gets where a check needs its signature
// only: `{ for {} }`, which ends the func for the checker as Go's spec
// says and names nothing. (`{ panic(0) }` named the builtin, which a
// session's own func panic shadows: every check then failed with
// "missing return".)
func stubBody(body *ast.BlockStmt) *ast.BlockStmt {
	return &ast.BlockStmt{Lbrace: body.Lbrace, Rbrace: body.Rbrace, List: []ast.Stmt{
		&ast.ForStmt{For: body.Lbrace, Body: &ast.BlockStmt{Lbrace: body.Lbrace, Rbrace: body.Lbrace}},
	}}
}

func stubFile(f *ast.File) {
	var decls []ast.Decl
	for _, d := range f.Decls {
		if g, ok := d.(*ast.GenDecl); ok && g.Tok == token.IMPORT {
			var specs []ast.Spec
			for _, s := range g.Specs {
				p, _ := strconv.Unquote(s.(*ast.ImportSpec).Path.Value)
				if !strings.HasPrefix(p, "dmirror/") {
					specs = append(specs, s)
				}
			}
			if len(specs) == 0 {
				continue
			}
			g.Specs = specs
		}
		if fd, ok := d.(*ast.FuncDecl); ok && fd.Body != nil {
			fd.Body = stubBody(fd.Body)
		}
		decls = append(decls, d)
	}
	f.Decls = decls
	var imports []*ast.ImportSpec
	for _, s := range f.Imports {
		p, _ := strconv.Unquote(s.Path.Value)
		if !strings.HasPrefix(p, "dmirror/") {
			imports = append(imports, s)
		}
	}
	f.Imports = imports
}

// sharedImporter serialises a source importer (which is not safe for
// concurrent use) and caches what it imported for the life of the Image.
type sharedImporter struct {
	mu   sync.Mutex
	imp  types.ImporterFrom
	mods func() *modules.Set // nil: no modules
	pkgs map[string]*types.Package
	errs map[string]error
}

func newSharedImporter(fset *token.FileSet, mods func() *modules.Set) *sharedImporter {
	var imp types.ImporterFrom = std
	if mods != nil {
		imp = modules.NewImporter(fset, imp, mods)
	}
	return &sharedImporter{
		imp:  imp,
		mods: mods,
		pkgs: map[string]*types.Package{},
		errs: map[string]error{},
	}
}

func (s *sharedImporter) Import(path string) (*types.Package, error) {
	return s.ImportFrom(path, "", 0)
}

func (s *sharedImporter) ImportFrom(path, dir string, mode types.ImportMode) (*types.Package, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	key := s.key(path)
	if p, ok := s.pkgs[key]; ok {
		return p, nil
	}
	if err, ok := s.errs[key]; ok {
		return nil, err
	}
	if path == NativePath {
		// Its symbols exist only in the image binary; the rewritten
		// cells that use them are not type-checked.
		p := types.NewPackage(NativePath, "native")
		p.MarkComplete()
		s.pkgs[key] = p
		return p, nil
	}
	p, err := s.imp.ImportFrom(path, dir, mode)
	if err != nil {
		err = fmt.Errorf("cannot import %q: %w", path, err)
		s.errs[key] = err
		return nil, err
	}
	s.pkgs[key] = p
	return p, nil
}

// key is what path is cached under: a module's package per version, so
// that a `%go get` of another version is seen.
func (s *sharedImporter) key(path string) string {
	if s.mods == nil || modules.IsStd(path) {
		return path
	}
	if m, ok := s.mods().Module(path); ok {
		return path + "@" + m.Version
	}
	return path
}

// cached returns a package imported earlier, without importing.
func (s *sharedImporter) cached(path string) *types.Package {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.pkgs[s.key(path)]
}

// The standard library is imported from source once per process, into one
// file set, and shared by every Image: importing it takes seconds of CPU.
var (
	fileSet = token.NewFileSet()
	std     = &stdImporter{imp: modules.StdImporter(fileSet), pkgs: map[string]*types.Package{}, errs: map[string]error{}}
)

// stdImporter serialises and caches the process's source importer.
type stdImporter struct {
	mu   sync.Mutex
	imp  types.ImporterFrom
	pkgs map[string]*types.Package
	errs map[string]error
}

func (s *stdImporter) Import(path string) (*types.Package, error) {
	return s.ImportFrom(path, "", 0)
}

func (s *stdImporter) ImportFrom(path, dir string, mode types.ImportMode) (*types.Package, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if p, ok := s.pkgs[path]; ok {
		return p, nil
	}
	if err, ok := s.errs[path]; ok {
		return nil, err
	}
	if path == NativePath {
		// Its symbols exist only in the image binary; the rewritten
		// cells that use them are not type-checked.
		p := types.NewPackage(NativePath, "native")
		p.MarkComplete()
		s.pkgs[path] = p
		return p, nil
	}
	p, err := s.imp.ImportFrom(path, dir, mode)
	if err != nil {
		s.errs[path] = err
		return nil, err
	}
	s.pkgs[path] = p
	return p, nil
}

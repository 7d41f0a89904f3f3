package modules

import (
	"errors"
	"fmt"
	"go/ast"
	"go/build"
	"go/importer"
	"go/parser"
	"go/token"
	"go/types"
	"path/filepath"
	"sync"
)

// StdImporter returns an importer of standard packages from source, as
// the type checker's Std, with cgo disabled as for module packages
// (BuildContext). With cgo, go/importer's source importer runs `go tool
// cgo` on packages such as net and os/user (and so on uuid, which imports
// net): that needs a C compiler, takes longer, and leaves gcc's object files
// in os.TempDir, 7 srcimporter*_cgo_*.o per session, because cmd/cgo names
// them before it appends the separator to the -objdir it is given. The
// exported API is the same without cgo but for runtime/cgo.Incomplete, and
// the interpreter runs no cgo either.
func StdImporter(fset *token.FileSet) types.ImporterFrom {
	// The source importer reads build.Default and takes no other context.
	build.Default.CgoEnabled = false
	return importer.ForCompiler(fset, "source", nil).(types.ImporterFrom)
}

// Importer gives the type checker the packages cells import: standard
// packages through Std, and packages of the session's modules from their
// source, with the files the interpreter sees (BuildContext). Function
// bodies are not checked: only the API matters to a cell.
type Importer struct {
	fset *token.FileSet
	std  types.Importer
	set  func() *Set

	mu   sync.Mutex
	pkgs map[string]*types.Package // by source directory, so versions don't mix
}

// NewImporter returns an importer that finds module packages in set(),
// called at each import so that modules resolved later are seen.
func NewImporter(fset *token.FileSet, std types.Importer, set func() *Set) *Importer {
	return &Importer{fset: fset, std: std, set: set, pkgs: map[string]*types.Package{}}
}

var _ types.ImporterFrom = (*Importer)(nil)

// Import imports path.
func (im *Importer) Import(path string) (*types.Package, error) {
	return im.ImportFrom(path, "", 0)
}

// ImportFrom imports path; dir and mode are passed on for standard packages.
func (im *Importer) ImportFrom(path, dir string, mode types.ImportMode) (*types.Package, error) {
	im.mu.Lock()
	defer im.mu.Unlock()
	return locked{im}.ImportFrom(path, dir, mode)
}

// locked is the importer used while im.mu is held: the checks of module
// packages import their dependencies through it.
type locked struct{ im *Importer }

func (l locked) Import(path string) (*types.Package, error) { return l.ImportFrom(path, "", 0) }

func (l locked) ImportFrom(path, dir string, mode types.ImportMode) (*types.Package, error) {
	im := l.im
	if IsStd(path) {
		if from, ok := im.std.(types.ImporterFrom); ok {
			return from.ImportFrom(path, dir, mode)
		}
		return im.std.Import(path)
	}
	src, ok := im.set().Dir(path)
	if !ok {
		return nil, fmt.Errorf("package %s is not in the session's modules", path)
	}
	if p, ok := im.pkgs[src]; ok {
		return p, nil
	}
	p, err := l.check(path, src, im.set().compiled)
	if err != nil {
		return nil, err
	}
	im.pkgs[src] = p
	return p, nil
}

func (l locked) check(path, dir string, compiled bool) (*types.Package, error) {
	ctx := BuildContext()
	if compiled {
		ctx = CompiledContext()
	}
	bp, err := ctx.ImportDir(dir, 0)
	if err != nil {
		return nil, fmt.Errorf("package %s: %w", path, err)
	}
	files := make([]*ast.File, 0, len(bp.GoFiles))
	for _, name := range bp.GoFiles {
		f, err := parser.ParseFile(l.im.fset, filepath.Join(dir, name), nil, parser.SkipObjectResolution)
		if err != nil {
			return nil, fmt.Errorf("package %s: %w", path, err)
		}
		files = append(files, f)
	}
	var errs []error
	conf := types.Config{
		Importer:         l,
		IgnoreFuncBodies: true,
		Error: func(err error) {
			if len(errs) < 10 {
				errs = append(errs, err)
			}
		},
	}
	p, _ := conf.Check(path, l.im.fset, files, nil)
	if len(errs) > 0 {
		return nil, fmt.Errorf("type-check package %s: %w", path, errors.Join(errs...))
	}
	return p, nil
}

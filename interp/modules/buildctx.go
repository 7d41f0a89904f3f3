package modules

import (
	"errors"
	"fmt"
	"go/build"
	"strings"
)

// StdGoMinor is the minor Go version of the standard library the
// interpreter exposes: yaegi v0.16.1 ships symbol tables up to Go 1.22, so
// files built only for later releases (`//go:build go1.23`) are left out and
// their fallbacks used, as a Go 1.22 toolchain would.
const StdGoMinor = 22

// BuildTags are the tags set when choosing files for the interpreter.
var BuildTags = []string{"purego"}

// BuildContext returns the build context that chooses a package's files
// for the interpreter: the host's GOOS and GOARCH, cgo disabled, BuildTags,
// and release tags up to go1.StdGoMinor.
func BuildContext() build.Context {
	c := build.Default
	c.CgoEnabled = false
	c.BuildTags = append([]string(nil), BuildTags...)
	c.ReleaseTags = nil
	for i := 1; i <= StdGoMinor; i++ {
		c.ReleaseTags = append(c.ReleaseTags, fmt.Sprintf("go1.%d", i))
	}
	c.GOPATH = ""
	c.Dir = ""
	return c
}

// CompiledContext returns the build context that chooses a compiled
// package's files for type-checking it: the toolchain's own release tags,
// and cgo disabled (go/types cannot run cgo; a package's API is the same).
func CompiledContext() build.Context {
	c := build.Default
	c.CgoEnabled = false
	c.GOPATH = ""
	c.Dir = ""
	return c
}

// listImports reads the package in dir for compiled use: what it imports
// matters (to fetch its modules), and nothing is refused.
func listImports(dir, importPath string, _ func(string) bool) (*build.Package, error) {
	ctx := CompiledContext()
	p, err := ctx.ImportDir(dir, build.ImportComment)
	var noGo *build.NoGoError
	switch {
	case errors.As(err, &noGo):
		// cgo only: the go command builds it; its imports come with it.
		ctx.CgoEnabled = true
		if p, err = ctx.ImportDir(dir, build.ImportComment); err != nil {
			return nil, fmt.Errorf("package %s: %w", importPath, err)
		}
		return p, nil
	case err != nil:
		return nil, fmt.Errorf("package %s: %w", importPath, err)
	}
	return p, nil
}

// PackageError says why a package cannot be interpreted.
type PackageError struct {
	Path       string // import path of the package
	ImportedBy string // the package that imports it, "" for a cell's import
	Reason     string
}

func (e *PackageError) Error() string {
	s := fmt.Sprintf("package %s cannot be interpreted: %s", e.Path, e.Reason)
	if e.ImportedBy != "" {
		s += " (imported by " + e.ImportedBy + ")"
	}
	return s
}

// loadPackage reads the package in dir with the interpreter's build context
// and checks that the interpreter can run it. hasStd reports whether the
// interpreter provides a standard package; nil means it provides them all.
func loadPackage(dir, importPath string, hasStd func(string) bool) (*build.Package, error) {
	ctx := BuildContext()
	p, err := ctx.ImportDir(dir, build.ImportComment)
	var noGo *build.NoGoError
	switch {
	case errors.As(err, &noGo):
		if cgo := cgoFiles(dir); len(cgo) > 0 {
			return nil, &PackageError{Path: importPath,
				Reason: fmt.Sprintf("it needs cgo (%s import \"C\") and the interpreter runs pure Go only", list(cgo))}
		}
		return nil, &PackageError{Path: importPath, Reason: "no Go files for " + ctx.GOOS + "/" + ctx.GOARCH + " without cgo"}
	case err != nil:
		return nil, fmt.Errorf("package %s: %w", importPath, err)
	}
	if len(p.SFiles) > 0 {
		return nil, &PackageError{Path: importPath,
			Reason: fmt.Sprintf("it has assembly (%s) and the interpreter runs Go source only", list(p.SFiles))}
	}
	for _, imp := range p.Imports {
		if imp == "C" {
			return nil, &PackageError{Path: importPath, Reason: "it needs cgo"}
		}
		if IsStd(imp) && hasStd != nil && !hasStd(imp) {
			return nil, &PackageError{Path: importPath,
				Reason: fmt.Sprintf("it imports %q, which the interpreter does not provide (its standard library is Go 1.%d's)", imp, StdGoMinor)}
		}
	}
	return p, nil
}

// cgoFiles lists the files of dir that would be built with cgo enabled.
func cgoFiles(dir string) []string {
	ctx := BuildContext()
	ctx.CgoEnabled = true
	p, err := ctx.ImportDir(dir, 0)
	if err != nil && p == nil {
		return nil
	}
	return p.CgoFiles
}

// list names up to three files.
func list(files []string) string {
	if len(files) > 3 {
		return strings.Join(files[:3], ", ") + fmt.Sprintf(" and %d more", len(files)-3)
	}
	return strings.Join(files, ", ")
}

// Package modules lets cells import third-party Go packages. yaegi has no
// module support: it reads package source from GoPath/src/<import path>. A
// Resolver runs the real go command in a private temporary module (so that
// GOPROXY, GOFLAGS, GOMODCACHE, GOPRIVATE, GONOSUMDB... apply as they do for
// any Go build) to choose one version per module path and download it, and
// describes the result as a Set: the modules with their directories in the
// module cache. A Set gives the interpreter a source file system (FS) laid
// out as a GOPATH, and the type checker an importer over the same files.
//
// The Set is plain data, so the kernel resolves once and sends it to the
// image process and the mirrors, which build the same FS without running go.
//
// Files are chosen the way `go build` would choose them for the interpreter:
// cgo disabled, the "purego" tag set (packages with assembly fast paths
// usually offer a pure-Go fallback under it), and release tags capped at the
// Go version of the interpreter's standard library. A package that cannot be
// interpreted (it needs cgo or assembly, or a standard package the
// interpreter lacks) is reported with the reason, naming the package.
package modules

import (
	"reflect"
	"sort"
	"strings"
)

// GoPath is the GOPATH the interpreter is given; FS serves GoPath/src.
// It is relative so that it is a valid io/fs path, and it names no real
// directory: sources are read from the module cache through FS.
const GoPath = "gopath"

// Module is a module version with its directory in the module cache.
type Module struct {
	Path    string `json:"path"`
	Version string `json:"version"`
	Dir     string `json:"dir"`
}

// String returns path@version.
func (m Module) String() string { return m.Path + "@" + m.Version }

// IsStd reports whether importPath names a standard package (or "C"): by
// the go command's rule, a path whose first element has no dot.
func IsStd(importPath string) bool {
	first, _, _ := strings.Cut(importPath, "/")
	return !strings.Contains(first, ".")
}

// Set is an immutable set of modules, at most one version per module path.
type Set struct {
	mods  []Module // longest path first, for prefix lookups
	files *fileCache
	// compiled: the packages are compiled (Options.Compiled), so their
	// types are read with the toolchain's build context, not the
	// interpreter's.
	compiled bool
}

// NewSet returns a set of mods. Modules without a directory are left out:
// they were in the build list but never needed, so never downloaded.
func NewSet(mods []Module) *Set {
	s := &Set{files: newFileCache()}
	for _, m := range mods {
		if m.Dir != "" {
			s.mods = append(s.mods, m)
		}
	}
	sort.Slice(s.mods, func(i, j int) bool {
		if len(s.mods[i].Path) != len(s.mods[j].Path) {
			return len(s.mods[i].Path) > len(s.mods[j].Path)
		}
		return s.mods[i].Path < s.mods[j].Path
	})
	return s
}

// Compiled reports whether the set's packages are compiled Go rather than
// interpreted source (Options.Compiled).
func (s *Set) Compiled() bool { return s.compiled }

// Modules returns the modules of the set, sorted by path.
func (s *Set) Modules() []Module {
	out := append([]Module(nil), s.mods...)
	sort.Slice(out, func(i, j int) bool { return out[i].Path < out[j].Path })
	return out
}

// Module returns the module that provides importPath: the one with the
// longest path that is importPath or a parent of it.
func (s *Set) Module(importPath string) (Module, bool) {
	for _, m := range s.mods {
		if within(importPath, m.Path) {
			return m, true
		}
	}
	return Module{}, false
}

// Dir returns the directory that holds importPath's source, if a module of
// the set provides it. The directory may not exist (no such package).
func (s *Set) Dir(importPath string) (string, bool) {
	m, ok := s.Module(importPath)
	if !ok {
		return "", false
	}
	return dirOf(m, importPath), true
}

func dirOf(m Module, importPath string) string {
	rest := strings.TrimPrefix(importPath, m.Path)
	return m.Dir + rest // rest is "" or starts with "/"
}

// within reports whether p is path or below it.
func within(p, path string) bool {
	return p == path || strings.HasPrefix(p, path) && p[len(path)] == '/'
}

// StdFromSymbols returns a HasStd function for an interpreter given its
// symbol tables, keyed "import/path/name" as yaegi's stdlib.Symbols are.
func StdFromSymbols(symbols map[string]map[string]reflect.Value) func(importPath string) bool {
	has := make(map[string]bool, len(symbols))
	for key := range symbols {
		if i := strings.LastIndexByte(key, '/'); i > 0 {
			has[key[:i]] = true
		}
	}
	return func(p string) bool { return has[p] }
}

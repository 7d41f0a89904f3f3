// Package prelude holds the interpreted Go source that every dmirror
// interpreter (the image process and each mirror) evaluates before any cell:
// the Parallel* built-ins and the display API, so that cells use them
// without an import. Each file is a complete Go file of package main that
// may import the binary packages dmirror registers with yaegi
// (dmirror/parallel, dmirror/display).
//
// The frontend type-checks cells against the same files with the bodies
// removed, so the signatures users see are the ones declared here.
//
// The prelude shares package main with the user's cells, so every name in
// it that is not part of the API starts with __dm: its internal names
// (type parameters, parameters, receivers, locals, unexported fields)
// with __dmPl, which the frontend strips when it shows signatures and
// messages. yaegi confuses a type parameter T with a user's type T.
package prelude

import (
	"embed"
	"io/fs"
	"sort"
)

//go:embed *.gotxt
var files embed.FS

// File is one prelude file.
type File struct {
	Name   string
	Source string
}

// Files returns the prelude files in the order they must be evaluated (by
// name).
func Files() []File {
	names, err := fs.Glob(files, "*.gotxt")
	if err != nil {
		panic(err) // the pattern is constant and valid
	}
	sort.Strings(names)
	out := make([]File, 0, len(names))
	for _, n := range names {
		b, err := files.ReadFile(n)
		if err != nil {
			panic(err) // embedded files are always readable
		}
		out = append(out, File{Name: n, Source: string(b)})
	}
	return out
}

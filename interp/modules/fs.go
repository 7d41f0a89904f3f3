package modules

import (
	"bytes"
	"errors"
	"io"
	"io/fs"
	"os"
	"path"
	"sort"
	"strings"
	"sync"
	"time"
)

// FS returns the interpreter's source file system: GoPath/src/<import path>
// is the package's directory in the module cache, showing only the Go files
// the interpreter's build context selects (see BuildContext). It is meant
// for yaegi's Options.SourcecodeFilesystem with Options.GoPath = GoPath.
//
// yaegi evaluates `// +build` lines itself, with its own tags and the host's
// Go version; the files served here were already chosen by go/build (which
// also reads `//go:build`), so their `// +build` lines are neutralised (same
// length, so positions in errors stay right) to keep yaegi from undoing the
// choice.
func (s *Set) FS() fs.FS { return sourceFS{set: s} }

// sourceFS serves a fixed set, or the current set of a Source.
type sourceFS struct {
	set *Set
	s   *Source
}

func (f sourceFS) current() *Set {
	if f.s != nil {
		return f.s.set.Load()
	}
	return f.set
}

var (
	_ fs.ReadDirFS  = sourceFS{}
	_ fs.ReadFileFS = sourceFS{}
	_ fs.StatFS     = sourceFS{}
)

// node is what a name refers to: a directory made up from module paths
// (real == ""), or a directory or file in the module cache.
type node struct {
	name    string // base name
	virtual string // import path prefix of a made-up directory
	real    string // path in the module cache
	pkgDir  string // for a file: its directory, whose selection applies
}

func (f sourceFS) lookup(op, name string) (node, error) {
	set := f.current()
	if !fs.ValidPath(name) {
		return node{}, &fs.PathError{Op: op, Path: name, Err: fs.ErrInvalid}
	}
	notExist := &fs.PathError{Op: op, Path: name, Err: fs.ErrNotExist}
	switch {
	case name == "." || name == GoPath || name == GoPath+"/src":
		return node{name: path.Base(name)}, nil
	case !strings.HasPrefix(name, GoPath+"/src/"):
		return node{}, notExist
	}
	p := strings.TrimPrefix(name, GoPath+"/src/")
	if real, ok := set.Dir(p); ok {
		fi, err := os.Stat(real)
		if err != nil {
			return node{}, notExist
		}
		n := node{name: path.Base(p), real: real}
		if !fi.IsDir() {
			n.pkgDir = path.Dir(real)
			if !set.files.selected(n.pkgDir)[n.name] {
				return node{}, notExist
			}
		}
		return n, nil
	}
	for _, m := range set.mods {
		if strings.HasPrefix(m.Path, p+"/") {
			return node{name: path.Base(p), virtual: p}, nil
		}
	}
	return node{}, notExist
}

func (f sourceFS) Stat(name string) (fs.FileInfo, error) {
	n, err := f.lookup("stat", name)
	if err != nil {
		return nil, err
	}
	if n.real == "" {
		return dirInfo(n.name), nil
	}
	fi, err := os.Stat(n.real)
	if err != nil {
		return nil, &fs.PathError{Op: "stat", Path: name, Err: fs.ErrNotExist}
	}
	return renamed{fi, n.name}, nil
}

func (f sourceFS) ReadDir(name string) ([]fs.DirEntry, error) {
	n, err := f.lookup("readdir", name)
	if err != nil {
		return nil, err
	}
	if n.pkgDir != "" {
		return nil, &fs.PathError{Op: "readdir", Path: name, Err: errors.New("not a directory")}
	}
	if n.real == "" {
		return f.virtualEntries(n), nil
	}
	all, err := os.ReadDir(n.real)
	if err != nil {
		return nil, &fs.PathError{Op: "readdir", Path: name, Err: err}
	}
	sel := f.current().files.selected(n.real)
	out := all[:0]
	for _, e := range all {
		if e.IsDir() || sel[e.Name()] {
			out = append(out, e)
		}
	}
	return out, nil
}

// virtualEntries lists the next path elements of the modules below n.
func (f sourceFS) virtualEntries(n node) []fs.DirEntry {
	prefix := n.virtual + "/"
	switch n.name {
	case ".":
		return []fs.DirEntry{fs.FileInfoToDirEntry(dirInfo(GoPath))}
	case GoPath:
		return []fs.DirEntry{fs.FileInfoToDirEntry(dirInfo("src"))}
	case "src":
		if n.virtual == "" {
			prefix = ""
		}
	}
	seen := map[string]bool{}
	var out []fs.DirEntry
	for _, m := range f.current().mods {
		if !strings.HasPrefix(m.Path, prefix) {
			continue
		}
		elem, _, _ := strings.Cut(strings.TrimPrefix(m.Path, prefix), "/")
		if seen[elem] {
			continue
		}
		seen[elem] = true
		// A module's own directory is real; describe it as Stat does.
		if fi, err := f.Stat(GoPath + "/src/" + prefix + elem); err == nil {
			out = append(out, fs.FileInfoToDirEntry(fi))
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name() < out[j].Name() })
	return out
}

func (f sourceFS) ReadFile(name string) ([]byte, error) {
	n, err := f.lookup("read", name)
	if err != nil {
		return nil, err
	}
	if n.pkgDir == "" {
		return nil, &fs.PathError{Op: "read", Path: name, Err: errors.New("is a directory")}
	}
	b, err := os.ReadFile(n.real)
	if err != nil {
		return nil, &fs.PathError{Op: "read", Path: name, Err: err}
	}
	return neutraliseBuildLines(b), nil
}

func (f sourceFS) Open(name string) (fs.File, error) {
	fi, err := f.Stat(name)
	if err != nil {
		return nil, &fs.PathError{Op: "open", Path: name, Err: errors.Unwrap(err)}
	}
	if fi.IsDir() {
		entries, err := f.ReadDir(name)
		if err != nil {
			return nil, err
		}
		return &dirFile{info: fi, entries: entries}, nil
	}
	b, err := f.ReadFile(name)
	if err != nil {
		return nil, err
	}
	return &memFile{info: fi, Reader: bytes.NewReader(b)}, nil
}

// neutraliseBuildLines turns `// +build` lines before the package clause
// into `//  build`, which no tool reads as a constraint.
func neutraliseBuildLines(src []byte) []byte {
	out := append([]byte(nil), src...)
	rest := out
	for len(rest) > 0 {
		line := rest
		if i := bytes.IndexByte(rest, '\n'); i >= 0 {
			line, rest = rest[:i], rest[i+1:]
		} else {
			rest = nil
		}
		t := bytes.TrimLeft(line, " \t")
		if bytes.HasPrefix(t, []byte("package ")) {
			break
		}
		if c, ok := bytes.CutPrefix(t, []byte("//")); ok {
			c = bytes.TrimLeft(c, " \t")
			if bytes.HasPrefix(c, []byte("+build")) {
				c[0] = ' '
			}
		}
	}
	return out
}

// fileCache remembers which files of a directory the build context selects.
// Module cache directories never change, so the answer can be kept.
type fileCache struct {
	mu  sync.Mutex
	sel map[string]map[string]bool
}

func newFileCache() *fileCache { return &fileCache{sel: map[string]map[string]bool{}} }

func (c *fileCache) selected(dir string) map[string]bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	if s, ok := c.sel[dir]; ok {
		return s
	}
	s := map[string]bool{}
	ctx := BuildContext()
	if p, err := ctx.ImportDir(dir, 0); err == nil {
		for _, name := range p.GoFiles {
			s[name] = true
		}
	}
	c.sel[dir] = s
	return s
}

type renamed struct {
	fs.FileInfo
	name string
}

func (r renamed) Name() string { return r.name }

type dirInfo string

func (d dirInfo) Name() string     { return string(d) }
func (dirInfo) Size() int64        { return 0 }
func (dirInfo) Mode() fs.FileMode  { return fs.ModeDir | 0o555 }
func (dirInfo) ModTime() time.Time { return time.Time{} }
func (dirInfo) IsDir() bool        { return true }
func (dirInfo) Sys() any           { return nil }

type memFile struct {
	info fs.FileInfo
	*bytes.Reader
}

func (f *memFile) Stat() (fs.FileInfo, error) { return f.info, nil }
func (f *memFile) Close() error               { return nil }

type dirFile struct {
	info    fs.FileInfo
	entries []fs.DirEntry
	off     int
}

func (d *dirFile) Stat() (fs.FileInfo, error) { return d.info, nil }
func (d *dirFile) Close() error               { return nil }
func (d *dirFile) Read([]byte) (int, error) {
	return 0, &fs.PathError{Op: "read", Path: d.info.Name(), Err: errors.New("is a directory")}
}

func (d *dirFile) ReadDir(n int) ([]fs.DirEntry, error) {
	rest := d.entries[d.off:]
	if n <= 0 {
		d.off = len(d.entries)
		return rest, nil
	}
	if len(rest) == 0 {
		return nil, io.EOF
	}
	if n > len(rest) {
		n = len(rest)
	}
	d.off += n
	return rest[:n], nil
}

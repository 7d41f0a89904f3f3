package modules

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
)

// Require makes the packages importPaths (and the packages they import)
// available in Set, fetching the modules that provide them if needed, and
// checks that the interpreter can run them. Standard packages are skipped.
// A module not yet in the session is taken at the newest version in the
// module cache, else the newest the module proxy offers.
//
// changed lists the modules already in the set whose version moved (a new
// module may need a newer version of one): an interpreter that loaded them
// must be rebuilt to see it.
func (r *Resolver) Require(ctx context.Context, importPaths ...string) (changed []Module, err error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	var todo []string
	for _, p := range importPaths {
		if !IsStd(p) && !r.checked[p] {
			todo = append(todo, p)
		}
	}
	if len(todo) == 0 {
		return nil, nil
	}
	if r.list == nil {
		if err := r.refresh(ctx); err != nil {
			return nil, fmt.Errorf("modules: %w", err)
		}
	}
	before, restore := r.set.Load(), r.savepoint()
	if err := r.walk(ctx, todo); err != nil {
		return nil, errors.Join(err, restore())
	}
	return r.commit(before), nil
}

// Get runs `go get` with specs (module@version, as in a `%go get`
// directive), pinning those versions for the session, and returns the
// modules of the set whose version changed. It asks the module proxy as
// GOPROXY says, so `module@latest` means the proxy's latest.
func (r *Resolver) Get(ctx context.Context, specs ...string) (changed []Module, err error) {
	for _, s := range specs {
		if err := checkSpec(s); err != nil {
			return nil, err
		}
		if err := r.checkLinked(s); err != nil {
			return nil, err
		}
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	before, restore := r.set.Load(), r.savepoint()
	if _, err := r.gocmd.run(ctx, nil, append([]string{"get"}, specs...)...); err != nil {
		return nil, errors.Join(fmt.Errorf("modules: %w", err), restore())
	}
	if err := r.refresh(ctx); err != nil {
		return nil, errors.Join(fmt.Errorf("modules: %w", err), restore())
	}
	// Packages checked before may now come from other versions.
	var again []string
	for p := range r.checked {
		again = append(again, p)
	}
	checked := r.checked
	r.checked = map[string]bool{}
	if err := r.walk(ctx, again); err != nil {
		r.checked = checked
		return nil, errors.Join(err, restore())
	}
	return r.commit(before), nil
}

// checkSpec refuses what is not a module query, so that nothing a cell
// says can become a flag of the go command.
func checkSpec(s string) error {
	if s == "" || strings.HasPrefix(s, "-") || strings.ContainsAny(s, " \t\n'\"`\\") {
		return fmt.Errorf("modules: %q is not a module@version", s)
	}
	return nil
}

// commit publishes the build list as the set and returns the modules of
// before whose version differs in it.
func (r *Resolver) commit(before *Set) []Module {
	set := NewSet(r.list)
	set.compiled = r.compiled != nil
	r.set.Store(set)
	var changed []Module
	for _, old := range before.mods {
		if m, ok := set.Module(old.Path); ok && m.Path == old.Path && m.Version != old.Version {
			changed = append(changed, m)
		}
	}
	return changed
}

// walk checks the packages todo and everything they import, fetching
// modules as needed, and marks them checked.
func (r *Resolver) walk(ctx context.Context, todo []string) error {
	type item struct{ path, by string }
	queue := make([]item, 0, len(todo))
	for _, p := range todo {
		queue = append(queue, item{path: p})
	}
	seen := map[string]bool{}
	for len(queue) > 0 {
		it := queue[0]
		queue = queue[1:]
		if seen[it.path] || r.checked[it.path] {
			continue
		}
		seen[it.path] = true
		dir, err := r.locate(ctx, it.path)
		if err != nil {
			return &FetchError{ImportPath: it.path, Err: withImporter(err, it.by)}
		}
		load := loadPackage
		if r.compiled != nil {
			load = listImports
		}
		p, err := load(dir, it.path, r.hasStd)
		if err != nil {
			if pe, ok := err.(*PackageError); ok {
				pe.ImportedBy = it.by
			}
			return fmt.Errorf("modules: %w", err)
		}
		for _, imp := range p.Imports {
			if !IsStd(imp) {
				queue = append(queue, item{path: imp, by: it.path})
			}
		}
	}
	for p := range seen {
		r.checked[p] = true
	}
	return nil
}

func withImporter(err error, by string) error {
	if by == "" {
		return err
	}
	return fmt.Errorf("%w (imported by %s)", err, by)
}

// locate returns the directory of importPath's package, adding the module
// that provides it to the private module when the build list has none.
func (r *Resolver) locate(ctx context.Context, importPath string) (string, error) {
	if dir, ok, err := r.fromList(ctx, importPath); ok || err != nil {
		return dir, err
	}
	// `go get` of a package path finds the module that provides it.
	if _, err := r.gocmd.run(ctx, []string{"GOPROXY=" + r.proxy}, "get", importPath); err != nil {
		return "", err
	}
	if err := r.refresh(ctx); err != nil {
		return "", err
	}
	dir, ok, err := r.fromList(ctx, importPath)
	if err == nil && !ok {
		err = fmt.Errorf("no module of the build list provides it")
	}
	return dir, err
}

// fromList finds importPath's directory through the build list, downloading
// the module if needed; ok is false if the list has no module with that
// package.
func (r *Resolver) fromList(ctx context.Context, importPath string) (dir string, ok bool, err error) {
	best := -1
	for i, m := range r.list {
		if within(importPath, m.Path) && (best < 0 || len(m.Path) > len(r.list[best].Path)) {
			best = i
		}
	}
	if best < 0 {
		return "", false, nil
	}
	if r.list[best].Dir == "" {
		if err := r.download(ctx, best); err != nil {
			return "", false, err
		}
	}
	dir = dirOf(r.list[best], importPath)
	if fi, err := os.Stat(dir); err != nil || !fi.IsDir() {
		return "", false, nil // perhaps in a nested module not yet required
	}
	return dir, true, nil
}

// savepoint records the private module's requirements; the returned func
// puts them back, so that a failed import or `%go get` leaves the session's
// versions as they were.
func (r *Resolver) savepoint() func() error {
	files := map[string][]byte{}
	for _, name := range []string{"go.mod", "go.sum"} {
		if b, err := os.ReadFile(filepath.Join(r.gocmd.dir, name)); err == nil {
			files[name] = b
		}
	}
	list := append([]Module(nil), r.list...)
	return func() error {
		r.list = list
		for _, name := range []string{"go.mod", "go.sum"} {
			path := filepath.Join(r.gocmd.dir, name)
			b, ok := files[name]
			if !ok {
				if err := os.Remove(path); err != nil && !errors.Is(err, os.ErrNotExist) {
					return fmt.Errorf("modules: restore %s: %w", name, err)
				}
				continue
			}
			if err := os.WriteFile(path, b, 0o644); err != nil {
				return fmt.Errorf("modules: restore %s: %w", name, err)
			}
		}
		return nil
	}
}

// checkLinked refuses to move a module that dmirror itself requires below
// dmirror's version: the compiled image links dmirror and the session's
// packages from one version selection, which cannot go below it.
func (r *Resolver) checkLinked(spec string) error {
	if r.compiled == nil {
		return nil
	}
	path, version, _ := strings.Cut(spec, "@")
	linked, ok := r.compiled.Linked[path]
	if !ok || version == "" || olderVersion(linked, version) >= 0 {
		return nil
	}
	return fmt.Errorf("modules: %s is also a dependency of dmirror itself, at %s: a session can use that version or a newer one, not %s", path, linked, version)
}

// olderVersion compares semantic versions vX.Y.Z: negative when b is
// older than a, 0 when equal or when either is not of that form.
func olderVersion(a, b string) int {
	pa, oka := semverParts(a)
	pb, okb := semverParts(b)
	if !oka || !okb {
		return 0
	}
	for i := range pa {
		if pa[i] != pb[i] {
			return pb[i] - pa[i]
		}
	}
	return 0
}

func semverParts(v string) ([3]int, bool) {
	var p [3]int
	v, ok := strings.CutPrefix(v, "v")
	if !ok {
		return p, false
	}
	v, _, _ = strings.Cut(v, "-")
	v, _, _ = strings.Cut(v, "+")
	fields := strings.Split(v, ".")
	if len(fields) != 3 {
		return p, false
	}
	for i, f := range fields {
		n, err := strconv.Atoi(f)
		if err != nil {
			return p, false
		}
		p[i] = n
	}
	return p, true
}

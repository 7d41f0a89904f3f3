package modules

import (
	"context"
	"io/fs"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
)

// Cells is the kernel side of modules in a session: before a cell is
// compiled, Prepare runs its `%go get` directives and fetches the modules of
// its imports. The Resolver is made on first need, so a session that
// imports no module never runs the go command (nor needs one).
type Cells struct {
	opts Options

	mu sync.Mutex // held while the Resolver is made or closed
	r  atomic.Pointer[Resolver]
}

// NewCells returns a Cells whose Resolver will use opts. It first removes
// the private modules that dead sessions left in opts.TempDir (SweepStale),
// as a best effort: what cannot be removed now is tried by the next session.
func NewCells(opts Options) *Cells {
	_ = SweepStale(opts.TempDir)
	return &Cells{opts: opts}
}

// Prepared is what Prepare did to a cell.
type Prepared struct {
	// Code is the cell with its directive lines blanked (line numbers stay).
	Code string
	// Pinned are the modules `%go get` asked for, at the version chosen.
	Pinned []Module
	// Changed are modules the interpreter may have loaded at another
	// version: an image that imported them must be rebuilt.
	Changed []Module
}

// Prepare handles the `%go get` lines that start code, then makes sure the
// modules of code's imports are in Set. On error nothing was added.
func (c *Cells) Prepare(ctx context.Context, code string) (Prepared, error) {
	var specs []string
	lines := strings.Split(code, "\n")
	for i, line := range lines {
		s, ok, err := GoGet(line)
		if err != nil {
			return Prepared{}, err
		}
		if !ok {
			if strings.TrimSpace(line) == "" {
				continue
			}
			break
		}
		specs = append(specs, s...)
		lines[i] = ""
	}
	p := Prepared{Code: strings.Join(lines, "\n")}
	var imports []string
	for _, path := range ImportPaths(p.Code) {
		if !IsStd(path) {
			imports = append(imports, path)
		}
	}
	if len(specs) == 0 && len(imports) == 0 {
		return p, nil
	}
	r, err := c.resolver(ctx)
	if err != nil {
		return Prepared{}, err
	}
	if len(specs) > 0 {
		changed, err := r.Get(ctx, specs...)
		if err != nil {
			return Prepared{}, err
		}
		p.Changed = changed
		set := r.Set()
		for _, s := range specs {
			path, _, _ := strings.Cut(s, "@")
			if m, ok := set.Module(path); ok && m.Path == path {
				p.Pinned = append(p.Pinned, m)
			}
		}
	}
	changed, err := r.Require(ctx, imports...)
	if err != nil {
		return Prepared{}, err
	}
	p.Changed = append(p.Changed, changed...)
	return p, nil
}

func (c *Cells) resolver(ctx context.Context) (*Resolver, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if r := c.r.Load(); r != nil {
		return r, nil
	}
	r, err := New(ctx, c.opts)
	if err != nil {
		return nil, err
	}
	c.r.Store(r)
	return r, nil
}

// emptySet is the set of a session that imported no module yet.
var emptySet = NewSet(nil)

// Set returns the session's modules (an empty set before any import). It
// never waits: the frontend calls it while completing code.
func (c *Cells) Set() *Set {
	if r := c.r.Load(); r != nil {
		return r.Set()
	}
	return emptySet
}

// Close removes the Resolver's private module.
func (c *Cells) Close() error {
	c.mu.Lock()
	defer c.mu.Unlock()
	r := c.r.Swap(nil)
	if r == nil {
		return nil
	}
	return r.Close()
}

// Source is a source file system for an interpreter that lives across
// cells (the image process, a mirror): the kernel sends the session's
// modules after each change and Update swaps them in. yaegi reads sources
// when a cell imports, so modules added later are seen; a module whose
// version changed needs a fresh interpreter.
type Source struct {
	set atomic.Pointer[Set]
}

// NewSource returns a Source serving mods.
func NewSource(mods []Module) *Source {
	s := &Source{}
	s.Update(mods)
	return s
}

// Update replaces the modules served, if they differ from the current
// ones (a new set forgets which files each package directory selects).
func (s *Source) Update(mods []Module) {
	if cur := s.set.Load(); cur != nil && slices.Equal(cur.Modules(), NewSet(mods).Modules()) {
		return
	}
	s.set.Store(NewSet(mods))
}

// FS returns the file system to give yaegi (Options.SourcecodeFilesystem,
// with Options.GoPath = GoPath); it follows Update.
func (s *Source) FS() fs.FS { return sourceFS{s: s} }

// ModDir is the private module's directory ("" before the first import):
// its go.mod and go.sum fix the versions of the session's modules.
func (c *Cells) ModDir() string {
	if r := c.r.Load(); r != nil {
		return r.Dir()
	}
	return ""
}

// Init makes the private module now, for a session that compiles standard
// packages before it imports any module.
func (c *Cells) Init(ctx context.Context) error {
	_, err := c.resolver(ctx)
	return err
}

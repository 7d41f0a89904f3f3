package frontend

import (
	"fmt"
	"go/ast"
	"go/token"
	"go/types"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/dmirror/dmirror/interp/modules"
	"github.com/dmirror/dmirror/interp/prelude"
)

// Options configures an Image.
type Options struct {
	// Prelude replaces interp/prelude.Files(), for tests.
	Prelude []prelude.File
	// GOROOT locates the standard library's source for completion of
	// import paths and for documentation; empty means runtime's GOROOT.
	GOROOT string
	// Modules returns the session's modules: imports outside the standard
	// library are type-checked from their source. Nil means none.
	Modules func() *modules.Set
	// Compiled says that the session compiles packages (interp/native):
	// standard packages and members the interpreter lacks, and generic
	// funcs of packages, are then compiled rather than refused.
	Compiled bool
	// CompiledDecls says that the session's own declarations are compiled
	// (issue 11): those that can be become a Generation, and interpreted
	// sources reach them through __dms. Off, the frontend is the
	// interpreter-only one. It needs Compiled.
	CompiledDecls bool
}

// Image is the session's declarations as the frontend knows them: what
// committed cells declared, type-checked together with the prelude. It is
// safe for concurrent use: Complete, Inspect and Compile may run while a
// cell runs.
type Image struct {
	opts    Options
	fset    *token.FileSet
	imp     *sharedImporter
	prelude []*ast.File
	pre     preludeInfo
	prePkg  preludePkg // the stubs, checked once
	// reference compiles as the frontend once did, slowly: the stubs
	// checked with every file, pass 1 run for every cell with variables.
	// Tests compare the shortcuts against it.
	reference bool
	preErr    error

	mu    sync.Mutex
	state *state // immutable; replaced by Commit
	// rejected are the declarations Go's compiler rejected, by their
	// text (RejectCompiled).
	rejected map[string][]rejected

	blockSeq atomic.Int64 // block IDs are never reused, even by failed cells
	genSeq   atomic.Int64 // generation numbers, never reused either
	gensOff  atomic.Bool  // DisableGenerations
	warm     sync.WaitGroup
	names    nameIndex // the committed declarations by name, for checkItems
}

// importItem is one import of the session.
type importItem struct {
	name string // explicit name, or "" for the package's own name
	path string
	cell int
	line int
}

// key identifies what an import binds: its name in the file scope.
func (im importItem) key(imp *sharedImporter) string {
	if im.name == "_" || im.name == "." {
		return im.name + im.path
	}
	if im.name != "" {
		return im.name
	}
	if p := imp.cached(im.path); p != nil {
		return p.Name()
	}
	return im.path[strings.LastIndex(im.path, "/")+1:]
}

func (im importItem) spec() string {
	if im.name != "" {
		return im.name + " " + fmt.Sprintf("%q", im.path)
	}
	return fmt.Sprintf("%q", im.path)
}

// declItem is one declaration of the image.
type declItem struct {
	names     []string // package-level names it declares; "T.m" for methods
	cell      int
	line, col int    // where its text starts in the cell
	check     string // the user's source, for type checking
	emit      string // the source rewritten for yaegi, without //line
	emitLead  string // emitted before the //line directive, e.g. "type "
	varType   string // for generated `var x T`: T
	blocks    []Block
	refs      *refs // for a func or method: what its body refers to
	isVar     bool
	// What compiling it needs (Options.CompiledDecls; see classify).
	comp *itemDeps

	identCache *itemIdents // shared by copies: they have the same check text
}

func (d *declItem) source() string {
	return d.emitLead + lineDirective(d.cell, d.line, d.col) + d.emit
}

// state is a committed image. It is never modified once built.
type state struct {
	imports []importItem
	items   []*declItem
	gen     int
	chunks  []string
	blocks  []Block        // blocks of the cells' statements
	pkg     *types.Package // the last successful check, for completion
	info    *types.Info
	// full says pkg holds every declaration; else sessionPackage checks
	// them all into whole when completion first needs it.
	full bool
	// compiled is the compiled half of the image (Options.CompiledDecls),
	// nil when nothing is compiled.
	compiled  *compiledSet
	wholeOnce sync.Once
	whole     *types.Package
}

// NewImage returns an empty image. Importing the first standard package from
// source takes hundreds of milliseconds, so the common ones are imported in
// the background at once; Close waits for that.
func NewImage(opts Options) *Image {
	if opts.Prelude == nil {
		opts.Prelude = prelude.Files()
	}
	opts.CompiledDecls = opts.CompiledDecls && opts.Compiled // a generation needs compiled packages' machinery
	im := &Image{opts: opts, fset: fileSet, state: &state{}}
	im.imp = newSharedImporter(im.fset, opts.Modules)
	im.prelude, im.preErr = parsePrelude(im.fset, opts.Prelude)
	if im.preErr == nil {
		im.pre = scanPrelude(im.fset, im.prelude)
	}
	im.warm.Add(1)
	go func() {
		defer im.warm.Done()
		for _, p := range []string{"fmt", "strings", "math", "time", "sort", "os", "errors", "strconv"} {
			_, _ = im.imp.Import(p) // a failure shows again when a cell imports it
		}
	}()
	return im
}

// Close waits for background work started by NewImage.
func (im *Image) Close() { im.warm.Wait() }

func (im *Image) current() *state {
	im.mu.Lock()
	defer im.mu.Unlock()
	return im.state
}

// Commit makes a successfully run plan part of the image. Plans must be
// committed in the order they were compiled, each against the image the
// previous commit left.
func (im *Image) Commit(p *Plan) {
	if p == nil || p.next == nil {
		return
	}
	im.mu.Lock()
	defer im.mu.Unlock()
	im.state = p.next
	im.names.extend(p.base, p.next)
}

// Source returns every declaration of the image as one file, to evaluate in
// a fresh interpreter after the prelude. Empty for an empty image.
func (im *Image) Source() string { return imageSource(im.current()) }

// Chunks returns the declaration chunks in commit order, for mirrors: a
// mirror at the same generation evaluates the chunks it has not seen yet;
// one at another generation starts a fresh interpreter and evaluates them
// all. The generation changes when a declaration is replaced, and the
// first chunk then holds the whole image.
func (im *Image) Chunks() (generation int, chunks []string) {
	s := im.current()
	return s.gen, append([]string(nil), s.chunks...)
}

// Blocks returns the blocks of every committed declaration and cell that
// is still part of the image, to send again to a restarted image process.
func (im *Image) Blocks() []Block {
	s := im.current()
	out := append([]Block(nil), s.blocks...)
	for _, d := range s.items {
		out = append(out, d.blocks...)
	}
	return out
}

// DisableGenerations makes the image's declarations interpreted from the
// next Compile on, as without Options.CompiledDecls: the session found at
// its first declaration cell that it cannot build plugins. It reports
// false, changing nothing, once a generation is committed: interpreted
// sources then reach compiled declarations, which cannot go away.
func (im *Image) DisableGenerations() bool {
	im.mu.Lock()
	defer im.mu.Unlock()
	if im.state.compiled != nil {
		return false
	}
	im.gensOff.Store(true)
	return true
}

// Generation returns the committed generation (Options.CompiledDecls),
// which an image process restarted after a crash, or a new mirror, loads
// before it evaluates Source or Chunks; nil when nothing is compiled.
func (im *Image) Generation() *Generation {
	s := im.current()
	if s.compiled == nil {
		return nil
	}
	return &Generation{N: s.compiled.n, Files: s.compiled.files}
}

// Vars returns every package variable of the image with its type.
func (im *Image) Vars() []Var { return stateVars(im.current()) }

func stateVars(s *state) []Var {
	var out []Var
	for _, d := range s.items {
		if !d.isVar {
			continue
		}
		v := Var{Name: d.names[0], Type: interpretedType(d.varType, s.compiled)}
		if s.compiled.has(v.Name) {
			v.Ptr = varKey(v.Name)
		}
		out = append(out, v)
	}
	return out
}

// lineDirective names a position for yaegi. Every piece of a cell carries
// one. yaegi keys imports by the base name of the file, so all pieces use
// the same base name and the cell is the directory: errors read
// "cell[3]/_.go:2:5: ...". The base name is "_.go", the one yaegi gives
// sources evaluated without a directive, so that expressions evaluated
// later (a body func's call, a mirror's block factory) see the session's
// imports too.
func lineDirective(cell, line, col int) string {
	return fmt.Sprintf("/*line %s:%d:%d*/", cellFile(cell), line, col)
}

// fileHeader starts every file given to yaegi: with a package clause of our
// own, yaegi parses the file as is, and the directive before it gives the
// whole file the base name "_" that its import lookups use.
func fileHeader(cell int) string {
	return lineDirective(cell, 1, 1) + "package main"
}

func importBlock(imports []importItem) string {
	if len(imports) == 0 {
		return ""
	}
	var b strings.Builder
	b.WriteString("\nimport (")
	for i, im := range imports {
		if i > 0 {
			b.WriteString("; ")
		}
		b.WriteString(im.spec())
	}
	b.WriteString(")")
	return b.String()
}

func imageSource(s *state) string {
	if len(s.imports) == 0 && len(s.items) == 0 {
		return ""
	}
	cell := 0
	if len(s.items) > 0 {
		cell = s.items[0].cell
	} else {
		cell = s.imports[0].cell
	}
	var b strings.Builder
	b.WriteString(fileHeader(cell))
	imports := s.imports
	if s.compiled != nil {
		// The generation's symbols, which the image process registers
		// under SessionPath before it evaluates this.
		imports = append(append([]importItem(nil), imports...), importItem{name: SessionName, path: SessionPath})
	}
	b.WriteString(importBlock(imports))
	b.WriteString(typeAliases(s))
	for _, d := range s.items {
		if s.compiled.has(d.names[0]) {
			continue // in the generation
		}
		b.WriteString("\n")
		b.WriteString(d.source())
	}
	b.WriteString("\n")
	return b.String()
}

// cellFile is the file name of cell N's sources for yaegi.
func cellFile(cell int) string { return fmt.Sprintf("cell[%d]/_.go", cell) }

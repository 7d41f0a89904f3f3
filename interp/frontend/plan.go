// Package frontend turns a notebook cell into a plan the image process can run
// in yaegi, using go/parser and go/types over the whole session: it splits a
// cell into declarations and statements, turns top-level `:=` and `var` into
// package variables, makes generic calls explicit (yaegi cannot infer type
// arguments), describes the blocks passed to Parallel* calls, and answers
// completion, inspection and is_complete from the same type information.
//
// An Image holds the session's declarations. Compile never changes it;
// Commit applies a plan once the image process ran it successfully, so a
// failed cell leaves the image as it was.
package frontend

// Plan says what the image process must do to run one cell. Every source
// string is already rewritten for yaegi and carries //line directives naming
// the cell (cell[N]) so that errors and stacks point into the notebook.
//
// Each source (Decls, Body, ImageDecls, the chunks of Image.Chunks) is a
// whole file: it starts with `/*line cell[N]/_.go:1:1*/package main` and
// gives yaegi positions such as "cell[3]/_.go:2:5". yaegi looks imports up
// by the base name of a node's file, so every file of the session uses the
// base name "_.go" (the one yaegi gives code evaluated without a
// directive): an import is declared once per interpreter (Decls holds only
// the imports the cell adds) and seen by all later files and by
// expressions evaluated later. Read "cell[N]/_.go:L:C" as "cell[N] line L".
type Plan struct {
	Cell   int    // execution count N, used in cell[N]
	Source string // the cell as the user wrote it

	// Imports lists the import paths the cell adds.
	Imports []string
	// Decls is the source of the package-level declarations the cell adds or
	// replaces: imports, types, funcs, methods, consts, and `var x T`
	// declarations without initialisers (initial values are assigned in
	// Body, so that cells never re-run for their effects). Empty if none.
	Decls string
	// Rebuild is set when the cell replaces or removes a declaration that
	// already exists: yaegi binds early, so the image process starts a fresh
	// interpreter from the prelude and ImageDecls, and restores every value.
	Rebuild bool
	// ImageDecls is the declaration source of the whole session after this
	// cell (the committed image plus Decls, with replaced ones dropped),
	// when Rebuild; empty otherwise (the image is then the committed one
	// followed by Decls, as Image.Source says after Commit).
	ImageDecls string

	// BodyFunc is the name of a func declared in Body that runs the cell's
	// statements, e.g. __cell12. Empty if the cell has no statements.
	BodyFunc string
	// Body declares BodyFunc. It returns `any` when HasResult, else nothing.
	Body string
	// HasResult is set when the cell ends in an expression with a single
	// value: BodyFunc returns it and it becomes execute_result. When the
	// value's static type has display methods (HTML() string, Markdown()
	// string, Latex() string, SVG() string, PNG() []byte, JPEG() []byte,
	// JSON() any, MIME() map[string]any, String() string), BodyFunc returns
	// __dmRich(value, results of those methods by name) instead (see the
	// prelude's 20-display): interpreted methods are invisible to compiled
	// code, so the cell calls them.
	HasResult bool
	// ResultIsError is set when the result's static type is error: a nil
	// error (`f.Close()`, `w.Flush()`) shows nothing, as Python shows
	// nothing for None; a non-nil one shows.
	ResultIsError bool
	// Endless is set when the cell holds a loop that cannot end by itself
	// (see endless): the image process stops it as a runaway once its live
	// heap has grown by 512 MiB and still grows.
	Endless bool `json:",omitempty"`

	// Vars lists every package variable after this cell with its Go type as
	// source; the image process uses it to snapshot and restore values.
	Vars []Var
	// Touched lists package variables the cell may assign, directly or
	// through the funcs it calls (a superset is fine): the image process
	// snapshots them before the cell and restores them if it fails.
	Touched []string
	// Blocks describes the blocks of Parallel* and CreateMirror calls that
	// this cell's source (declarations or statements) contains and, when
	// Rebuild, those of the earlier declarations, rewritten again for the
	// new types (same IDs, possibly new Type or Expr).
	//
	// Other rewrites the image process sees: `go f(x)` becomes
	// `func() { __dmF1 := f; var __dmA2 T = x; __dmGo(N, func() { __dmF1(__dmA2) }) }()`
	// (prelude 05-core), with N the cell that contains the statement (for a
	// func declaration, the cell that declared it).
	Blocks []Block
	// Instances are the instantiations of generic funcs of compiled
	// packages that the cell calls (by their Symbol).
	Instances []Instance
	// NativeStd are standard packages the interpreter lacks (or lacks
	// members of) that the cell uses: they are compiled for the session.
	NativeStd []string
	// Generation is set when the cell adds, replaces or removes a compiled
	// declaration, or a variable moves into compiled code (only with
	// Options.CompiledDecls). Rebuild is then set too: the image process
	// loads the generation, starts a fresh interpreter with its Symbols and
	// evaluates ImageDecls, which holds the interpreted declarations only
	// and reaches compiled ones through __dms (SessionPath). A cell that
	// only runs statements has none.
	Generation *Generation

	next *state // the image after this cell, for Commit
	base *state // the image the cell was compiled against
}

// Var is a package variable of the image.
type Var struct {
	Name string
	// Type is the Go source of its type for interpreted code, e.g. "[]Point"
	// or "map[string]int"; compiled session types are written
	// __dms.<key> ("[]__dms.T_Point").
	Type string
	// Ptr is set when the variable lives in compiled code: the key in the
	// generation's Symbols (under SessionPath) of a value of type *T
	// pointing at it. Snapshot, restore and the mirrors' globals go through
	// it: yaegi cannot assign a compiled package's variable.
	Ptr string
}

// Block describes one func value passed to a Parallel* or CreateMirror
// call, so that a mirror can rebuild it. The frontend rewrites each such
// call to pass, after the user's arguments, one __dmBlock(ID, captures...)
// option per block in argument order, where captures are the values of
// Captures, in order.
type Block struct {
	ID int // unique in the session

	// Expr is the block expression as source: a func literal, a func or
	// method name, a method value; anything that evaluates to the block.
	// It starts with a //line directive on a line of its own (File, Line),
	// so that its positions and qualified names are right wherever it is
	// evaluated: put it at the start of a line.
	Expr string
	// Type is the Go source of the block's type after instantiation,
	// e.g. "func(int) string".
	Type string
	// Captures are the local variables Expr refers to, declared outside it.
	Captures []Var
	// Globals are the package variables Expr reads or writes, directly or
	// through the funcs and methods it may call.
	Globals []string
	// Pos names where the block is, e.g. "cell[4] line 2".
	Pos string
	// File, Line and Col say where Expr is. A file that evaluates Expr
	// should have the same base name, for example
	//
	//	/*line cell[4]/_.go:1:1*/package main
	//	func __dmFactory7(k int) func(int) int {
	//		b := (
	//	//line cell[4]/_.go:2
	//	func(x int) int { return x * k })
	//		return b
	//	}
	//
	// (a func declaration: yaegi reports a definition loop for a var
	// initialised with a func literal that uses a global, and mistypes a
	// func literal returned in parentheses). yaegi looks
	// imports up by the base name of the file of each node, and the
	// session's imports are declared in files whose base name is "_.go"
	// (File is "cell[4]/_.go"): a directive with another file name, such
	// as "//line cell[4]:2", breaks qualified types such as time.Duration;
	// Expr's own directive keeps them right inside Expr.
	File      string
	Line, Col int
	// Compiled is set when the block is a literal compiled into the
	// generation (Expr calls its constructor).
	Compiled *CompiledBlock `json:",omitempty"`
}

// CompiledBlock is where a compiled block's code is: the generation's copy
// of the literal starts at Line of File, the cell that first compiled it,
// which may not be the block's cell. A frame of Func's closures at line L
// is at line L-Line+Block.Line of the block's cell.
type CompiledBlock struct {
	Func string
	File string
	Line int
}

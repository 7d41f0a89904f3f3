package frontend

// Compiled declarations (issue 11, Options.CompiledDecls), the frontend's
// half:
//
//   - Classification (gen_classify.go): after each cell that declares
//     something, over the whole image, by name: a declaration is compiled
//     when everything it refers to is (the universe, packages, compiled
//     declarations) and nothing pins it to the interpreter: the prelude's
//     names (Parallel*, display), generic declarations and constraints,
//     main and init (they run as the cell's statements), go statements
//     (goroutines are attributed to cells and their panics recovered),
//     os.Exit/log.Fatal/runtime.Goexit, a variable declared and not used,
//     or a declaration Go rejects where go/types accepted it. A type and
//     its methods are one unit. A variable moves into compiled code when a
//     compiled declaration refers to it.
//   - The generation (gen_source.go): the compiled declarations' own text
//     after //line directives, accessors of unexported fields and methods,
//     and symbols.go (Symbols, wrappers of session interfaces, also under
//     the interface's own package path, where yaegi looks them up).
//     Instantiations of packages' generics with compiled session types
//     are compiled there too (gen_instances.go).
//   - Interpreted sources (gen_rewrite.go): compiled types keep their names
//     as aliases of __dms.T_<name> declared in ImageDecls; funcs, consts
//     and variables are written __dms.F_f, __dms.C_k, (*__dms.P_x);
//     unexported members go through accessors; method values of compiled
//     types become func literals; the yaegi workarounds for session types
//     leave compiled ones alone.
//   - The plan (gen_plan.go): a Generation only when the compiled
//     declarations or instantiations change; Rebuild then, with ImageDecls
//     the interpreted declarations only.
//
// Generic declarations of the session stay interpreted (compiling them
// would need an instantiation per use in interpreted code, and a build for
// a statement cell that uses a new one); the interpreted generic then runs
// with compiled type arguments, which works where yaegi can instantiate it.

// SessionPath is the import path under which a generation's symbols are
// registered; interpreted sources import it as __dms
// (`import __dms "dmirror/session"`), and the generation's symbols.go
// declares them under the table key SessionPath + "/session".
const SessionPath = "dmirror/session"

// SessionName is the name interpreted sources give SessionPath.
const SessionName = "__dms"

// Generation is the compiled half of the session's declarations: the
// source of a Go plugin's package main. Compiled declarations are the
// user's own source (with //line directives naming their cells), built as
// Go; the frontend rewrites nothing in them.
type Generation struct {
	// N is unique in the session and increasing: it is never reused, even
	// when the cell that made it fails.
	N int
	// Files maps file names to the sources of the plugin's package main:
	// "session.go" (the declarations), "access.go" (accessors of unexported
	// fields and methods, pointers of compiled vars) and "symbols.go"
	// (var Symbols, in the shape of yaegi's stdlib tables, and the
	// wrappers through which interpreted types implement session
	// interfaces).
	Files map[string]string
}

package frontend

// SessionPath is the import path under which a generation's symbols are
// registered; interpreted sources import it as __dms
// (`import __dms "dmirror/session"`), and the generation's symbols.go
// declares them under the table key SessionPath + "/session".
const SessionPath = "dmirror/session"

// sessionName is the name interpreted sources give SessionPath.
const sessionName = "__dms"

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

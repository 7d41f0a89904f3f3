package frontend

import (
	"encoding/json"
	"fmt"
	"go/ast"
	"go/constant"
	"go/types"
	"slices"
	"strconv"
	"strings"

	"github.com/dmirror/dmirror/interp/gofmt"
)

// Interpreted methods are invisible to compiled code: fmt given a value of
// a session type prints its bare representation (a Level is a uint8, a
// struct's unexported fields are named Xname) and calls none of its
// String, Error, Format or GoString methods, nor those of its elements and
// fields. The static types are known here: each such argument of fmt's
// and log's printing funcs goes through the binary package dmirror/gofmt
// (interp/gofmt), with a description of its type and interpreted funcs
// that call its methods.

// printFuncs are the printing funcs whose variadic arguments are printed
// with fmt's rules, and the index of their format parameter (-1: none).
var printFuncs = map[string]int{
	"fmt.Print": -1, "fmt.Println": -1, "fmt.Sprint": -1, "fmt.Sprintln": -1,
	"fmt.Fprint": -1, "fmt.Fprintln": -1, "fmt.Append": -1, "fmt.Appendln": -1,
	"fmt.Printf": 0, "fmt.Sprintf": 0, "fmt.Fprintf": 1, "fmt.Errorf": 0, "fmt.Appendf": 1,
	"log.Print": -1, "log.Println": -1, "log.Fatal": -1, "log.Fatalln": -1, "log.Panic": -1, "log.Panicln": -1,
	"log.Printf": 0, "log.Fatalf": 0, "log.Panicf": 0,
	"(*log.Logger).Print": -1, "(*log.Logger).Println": -1, "(*log.Logger).Fatal": -1,
	"(*log.Logger).Fatalln": -1, "(*log.Logger).Panic": -1, "(*log.Logger).Panicln": -1,
	"(*log.Logger).Printf": 0, "(*log.Logger).Fatalf": 0, "(*log.Logger).Panicf": 0,
}

// spacedPrints add spaces between operands when neither is a string, so a
// value of a string type must reach them as a string.
var spacedPrints = map[string]bool{
	"fmt.Print": true, "fmt.Sprint": true, "fmt.Fprint": true, "fmt.Append": true,
	"log.Print": true, "log.Fatal": true, "log.Panic": true,
	"(*log.Logger).Print": true, "(*log.Logger).Fatal": true, "(*log.Logger).Panic": true,
}

// fmtArgs rewrites the arguments of a printing call that have session
// types, and returns them.
func (c *compiler) fmtArgs(call *ast.CallExpr, fn *types.Func) map[ast.Expr]bool {
	name := fn.FullName()
	fmtIndex, ok := printFuncs[name]
	if !ok || call.Ellipsis.IsValid() {
		return nil
	}
	sig, _ := fn.Type().(*types.Signature)
	if sig == nil || !sig.Variadic() {
		return nil
	}
	first := sig.Params().Len() - 1
	var wrapped, named []int
	var verbs map[int][]rune // of a constant format
	if fmtIndex >= 0 && fmtIndex < len(call.Args) {
		if tv := c.chk.info.Types[call.Args[fmtIndex]]; tv.Value != nil && tv.Value.Kind() == constant.String {
			verbs = gofmt.Verbs(constant.StringVal(tv.Value))
		}
	}
	done := map[ast.Expr]bool{}
	joined := c.joinStrings(call, first, name)
	for i := first; i < len(call.Args); i++ {
		arg := call.Args[i]
		t := c.chk.info.Types[arg].Type
		if t != nil && !c.mentionsSession(t, map[types.Type]bool{}) && holdsAny(t, 0) {
			c.guardArg(arg, "__dmgofmt.D", name) // fails on what would print as pointers
			done[arg] = true
			continue
		}
		if t != nil && fmtIndex >= 0 && c.compiledIface(t) && slices.Contains(verbs[i-first], 'T') {
			// %T of a compiled interface: the name of the dynamic type,
			// which the interpreter's wrapper of a session value lacks.
			c.guardArg(arg, "__dmgofmt.TypeName", name)
			done[arg] = true
			named = append(named, i-first)
			continue
		}
		if t == nil || !c.mentionsSession(t, map[types.Type]bool{}) {
			continue
		}
		if name == "fmt.Errorf" && types.Implements(t, errorType) {
			continue // %w needs the error itself: errorArgs passes it as one
		}
		if spacedPrints[name] && isString(t) && !joined {
			continue // a string to fmt, printed as Go prints it
		}
		c.wrapFmtArg(arg, t)
		done[arg] = true
		wrapped = append(wrapped, i-first)
	}
	if joined {
		c.ed.insertOuter(c.coff(call.Args[len(call.Args)-1].End()), ")")
	}
	if (len(wrapped) > 0 || len(named) > 0) && fmtIndex >= 0 && fmtIndex < len(call.Args) {
		c.fmtVerbs(call.Args[fmtIndex], wrapped, named)
	}
	return done
}

// joinStrings makes a print func that spaces operands (fmt.Print) print
// its operands joined by gofmt.Join when one has a string type with a
// method fmt calls: wrapped, it would no longer count as a string. It
// opens the call of Join; fmtArgs closes it after the wrappers.
func (c *compiler) joinStrings(call *ast.CallExpr, first int, name string) bool {
	if !spacedPrints[name] || first >= len(call.Args) {
		return false
	}
	var flags []string
	need := false
	for _, arg := range call.Args[first:] {
		t := c.chk.info.Types[arg].Type
		str := t != nil && isString(t) && c.mentionsSession(t, map[types.Type]bool{})
		need = need || str && c.hasPrintMethods(t)
		flags = append(flags, strconv.FormatBool(str))
	}
	if need {
		c.ed.insert(c.coff(call.Args[first].Pos()), "__dmgofmt.Join([]bool{"+strings.Join(flags, ", ")+"}, ")
	}
	return need
}

// guardArg passes arg through the gofmt func guard, with the position and
// the printing func for its error.
func (c *compiler) guardArg(arg ast.Expr, guard, printFunc string) {
	what := fmt.Sprintf("cell[%d] line %d: %s", c.cell, c.lineOf(arg.Pos()), shortFunc(printFunc))
	c.ed.insert(c.coff(arg.Pos()), guard+"(")
	c.ed.insertOuter(c.coff(arg.End()), ", "+strconv.Quote(what)+")")
}

func shortFunc(full string) string {
	full = strings.NewReplacer("(*log.Logger)", "log.Logger", "(", "", ")", "").Replace(full)
	return full
}

func isString(t types.Type) bool {
	b, ok := t.Underlying().(*types.Basic)
	return ok && b.Info()&types.IsString != 0
}

// fmtVerbs makes %T and %p of the wrapped arguments print what Go prints:
// fmt answers those verbs before it asks a Formatter, so they are turned
// into verbs of the wrapper's own (at run time when the format is not a
// constant).
func (c *compiler) fmtVerbs(format ast.Expr, wrapped, named []int) {
	if !c.mayHaveT(format) {
		return
	}
	list := func(ns []int) string {
		var b strings.Builder
		for _, n := range ns {
			b.WriteString(", " + strconv.Itoa(n))
		}
		return b.String()
	}
	open, closing := "", ""
	if len(wrapped) > 0 {
		open, closing = "__dmgofmt.F(", list(wrapped)+")"
	}
	if len(named) > 0 {
		open, closing = open+"__dmgofmt.FT(", list(named)+")"+closing
	}
	c.ed.insert(c.coff(format.Pos()), open)
	c.ed.insertOuter(c.coff(format.End()), closing)
}

// wrapFmtArg passes arg, of static type t, through __dmgofmt.V.
func (c *compiler) wrapFmtArg(arg ast.Expr, t types.Type) {
	sp := &fmtSpec{c: c}
	sp.node(t)
	b, err := json.Marshal(sp.nodes)
	if err != nil {
		panic(err) // plain structs always marshal
	}
	strs, fmts := "nil", "nil"
	if len(sp.strs) > 0 {
		strs = "[]func(any) string{" + strings.Join(sp.strs, ", ") + "}"
	}
	if len(sp.fmts) > 0 {
		fmts = "[]func(any, " + sp.state + ", rune){" + strings.Join(sp.fmts, ", ") + "}"
	}
	c.ed.insert(c.coff(arg.Pos()), "__dmgofmt.V(")
	c.ed.insertOuter(c.coff(arg.End()), ", "+strconv.Quote(string(b))+", "+strs+", "+fmts+")")
}

// fmtNode is gofmt's node (interp/gofmt): indices are 1-based, 0 is none.
type fmtNode struct {
	Name   string     `json:"n,omitempty"`
	Native bool       `json:"x,omitempty"`
	Elem   int        `json:"e,omitempty"`
	Key    int        `json:"k,omitempty"`
	Fields []fmtField `json:"f,omitempty"`
	Str    int        `json:"s,omitempty"`
	Err    int        `json:"r,omitempty"`
	GoStr  int        `json:"g,omitempty"`
	Fmt    int        `json:"m,omitempty"`
}

type fmtField struct {
	Name string `json:"n"`
	Type int    `json:"t"`
}

// fmtSpec builds the description of a type for gofmt.V.
type fmtSpec struct {
	c     *compiler
	types []types.Type
	nodes []*fmtNode
	strs  []string // func literals calling String, Error, GoString
	fmts  []string // func literals calling Format
	state string   // how the cell names fmt.State
}

// node returns the 1-based index of t's node.
func (sp *fmtSpec) node(t types.Type) int {
	for i, seen := range sp.types {
		if types.Identical(seen, t) {
			return i + 1
		}
	}
	n := &fmtNode{Name: sp.c.goName(t)}
	sp.types = append(sp.types, t)
	sp.nodes = append(sp.nodes, n)
	id := len(sp.nodes)
	if !sp.c.mentionsSession(t, map[types.Type]bool{}) {
		n.Native = true
		return id
	}
	sp.methods(n, t)
	switch u := t.Underlying().(type) {
	case *types.Pointer:
		n.Elem = sp.node(u.Elem())
	case *types.Slice:
		n.Elem = sp.node(u.Elem())
	case *types.Array:
		n.Elem = sp.node(u.Elem())
	case *types.Map:
		n.Key = sp.node(u.Key())
		n.Elem = sp.node(u.Elem())
	case *types.Struct:
		for i := 0; i < u.NumFields(); i++ {
			f := u.Field(i)
			n.Fields = append(n.Fields, fmtField{Name: f.Name(), Type: sp.node(f.Type())})
		}
	}
	return id
}

// methods records the printing methods in t's method set.
func (sp *fmtSpec) methods(n *fmtNode, t types.Type) {
	if types.IsInterface(t) {
		return
	}
	ms := types.NewMethodSet(t)
	recv := sp.c.typeString(t)
	str := func(name string) int {
		sel := ms.Lookup(nil, name)
		if sel == nil || !isStringMethod(sel.Type()) {
			return 0
		}
		sp.strs = append(sp.strs, fmt.Sprintf("func(__dmv any) string { return __dmv.(%s).%s() }", recv, name))
		return len(sp.strs)
	}
	if sel := ms.Lookup(nil, "Format"); sel != nil {
		if sig, ok := sel.Type().(*types.Signature); ok && isFormatMethod(sig) {
			sp.state = sp.c.typeString(sig.Params().At(0).Type())
			sp.fmts = append(sp.fmts, fmt.Sprintf("func(__dmv any, __dms %s, __dmr rune) { __dmv.(%s).Format(__dms, __dmr) }", sp.state, recv))
			n.Fmt = len(sp.fmts)
		}
	}
	n.Err = str("Error")
	n.Str = str("String")
	n.GoStr = str("GoString")
}

func isStringMethod(t types.Type) bool {
	sig, ok := t.(*types.Signature)
	if !ok || sig.Params().Len() != 0 || sig.Results().Len() != 1 {
		return false
	}
	b, ok := sig.Results().At(0).Type().(*types.Basic)
	return ok && b.Kind() == types.String
}

func isFormatMethod(sig *types.Signature) bool {
	if sig.Params().Len() != 2 || sig.Results().Len() != 0 {
		return false
	}
	n, ok := sig.Params().At(0).Type().(*types.Named)
	if !ok || n.Obj().Pkg() == nil || n.Obj().Pkg().Path() != "fmt" || n.Obj().Name() != "State" {
		return false
	}
	b, ok := sig.Params().At(1).Type().(*types.Basic)
	return ok && b.Kind() == types.Int32
}

// hasPrintMethods reports whether fmt would call a method of t.
func (c *compiler) hasPrintMethods(t types.Type) bool {
	ms := types.NewMethodSet(t)
	for _, m := range []string{"String", "Error", "Format", "GoString"} {
		if ms.Lookup(nil, m) != nil {
			return true
		}
	}
	return false
}

// goName is the name reflect gives t in compiled Go (%T): package names,
// not paths, and no space between type arguments.
func (c *compiler) goName(t types.Type) string {
	s := types.TypeString(t, func(p *types.Package) string { return p.Name() })
	if strings.Contains(s, "[") {
		s = strings.ReplaceAll(s, ", ", ",")
	}
	return s
}

// mentionsSession reports whether values of t hold a value of a type the
// session declared, which compiled code cannot print as Go would. Values
// in interfaces are not seen (their types are not known here).
func (c *compiler) mentionsSession(t types.Type, seen map[types.Type]bool) bool {
	if seen[t] {
		return false
	}
	seen[t] = true
	switch t := t.(type) {
	case *types.TypeParam, *types.Interface:
		return false
	case *types.Named:
		if c.interpretedNamed(t) {
			_, isIface := t.Underlying().(*types.Interface)
			return !isIface
		}
		return false // a compiled type: fmt sees its methods
	case *types.Alias:
		return c.mentionsSession(types.Unalias(t), seen)
	case *types.Pointer:
		return c.mentionsSession(t.Elem(), seen)
	case *types.Slice:
		return c.mentionsSession(t.Elem(), seen)
	case *types.Array:
		return c.mentionsSession(t.Elem(), seen)
	case *types.Map:
		return c.mentionsSession(t.Key(), seen) || c.mentionsSession(t.Elem(), seen)
	case *types.Struct:
		for i := 0; i < t.NumFields(); i++ {
			if !t.Field(i).Exported() || c.mentionsSession(t.Field(i).Type(), seen) {
				return true
			}
		}
	}
	return false
}

// holdsAny reports whether values of t may hold values in empty
// interfaces, where the interpreter keeps values of session types with
// methods in a record of its own (see gofmt.D).
func holdsAny(t types.Type, depth int) bool {
	if depth > 4 || isTypeParam(t) {
		return false // an instance's own type: the interpreter wraps it for fmt itself
	}
	switch u := t.Underlying().(type) {
	case *types.Interface:
		return u.Empty()
	case *types.Slice:
		return holdsAny(u.Elem(), depth+1)
	case *types.Array:
		return holdsAny(u.Elem(), depth+1)
	case *types.Map:
		return holdsAny(u.Elem(), depth+1)
	case *types.Struct:
		for i := 0; i < u.NumFields(); i++ {
			if holdsAny(u.Field(i).Type(), depth+1) {
				return true
			}
		}
	}
	return false
}

// interpretedNamed reports whether t is (a pointer to) a named type the
// interpreter runs from source: the session's, or a module package's.
func (c *compiler) interpretedNamed(t types.Type) bool {
	if p, ok := t.(*types.Pointer); ok {
		t = p.Elem()
	}
	n, ok := types.Unalias(t).(*types.Named)
	if !ok || n.Obj().Pkg() == nil {
		return false
	}
	path := n.Obj().Pkg().Path()
	if path == "main" && c.comp.has(n.Obj().Name()) {
		return false // compiled: Go's own reflection sees its name and methods
	}
	// Packages of modules are compiled Go unless the session interprets them.
	return path == "main" || (!isStdPath(path) && !c.im.opts.Compiled)
}

// mayHaveT reports whether a format may have a %T or %p verb.
func (c *compiler) mayHaveT(format ast.Expr) bool {
	tv := c.chk.info.Types[format]
	if tv.Value != nil && tv.Value.Kind() == constant.String {
		return strings.ContainsAny(constant.StringVal(tv.Value), "Tp")
	}
	return true
}

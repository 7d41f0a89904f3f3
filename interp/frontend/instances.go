package frontend

import (
	"crypto/sha256"
	"encoding/hex"
	"go/ast"
	"go/token"
	"go/types"
	"slices"
	"strings"
)

// Instance is an instantiation of a generic func of a compiled package
// that a cell uses: compiled code has no generic funcs, only their
// instantiations, so each one is compiled into the image binary under
// Symbol, and the cell calls that.
type Instance struct {
	Path, Name string // the generic func: import path and name
	// Table is the import path whose symbols hold the instantiation: Path
	// itself, or NativePath for a standard package, whose name the
	// interpreter's own generic source of the package takes.
	Table string
	// TypeArgs are the type arguments as Go source, each package written
	// as ⟦import/path⟧ for the generator to name.
	TypeArgs []string
	Symbol   string // the name the instantiation has in the package's symbols
	Type     bool   // a generic type, not a func

	// session marks an instantiation with compiled session types
	// (Options.CompiledDecls): it is compiled into the generation, which
	// can name them, not into the image binary (Plan.Instances).
	session *sessionInstance
}

// compiledInstance rewrites a use of a generic func or type of a compiled
// package (id, as inferred or written) to its compiled instantiation. It
// reports false for what is not such a use.
func (c *compiler) compiledInstance(id *ast.Ident, inst types.Instance, target ast.Expr) bool {
	in, ok, refused := c.instanceOf(c.chk.info.Uses[id], inst.TypeArgs, id.Pos())
	if refused {
		return true
	}
	if !ok {
		return false
	}
	std := in.Table == NativePath
	if in.Type && c.inTopLevelVarType(target) {
		// `var x T` becomes an assignment of T's zero value written from
		// the cell's text, where yaegi cannot name the instantiation.
		c.errAt(c.coff(id.Pos()), "var with the type %s.%s[...] of a compiled package and no value is not supported at the top level of a cell; give it a value (x := %s.%s[...]{}) or declare it in a func",
			c.chk.info.Uses[id].Pkg().Name(), id.Name, c.chk.info.Uses[id].Pkg().Name(), id.Name)
		return true
	}
	c.instanced[id] = true
	// pkg.Func[...] or pkg.Func: the selector keeps its package, the
	// name becomes the instantiation's; explicit type arguments go.
	end := target.End()
	switch p := c.parents[target].(type) {
	case *ast.IndexExpr:
		if p.X == target {
			end = p.End()
		}
	case *ast.IndexListExpr:
		if p.X == target {
			end = p.End()
		}
	}
	if in.session != nil {
		c.addSessionInstance(in.session)
		c.ed.replace(c.coff(target.Pos()), c.coff(end), SessionName+"."+in.Symbol)
		return true
	}
	c.instances = append(c.instances, in)
	if std {
		c.ed.replace(c.coff(target.Pos()), c.coff(end), c.nativeName()+"."+in.Symbol)
		return true
	}
	c.ed.replace(c.coff(id.Pos()), c.coff(end), in.Symbol)
	return true
}

// brokenGeneric are standard generic funcs whose interpreted source fails
// in yaegi v0.16.1: they are always compiled.
var brokenGeneric = map[string]bool{
	"slices.Compact":     true, // internal error
	"slices.CompactFunc": true,
	"maps.Clone":         true, // panics at run time
	"slices.Delete":      true, // "invalid type in assignment" (found by slices_pkg)
	// Found by testdata/semantics/std_generics_cells, which calls each
	// generic func of the interpreter's source from cell statements:
	// "invalid type in assignment" or a CFG panic at the top level of a
	// cell, an index out of range in a func literal.
	"slices.DeleteFunc": true,
	"slices.Replace":    true,
	"slices.Concat":     true,
}

// inTopLevelVarType reports whether e is within the type of a top-level
// `var x T` of the cell without a value: pass 1 wrote such a declaration
// as an assignment of T's zero value, from the cell's text.
func (c *compiler) inTopLevelVarType(e ast.Node) bool {
	off := c.coff(e.Pos())
	for _, sg := range c.segs {
		if sg.kind == segVar && off >= sg.start && off < sg.end {
			return !strings.Contains(c.src[sg.start:sg.end], "=")
		}
	}
	return false
}

// instanceOf returns the compiled instantiation of obj, a generic func or
// type of a compiled package, with args. ok is false where the interpreter
// runs obj itself; refused is set, with an error at pos, where compiled
// code cannot name an argument.
func (c *compiler) instanceOf(obj types.Object, args *types.TypeList, pos token.Pos) (in Instance, ok, refused bool) {
	isType := false
	switch o := obj.(type) {
	case *types.Func:
	case *types.TypeName:
		isType = true
		_ = o
	default:
		return in, false, false
	}
	if obj.Pkg() == nil || obj.Pkg().Path() == "main" || !c.im.opts.Compiled || args.Len() == 0 {
		return in, false, false
	}
	path := obj.Pkg().Path()
	std := isStdPath(path)
	if std && interpreterHas(path, obj.Name()) && !brokenGeneric[path+"."+obj.Name()] && !c.sessionArgs(args) {
		// The interpreter's generic source runs it at once; compiling an
		// instantiation would rebuild the image binary.
		return in, false, false
	}
	texts := make([]string, args.Len())
	for i := range texts {
		s, nameable := nameableType(args.At(i))
		if !nameable && c.sessionNameable(args.At(i)) {
			in.session = &sessionInstance{}
			continue
		}
		if !nameable && std {
			// The interpreter's own generic source, if it has it
			// (checkMember refuses it otherwise).
			return in, false, false
		}
		if !nameable {
			if pos == token.NoPos {
				return in, false, true // refused where the func was called
			}
			arg := types.TypeString(args.At(i), c.qualifier)
			c.errAt(c.coff(pos), "%s.%s[%s]: a generic func or type of a compiled package can only be instantiated with types compiled code can name (builtin types and exported types of packages); %s is declared in the session, which is interpreted",
				obj.Pkg().Name(), obj.Name(), arg, arg)
			return in, false, true
		}
		texts[i] = s
	}
	if in.session != nil {
		return c.sessionInstanceOf(obj, args, isType), true, false
	}
	h := sha256.Sum256([]byte(path + "." + obj.Name() + "[" + strings.Join(texts, ",") + "]"))
	in = Instance{Path: path, Name: obj.Name(), TypeArgs: texts, Table: path, Type: isType,
		Symbol: obj.Name() + "__dm" + hex.EncodeToString(h[:6])}
	if std {
		in.Table = NativePath
		in.Symbol = strings.NewReplacer("/", "_", ".", "_").Replace(path) + "_" + in.Symbol
	}
	return in, true, false
}

// instanceTypeString writes an instantiated generic type of a compiled
// package as its compiled instantiation; ok is false for other types.
func (c *compiler) instanceTypeString(n *types.Named) (string, bool) {
	if n.TypeArgs().Len() == 0 {
		return "", false
	}
	in, ok, _ := c.instanceOf(n.Obj(), n.TypeArgs(), token.NoPos)
	if !ok {
		return "", false
	}
	if in.session != nil {
		c.addSessionInstance(in.session)
		return SessionName + "." + in.Symbol, true
	}
	c.instances = append(c.instances, in)
	if in.Table == NativePath {
		return c.nativeName() + "." + in.Symbol, true
	}
	return c.qualifier(n.Obj().Pkg()) + "." + in.Symbol, true
}

// NativePath is the binary package of compiled instantiations of standard
// generic funcs; nativeName is its name in cells.
const (
	NativePath = "dmirror/native"
	nativeName = "__dmnative"
)

// nativeName imports NativePath into the session once and returns its name.
func (c *compiler) nativeName() string {
	for _, im := range c.imports {
		if im.path == NativePath {
			return nativeName
		}
	}
	c.imports = append(c.imports, importItem{name: nativeName, path: NativePath, cell: c.cell, line: 1})
	return nativeName
}

// nameableType writes t as the generated file can name it; ok is false
// if t involves a type that only the interpreter has (declared in the
// session) or that code outside its package cannot name.
func nameableType(t types.Type) (string, bool) {
	ok := true
	s := types.TypeString(t, func(p *types.Package) string {
		if p.Path() == "main" || strings.Contains(p.Path(), "/internal/") || strings.HasSuffix(p.Path(), "/internal") {
			ok = false
		}
		return "⟦" + p.Path() + "⟧"
	})
	var walk func(t types.Type)
	seen := map[types.Type]bool{}
	walk = func(t types.Type) {
		if seen[t] {
			return
		}
		seen[t] = true
		switch t := t.(type) {
		case *types.Named:
			// error is a named type of the universe: nameable anywhere.
			if t.Obj().Pkg() != nil && !t.Obj().Exported() {
				ok = false
			}
			if t.Obj().Parent() != nil && t.Obj().Pkg() != nil && t.Obj().Parent() != t.Obj().Pkg().Scope() {
				ok = false // declared inside a func
			}
			for i := 0; i < t.TypeArgs().Len(); i++ {
				walk(t.TypeArgs().At(i))
			}
		case *types.Pointer:
			walk(t.Elem())
		case *types.Slice:
			walk(t.Elem())
		case *types.Array:
			walk(t.Elem())
		case *types.Map:
			walk(t.Key())
			walk(t.Elem())
		case *types.Chan:
			walk(t.Elem())
		case *types.Signature:
			for i := 0; i < t.Params().Len(); i++ {
				walk(t.Params().At(i).Type())
			}
			for i := 0; i < t.Results().Len(); i++ {
				walk(t.Results().At(i).Type())
			}
		case *types.Struct:
			for i := 0; i < t.NumFields(); i++ {
				walk(t.Field(i).Type())
			}
		case *types.TypeParam:
			ok = false
		}
	}
	walk(t)
	return s, ok
}

func sortedKeys(m map[string]bool) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

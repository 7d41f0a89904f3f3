package frontend

import (
	"go/ast"
	"go/token"
	"go/types"
	"slices"
	"sort"
	"strings"
)

// Which declarations are compiled (Options.CompiledDecls): a declaration is
// compilable when everything it refers to is (the universe, imported
// packages, other compilable declarations of the session) and nothing pins
// it to the interpreter (pinReason). A type and its methods are one unit:
// Go wants a type's methods in its package. A package variable moves into
// compiled code when a compiled declaration refers to it. Dependencies are
// kept by name with each declaration, as refs are, so that classifying the
// whole image after a cell needs no check of the committed declarations.

// itemDeps is what one declaration needs to be compiled.
type itemDeps struct {
	deps    []string // session names it refers to ("T" for a method's type)
	imports []string // imports it uses, as specs: `name "path"`
	pin     string   // why it stays interpreted, "" if nothing pins it
}

// compiledSet is the compiled half of an image.
type compiledSet struct {
	names map[string]bool   // compiled declarations by name, "T.m" for methods
	files map[string]string // the generation's files
	n     int               // its Generation.N
	// insts are the instantiations of packages' generics with session
	// types the generation compiles, by symbol; instKey lists them.
	insts   map[string]*sessionInstance
	instKey string
	blocks  []*declItem // the compiled block constructors (gen_blocks.go)
}

func (s *compiledSet) has(name string) bool { return s != nil && s.names[name] }

// pinned are compiled funcs that end the process rather than the cell:
// interpreted, the session catches them.
var pinned = map[string]string{
	"os.Exit":        "os.Exit",
	"log.Fatal":      "log.Fatal",
	"log.Fatalf":     "log.Fatalf",
	"log.Fatalln":    "log.Fatalln",
	"runtime.Goexit": "runtime.Goexit",
}

// itemRange is where a declaration is in a check file.
type itemRange struct {
	start, end int
	item       *declItem
}

// recordDeps computes what the cell's declarations (and, when the image is
// rebuilt, committed ones that lack it) need to be compiled, from the
// pass-2 check.
func (c *compiler) recordDeps() {
	var ranges []itemRange
	for _, n := range c.itemNodes {
		ranges = append(ranges, itemRange{c.declOff + n.start, c.declOff + n.end, n.item})
	}
	for d, off := range c.itemOffs {
		if d.comp == nil || c.isCellItem(d) { // the cell's new vars, and what was committed without
			ranges = append(ranges, itemRange{off, off + len(d.check), d})
		}
	}
	for _, b := range c.cellBlocks {
		if b.item.comp != nil {
			continue // committed by an earlier cell
		}
		ranges = append(ranges, itemRange{c.chk.tf.Offset(b.lit.Pos()), c.chk.tf.Offset(b.lit.End()), b.item})
	}
	if len(ranges) == 0 {
		return
	}
	sort.Slice(ranges, func(i, j int) bool { return ranges[i].start < ranges[j].start })
	deps := map[*declItem]*itemDeps{}
	seen := map[*declItem]map[string]bool{}
	for _, r := range ranges {
		deps[r.item] = &itemDeps{}
		seen[r.item] = map[string]bool{}
	}
	at := func(p token.Pos) *declItem {
		off := c.chk.tf.Offset(p)
		i := sort.Search(len(ranges), func(i int) bool { return ranges[i].end > off })
		if i < len(ranges) && ranges[i].start <= off {
			return ranges[i].item
		}
		return nil
	}
	add := func(d *declItem, s string, imp bool) {
		dd := deps[d]
		if dd == nil || seen[d][s] {
			return
		}
		seen[d][s] = true
		if imp {
			dd.imports = append(dd.imports, s)
		} else {
			dd.deps = append(dd.deps, s)
		}
	}
	pin := func(d *declItem, why string) {
		if dd := deps[d]; dd != nil && dd.pin == "" {
			dd.pin = why
		}
	}
	for _, p := range c.chk.unused {
		if d := at(p); d != nil {
			pin(d, "it declares a variable it does not use")
		}
	}
	sels := map[*ast.Ident]bool{}
	visit := func(d *declItem, n ast.Node) {
		switch n := n.(type) {
		case *ast.FuncDecl:
			if n.Type.TypeParams != nil {
				pin(d, "it is generic")
			}
			if n.Recv != nil && len(n.Recv.List) == 1 {
				if _, ok := ast.Unparen(deref(n.Recv.List[0].Type)).(*ast.Ident); !ok {
					pin(d, "it is a method of a generic type")
				}
			}
			if n.Recv == nil && (n.Name.Name == "main" || n.Name.Name == "init") {
				pin(d, "main and init run as the cell's statements")
			}
		case *ast.TypeSpec:
			if n.TypeParams != nil {
				pin(d, "it is generic")
			}
			if tn := c.chk.info.Defs[n.Name]; tn != nil {
				if it, ok := tn.Type().Underlying().(*types.Interface); ok && !it.IsMethodSet() {
					pin(d, "it is a constraint, for generic declarations, which are interpreted")
				}
			}
		case *ast.GoStmt:
			pin(d, "its go statements must be attributed to cells and their panics recovered")
		case *ast.CallExpr:
			// A panic of interpreted code (a func value it was given)
			// reaches a compiled recover as yaegi raised it: reflect's
			// text for a runtime error, a reflect.Value for panic(v).
			// Interpreted, recover gives Go's value or refuses (vm.Recovered).
			if id, ok := ast.Unparen(n.Fun).(*ast.Ident); ok {
				if _, ok := c.chk.info.Uses[id].(*types.Builtin); ok && id.Name == "recover" {
					pin(d, "it calls recover, which must see the interpreter's panics as Go's")
				}
			}
		case *ast.SelectorExpr:
			sels[n.Sel] = true
			if id, ok := n.X.(*ast.Ident); ok {
				if pn, ok := c.chk.info.Uses[id].(*types.PkgName); ok {
					if why := pinned[pn.Imported().Path()+"."+n.Sel.Name]; why != "" {
						pin(d, "it calls "+why+", which would end the image process")
					}
				}
			}
		case *ast.Ident:
			c.identDep(d, n, sels[n], add, pin)
		}
	}
	ast.Inspect(c.chk.file, func(n ast.Node) bool {
		if n == nil {
			return false
		}
		d := at(n.Pos())
		if d == nil {
			_, isFile := n.(*ast.File)
			_, isGen := n.(*ast.GenDecl)
			return isFile || isGen // a group may hold items
		}
		visit(d, n)
		return true
	})
	for _, b := range c.cellBlocks { // in the cell's body, which holds no item
		if deps[b.item] == nil {
			continue
		}
		ast.Inspect(b.lit, func(n ast.Node) bool {
			if n != nil {
				visit(b.item, n)
			}
			return true
		})
	}
	for d, dd := range deps {
		if slices.Contains(d.names, "Symbols") {
			dd.pin = "the generation declares Symbols"
		}
		sort.Strings(dd.deps)
		sort.Strings(dd.imports)
		d.comp = dd
	}
}

func deref(e ast.Expr) ast.Expr {
	if s, ok := e.(*ast.StarExpr); ok {
		return s.X
	}
	return e
}

// isCellItem reports whether d is declared by the cell being compiled.
func (c *compiler) isCellItem(d *declItem) bool {
	for _, n := range c.itemNodes {
		if n.item == d {
			return true
		}
	}
	for _, v := range c.newVars {
		if v == d {
			return true
		}
	}
	return false
}

// identDep records what a use of an identifier in d needs.
func (c *compiler) identDep(d *declItem, id *ast.Ident, isSel bool, add func(*declItem, string, bool), pin func(*declItem, string)) {
	obj := c.chk.info.Uses[id]
	if obj == nil {
		return
	}
	if pn, ok := obj.(*types.PkgName); ok {
		add(d, pn.Name()+" "+quote(pn.Imported().Path()), true)
		return
	}
	if obj.Pkg() == nil || isSel {
		return // the universe, or a member
	}
	if obj.Pkg().Path() != "main" {
		add(d, ". "+quote(obj.Pkg().Path()), true) // a dot import
		return
	}
	if obj.Parent() != obj.Pkg().Scope() {
		return // local
	}
	if c.im.isPrelude(obj.Pos()) || strings.HasPrefix(obj.Name(), "__") {
		pin(d, "it uses "+preludeNames(obj.Name())+", which the interpreter provides")
		return
	}
	add(d, obj.Name(), false)
}

func quote(path string) string { return `"` + path + `"` }

// classifyItems returns the names of the declarations of items that are
// compiled, "T.m" for methods.
func classifyItems(items []*declItem, pins map[*declItem]string) map[string]bool {
	byName := itemsByName(items)
	methods := map[string][]*declItem{}
	for _, d := range items {
		if recv, _, ok := strings.Cut(d.names[0], "."); ok {
			methods[recv] = append(methods[recv], d)
		}
	}
	// users[d] are the declarations that cannot be compiled without d.
	users := map[*declItem][]*declItem{}
	bad := map[*declItem]bool{}
	var queue []*declItem
	fail := func(d *declItem) {
		if !bad[d] {
			bad[d] = true
			queue = append(queue, d)
		}
	}
	for _, d := range items {
		if recv, _, ok := strings.Cut(d.names[0], "."); ok {
			if t := byName[recv]; t != nil {
				users[d] = append(users[d], t) // a type goes with its methods
			}
		}
		if d.comp == nil || d.comp.pin != "" || pins[d] != "" {
			fail(d)
			continue
		}
		for _, dep := range d.comp.deps {
			t := byName[dep]
			if t == nil {
				fail(d)
				continue
			}
			users[t] = append(users[t], d)
		}
	}
	for len(queue) > 0 {
		d := queue[0]
		queue = queue[1:]
		for _, u := range users[d] {
			fail(u)
		}
	}
	out := map[string]bool{}
	used := map[string]bool{}
	for _, d := range items {
		if !bad[d] && !d.isVar {
			for _, dep := range d.comp.deps {
				used[dep] = true
			}
		}
	}
	for _, d := range items {
		if bad[d] || d.isVar && !used[d.names[0]] {
			continue
		}
		for _, n := range d.names {
			out[n] = true
		}
	}
	return out
}

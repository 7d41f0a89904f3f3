package frontend

import (
	"fmt"
	"go/ast"
	"go/parser"
	"go/printer"
	"go/token"
	"go/types"
	"slices"
	"strings"
)

// anyResult returns the name of a helper that shows a cell's result of
// static type any (or another interface without display methods) as Go's
// fmt shows it when the value is of a session struct type with a String,
// Error or display method, and declares the helper; "" when there is no
// such type. Compiled code does not see an interpreted value's methods:
// `var a any = Money{250}; a` showed {250} for $2.50.
//
// Types are found in the source of the image's declarations rather than
// by type checking: the cell is checked with the declarations it names
// only, and the value's type need not be one of them. A struct type whose
// fields are those of another session struct (or none) is left out: the
// interpreter does not tell such types apart in an interface.
func (c *compiler) anyResult(t types.Type) string {
	if _, ok := t.(*types.TypeParam); ok {
		return ""
	}
	if _, ok := t.Underlying().(*types.Interface); !ok {
		return ""
	}
	shows := sessionShows(append(append([]*declItem(nil), c.kept...), c.items...))
	if len(shows) == 0 {
		return ""
	}
	name := c.name("Show")
	var b strings.Builder
	// Comma-ok assertions, not a type switch: yaegi's type switch misses
	// a *T held in an interface when T has only pointer methods.
	fmt.Fprintf(&b, "func %s(__dmX any) any {\n", name)
	for _, s := range shows {
		if ms := s.methods(false); len(ms) > 0 {
			fmt.Fprintf(&b, "\tif __dmT, ok := __dmX.(%s); ok {\n\t\treturn __dmRich(__dmT, %s)\n\t}\n", s.name, richMap(ms))
		}
		fmt.Fprintf(&b, "\tif __dmT, ok := __dmX.(*%s); ok {\n\t\treturn __dmRich(__dmT, %s)\n\t}\n", s.name, richMap(s.methods(true)))
	}
	b.WriteString("\treturn __dmX\n}")
	c.addHelper(c.resultExpr.Pos(), b.String())
	return name
}

// richMap is the map of method results __dmRich takes: text/plain
// ("String") from Error when there is one, as fmt prefers it.
func richMap(ms []shownMethod) string {
	var entries []string
	hasError := slices.ContainsFunc(ms, func(m shownMethod) bool { return m.name == "Error" })
	for _, m := range ms {
		switch {
		case m.name == "Error":
			entries = append(entries, `"String": __dmT.Error()`)
		case m.name == "String" && hasError:
		default:
			entries = append(entries, fmt.Sprintf("%q: __dmT.%s()", m.name, m.name))
		}
	}
	return "map[string]any{" + strings.Join(entries, ", ") + "}"
}

// shownType is a session struct type with methods a result shows through.
type shownType struct {
	name    string
	methods func(ptr bool) []shownMethod // those of T's method set, or *T's
}

type shownMethod struct {
	name   string
	ptrRcv bool
}

// sessionShows finds, in the source of items, the struct types that have
// display methods or Error, in declaration order.
func sessionShows(items []*declItem) []shownType {
	fset := token.NewFileSet()
	structs := map[string]string{} // type name → its struct's source
	var order []string
	methods := map[string][]shownMethod{}
	for _, d := range items {
		if len(d.names) != 1 || d.isVar {
			continue
		}
		recv, method, isMethod := strings.Cut(d.names[0], ".")
		if isMethod && !isShowMethod(method) {
			continue
		}
		f, err := parser.ParseFile(fset, "", "package p\n"+d.check, parser.SkipObjectResolution)
		if err != nil || len(f.Decls) != 1 {
			continue
		}
		switch decl := f.Decls[0].(type) {
		case *ast.FuncDecl:
			if m, ok := showMethod(decl); ok && isMethod {
				methods[recv] = append(methods[recv], m)
			}
		case *ast.GenDecl:
			if src, ok := structSource(fset, decl); ok && !isMethod {
				structs[d.names[0]] = src
				order = append(order, d.names[0])
			}
		}
	}
	same := map[string]int{}
	for _, src := range structs {
		same[src]++
	}
	var out []shownType
	for _, name := range order {
		ms := methods[name]
		if len(ms) == 0 || same[structs[name]] > 1 {
			continue
		}
		out = append(out, shownType{name: name, methods: func(ptr bool) []shownMethod {
			return slices.DeleteFunc(slices.Clone(ms), func(m shownMethod) bool { return m.ptrRcv && !ptr })
		}})
	}
	return out
}

func isShowMethod(name string) bool {
	return name == "Error" || slices.ContainsFunc(displayMethods, func(m struct {
		name   string
		result types.Type
	}) bool {
		return m.name == name
	})
}

// showMethod reports whether decl is a method without parameters and with
// one result, as the display methods, String and Error are.
func showMethod(decl *ast.FuncDecl) (shownMethod, bool) {
	if decl.Recv == nil || len(decl.Recv.List) != 1 || decl.Type.Params.NumFields() != 0 || decl.Type.Results.NumFields() != 1 {
		return shownMethod{}, false
	}
	if decl.Name.Name == "Error" || decl.Name.Name == "String" {
		if id, ok := decl.Type.Results.List[0].Type.(*ast.Ident); !ok || id.Name != "string" {
			return shownMethod{}, false
		}
	}
	_, ptr := decl.Recv.List[0].Type.(*ast.StarExpr)
	return shownMethod{name: decl.Name.Name, ptrRcv: ptr}, true
}

// structSource is the source of the struct type decl declares, for a
// non-generic struct type with fields.
func structSource(fset *token.FileSet, decl *ast.GenDecl) (string, bool) {
	if decl.Tok != token.TYPE || len(decl.Specs) != 1 {
		return "", false
	}
	ts := decl.Specs[0].(*ast.TypeSpec)
	st, ok := ts.Type.(*ast.StructType)
	if !ok || ts.TypeParams != nil || ts.Assign.IsValid() || st.Fields.NumFields() == 0 {
		return "", false
	}
	var b strings.Builder
	if err := printer.Fprint(&b, fset, st); err != nil {
		return "", false
	}
	return strings.Join(strings.Fields(b.String()), " "), true
}

package nbrun

import (
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"go/types"
	"math"
	"sort"
	"strconv"
	"strings"
	"time"
)

// param is one -p NAME=VALUE.
type param struct{ name, value string }

// paramList is the repeatable -p flag.
type paramList []param

func (p *paramList) String() string {
	var s []string
	for _, x := range *p {
		s = append(s, x.name+"="+x.value)
	}
	return strings.Join(s, " ")
}

func (p *paramList) Set(v string) error {
	name, value, ok := strings.Cut(v, "=")
	name = strings.TrimSpace(name)
	if !ok || !token.IsIdentifier(name) {
		return fmt.Errorf("want NAME=VALUE with NAME a Go identifier, got %q", v)
	}
	*p = append(*p, param{name, value})
	return nil
}

// declared is a variable the parameters cell declares.
type declared struct {
	typ   string // Go type as source; "" when it cannot be inferred
	isVar bool   // false for a constant, which cannot be set
}

// parameterDecls reads the names the parameters cell declares, with their
// types: written (var n int = 3), or inferred from the value (n := 3 is
// an int, 2 * time.Second a time.Duration).
func parameterDecls(src string) (map[string]declared, error) {
	fset := token.NewFileSet()
	// Imports first, then the rest as statements, as a cell may mix them.
	head, err := parser.ParseFile(fset, "", "package p\n"+src, parser.ImportsOnly)
	if err != nil {
		return nil, fmt.Errorf("cannot read the parameters cell: %w", err)
	}
	rest := src
	if n := len(head.Decls); n > 0 {
		end := fset.Position(head.Decls[n-1].End()).Offset - len("package p\n")
		rest = src[end:]
	}
	f, err := parser.ParseFile(fset, "", "package p\nfunc _() {\n"+rest+"\n}", 0)
	if err != nil {
		return nil, fmt.Errorf("cannot read the parameters cell: %w", err)
	}
	out := map[string]declared{}
	body := f.Decls[0].(*ast.FuncDecl).Body
	for _, st := range body.List {
		switch st := st.(type) {
		case *ast.AssignStmt:
			if st.Tok != token.DEFINE {
				continue
			}
			for i, lhs := range st.Lhs {
				id, ok := lhs.(*ast.Ident)
				if !ok || id.Name == "_" {
					continue
				}
				var rhs ast.Expr
				if len(st.Rhs) == len(st.Lhs) {
					rhs = st.Rhs[i]
				}
				out[id.Name] = declared{typ: inferType(rhs), isVar: true}
			}
		case *ast.DeclStmt:
			gd, ok := st.Decl.(*ast.GenDecl)
			if !ok || (gd.Tok != token.VAR && gd.Tok != token.CONST) {
				continue
			}
			for _, spec := range gd.Specs {
				vs := spec.(*ast.ValueSpec)
				for i, id := range vs.Names {
					d := declared{isVar: gd.Tok == token.VAR}
					switch {
					case vs.Type != nil:
						d.typ = types.ExprString(vs.Type)
					case len(vs.Values) == len(vs.Names):
						d.typ = inferType(vs.Values[i])
					}
					out[id.Name] = d
				}
			}
		}
	}
	return out, nil
}

var basicTypes = map[string]bool{
	"int": true, "int8": true, "int16": true, "int32": true, "int64": true,
	"uint": true, "uint8": true, "uint16": true, "uint32": true, "uint64": true, "uintptr": true,
	"float32": true, "float64": true, "string": true, "bool": true, "byte": true, "rune": true,
}

var durationUnits = map[string]bool{
	"Nanosecond": true, "Microsecond": true, "Millisecond": true, "Second": true, "Minute": true, "Hour": true,
}

// inferType is the default type of a constant-like expression, as Go gives
// it; "" when it is not that simple.
func inferType(e ast.Expr) string {
	switch e := e.(type) {
	case *ast.BasicLit:
		return map[token.Token]string{token.INT: "int", token.FLOAT: "float64", token.STRING: "string",
			token.CHAR: "rune", token.IMAG: "complex128"}[e.Kind]
	case *ast.Ident:
		if e.Name == "true" || e.Name == "false" {
			return "bool"
		}
	case *ast.ParenExpr:
		return inferType(e.X)
	case *ast.UnaryExpr:
		if e.Op == token.NOT {
			return "bool"
		}
		return inferType(e.X)
	case *ast.SelectorExpr:
		if x, ok := e.X.(*ast.Ident); ok && x.Name == "time" && durationUnits[e.Sel.Name] {
			return "time.Duration"
		}
	case *ast.CallExpr: // a conversion such as int64(3) or time.Duration(5)
		t := types.ExprString(e.Fun)
		if basicTypes[t] || t == "time.Duration" {
			return t
		}
	case *ast.BinaryExpr:
		switch e.Op {
		case token.EQL, token.NEQ, token.LSS, token.LEQ, token.GTR, token.GEQ, token.LAND, token.LOR:
			return "bool"
		}
		return combine(inferType(e.X), inferType(e.Y))
	}
	return ""
}

// combine is the type of an arithmetic expression on operands of types a
// and b: a typed operand wins over an untyped constant's default type.
func combine(a, b string) string {
	rank := map[string]int{"int": 1, "rune": 2, "float64": 3, "complex128": 4}
	ra, aUntyped := rank[a]
	rb, bUntyped := rank[b]
	switch {
	case a == "" || b == "":
		return ""
	case aUntyped && bUntyped:
		if ra > rb {
			return a
		}
		return b
	case aUntyped:
		return b
	default:
		return a
	}
}

// injectedSource is the cell that sets the parameters, one assignment per
// name with the value as a Go literal of the declared type.
func injectedSource(params []param, decls map[string]declared) (string, error) {
	var b strings.Builder
	b.WriteString("// Parameters injected by dmirror run -p\n")
	seen := map[string]int{}
	var order []param
	for _, p := range params { // the last -p of a name wins
		if i, ok := seen[p.name]; ok {
			order[i] = p
			continue
		}
		seen[p.name] = len(order)
		order = append(order, p)
	}
	for _, p := range order {
		d, ok := decls[p.name]
		if !ok {
			return "", fmt.Errorf("unknown parameter %q: the parameters cell declares %s", p.name, nameList(decls))
		}
		if !d.isVar {
			return "", fmt.Errorf("parameter %q is a constant in the parameters cell: declare it with var or := to set it with -p", p.name)
		}
		lit, err := literal(d.typ, p.value)
		if err != nil {
			return "", fmt.Errorf("parameter %q: %w", p.name, err)
		}
		fmt.Fprintf(&b, "%s = %s\n", p.name, lit)
	}
	return b.String(), nil
}

func nameList(decls map[string]declared) string {
	if len(decls) == 0 {
		return "nothing"
	}
	names := make([]string, 0, len(decls))
	for n := range decls {
		names = append(names, n)
	}
	sort.Strings(names)
	return strings.Join(names, ", ")
}

// literal turns a -p value into Go source of type typ. Values of other
// types are taken as Go expressions, e.g. -p 'xs=[]int{1, 2}'.
func literal(typ, v string) (string, error) {
	switch typ {
	case "string":
		return strconv.Quote(v), nil
	case "bool":
		b, err := strconv.ParseBool(strings.TrimSpace(v))
		if err != nil {
			return "", fmt.Errorf("%q is not a bool (want true or false)", v)
		}
		return strconv.FormatBool(b), nil
	case "int", "int8", "int16", "int32", "int64", "rune":
		bits := map[string]int{"int": 64, "int8": 8, "int16": 16, "int32": 32, "int64": 64, "rune": 32}[typ]
		n, err := strconv.ParseInt(strings.TrimSpace(v), 0, bits)
		if err != nil {
			return "", fmt.Errorf("%q is not an %s", v, typ)
		}
		return strconv.FormatInt(n, 10), nil
	case "uint", "uint8", "uint16", "uint32", "uint64", "uintptr", "byte":
		bits := map[string]int{"uint8": 8, "byte": 8, "uint16": 16, "uint32": 32}[typ]
		if bits == 0 {
			bits = 64
		}
		n, err := strconv.ParseUint(strings.TrimSpace(v), 0, bits)
		if err != nil {
			return "", fmt.Errorf("%q is not a %s", v, typ)
		}
		return strconv.FormatUint(n, 10), nil
	case "float32", "float64":
		f, err := strconv.ParseFloat(strings.TrimSpace(v), 64)
		if err != nil || math.IsInf(f, 0) || math.IsNaN(f) {
			return "", fmt.Errorf("%q is not a %s", v, typ)
		}
		s := strconv.FormatFloat(f, 'g', -1, 64)
		if !strings.ContainsAny(s, ".eEnN") {
			s += ".0"
		}
		return s, nil
	case "time.Duration":
		d, err := time.ParseDuration(strings.TrimSpace(v))
		if err != nil {
			return "", fmt.Errorf("%q is not a duration (want e.g. 1.5s, 300ms, 2m)", v)
		}
		return fmt.Sprintf("time.Duration(%d) // %s", int64(d), d), nil
	}
	if _, err := parser.ParseExpr(v); err != nil {
		return "", fmt.Errorf("%q is not a Go expression (the parameter's type %s is not one dmirror converts, so the value is used as Go source): %w", v, typeName(typ), err)
	}
	return v, nil
}

func typeName(t string) string {
	if t == "" {
		return "(unknown)"
	}
	return t
}

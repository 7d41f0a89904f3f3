package values_test

import (
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/dmirror/dmirror/interp/values"
)

// srcGen writes random Go type declarations and literals of them, as a
// notebook would, so that the values under test are built by interpreted
// code in yaegi's own representations.
type srcGen struct {
	r     *rand.Rand
	decls []string
	n     int
}

// typ returns a type expression, declaring named struct types as needed.
func (g *srcGen) typ(depth int) string {
	basics := []string{"int", "int8", "uint16", "float64", "string", "bool", "complex128", "byte"}
	if depth <= 0 {
		return basics[g.r.IntN(len(basics))]
	}
	switch g.r.IntN(9) {
	case 0:
		return "[]" + g.typ(depth-1)
	case 1:
		return fmt.Sprintf("[%d]%s", g.r.IntN(3), g.typ(depth-1))
	case 2:
		return "map[" + []string{"string", "int"}[g.r.IntN(2)] + "]" + g.typ(depth-1)
	case 3:
		return "*" + g.typ(depth-1)
	case 4, 5:
		return g.structType(depth)
	case 6:
		return "any"
	case 7:
		return "*List"
	}
	return basics[g.r.IntN(len(basics))]
}

func (g *srcGen) structType(depth int) string {
	g.n++
	name := fmt.Sprintf("S%d", g.n)
	var fields []string
	for i := range g.r.IntN(4) {
		f := fmt.Sprintf("F%d", i)
		if g.r.IntN(3) == 0 {
			f = fmt.Sprintf("f%d", i) // unexported: yaegi renames it
		}
		fields = append(fields, f+" "+g.typ(depth-1))
	}
	g.decls = append(g.decls, fmt.Sprintf("type %s struct { %s }", name, strings.Join(fields, "; ")))
	return name
}

// lit returns an expression of type t.
func (g *srcGen) lit(t string, depth int) string {
	switch {
	case t == "int" || t == "int8" || t == "byte" || t == "uint16":
		return fmt.Sprintf("%s(%d)", t, g.r.IntN(100))
	case t == "float64":
		return fmt.Sprintf("float64(%g)", g.r.NormFloat64())
	case t == "complex128":
		return fmt.Sprintf("complex(%g, %g)", g.r.NormFloat64(), g.r.NormFloat64())
	case t == "string":
		return fmt.Sprintf("%q", []string{"", "a", "日本", "x\x00y"}[g.r.IntN(4)])
	case t == "bool":
		return []string{"true", "false"}[g.r.IntN(2)]
	case t == "any":
		if g.r.IntN(4) == 0 || depth <= 0 {
			return "any(nil)"
		}
		dt := g.typ(depth - 1)
		return "any(" + g.lit(dt, depth-1) + ")"
	case t == "*List":
		return fmt.Sprintf("&List{%d, &List{%d, nil}}", g.r.IntN(9), g.r.IntN(9))
	case strings.HasPrefix(t, "*"):
		if g.r.IntN(3) == 0 {
			return "(" + t + ")(nil)"
		}
		return fmt.Sprintf("func() %s { x := %s; return &x }()", t, g.lit(t[1:], depth))
	case strings.HasPrefix(t, "[]"):
		switch g.r.IntN(4) {
		case 0:
			return "(" + t + ")(nil)"
		case 1:
			return t + "{}"
		}
		return t + "{" + g.elems(t[2:], 1+g.r.IntN(3), depth) + "}"
	case strings.HasPrefix(t, "["):
		n := int(t[1] - '0')
		return t + "{" + g.elems(t[3:], n, depth) + "}"
	case strings.HasPrefix(t, "map["):
		key, elem, _ := strings.Cut(t[4:], "]")
		if g.r.IntN(4) == 0 {
			return "(" + t + ")(nil)"
		}
		var kv []string
		for i := range g.r.IntN(3) {
			k := fmt.Sprint(i)
			if key == "string" {
				k = fmt.Sprintf("%q", k)
			}
			kv = append(kv, k+": "+g.lit(elem, depth-1))
		}
		return t + "{" + strings.Join(kv, ", ") + "}"
	}
	return g.structLit(t, depth)
}

func (g *srcGen) elems(t string, n, depth int) string {
	var es []string
	for range n {
		es = append(es, g.lit(t, depth-1))
	}
	return strings.Join(es, ", ")
}

func (g *srcGen) structLit(name string, depth int) string {
	for _, d := range g.decls {
		if !strings.HasPrefix(d, "type "+name+" struct") {
			continue
		}
		body := strings.TrimSuffix(strings.TrimPrefix(d, "type "+name+" struct { "), " }")
		var fs []string
		for _, f := range strings.Split(body, "; ") {
			if f == "" {
				continue
			}
			fname, ftype, _ := strings.Cut(f, " ")
			fs = append(fs, fname+": "+g.lit(ftype, depth-1))
		}
		return name + "{" + strings.Join(fs, ", ") + "}"
	}
	panic("undeclared " + name)
}

func TestRandomInterpretedValues(t *testing.T) {
	seed := rand.Uint64()
	t.Logf("seed %d", seed)
	r := rand.New(rand.NewPCG(seed, 2))
	for i := range 40 {
		g := &srcGen{r: r}
		typ := g.typ(1 + r.IntN(3))
		setup := "func setup() { v = " + g.lit(typ, 3) + "; w = v }" // may declare more types
		decls := "type List struct { Val int; Next *List }\n" + strings.Join(g.decls, "\n") + "\nvar v " + typ + "\nvar w any\n"
		src := newInterp(t, decls, setup, "setup()")
		dst := newInterp(t, decls)
		names := []string{"List"}
		for k := range g.n {
			names = append(names, fmt.Sprintf("S%d", k+1))
		}
		dec := values.NewDecoder(values.KnownTypes(dst, names...)...)
		for _, name := range []string{"v", "w"} {
			from, to := src.Globals()[name], dst.Globals()[name]
			data, err := values.Encode(from)
			if err != nil {
				t.Fatalf("#%d %s: Encode: %v\n%s%s", i, name, err, decls, setup)
			}
			got, err := dec.Decode(data, to.Type())
			if err != nil {
				t.Fatalf("#%d %s: Decode: %v\n%s%s", i, name, err, decls, setup)
			}
			to.Set(got)
			if a, b := values.Dump(from), values.Dump(to); a != b {
				t.Fatalf("#%d %s: round trip\n got %s\nwant %s\n%s%s", i, name, b, a, decls, setup)
			}
		}
	}
}

package mirror

import (
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"reflect"
	"sort"
	"strings"

	"github.com/dmirror/dmirror/interp/frontend"
)

// A mirror runs a chunk as one interpreted func, generated per op and
// blocks, that applies the blocks to every element of the chunk:
//
//	func(<captures>..., __dmXs []T, __dmOut []O, __dmKeep []bool, __dmOff int, __dmSt []int) bool
//
// It writes outputs and flags into the slices it is given and returns
// whether an element decided a predicate op. Every so often it calls
// __dmw.Tick with its state slice and how many elements it has done, which
// says when to call
// again and where the chunk now ends. __dmSt[0] and __dmSt[1] are
// the element and the block being run, read after a panic; __dmSt[2] is
// the number of elements (not len(__dmXs): a session may declare a func
// named len, which the loop, in the session's package, would call). Calling an
// interpreted func costs about a microsecond in yaegi, many times the work
// of a small block, so a func literal block is inlined into the loop when
// that cannot change what it does (see inlinable); otherwise the loop calls
// it.

// loopSource returns the chunk func for op and blocks, as a func literal,
// and the types of its parameters; inline says whether func literal blocks
// may be inlined.
func loopSource(op string, blocks []JobBlock, inline bool) (string, []string, error) {
	info, err := lookupOp(op)
	if err != nil {
		return "", nil, err
	}
	if len(blocks) != info.blocks {
		return "", nil, fmt.Errorf("%s needs %d blocks, got %d", op, info.blocks, len(blocks))
	}
	g := &loopGen{inline: inline}
	for j, b := range blocks {
		if err := g.addBlock(j, b); err != nil {
			return "", nil, err
		}
	}
	elem := g.params[0][0]
	var out string
	switch op {
	case OpSelect, OpReject, OpAnySatisfy, OpAllSatisfy, OpNoneSatisfy:
		out = "bool" // unused
	case OpSelectThenCollect, OpRejectThenCollect:
		out = g.results[1]
	default:
		out = g.results[0]
	}
	var sb strings.Builder
	var types []string
	sb.WriteString("(func(")
	for j, b := range blocks {
		for k, c := range b.Captures {
			fmt.Fprintf(&sb, "__dmC%d_%d %s, ", j, k, c.Type)
			types = append(types, c.Type)
		}
	}
	fmt.Fprintf(&sb, "__dmXs []%s, __dmOut []%s, __dmKeep []bool, __dmOff int, __dmSt []int) bool {\n", elem, out)
	types = append(types, "[]"+elem, "[]"+out, "[]bool", "int", "[]int")
	sb.WriteString(g.prelude.String())
	// Variables are declared before the loop: a declaration in it costs
	// yaegi an allocation per element.
	for j, r := range g.results {
		fmt.Fprintf(&sb, "\tvar __dmR%d %s\n", j, r)
	}
	fmt.Fprintf(&sb, "\tvar __dmZ %s\n\tvar __dmX %s\n", g.results[0], elem)
	// The chunk ends at __dmEnd, which Tick lowers when the rest of the
	// chunk is given to an idle mirror (see engine.drive).
	sb.WriteString("\t__dmNext, __dmEnd := 1, __dmSt[2]\n\tfor __dmK := 0; __dmK < __dmEnd; __dmK++ {\n\t\t__dmSt[0] = __dmK\n\t\t__dmX = __dmXs[__dmK]\n")
	body, err := g.opBody(op, info)
	if err != nil {
		return "", nil, err
	}
	sb.WriteString(body)
	sb.WriteString("\t\tif __dmK+1 >= __dmNext {\n\t\t\t__dmNext, __dmEnd = __dmw.Tick(__dmSt, __dmK + 1)\n\t\t}\n\t}\n\treturn false\n})")
	return sb.String(), types, nil
}

// loopDecls declares the chunk func lit under name, and name_run, which
// calls it with the arguments the driver holds for the chunk with the
// serial it is given (__dmw.Args) and hands its result to the driver
// (__dmw.Result). A mirror runs a chunk by evaluating name_run(serial): a
// func value kept from an earlier evaluation would run with yaegi's run id
// of that evaluation, and after an interrupt its loops would stop at once.
// rtypes are the parameters' types in the interpreter (see bindArg).
func loopDecls(name, lit string, types []string, rtypes []reflect.Type) string {
	var sb strings.Builder
	fmt.Fprintf(&sb, "func %s%s\n\nfunc %s_run(serial int) {\n\t__dmA := __dmw.Args(serial)\n", name, strings.TrimSuffix(strings.TrimPrefix(lit, "(func"), ")"), name)
	args := make([]string, len(types))
	for k, t := range types {
		args[k] = fmt.Sprintf("__dmP%d", k)
		var rt reflect.Type
		if k < len(rtypes) {
			rt = rtypes[k]
		}
		sb.WriteString(bindArg(args[k], fmt.Sprintf("__dmA[%d]", k), t, rt))
	}
	fmt.Fprintf(&sb, "\t__dmw.Result(%s(%s))\n}", name, strings.Join(args, ", "))
	return sb.String()
}

// loopGen accumulates the parts of a chunk func.
type loopGen struct {
	inline  bool
	prelude strings.Builder // statements before the loop
	apply   []func(args ...string) string
	params  [][]string // parameter types, per block
	results []string   // result type, per block
}

// addBlock prepares block j: either inlined, or bound once before the loop
// (with its captures) and called per element.
func (g *loopGen) addBlock(j int, b JobBlock) error {
	params, err := paramTypes(b.Type)
	if err != nil {
		return err
	}
	results, err := resultTypes(b.Type)
	if err != nil {
		return err
	}
	if len(params) == 0 {
		return fmt.Errorf("block at %s takes no argument", b.Pos)
	}
	g.params = append(g.params, params)
	g.results = append(g.results, results)
	caps := make([]string, len(b.Captures))
	for k := range b.Captures {
		caps[k] = fmt.Sprintf("__dmC%d_%d", j, k)
	}
	if g.inline {
		if lit, ok := inlinable(b); ok {
			g.apply = append(g.apply, func(args ...string) string { return inlineCall(j, b, lit, caps, args) })
			return nil
		}
	}
	if name, ok := calledByName(b); ok {
		g.apply = append(g.apply, func(args ...string) string {
			return fmt.Sprintf("\t\t__dmR%d = %s(%s)\n", j, name, strings.Join(args, ", "))
		})
		return nil
	}
	decl := make([]string, len(b.Captures))
	for k, c := range b.Captures {
		decl[k] = c.Name + " " + c.Type
	}
	// The block is made in a func taking its captures under their own
	// names, which the blocks of one call may share.
	fmt.Fprintf(&g.prelude, "\t__dmB%d := func(%s) %s {\n\t\t__dmBlock := (\n%s)\n\t\treturn __dmBlock\n\t}(%s)\n",
		j, strings.Join(decl, ", "), b.Type, blockSource(b), strings.Join(caps, ", "))
	g.apply = append(g.apply, func(args ...string) string {
		return fmt.Sprintf("\t\t__dmR%d = __dmB%d(%s)\n", j, j, strings.Join(args, ", "))
	})
	return nil
}

// calledByName returns the func a block without captures names: a
// declared func (fib), or a compiled one (__dms.F_fib). The chunk func calls
// it by name, which yaegi does faster than a func value, and without the
// block's position, which a panic in it does not need (a compiled func's
// frames carry their own lines, an interpreted func's are its
// declaration's): the chunk func of a call repeated in other cells is
// then the same one (see loopKey). It is read without a parser: loopKey
// asks for every chunk.
func calledByName(b JobBlock) (string, bool) {
	if len(b.Captures) > 0 {
		return "", false
	}
	expr := b.Expr
	for strings.HasPrefix(expr, "//") { // the frontend's //line directive
		_, expr, _ = strings.Cut(expr, "\n")
	}
	expr = strings.TrimSpace(expr)
	if token.IsIdentifier(expr) {
		return expr, true
	}
	if pkg, name, ok := strings.Cut(expr, "."); ok && pkg == frontend.SessionName && token.IsIdentifier(name) {
		return expr, true
	}
	return "", false
}

// opBody is the loop body of op for the element __dmX at __dmK.
func (g *loopGen) opBody(op string, info opInfo) (string, error) {
	x := "__dmX"
	switch op {
	case OpCollect, OpFlatCollect, OpGroupedBy:
		return g.apply[0](x) + "\t\t__dmOut[__dmK] = __dmR0\n", nil
	case OpCreateMirror:
		args := []string{x}
		if len(g.params[0]) == 2 { // CreateMirrorWithID
			args = append(args, "__dmOff+__dmK")
		}
		return g.apply[0](args...) + "\t\t__dmOut[__dmK] = __dmR0\n", nil
	case OpSelect:
		return g.apply[0](x) + "\t\t__dmKeep[__dmK] = __dmR0\n", nil
	case OpReject:
		return g.apply[0](x) + "\t\t__dmKeep[__dmK] = !__dmR0\n", nil
	case OpCollectThenSelect, OpCollectThenReject:
		neg := not(op == OpCollectThenReject)
		return g.apply[0](x) + "\t\t__dmOut[__dmK] = __dmR0\n\t\t__dmSt[1] = 1\n" + g.apply[1]("__dmR0") +
			fmt.Sprintf("\t\t__dmSt[1] = 0\n\t\t__dmKeep[__dmK] = %s__dmR1\n\t\tif !__dmKeep[__dmK] {\n\t\t\t__dmOut[__dmK] = __dmZ\n\t\t}\n", neg), nil
	case OpSelectThenCollect, OpRejectThenCollect:
		neg := not(op == OpRejectThenCollect)
		return g.apply[0](x) + fmt.Sprintf("\t\tif %s__dmR0 {\n\t\t\t__dmKeep[__dmK] = true\n\t\t\t__dmSt[1] = 1\n", neg) +
			g.apply[1](x) + "\t\t\t__dmSt[1] = 0\n\t\t\t__dmOut[__dmK] = __dmR1\n\t\t}\n", nil
	case OpAnySatisfy, OpAllSatisfy, OpNoneSatisfy:
		return g.apply[0](x) + fmt.Sprintf("\t\tif __dmR0 == %v {\n\t\t\treturn true\n\t\t}\n", info.decisive), nil
	}
	return "", fmt.Errorf("unknown op %q", op)
}

// not is the operator that negates a predicate's answer when negate holds.
func not(negate bool) string {
	if negate {
		return "!"
	}
	return ""
}

// inlineCall is block j applied to args, inlined: its captures and
// parameters are bound in a labelled switch whose label the block's return
// statements break out of after setting __dmR<j> (a switch costs yaegi less
// than a one-pass loop). yaegi does not reject unused variables.
func inlineCall(j int, b JobBlock, lit *ast.FuncLit, caps, args []string) string {
	var sb strings.Builder
	fmt.Fprintf(&sb, "\t__dmL%d:\n\t\tswitch {\n\t\tdefault:\n", j)
	for k, c := range b.Captures {
		fmt.Fprintf(&sb, "\t\t\t%s := %s\n", c.Name, caps[k])
	}
	k := 0
	for _, f := range lit.Type.Params.List {
		for _, n := range f.Names {
			if n.Name != "_" && k < len(args) {
				fmt.Fprintf(&sb, "\t\t\t%s := %s\n", n.Name, args[k])
			}
			k++
		}
	}
	sb.WriteString(rewriteReturns(b.Expr, lit, j))
	sb.WriteString("\n\t\t}\n")
	return sb.String()
}

// rewriteReturns returns the statements of lit's body with each of its own
// return statements (not those of nested func literals) replaced by an
// assignment to __dmR<j> and a break out of the inlined block.
func rewriteReturns(src string, lit *ast.FuncLit, j int) string {
	type edit struct {
		lo, hi int
		text   string
	}
	var edits []edit
	ast.Inspect(lit.Body, func(n ast.Node) bool {
		switch n := n.(type) {
		case *ast.FuncLit:
			return false
		case *ast.ReturnStmt:
			e := n.Results[0]
			edits = append(edits, edit{int(n.Pos()) - 1, int(n.End()) - 1,
				fmt.Sprintf("{\n__dmR%d = (%s)\nbreak __dmL%d\n}", j, src[e.Pos()-1:e.End()-1], j)})
		}
		return true
	})
	sort.Slice(edits, func(a, b int) bool { return edits[a].lo > edits[b].lo })
	lo, hi := int(lit.Body.Lbrace), int(lit.Body.Rbrace)-1 // inside the braces
	body := src
	for _, e := range edits {
		body = body[:e.lo] + e.text + body[e.hi:]
		hi += len(e.text) - (e.hi - e.lo)
	}
	return body[lo:hi]
}

// inlinable returns the block's func literal if inlining it keeps its
// meaning: one unnamed result; no defer, recover, goto or labels (the
// inlined code is not a func of its own); and no captured variable that it
// may modify (the inlined block sees a copy of the captures per element,
// where a closure keeps its changes from one element to the next).
func inlinable(b JobBlock) (*ast.FuncLit, bool) {
	e, err := parser.ParseExpr(b.Expr)
	if err != nil {
		return nil, false
	}
	lit, ok := e.(*ast.FuncLit)
	if !ok || lit.Type.Results == nil || len(lit.Type.Results.List) != 1 || len(lit.Type.Results.List[0].Names) > 0 {
		return nil, false
	}
	captured := map[string]bool{}
	for _, c := range b.Captures {
		captured[c.Name] = true
	}
	ok = true
	ast.Inspect(lit.Body, func(n ast.Node) bool {
		switch n := n.(type) {
		case *ast.FuncLit:
			// A nested literal may assign a capture; it is not inlined, so
			// it only needs checking for captures.
			if mentions(n, captured) {
				ok = false
			}
			return false
		case *ast.DeferStmt, *ast.LabeledStmt, *ast.GoStmt:
			ok = false
		case *ast.BranchStmt:
			if n.Tok == token.GOTO || n.Label != nil {
				ok = false
			}
		case *ast.ReturnStmt:
			if len(n.Results) != 1 {
				ok = false
			}
		case *ast.CallExpr:
			if id, isID := n.Fun.(*ast.Ident); isID && id.Name == "recover" {
				ok = false
			}
			if sel, isSel := n.Fun.(*ast.SelectorExpr); isSel && captured[rootName(sel.X)] {
				ok = false // a method with a pointer receiver may change it
			}
		case *ast.AssignStmt:
			if n.Tok != token.DEFINE {
				for _, l := range n.Lhs {
					if captured[rootName(l)] {
						ok = false
					}
				}
			}
		case *ast.IncDecStmt:
			if captured[rootName(n.X)] {
				ok = false
			}
		case *ast.UnaryExpr:
			if n.Op == token.AND && captured[rootName(n.X)] {
				ok = false
			}
		case *ast.RangeStmt:
			if n.Tok == token.ASSIGN && (captured[rootName(n.Key)] || captured[rootName(n.Value)]) {
				ok = false
			}
		}
		return ok
	})
	return lit, ok
}

// rootName is the variable an expression such as a.b[i].c starts from.
func rootName(e ast.Expr) string {
	for {
		switch x := e.(type) {
		case *ast.Ident:
			return x.Name
		case *ast.SelectorExpr:
			e = x.X
		case *ast.IndexExpr:
			e = x.X
		case *ast.StarExpr:
			e = x.X
		case *ast.ParenExpr:
			e = x.X
		default:
			return ""
		}
	}
}

// mentions says whether n uses any of names.
func mentions(n ast.Node, names map[string]bool) bool {
	found := false
	ast.Inspect(n, func(n ast.Node) bool {
		if id, ok := n.(*ast.Ident); ok && names[id.Name] {
			found = true
		}
		return !found
	})
	return found
}

// bindArg declares name of type typ, whose reflect type in the receiving
// interpreter is t (nil if unknown), holding src, an any that a binary func
// returned. yaegi's type assertion to an empty interface (any, or a session
// type such as `type Any interface{}`) fails on a value that did not come
// from interpreted code, so such a value is assigned instead; and its
// assertion of a nil value to an interface with methods panics, so nil is
// not asserted. A value of a session interface type with methods, which
// yaegi wraps, only travels when nil (see encodeCapture), and yaegi's
// assertion of that wrapper panics: it is declared, not bound.
func bindArg(name, src, typ string, t reflect.Type) string {
	switch {
	case t != nil && isInterpWrapper(t):
		return fmt.Sprintf("\tvar %s %s\n", name, typ)
	case t == nil || t.Kind() != reflect.Interface:
		return fmt.Sprintf("\t%s, _ := %s.(%s)\n", name, src, typ)
	case t.NumMethod() == 0:
		return fmt.Sprintf("\tvar %s %s = %s\n", name, typ, src)
	}
	return fmt.Sprintf("\tvar %s %s\n\tif %s != nil {\n\t\t%s, _ = %s.(%s)\n\t}\n", name, typ, src, name, src, typ)
}

// inTypes returns the parameter types of the func type ft.
func inTypes(ft reflect.Type) []reflect.Type {
	out := make([]reflect.Type, ft.NumIn())
	for k := range out {
		out[k] = ft.In(k)
	}
	return out
}

package frontend

import (
	"go/ast"
	"go/build"
	"go/token"
	"go/types"
	"io/fs"
	"path/filepath"
	"sort"
	"strings"
	"sync"
)

var keywords = []string{"break", "case", "chan", "const", "continue", "default", "defer", "else",
	"fallthrough", "for", "func", "go", "goto", "if", "import", "interface", "map", "package",
	"range", "return", "select", "struct", "switch", "type", "var"}

func isIdentByte(b byte) bool {
	return b == '_' || b >= '0' && b <= '9' || b >= 'a' && b <= 'z' || b >= 'A' && b <= 'Z' || b >= 0x80
}

// Complete returns the completions at byte offset cursor of code and the
// byte range [start, end) they replace: identifiers in scope, package
// members after `pkg.`, fields and methods after `x.`, and standard
// library import paths inside an import string.
func (im *Image) Complete(code string, cursor int) (matches []string, start, end int) {
	if cursor < 0 || cursor > len(code) {
		cursor = len(code)
	}
	defer func() {
		if r := recover(); r != nil {
			matches, start, end = nil, cursor, cursor // no completions rather than no kernel
		}
	}()
	code = blankMagics(code)
	start = cursor
	for start > 0 && isIdentByte(code[start-1]) {
		start--
	}
	end = cursor
	for end < len(code) && isIdentByte(code[end]) {
		end++
	}
	prefix := code[start:cursor]
	if ps, ok := importString(code, cursor); ok {
		return filterPrefix(im.stdPackages(), code[ps:cursor]), ps, cursor
	}
	if start > 0 && code[start-1] == '.' {
		expr := selectorBase(code, start-1)
		if expr == "" {
			return nil, start, end
		}
		return filterPrefix(im.members(code, cursor, expr), prefix), start, end
	}
	// The word being completed is not a name the code declares.
	return filterPrefix(im.scopeNames(code[:start]+code[end:]), prefix), start, end
}

func filterPrefix(names []string, prefix string) []string {
	var out []string
	seen := map[string]bool{}
	for _, n := range names {
		if strings.HasPrefix(n, prefix) && !strings.HasPrefix(n, "__") && !seen[n] {
			seen[n] = true
			out = append(out, n)
		}
	}
	sort.Strings(out)
	return out
}

// importString reports whether cursor is inside the string of an import,
// and where that string's text starts.
func importString(code string, cursor int) (int, bool) {
	lineStart := strings.LastIndexByte(code[:cursor], '\n') + 1
	line := code[lineStart:cursor]
	q := strings.LastIndexByte(line, '"')
	if q < 0 || strings.Count(line, "\"")%2 == 0 {
		return 0, false
	}
	before := strings.TrimSpace(line[:q])
	inBlock := false
	if i := strings.LastIndex(code[:lineStart], "import ("); i >= 0 && !strings.Contains(code[i:lineStart], ")") {
		inBlock = true
	}
	fields := strings.Fields(before)
	if inBlock && len(fields) <= 1 || len(fields) >= 1 && fields[0] == "import" && len(fields) <= 2 {
		return lineStart + q + 1, true
	}
	return 0, false
}

// selectorBase returns the expression before the dot at dot: a chain of
// identifiers, calls and indexes such as a.b(1)[2].
func selectorBase(code string, dot int) string {
	i := dot
	for i > 0 {
		c := code[i-1]
		switch {
		case isIdentByte(c) || c == '.':
			i--
		case c == ')' || c == ']':
			open := byte('(')
			if c == ']' {
				open = '['
			}
			depth := 0
			j := i - 1
			for ; j >= 0; j-- {
				if code[j] == c {
					depth++
				} else if code[j] == open {
					depth--
					if depth == 0 {
						break
					}
				}
			}
			if j < 0 {
				return ""
			}
			i = j
		default:
			return strings.TrimLeft(code[i:dot], ".")
		}
	}
	return strings.TrimLeft(code[i:dot], ".")
}

// scopeNames lists the names a cell can use: the session's, the prelude's,
// imports, predeclared ones, keywords, and those the code declares.
func (im *Image) scopeNames(code string) []string {
	s := im.current()
	names := append([]string(nil), keywords...)
	names = append(names, types.Universe.Names()...)
	if pkg := im.sessionPackage(s); pkg != nil {
		names = append(names, pkg.Scope().Names()...)
	} else {
		for _, f := range im.prelude {
			for _, d := range f.Decls {
				switch d := d.(type) {
				case *ast.FuncDecl:
					if d.Recv == nil {
						names = append(names, d.Name.Name)
					}
				case *ast.GenDecl:
					for _, sp := range d.Specs {
						switch sp := sp.(type) {
						case *ast.TypeSpec:
							names = append(names, sp.Name.Name)
						case *ast.ValueSpec:
							for _, n := range sp.Names {
								names = append(names, n.Name)
							}
						}
					}
				}
			}
		}
	}
	for _, i := range s.imports {
		names = append(names, i.key(im.imp))
	}
	names = append(names, codeIdents(code)...)
	return names
}

func codeIdents(code string) []string {
	var out []string
	for _, w := range strings.FieldsFunc(code, func(r rune) bool { return r < 0x80 && !isIdentByte(byte(r)) }) {
		if w != "" && !(w[0] >= '0' && w[0] <= '9') {
			out = append(out, w)
		}
	}
	return out
}

// members lists what can follow `expr.`: a package's exported names, or
// the fields and methods of expr's type.
func (im *Image) members(code string, cursor int, expr string) []string {
	if pkg := im.packageNamed(code, expr); pkg != nil {
		var out []string
		for _, n := range pkg.Scope().Names() {
			if token.IsExported(n) {
				out = append(out, n)
			}
		}
		return out
	}
	t := im.exprType(code, cursor, expr)
	if t == nil {
		return nil
	}
	return fieldsAndMethods(t)
}

// packageNamed returns the package a name refers to in the session or the
// code's imports, or a standard package of that name.
func (im *Image) packageNamed(code, name string) *types.Package {
	if strings.Contains(name, ".") {
		return nil
	}
	s := im.current()
	if pkg := im.sessionPackage(s); pkg != nil {
		if obj := pkg.Scope().Lookup(name); obj != nil {
			return nil // a session name shadows packages
		}
	}
	for _, i := range s.imports {
		if i.key(im.imp) == name {
			p, _ := im.imp.Import(i.path)
			return p
		}
	}
	for _, path := range im.stdPackages() {
		if path == name || strings.HasSuffix(path, "/"+name) {
			if strings.Contains(code, "\""+path+"\"") || path == name {
				p, err := im.imp.Import(path)
				if err == nil && p.Name() == name {
					return p
				}
			}
		}
	}
	return nil
}

// exprType finds the type of expr as the code before the cursor's line
// leaves it (inside a func too: its open blocks are closed), or else in the
// session's scope.
func (im *Image) exprType(code string, cursor int, expr string) types.Type {
	lineStart := strings.LastIndexByte(code[:cursor], '\n') + 1
	_, indent := IsComplete(code[:lineStart])
	closing := strings.Repeat("}\n", len(indent)/4)
	probe := code[:lineStart] + "\n" + probeName + " := " + expr + "\n" + closing
	c := &compiler{im: im, base: im.current(), cell: 0, src: probe, lines: newLineTable(probe), ce: &CompileError{}, ed: &editor{}, sed: &editor{}}
	defer c.done()
	if t := c.probeType(); t != nil {
		return t
	}
	s := im.current()
	pkg := im.sessionPackage(s)
	if pkg == nil {
		return nil
	}
	tv, err := types.Eval(im.fset, pkg, token.NoPos, expr)
	if err != nil {
		return nil
	}
	return tv.Type
}

const probeName = "__dmCompleteProbe"

// probeType runs the first steps of Compile and returns the type of the
// variable probeName, wherever the code declares it.
func (c *compiler) probeType() types.Type {
	c.segs = split(c.src)
	c.declPiece = blank(c.src, c.segs, func(k segKind) bool { return k == segDecl })
	c.bodyPiece = blank(c.src, c.segs, func(k segKind) bool { return k == segStmt || k == segVar })
	c.parseImports(blank(c.src, c.segs, func(k segKind) bool { return k == segImport }))
	c.parseDecls()
	c.parseBody()
	if c.topStmts == nil && c.declNames == nil {
		return nil
	}
	c.mergeImports()
	c.keepCommitted()
	if err := c.pass1(); err != nil || c.pass1Types == nil {
		return nil
	}
	for id, obj := range c.pass1Types.info.Defs {
		if id.Name == probeName && obj != nil && obj.Type() != typesInvalid() {
			return obj.Type()
		}
	}
	return nil
}

func fieldsAndMethods(t types.Type) []string {
	var out []string
	seen := map[string]bool{}
	add := func(n string) {
		if !seen[n] {
			seen[n] = true
			out = append(out, n)
		}
	}
	var fields func(t types.Type, depth int)
	fields = func(t types.Type, depth int) {
		if depth > 4 {
			return
		}
		if p, ok := t.Underlying().(*types.Pointer); ok {
			t = p.Elem()
		}
		st, ok := t.Underlying().(*types.Struct)
		if !ok {
			return
		}
		for i := 0; i < st.NumFields(); i++ {
			f := st.Field(i)
			if f.Exported() || f.Pkg() == nil || f.Pkg().Path() == "main" {
				add(f.Name())
			}
			if f.Embedded() {
				fields(f.Type(), depth+1)
			}
		}
	}
	fields(t, 0)
	mt := t
	if _, ok := t.Underlying().(*types.Interface); !ok {
		if _, ptr := t.(*types.Pointer); !ptr {
			mt = types.NewPointer(t)
		}
	}
	ms := types.NewMethodSet(mt)
	for i := 0; i < ms.Len(); i++ {
		f := ms.At(i).Obj()
		if f.Exported() || f.Pkg() == nil || f.Pkg().Path() == "main" {
			add(f.Name())
		}
	}
	return out
}

var (
	stdOnce sync.Once
	stdList []string
)

// stdPackages lists the standard library's importable packages, from the
// source tree of GOROOT.
func (im *Image) stdPackages() []string {
	stdOnce.Do(func() {
		root := im.opts.GOROOT
		if root == "" {
			root = build.Default.GOROOT
		}
		src := filepath.Join(root, "src")
		_ = filepath.WalkDir(src, func(path string, d fs.DirEntry, err error) error {
			if err != nil {
				return nil // unreadable parts of GOROOT just give no completions
			}
			if !d.IsDir() {
				return nil
			}
			rel, _ := filepath.Rel(src, path)
			base := d.Name()
			if rel != "." && (base == "internal" || base == "vendor" || base == "testdata" || rel == "cmd" || strings.HasPrefix(base, ".") || strings.HasPrefix(base, "_")) {
				return filepath.SkipDir
			}
			if rel != "." && hasGoFiles(path) {
				stdList = append(stdList, filepath.ToSlash(rel))
			}
			return nil
		})
		sort.Strings(stdList)
	})
	return stdList
}

func hasGoFiles(dir string) bool {
	entries, _ := filepath.Glob(filepath.Join(dir, "*.go"))
	for _, e := range entries {
		if !strings.HasSuffix(e, "_test.go") {
			return true
		}
	}
	return false
}

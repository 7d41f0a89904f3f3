package frontend

import (
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"go/types"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"testing"
)

// A cell program of testdata/gen is a txtar-like file: sections
// `-- cell --` (one per cell, in order), `-- want --` saying, one line per
// cell, whether the cell makes a generation ("gen") or not ("none"), or
// fails to compile ("error TEXT"), and `-- compiled --`, the compiled
// names after the last cell (methods as T.m), and `-- vars --`, the
// variables after the last cell as "name type ptr" (ptr "-" for none).

type genProgram struct {
	cells    []string
	want     []string
	compiled []string
	vars     []string
}

func readGenProgram(t *testing.T, path string) genProgram {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var p genProgram
	var section string
	var b strings.Builder
	flush := func() {
		text := b.String()
		b.Reset()
		switch section {
		case "cell":
			p.cells = append(p.cells, text)
		case "want":
			p.want = nonEmptyLines(text)
		case "compiled":
			p.compiled = strings.Fields(text)
		case "vars":
			p.vars = nonEmptyLines(text)
		case "":
		default:
			t.Fatalf("%s: unknown section %q", path, section)
		}
	}
	for _, line := range strings.SplitAfter(string(data), "\n") {
		if strings.HasPrefix(line, "-- ") && strings.HasSuffix(strings.TrimSpace(line), " --") {
			flush()
			section = strings.TrimSuffix(strings.TrimPrefix(strings.TrimSpace(line), "-- "), " --")
			continue
		}
		b.WriteString(line)
	}
	flush()
	return p
}

func nonEmptyLines(s string) []string {
	var out []string
	for _, l := range strings.Split(s, "\n") {
		if l = strings.TrimSpace(l); l != "" {
			out = append(out, l)
		}
	}
	return out
}

func newGenImage(t testing.TB) *Image {
	im := NewImage(Options{Compiled: true, CompiledDecls: true})
	t.Cleanup(im.Close)
	return im
}

// TestGenerations runs each cell program of testdata/gen through an image
// that compiles declarations, and checks each generation with Go (go build
// with a trivial main) and the interpreted sources with go/types against a
// package exposing the generation's Symbols as "dmirror/session".
func TestGenerations(t *testing.T) {
	files, _ := filepath.Glob("testdata/gen/*.txtar")
	if len(files) == 0 {
		t.Fatal("no testdata/gen/*.txtar")
	}
	for _, file := range files {
		t.Run(strings.TrimSuffix(filepath.Base(file), ".txtar"), func(t *testing.T) {
			p := readGenProgram(t, file)
			if len(p.want) != len(p.cells) {
				t.Fatalf("%d cells, %d want lines", len(p.cells), len(p.want))
			}
			im := newGenImage(t)
			var gens []*Generation
			lastN := 0
			for i, cell := range p.cells {
				plan, err := im.Compile(cell, i+1)
				want := p.want[i]
				if strings.HasPrefix(want, "error ") {
					if err == nil || !strings.Contains(err.Error(), strings.TrimPrefix(want, "error ")) {
						t.Fatalf("cell %d: error %v, want one containing %q", i+1, err, strings.TrimPrefix(want, "error "))
					}
					continue
				}
				if err != nil {
					t.Fatalf("cell %d: %v", i+1, err)
				}
				got := "none"
				if plan.Generation != nil {
					got = "gen"
					if plan.Generation.N <= lastN || !plan.Rebuild {
						t.Fatalf("cell %d: generation %d after %d, Rebuild %v", i+1, plan.Generation.N, lastN, plan.Rebuild)
					}
					lastN = plan.Generation.N
					gens = append(gens, plan.Generation)
				}
				if got != want {
					t.Fatalf("cell %d: %s, want %s\n%s", i+1, got, want, genDump(plan))
				}
				im.Commit(plan)
				checkInterpreted(t, im, plan)
			}
			if p.compiled != nil {
				got := compiledNames(im.current())
				if !slices.Equal(got, p.compiled) {
					t.Errorf("compiled %v, want %v", got, p.compiled)
				}
			}
			if p.vars != nil {
				var got []string
				for _, v := range im.Vars() {
					ptr := v.Ptr
					if ptr == "" {
						ptr = "-"
					}
					got = append(got, v.Name+" "+v.Type+" "+ptr)
				}
				if !slices.Equal(got, p.vars) {
					t.Errorf("vars\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(p.vars, "\n"))
				}
			}
			for _, g := range gens {
				goBuildGeneration(t, g)
			}
		})
	}
}

func compiledNames(s *state) []string {
	var out []string
	if s.compiled != nil {
		for n := range s.compiled.names {
			out = append(out, n)
		}
	}
	sort.Strings(out)
	return out
}

func genDump(p *Plan) string {
	var b strings.Builder
	if p.Generation != nil {
		for _, name := range []string{"session.go", "access.go", "symbols.go"} {
			fmt.Fprintf(&b, "== %s\n%s\n", name, p.Generation.Files[name])
		}
	}
	fmt.Fprintf(&b, "== ImageDecls\n%s\n== Decls\n%s\n== Body\n%s\n", p.ImageDecls, p.Decls, p.Body)
	return b.String()
}

// goBuildGeneration builds a generation's files with a trivial main as a
// Go program: the compiler is the judge of the generated source.
func goBuildGeneration(t *testing.T, g *Generation) {
	t.Helper()
	if out, err := goBuildOutput(t, g, "gentest"); err != nil {
		t.Fatalf("go build of generation %d: %v\n%s\n== session.go\n%s\n== access.go\n%s\n== symbols.go\n%s", g.N, err, out,
			g.Files["session.go"], g.Files["access.go"], g.Files["symbols.go"])
	}
}

// goBuildOutput builds a generation's files with a trivial main as module
// mod, with the go command's extra args, and returns its output.
func goBuildOutput(t *testing.T, g *Generation, mod string, args ...string) (string, error) {
	t.Helper()
	dir := t.TempDir()
	files := map[string]string{"go.mod": "module " + mod + "\n\ngo 1.23\n", "main_test_gen.go": "package main\n\nfunc main() {}\n"}
	for name, src := range g.Files {
		files[name] = src
	}
	writeFiles(t, dir, files)
	cmd := exec.Command("go", append(append([]string{"build", "-o", filepath.Join(dir, "out")}, args...), ".")...)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "GOWORK=off", "GOFLAGS=-mod=mod", "GOPROXY=off")
	out, err := cmd.CombinedOutput()
	return string(out), err
}

// checkInterpreted type-checks the interpreted image after plan (its
// declarations, and the plan's body) as package main with the prelude, and
// "dmirror/session" served as the generation's package with every key of
// its Symbols declared as a Go identifier: an interpreted source that
// names a compiled declaration other than through __dms, or reaches an
// unexported member without an accessor, fails here as in yaegi.
func checkInterpreted(t *testing.T, im *Image, plan *Plan) {
	t.Helper()
	s := im.current()
	fset := token.NewFileSet()
	imp := &genImporter{im: im, fset: fset}
	if s.compiled != nil {
		pkg, err := sessionFacade(fset, im, s.compiled)
		if err != nil {
			t.Fatalf("facade of generation %d: %v", s.compiled.n, err)
		}
		imp.session = pkg
	}
	var files []*ast.File
	src := imageSource(s)
	if src != "" {
		src = strings.Replace(src, "package main", "package main;"+strings.ReplaceAll(importBlock(missing(s.imports, yaegiOnly)), "\n", ""), 1)
		f, err := parser.ParseFile(fset, "image.go", src, parser.SkipObjectResolution)
		if err != nil {
			t.Fatalf("parse image: %v\n%s", err, src)
		}
		files = append(files, f)
	}
	var bodySrc string
	if plan.Body != "" {
		// Every file of the session shares its imports in yaegi; Go
		// wants them in each file.
		imports := append(s.imports[:len(s.imports):len(s.imports)], missing(s.imports, yaegiOnly)...)
		if s.compiled != nil {
			imports = append(append([]importItem(nil), imports...), importItem{name: SessionName, path: SessionPath})
		}
		bodySrc = strings.Replace(plan.Body, "package main", "package main;"+strings.ReplaceAll(importBlock(imports), "\n", ""), 1)
		f, err := parser.ParseFile(fset, "body.go", bodySrc, parser.SkipObjectResolution)
		if err != nil {
			t.Fatalf("parse body: %v\n%s", err, bodySrc)
		}
		files = append(files, f)
	}
	if len(files) == 0 {
		return
	}
	var errs []string
	conf := types.Config{GoVersion: interpreterGoVersion, Importer: imp, Error: func(err error) {
		if te, ok := err.(types.Error); ok && (ignorable(te.Msg) || strings.Contains(te.Msg, errYaegiOnly)) {
			return
		}
		errs = append(errs, err.Error())
	}}
	pre := im.prePkg.get(im.fset, im.imp, im.prelude)
	pkg := pre.sessionPackage()
	_ = types.NewChecker(&conf, fset, pkg, nil).Files(files)
	if len(errs) > 0 {
		t.Fatalf("cell %d: interpreted sources do not type-check:\n%s\n== image\n%s\n== body\n%s\n%s", plan.Cell, strings.Join(errs, "\n"), src, bodySrc, genDump(plan))
	}
}

// yaegiOnly are the binary packages of the image process that the
// yaegi workarounds' rewrites call (the prelude imports them): not part of
// the generation's contract, so their uses are not checked.
var yaegiOnly = []importItem{{name: "__dmgofmt", path: "dmirror/gofmt"}, {name: "__dmnative", path: NativePath}}

// missing returns the imports of extra that have names imports lacks.
func missing(imports, extra []importItem) []importItem {
	var out []importItem
	for _, e := range extra {
		if !slices.ContainsFunc(imports, func(im importItem) bool { return im.name == e.name }) {
			out = append(out, e)
		}
	}
	return out
}

const errYaegiOnly = "yaegi-only package"

type genImporter struct {
	im      *Image
	fset    *token.FileSet
	session *types.Package
}

func (g *genImporter) Import(path string) (*types.Package, error) {
	if path == SessionPath {
		if g.session == nil {
			return nil, fmt.Errorf("no generation")
		}
		return g.session, nil
	}
	for _, y := range yaegiOnly {
		if path == y.path {
			return nil, fmt.Errorf("%s", errYaegiOnly)
		}
	}
	return g.im.imp.Import(path)
}

// sessionFacade checks the generation as package "dmirror/session" with a
// file declaring its Symbols' keys as identifiers.
func sessionFacade(fset *token.FileSet, im *Image, cs *compiledSet) (*types.Package, error) {
	var keys strings.Builder
	keys.WriteString("package main\n")
	if _, rest, ok := strings.Cut(cs.files["symbols.go"], "\nimport ("); ok {
		imports, _, _ := strings.Cut(rest, ")")
		keys.WriteString("import (" + imports + ")\n") // for the instantiations' packages
	}
	for _, line := range strings.Split(cs.files["symbols.go"], "\n") {
		// An entry of the table: {"key", value},
		line = strings.TrimSpace(line)
		if !strings.HasPrefix(line, "{\"") || !strings.HasSuffix(line, "},") {
			continue
		}
		key, val, _ := strings.Cut(strings.TrimSuffix(strings.TrimPrefix(line, "{"), "},"), ", ")
		key = strings.Trim(key, "\"")
		switch {
		case strings.HasPrefix(key, "T_"):
			fmt.Fprintf(&keys, "type %s = %s\n", key, strings.TrimSuffix(strings.TrimPrefix(val, "(*"), ")(nil)"))
		case strings.HasPrefix(key, "_"):
			// a wrapper, for the interpreter only
		case strings.HasPrefix(key, "C_"):
			fmt.Fprintf(&keys, "const %s = %s\n", key, strings.TrimPrefix(key, "C_"))
		default:
			fmt.Fprintf(&keys, "var %s = %s\n", key, val)
		}
	}
	var files []*ast.File
	for name, src := range map[string]string{"session.go": cs.files["session.go"], "access.go": cs.files["access.go"], "keys.go": keys.String()} {
		f, err := parser.ParseFile(fset, name, src, parser.SkipObjectResolution)
		if err != nil {
			return nil, fmt.Errorf("%s: %w\n%s", name, err, src)
		}
		files = append(files, f)
	}
	var first error
	conf := types.Config{GoVersion: interpreterGoVersion, Importer: im.imp, Error: func(err error) {
		if first == nil {
			first = err
		}
	}}
	conf.Error = func(err error) {
		if te, ok := err.(types.Error); ok && ignorable(te.Msg) {
			return
		}
		if first == nil {
			first = err
		}
	}
	pkg, _ := conf.Check(SessionPath, fset, files, nil)
	return pkg, first
}

// TestGenerationsOff: without Options.CompiledDecls (or without Compiled)
// the frontend is the interpreter-only one: no generation, no __dms.
func TestGenerationsOff(t *testing.T) {
	p := readGenProgram(t, "testdata/gen/methods.txtar")
	for _, opts := range []Options{{Compiled: true}, {CompiledDecls: true}} {
		im := NewImage(opts)
		for i, cell := range p.cells {
			plan, err := im.Compile(cell, i+1)
			if err != nil {
				t.Fatalf("%+v cell %d: %v", opts, i+1, err)
			}
			if plan.Generation != nil || strings.Contains(plan.Decls+plan.Body+plan.ImageDecls, SessionName) {
				t.Fatalf("%+v cell %d: generation %v\n%s", opts, i+1, plan.Generation != nil, genDump(plan))
			}
			for _, v := range plan.Vars {
				if v.Ptr != "" || strings.Contains(v.Type, SessionName) {
					t.Fatalf("%+v cell %d: var %+v", opts, i+1, v)
				}
			}
			im.Commit(plan)
		}
		if im.Generation() != nil {
			t.Fatalf("%+v: Image.Generation() is set", opts)
		}
		im.Close()
	}
}

// FuzzCompileGenerations feeds arbitrary cells to Compile with compiled
// declarations, after a cell that declares compiled types with unexported
// members and a compiled variable: Compile must answer, never fail inside,
// and what it emits (interpreted sources and the generation) must parse.
func FuzzCompileGenerations(f *testing.F) {
	for _, seed := range []string{
		"c := counter{name: \"a\"}\nc.inc(2)\nc.hits++\nc",
		"p := &item{base{1}, \"x\"}\np.id = 3\nget := p.bump\nget()",
		"xs := byArea{rect{1, 2}}\nsort.Sort(xs)\nslices.SortFunc(people, func(a, b person) int { return a.age - b.age })",
		"func g() int { return scale * limit }\nscale = g()",
		"type T struct{ x int }\nfunc (t T) X() int { return t.x }\nfunc mk() T { return T{1} }\nmk().x",
		"defer counter{}.label()\ngo newCounter(\"a\").inc(1)",
		"var scale int\nscale++",
	} {
		f.Add(seed)
	}
	im := NewImage(Options{Compiled: true, CompiledDecls: true})
	defer im.Close()
	base := `import ("sort"; "slices")
type counter struct{ name string; hits int }
func (c *counter) inc(by int) { c.hits += by }
func (c counter) label() string { return c.name }
func newCounter(n string) *counter { return &counter{name: n} }
type base struct{ id int }
func (b *base) bump() int { b.id++; return b.id }
type item struct{ base; Name string }
type Shape interface{ Area() float64 }
type rect struct{ w, h float64 }
func (r rect) Area() float64 { return r.w * r.h }
type byArea []Shape
func (b byArea) Len() int { return len(b) }
func (b byArea) Less(i, j int) bool { return b[i].Area() < b[j].Area() }
func (b byArea) Swap(i, j int) { b[i], b[j] = b[j], b[i] }
type person struct{ name string; age int }
people := []person{{"a", 1}}
const limit = 3
scale := 2
func scaled() int { return scale * limit }
_ = sort.Ints
_ = slices.Max[[]int]`
	p, err := im.Compile(base, 1)
	if err != nil {
		f.Fatal(err)
	}
	im.Commit(p)
	f.Fuzz(func(t *testing.T, code string) {
		p, err := im.Compile(code, 2)
		if err != nil && strings.Contains(err.Error(), "internal error") {
			t.Fatalf("Compile(%q): %v", code, err)
		}
		if err != nil {
			return
		}
		srcs := []string{p.Decls, p.Body, p.ImageDecls}
		if p.Generation != nil {
			for _, s := range p.Generation.Files {
				srcs = append(srcs, s)
			}
		}
		for _, src := range srcs {
			if src == "" {
				continue
			}
			if _, err := parser.ParseFile(token.NewFileSet(), "", src, parser.SkipObjectResolution); err != nil {
				t.Fatalf("Compile(%q) emitted code that does not parse: %v\n%s", code, err, src)
			}
		}
	})
}

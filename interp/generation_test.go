package interp

import (
	"bytes"
	"context"
	"maps"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/traefik/yaegi/stdlib"

	"github.com/dmirror/dmirror/interp/frontend"
	"github.com/dmirror/dmirror/interp/modules"
	"github.com/dmirror/dmirror/kernel/engine"
	"github.com/dmirror/dmirror/kernel/engine/enginetest"
)

// genSession is session with compiled packages and declarations on, as
// NewSession sets them up, caching image binaries in a fresh directory.
func genSession(t testing.TB, cells map[string]cell) *Session {
	t.Helper()
	return genSessionIn(t, cells, t.TempDir())
}

// genSessionIn is genSession caching image binaries and plugins in cache.
func genSessionIn(t testing.TB, cells map[string]cell, cache string) *Session {
	t.Helper()
	if testing.Short() {
		t.Skip("builds an image binary and plugins")
	}
	env := append(os.Environ(), "DMIRROR_CACHE="+cache)
	compiled, withMods, why := newCompiledPackages(env)
	if withMods == nil {
		t.Skipf("no compiled code: %s", why)
	}
	s, _ := session(t, cells, "DMIRROR_CACHE="+lookupOr(env, "DMIRROR_CACHE"))
	mods := modules.NewCells(modules.Options{Env: env, HasStd: modules.StdFromSymbols(stdlib.Symbols), Compiled: compiled})
	t.Cleanup(func() { mods.Close() })
	s.mods, s.compiled = mods, withMods(mods)
	return s
}

func lookupOr(env []string, key string) string {
	v, _ := lookup(env, key)
	return v
}

var txtarFile = regexp.MustCompile(`(?m)^-- (\S+) --$\n`)

// readTxtar returns the files of a txtar archive.
func readTxtar(t testing.TB, path string) map[string]string {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	files := map[string]string{}
	locs := txtarFile.FindAllSubmatchIndex(data, -1)
	for i, l := range locs {
		end := len(data)
		if i+1 < len(locs) {
			end = locs[i+1][0]
		}
		files[string(data[l[2]:l[3]])] = string(data[l[1]:end])
	}
	return files
}

// generation returns the files of generation dir of a txtar archive.
func generation(files map[string]string, n int, dir string) *frontend.Generation {
	g := &frontend.Generation{N: n, Files: map[string]string{}}
	for name, src := range files {
		if rest, ok := strings.CutPrefix(name, dir+"/"); ok {
			g.Files[rest] = src
		}
	}
	return g
}

// goRunFiles runs the files named of an archive as one Go program (the
// oracle) and returns its stdout.
func goRunFiles(t testing.TB, files map[string]string, names ...string) string {
	t.Helper()
	dir := t.TempDir()
	for _, n := range names {
		if err := os.WriteFile(filepath.Join(dir, filepath.Base(n)), []byte(files[n]), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.WriteFile(filepath.Join(dir, "go.mod"), []byte("module oracle\n\ngo 1.26\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command("go", "run", ".")
	cmd.Dir = dir
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	if err := cmd.Run(); err != nil {
		t.Fatalf("go run: %v\n%s", err, errb.String())
	}
	return out.String()
}

const dmsImport = "import __dms \"dmirror/session\"\nimport \"fmt\"\n"

// TestGenerations runs cells against hand-made generations of compiled
// declarations (testdata/generations/point.txtar): values of compiled
// types live in interpreted vars, a compiled var is read and written
// through its pointer, output of compiled code keeps its order with the
// cell's, a new generation changes a type while values of it exist (moved
// by field name, unexported fields included, also inside interfaces), and
// a new image process restores everything from the kernel's snapshot.
func TestGenerations(t *testing.T) {
	files := readTxtar(t, "testdata/generations/point.txtar")
	counter := frontend.Var{Name: "counter", Type: "int", Ptr: "PV_counter"}
	vars := []frontend.Var{{Name: "p", Type: "__dms.T_Point"}, {Name: "boxed", Type: "any"}}
	const declVars = "var p __dms.T_Point\nvar boxed any\n"
	const part1 = `p = __dms.T_Point{X: 1}
*__dms.PF_Point_y(&p) = 2
fmt.Println(p)
fmt.Printf("%T %d\n", p, *__dms.PF_Point_y(&p))
fmt.Println("a")
__dms.F_hello()
fmt.Println("c")
*__dms.PV_counter = 10
fmt.Println(__dms.F_bump())
boxed = p
_, ok := boxed.(__dms.T_Point)
fmt.Println(ok)`
	const part2 = `fmt.Println(p)
fmt.Printf("%T %d\n", p, *__dms.PF_Point_y(&p))
fmt.Println(__dms.F_bump())
_, ok := boxed.(__dms.T_Point)
fmt.Println(ok, boxed)`
	s := genSession(t, map[string]cell{
		"gen1":      {decls: dmsImport, rebuild: true, gen: generation(files, 1, "gen1"), newVars: []frontend.Var{counter}},
		"vars":      {decls: declVars, newVars: vars},
		"part1":     {body: part1, touched: []string{"p", "boxed", "counter"}},
		"gen2fails": {decls: dmsImport + declVars, rebuild: true, gen: generation(files, 2, "gen2"), body: "panic(\"no\")"},
		"check":     {body: "fmt.Println(p)\n__dms.F_hello()\nfmt.Println(boxed)"},
		"gen2":      {decls: dmsImport + declVars, rebuild: true, gen: generation(files, 3, "gen2")},
		"part2":     {body: part2, touched: []string{"counter"}},
	})
	run(t, s, 1, "gen1")
	run(t, s, 2, "vars")
	res, out := execCell(t, s, 3, "part1")
	mustOK(t, res)
	if got, want := out.Text("stdout"), goRunFiles(t, files, "gen1/decls.go", "main1.go"); got != want {
		t.Errorf("gen1 cell printed\n%s\nwant (go run)\n%s", got, want)
	}
	// A failed cell with a new generation leaves the image as it was.
	if res, _ := execCell(t, s, 4, "gen2fails"); res.Error == nil || res.Error.Name != "Panic" {
		t.Fatalf("got %v, want a Panic", res.Error)
	}
	res, out = execCell(t, s, 4, "check")
	mustOK(t, res)
	if got := out.Text("stdout"); got != "P(1,2)\nb\nP(1,2)\n" {
		t.Errorf("after a failed cell with a new generation: %q, want gen1's values and code", got)
	}
	run(t, s, 4, "gen2")
	want2 := goRunFiles(t, files, "gen2/decls.go", "main2.go")
	res, out = execCell(t, s, 5, "part2")
	mustOK(t, res)
	if got := out.Text("stdout"); got != want2 {
		t.Errorf("gen2 cell printed\n%s\nwant (go run)\n%s", got, want2)
	}

	// A new image process gets the committed generation and values.
	s.process().kill()
	res, out = execCell(t, s, 6, "part2")
	mustOK(t, res)
	want3 := strings.Replace(want2, "12\n", "13\n", 1)
	if got := out.Text("stdout"); got != want3 {
		t.Errorf("after a restart the cell printed\n%s\nwant\n%s", got, want3)
	}
	if !strings.Contains(out.Text("stderr"), "restarted") {
		t.Errorf("stderr %q does not say the image process was restarted", out.Text("stderr"))
	}
}

// fibCells are the cells of the tests over testdata/generations/fib.txtar.
func fibCells(t testing.TB) (map[string]cell, map[string]string) {
	files := readTxtar(t, "testdata/generations/fib.txtar")
	scale := frontend.Var{Name: "scale", Type: "int", Ptr: "PV_scale"}
	block := func(expr string) []frontend.Block {
		return []frontend.Block{{ID: 1, Expr: "//line cell[3]/_.go:1\n" + expr, Type: "func(int) int",
			Globals: []string{"scale", "xs"}, Pos: "cell[3] line 1", File: "cell[3]/_.go", Line: 1, Col: 1}}
	}
	return map[string]cell{
		"gen": {decls: dmsImport, rebuild: true, gen: generation(files, 1, "gen"), newVars: []frontend.Var{scale}},
		"xs": {decls: dmsImport + "var xs []int\nvar ys []int", rebuild: true, body: "xs = []int{20, 21, 22, 23}\n*__dms.PV_scale = 3",
			touched: []string{"xs", "scale"}, newVars: []frontend.Var{{Name: "xs", Type: "[]int"}, {Name: "ys", Type: "[]int"}}},
		"par": {body: "ys = ParallelCollect[int, int](xs, __dms.F_scaled, __dmBlock(1))\nfmt.Println(ys)",
			touched: []string{"ys"}, blocks: block("__dms.F_scaled")},
		"pick": {body: "ParallelCollect[int, int]([]int{0, 1, 7, 2}, func(i int) int { return __dms.F_pick(xs, i) }, __dmBlock(1))",
			blocks: block("func(i int) int { return __dms.F_pick(xs, i) }")},
		"spin":  {body: "xs = nil\n*__dms.PV_scale = 4\nfmt.Println(\"spinning\")\n__dms.F_spin()", touched: []string{"xs", "scale"}},
		"deep":  {body: "xs = nil\n*__dms.PV_scale = 5\n__dms.F_deep(0)", touched: []string{"xs", "scale"}},
		"state": {body: "fmt.Println(xs, *__dms.PV_scale, __dms.F_fib(20))"},
	}, files
}

// TestGenerationMirrors: a Parallel call over a compiled func runs it in
// the mirrors, which load the generation's plugin and get the compiled
// var the block reads through its pointer.
func TestGenerationMirrors(t *testing.T) {
	cells, files := fibCells(t)
	s := genSession(t, cells)
	run(t, s, 1, "gen")
	run(t, s, 2, "xs")
	res, out := execCell(t, s, 3, "par")
	mustOK(t, res)
	if got, want := out.Text("stdout"), goRunFiles(t, files, "gen/decls.go", "main.go"); got != want {
		t.Errorf("the Parallel cell printed %q, want (go run) %q", got, want)
	}
}

// TestGenerationKillers: a cell stuck in compiled code (for {}) is
// interrupted by restarting the image process, and a stack overflow in
// compiled code, which kills it, is reported; both times the generation
// and the values come back.
func TestGenerationKillers(t *testing.T) {
	cells, _ := fibCells(t)
	s := genSession(t, cells)
	run(t, s, 1, "gen")
	run(t, s, 2, "xs")
	_, before := execCell(t, s, 3, "state")

	ctx, cancel := context.WithCancel(context.Background())
	out := enginetest.NewRecorder()
	resc := make(chan engine.Result, 1)
	go func() { resc <- s.Execute(ctx, engine.ExecuteRequest{Code: "spin", Count: 4}, out) }()
	out.WaitFor(t, "stdout", "spinning")
	start := time.Now()
	cancel()
	res := <-resc
	t.Logf("interrupt of compiled for {} took %v", time.Since(start))
	if took := time.Since(start); took > 2*interruptGrace {
		t.Errorf("interrupt took %v, want under %v", took, 2*interruptGrace)
	}
	if res.Error == nil || res.Error.Name != "Interrupted" || !hasLine(res.Error.Traceback, "restarted") {
		t.Fatalf("got %v, want Interrupted with a restart", res.Error)
	}
	_, after := execCell(t, s, 5, "state")
	if after.Text("stdout") != before.Text("stdout") {
		t.Errorf("after the interrupt: %q, want %q", after.Text("stdout"), before.Text("stdout"))
	}

	res, _ = execCell(t, s, 6, "deep")
	if res.Error == nil || res.Error.Name != "StackOverflow" || !hasLine(res.Error.Traceback, "restored") {
		t.Fatalf("got %v, want StackOverflow with the image restored", res.Error)
	}
	_, after = execCell(t, s, 7, "state")
	if after.Text("stdout") != before.Text("stdout") {
		t.Errorf("after the stack overflow: %q, want %q", after.Text("stdout"), before.Text("stdout"))
	}
}

// TestGenerationPostMortem: an element that panics in compiled code shows
// the compiled frame with its cell line (from the generation's //line
// directives), marked as having no locals, above the interpreted frames
// with their locals.
func TestGenerationPostMortem(t *testing.T) {
	cells, _ := fibCells(t)
	s := genSession(t, cells)
	run(t, s, 1, "gen")
	run(t, s, 2, "xs")
	res, out := execCell(t, s, 3, "pick")
	if res.Error == nil || res.Error.Name != "MirrorError" {
		t.Fatalf("got %v, want a MirrorError", res.Error)
	}
	var text string
	for _, d := range out.Displays() {
		text, _ = d.Data["text/plain"].(string)
	}
	want := "panic: runtime error: index out of range [7] with length 4\n" +
		"  at pick (cell[1] line 21) [compiled: no locals]\n" +
		"  at func literal (cell[3] line 1)\n" +
		"      i int = 7\n"
	if !strings.Contains(text, want) {
		t.Errorf("the failure shows\n%s\nwant it to contain\n%s", text, want)
	}
}

// TestGenerationFallback: without a C compiler, or with DMIRROR_NATIVE=0,
// a declaration cell runs interpreted (the frontend is told to make no
// generations) with a one-line notice naming the reason, shown once.
func TestGenerationFallback(t *testing.T) {
	if testing.Short() {
		t.Skip("runs the go command")
	}
	files := readTxtar(t, "testdata/generations/point.txtar")
	cells := map[string]cell{
		"decl": {decls: dmsImport, rebuild: true, gen: generation(files, 1, "gen1"),
			interpreted: "import \"fmt\"\nfunc hello() { fmt.Println(\"b\") }"},
		"call": {body: "hello()"},
	}
	for _, tc := range []struct{ name, env, why string }{
		{"no C compiler", "CC=/nonexistent/cc", "no C compiler"},
		{"native off", NativeEnv + "=0", NativeEnv + "=0"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			// NativeEnv=1 first: the test process may run with
			// DMIRROR_NATIVE=0, which would be the reason named instead.
			env := append(os.Environ(), "DMIRROR_CACHE="+t.TempDir(), NativeEnv+"=1", tc.env)
			s, f := session(t, cells, NativeEnv+"=1", tc.env)
			if compiled, withMods, _ := newCompiledPackages(env); withMods != nil {
				mods := modules.NewCells(modules.Options{Env: env, HasStd: modules.StdFromSymbols(stdlib.Symbols), Compiled: compiled})
				t.Cleanup(func() { mods.Close() })
				s.mods, s.compiled = mods, withMods(mods)
			} else {
				s.interpretedWhy = NativeEnv + "=0"
			}
			res, out := execCell(t, s, 1, "decl")
			mustOK(t, res)
			notice := out.Text("stderr")
			if strings.Count(notice, "\n") != 1 || !strings.HasPrefix(notice, "note: declarations run interpreted, not compiled: ") || !strings.Contains(notice, tc.why) {
				t.Errorf("notice %q, want one line naming %q", notice, tc.why)
			}
			if !f.noGen {
				t.Error("the frontend was not told to stop making generations")
			}
			res, out = execCell(t, s, 2, "call")
			mustOK(t, res)
			if got := out.Text("stdout"); got != "b\n" {
				t.Errorf("hello() printed %q, want b", got)
			}
			if res, out = execCell(t, s, 3, "decl"); res.Error != nil || out.Text("stderr") != "" {
				t.Errorf("second declaration cell: %v, stderr %q (want no second notice)", res.Error, out.Text("stderr"))
			}
		})
	}
}

// TestGenerationCache: a second kernel with the same declarations gets
// the plugin host and the generation's plugin from the cache.
func TestGenerationCache(t *testing.T) {
	cells, _ := fibCells(t)
	cache := t.TempDir()
	plugins := func() map[string]time.Time {
		found := map[string]time.Time{}
		paths, _ := filepath.Glob(filepath.Join(cache, "*", "gen-*", "gen.so"))
		for _, p := range paths {
			if fi, err := os.Stat(p); err == nil {
				found[p] = fi.ModTime()
			}
		}
		return found
	}
	s1 := genSessionIn(t, cells, cache)
	run(t, s1, 1, "gen")
	first := plugins()
	if len(first) != 1 {
		t.Fatalf("after the first kernel the cache holds plugins %v, want one", first)
	}
	s2 := genSessionIn(t, cells, cache)
	run(t, s2, 1, "gen")
	if again := plugins(); !maps.Equal(again, first) {
		t.Errorf("after the second kernel the cache holds %v, want %v unchanged", again, first)
	}
	if s1.gens.path != s2.gens.path {
		t.Errorf("the kernels load %s and %s, want the same plugin", s1.gens.path, s2.gens.path)
	}
}

// TestGenerationRecycle: after maxGenerations generations the image
// process is replaced (their plugins stay in its memory), keeping the
// values.
func TestGenerationRecycle(t *testing.T) {
	defer func(n int) { maxGenerations = n }(maxGenerations)
	maxGenerations = 3
	files := readTxtar(t, "testdata/generations/point.txtar")
	cells := map[string]cell{
		"vars":  {decls: "var x int", body: "x = 7", touched: []string{"x"}, newVars: []frontend.Var{intVar("x")}},
		"state": {body: "fmt.Println(x)\n__dms.F_hello()"},
	}
	for k := 1; k <= 4; k++ {
		cells["gen"+strconv.Itoa(k)] = cell{decls: dmsImport + "var x int", rebuild: true, gen: generation(files, k, "gen"+strconv.Itoa(1+k%2))}
	}
	s := genSession(t, cells)
	run(t, s, 1, "vars")
	var pids []int
	for k := 1; k <= 4; k++ {
		run(t, s, 1+k, "gen"+strconv.Itoa(k))
		pids = append(pids, s.process().pid())
	}
	if pids[0] != pids[1] || pids[1] == pids[2] || pids[2] != pids[3] {
		t.Errorf("image process pids after each generation %v, want a new one after the third only", pids)
	}
	res, out := execCell(t, s, 6, "state")
	mustOK(t, res)
	if got := out.Text("stdout"); got != "7\nb\n" {
		t.Errorf("after the restart: %q, want 7 and gen1's hello", got)
	}
}

// TestGenerationBuildInterrupted: interrupting a declaration cell while
// its code compiles stops the go command, leaves nothing in the cache,
// and keeps the session as it was.
func TestGenerationBuildInterrupted(t *testing.T) {
	files := readTxtar(t, "testdata/generations/point.txtar")
	cache := t.TempDir()
	t.Setenv("GOFLAGS", "-a") // every package is rebuilt: the build is still running when the interrupt comes
	s := genSessionIn(t, map[string]cell{
		"vars":  {decls: "var x int", body: "x = 7", touched: []string{"x"}, newVars: []frontend.Var{intVar("x")}},
		"gen":   {decls: dmsImport + "var x int", rebuild: true, gen: generation(files, 1, "gen1"), body: "x = 8", touched: []string{"x"}},
		"state": {decls: "import \"fmt\"", body: "fmt.Println(x)"},
	}, cache)
	run(t, s, 1, "vars")
	ctx, cancel := context.WithCancel(context.Background())
	out := enginetest.NewRecorder()
	resc := make(chan engine.Result, 1)
	go func() { resc <- s.Execute(ctx, engine.ExecuteRequest{Code: "gen", Count: 2}, out) }()
	out.WaitForDisplay(t, "compiling")
	cancel()
	res := <-resc
	if res.Error == nil || res.Error.Name != "Interrupted" {
		t.Fatalf("got %v, want Interrupted", res.Error)
	}
	left, _ := filepath.Glob(filepath.Join(cache, "*"))
	if len(left) != 0 {
		t.Errorf("the cache holds %v after the interrupt, want nothing", left)
	}
	res, out = execCell(t, s, 3, "state")
	mustOK(t, res)
	if got := out.Text("stdout"); got != "7\n" {
		t.Errorf("after the interrupt x is %q, want 7", got)
	}
}

package e2e

import (
	"archive/zip"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/dmirror/dmirror/kernel"
	"github.com/dmirror/dmirror/kernel/kerneltest"
)

// stdout is what a cell printed on stdout.
func stdout(r *kerneltest.Result) string {
	var b strings.Builder
	for _, m := range r.Of("stream") {
		f := kerneltest.Fields(m)
		if f["name"] == "stdout" {
			b.WriteString(f["text"].(string))
		}
	}
	return b.String()
}

// stderrText is what a cell printed on stderr (notes and progress too).
func stderrText(r *kerneltest.Result) string {
	var b strings.Builder
	for _, m := range r.Of("stream") {
		f := kerneltest.Fields(m)
		if f["name"] == "stderr" {
			b.WriteString(f["text"].(string))
		}
	}
	return b.String()
}

// displayText is the text/plain of a cell's displays and their updates
// (the progress of a build is one).
func displayText(r *kerneltest.Result) string {
	var b strings.Builder
	for _, typ := range []string{"display_data", "update_display_data"} {
		for _, m := range r.Of(typ) {
			if data, ok := kerneltest.Fields(m)["data"].(map[string]any); ok {
				text, _ := data["text/plain"].(string)
				b.WriteString(text + "\n")
			}
		}
	}
	return b.String()
}

// cacheEntries lists the image binaries in a compiled-packages cache.
func cacheEntries(t *testing.T, dir string) []string {
	t.Helper()
	ents, err := os.ReadDir(dir)
	if err != nil && !os.IsNotExist(err) {
		t.Fatal(err)
	}
	var names []string
	for _, e := range ents {
		names = append(names, e.Name())
	}
	return names
}

const uuidProgram = `package main

import (
	"encoding/json"
	"fmt"

	"github.com/google/uuid"
)

type record struct {
	ID   uuid.UUID ` + "`json:\"id\"`" + `
	Name string
}

func main() {
	u := uuid.MustParse("6ba7b810-9dad-11d1-80b4-00c04fd430c8")
	fmt.Println(u.Version(), u.Variant())
	fmt.Println(uuid.NewSHA1(uuid.NameSpaceDNS, []byte("go.dev")))
	fmt.Printf("%v %s %d\n", uuid.NameSpaceURL, uuid.Version(4), uuid.Version(4))
	b, err := json.Marshal(record{ID: u, Name: "a"})
	fmt.Println(string(b), err)
	var back record
	err = json.Unmarshal(b, &back)
	fmt.Println(back.ID == u, err)
}
`

// asCell turns a Go program into one cell: its body without the package
// clause and func main wrapper, as a user would paste the statements.
func asCell(program string) string {
	decls, body := asCells(program)
	return decls + body
}

// asCells is asCell's cell as two: the declarations, then main's body.
func asCells(program string) (decls, body string) {
	s := strings.Replace(program, "package main\n", "", 1)
	i := strings.Index(s, "func main() {\n")
	return s[:i], strings.TrimSuffix(strings.TrimSpace(s[i+len("func main() {\n"):]), "}")
}

// TestCompiledPackages: a module's package runs as compiled Go with Go's
// results (methods, package var init, JSON), the binary is cached, and a
// second kernel with the same imports starts without building.
func TestCompiledPackages(t *testing.T) {
	needsCompiled(t)
	cache := t.TempDir()
	want := goStdout(t, uuidProgram, "github.com/google/uuid v1.6.0")
	cell := asCell(uuidProgram)

	k := start(t, "DMIRROR_CACHE="+cache)
	ok(t, k, "kept := 7")
	r := ok(t, k, cell)
	if got := stdout(r); got != want {
		t.Errorf("cell printed\n%s\nwant (go run)\n%s", got, want)
	}
	expect(t, k, "kept", "7") // the image survived the move to compiled code
	built := cacheEntries(t, cache)
	if len(built) != 1 {
		t.Fatalf("cache holds %v, want one image binary", built)
	}
	r = ok(t, k, "fmt.Println(uuid.NameSpaceOID)")
	if strings.Contains(displayText(r), "compil") {
		t.Errorf("a cell importing nothing new built: %q", displayText(r))
	}

	k2 := start(t, "DMIRROR_CACHE="+cache)
	// The same cell numbers: the cell's declarations (type record) are
	// compiled with //line directives naming their cell.
	ok(t, k2, "kept := 7")
	r = ok(t, k2, cell)
	if got := stdout(r); got != want {
		t.Errorf("second kernel printed\n%s\nwant\n%s", got, want)
	}
	if strings.Contains(displayText(r), "compil") || stderrText(r) != "" {
		t.Errorf("second kernel built again: %q %q", displayText(r), stderrText(r))
	}
	if again := cacheEntries(t, cache); strings.Join(again, ",") != strings.Join(built, ",") {
		t.Errorf("cache after the second kernel %v, want %v", again, built)
	}
}

// TestCompiledGenerics: generic funcs of a compiled package are called
// without type arguments, in cells and in funcs declared in cells.
func TestCompiledGenerics(t *testing.T) {
	needsCompiled(t)
	const program = `package main

import (
	"fmt"
	"strconv"

	"github.com/samber/lo"
)

func main() {
	xs := []int{3, 1, 2, 3, 1}
	fmt.Println(lo.Map(xs, func(x int, _ int) string { return strconv.Itoa(x * 10) }))
	fmt.Println(lo.Filter(xs, func(x int, _ int) bool { return x > 1 }), lo.Uniq(xs))
	fmt.Println(lo.GroupBy(xs, func(x int) bool { return x%2 == 0 }))
	fmt.Println(lo.Sum(lo.Uniq(xs)), lo.Max(xs))
	t := lo.T2("a", 1)
	pairs := []lo.Tuple2[string, int]{t, lo.T2("b", 2)}
	names, nums := lo.Unzip2(pairs)
	fmt.Println(t.A, t.B, pairs, names, nums)
}
`
	want := goStdout(t, program, "github.com/samber/lo v1.53.0")
	k := start(t)
	ok(t, k, "%go get github.com/samber/lo@v1.53.0")
	if got := stdout(ok(t, k, asCell(program))); got != want {
		t.Errorf("cell printed\n%s\nwant (go run)\n%s", got, want)
	}
	ok(t, k, "func evens(v []int) []int { return lo.Filter(v, func(x int, _ int) bool { return x%2 == 0 }) }")
	expect(t, k, "evens([]int{1, 2, 3, 4})", "[2 4]")
	// A generic type of the standard library that yaegi lacks, in a
	// declared func's signature.
	ok(t, k, "import \"iter\"\nfunc upTo(n int) iter.Seq[int] {\n\treturn func(yield func(int) bool) {\n\t\tfor i := 0; i < n && yield(i); i++ {\n\t\t}\n\t}\n}")
	expect(t, k, "var got []int\nupTo(3)(func(i int) bool { got = append(got, i); return true })\ngot", "[0 1 2]")
	fails(t, k, "var bad lo.Tuple2[int, int]", "CompileError")
	// A type declared in the session as a type argument of a compiled
	// generic: with compiled declarations it is a compiled type and the
	// cell gives Go's result (the interpreted fallback, which refused it,
	// has no compiled packages either: this test skips there).
	const sessionArg = "type point struct{ X int }\nfmt.Println(lo.Map([]point{{1}, {2}}, func(p point, _ int) int { return p.X * 10 }))"
	want = goStdout(t, "package main\n\nimport (\n\t\"fmt\"\n\n\t\"github.com/samber/lo\"\n)\n\n"+
		strings.Replace(sessionArg, "\n", "\n\nfunc main() {\n", 1)+"\n}\n", "github.com/samber/lo v1.53.0")
	if got := stdout(ok(t, k, sessionArg)); got != want {
		t.Errorf("session type argument: cell printed %q, want (go run) %q", got, want)
	}
}

// TestCompiledBuildInterrupted: interrupting a cell while its packages
// compile ends it at once, leaves no partial build, and keeps the session.
func TestCompiledBuildInterrupted(t *testing.T) {
	needsCompiled(t)
	cache := t.TempDir()
	// -a makes the go command rebuild every package, so the build runs
	// for minutes, whatever the machine and the Go build cache: it is
	// still running when the interrupt comes.
	k := start(t, "DMIRROR_CACHE="+cache, "GOFLAGS=-a")
	ctx := ctxT(t)
	ok(t, k, "kept := 5")
	m, err := k.NewRequest("execute_request", kerneltest.ExecuteContent(`import "github.com/dustin/go-humanize"
kept = 6
humanize.Comma(1000)`))
	if err != nil {
		t.Fatal(err)
	}
	if err := k.SendMessage(kerneltest.Shell, m); err != nil {
		t.Fatal(err)
	}
	// The progress display comes after a second of building.
	if _, err := k.WaitFor(ctx, kerneltest.IOPub, func(s *kernel.Message) bool {
		data, _ := kerneltest.Fields(s)["data"].(map[string]any)
		text, _ := data["text/plain"].(string)
		return s.ParentID() == m.Header.MsgID && strings.Contains(text, "compiling github.com/dustin/go-humanize")
	}); err != nil {
		t.Fatal(err)
	}
	if _, err := k.Interrupt(ctx); err != nil {
		t.Fatal(err)
	}
	r, err := k.Await(ctx, kerneltest.Shell, m)
	if err != nil {
		t.Fatal(err)
	}
	if kernelEname(r) != "Interrupted" {
		t.Errorf("reply %v, want Interrupted", kerneltest.Fields(r.Reply))
	}
	if left := cacheEntries(t, cache); len(left) != 0 {
		t.Errorf("an interrupted build left %v in the cache", left)
	}
	expect(t, k, "kept", "5")
}

// TestCompiledBuildError: a package that does not compile fails the cell
// with its name and the compiler's errors; the session goes on.
func TestCompiledBuildError(t *testing.T) {
	needsCompiled(t)
	proxy := t.TempDir()
	writeModule(t, proxy, "example.com/broken", "v1.0.0", map[string]string{
		"go.mod": "module example.com/broken\n\ngo 1.21\n",
		// The API type-checks; a func body does not, which only the
		// compiler sees.
		"broken.go": "package broken\n\nfunc Answer() int { return undefinedThing + 1 }\n",
	})
	k := start(t, "GOPROXY=file://"+filepath.ToSlash(proxy)+",https://proxy.golang.org", "GONOSUMDB=example.com")
	ok(t, k, "kept := 3")
	r := fails(t, k, "import \"example.com/broken\"\nbroken.Answer()", "BuildError")
	e := errorText(r)
	if !strings.Contains(e, "example.com/broken") || !strings.Contains(e, "undefined: undefinedThing") {
		t.Errorf("error %q does not name the package and the compiler's error", e)
	}
	expect(t, k, "kept", "3")
}

// TestCompiledVersionPin: `%go get module@version` picks the version the
// compiled code is built from, and a change of version rebuilds.
func TestCompiledVersionPin(t *testing.T) {
	needsCompiled(t)
	k := start(t)
	version := `import "runtime/debug"
func modVersion(path string) string {
	bi, _ := debug.ReadBuildInfo()
	for _, d := range bi.Deps {
		if d.Path == path {
			return d.Version
		}
	}
	return "none"
}`
	ok(t, k, version)
	ok(t, k, "%go get github.com/dustin/go-humanize@v1.0.0\nimport \"github.com/dustin/go-humanize\"")
	expect(t, k, `humanize.Ordinal(3) + " " + modVersion("github.com/dustin/go-humanize")`, `"3rd v1.0.0"`)
	ok(t, k, "%go get github.com/dustin/go-humanize@v1.1.0")
	expect(t, k, `humanize.Ordinal(3) + " " + modVersion("github.com/dustin/go-humanize")`, `"3rd v1.1.0"`)
	// dmirror links uuid v1.6.0 itself: an older one cannot be selected.
	r := fails(t, k, "%go get github.com/google/uuid@v1.4.0", "ModuleError")
	if e := errorText(r); !strings.Contains(e, "dependency of dmirror itself, at v1.6.0") {
		t.Errorf("error %q does not say that dmirror links the module", e)
	}
	expect(t, k, `modVersion("github.com/dustin/go-humanize")`, `"v1.1.0"`)
}

// writeModule puts a module version into a file-system module proxy.
func writeModule(t *testing.T, proxy, path, version string, files map[string]string) {
	t.Helper()
	dir := filepath.Join(proxy, path, "@v")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	write := func(name, data string) {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(data), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write("list", version+"\n")
	write(version+".info", `{"Version":"`+version+`","Time":"2024-01-01T00:00:00Z"}`)
	write(version+".mod", files["go.mod"])
	f, err := os.Create(filepath.Join(dir, version+".zip"))
	if err != nil {
		t.Fatal(err)
	}
	z := zip.NewWriter(f)
	for name, data := range files {
		w, err := z.Create(path + "@" + version + "/" + name)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := w.Write([]byte(data)); err != nil {
			t.Fatal(err)
		}
	}
	if err := z.Close(); err != nil {
		t.Fatal(err)
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
}

// TestCompiledValuesSurviveNewBinary: a new import restarts the image
// process on a new binary; values of compiled packages' types, unexported
// state included, are restored in it.
func TestCompiledValuesSurviveNewBinary(t *testing.T) {
	needsCompiled(t)
	k := start(t)
	ok(t, k, "import \"gonum.org/v1/gonum/mat\"\na := mat.NewDense(2, 2, []float64{1, 2, 3, 4})\nvar held any = mat.NewVecDense(2, []float64{5, 6})")
	r := ok(t, k, "import \"github.com/dustin/go-humanize\"\nhumanize.Comma(12345)")
	if e := stderrText(r); strings.Contains(e, "lost") {
		t.Errorf("values were lost on the move to the new binary: %q", e)
	}
	expect(t, k, "fmt.Sprint(a.At(1, 0), a.At(0, 1), held.(*mat.VecDense).AtVec(1))", `"3 2 6"`)
}

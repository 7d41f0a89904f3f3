package frontend

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/dmirror/dmirror/interp/values"
)

// TestGenerationsRun is the acceptance programs (testdata/programs, each a
// whole program pasted as one cell) run with compiled declarations against
// the same programs built by Go. The image process is stood in for by one
// relinked runner: each program's generation is a package of it (package
// main renamed), its Symbols given to a dmirror interpreter (interp/vm)
// that evaluates the plan's interpreted sources as the image process does.
// A program that matches go run interpreted (it is not in
// KNOWN-FAILURES.txt) must match compiled; listed ones that match are
// logged. It takes a link of dmirror's interpreter: -short skips it.
func TestGenerationsRun(t *testing.T) {
	if testing.Short() {
		t.Skip("-short: links a runner with the interpreter")
	}
	root, err := filepath.Abs("../..")
	if err != nil {
		t.Fatal(err)
	}
	progs := readPrograms(t, filepath.Join(root, "testdata/programs"))
	known := knownFailures(t, filepath.Join(root, "testdata/programs/KNOWN-FAILURES.txt"))
	dir := t.TempDir()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
	defer cancel()

	oracle := buildOracle(ctx, t, dir, progs)
	runner, refused := buildRunner(ctx, t, dir, root, progs)

	var matched, differ, failed []string
	for _, p := range progs {
		if why := refused[p.name]; why != "" {
			failed = append(failed, p.name+": "+why)
			continue
		}
		want, wantFail := runBin(ctx, t, oracle[p.name])
		got, gotFail := runBin(ctx, t, runner, p.name)
		// The runner's generations are packages g<N>, a plugin's package
		// is main (%T prints main.Point in both).
		got = genPkg.ReplaceAllString(got, "${1}main.")
		if p.sorted {
			want, got = sortLines(want), sortLines(got)
		}
		switch {
		case got == want && gotFail == wantFail:
			matched = append(matched, p.name)
			if known[p.name] {
				t.Logf("%s: listed in KNOWN-FAILURES.txt, matches with compiled declarations", p.name)
			}
		case gotFail && !wantFail:
			failed = append(failed, p.name)
			if !known[p.name] {
				t.Errorf("%s: fails with compiled declarations, matches interpreted:\n%s", p.name, got)
			}
		default:
			differ = append(differ, p.name)
			if !known[p.name] {
				t.Errorf("%s: differs with compiled declarations:\n== got (failed %v)\n%s\n== want (failed %v)\n%s", p.name, gotFail, got, wantFail, want)
			}
		}
	}
	t.Logf("compiled declarations: %d of %d programs match go run, %d differ %v, %d fail %v", len(matched), len(progs), len(differ), differ, len(failed), failed)
}

var genPkg = regexp.MustCompile(`(^|[^\w.])g\d+\.`)

type accProgram struct {
	name, src string
	sorted    bool
}

func readPrograms(t *testing.T, dir string) []accProgram {
	files, _ := filepath.Glob(filepath.Join(dir, "*.txtar"))
	var out []accProgram
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		_, src, ok := strings.Cut(string(data), "-- main.go --\n")
		if !ok {
			continue
		}
		p := accProgram{name: strings.TrimSuffix(filepath.Base(f), ".txtar")}
		if _, cmp, ok := strings.Cut(string(data), "-- compare --\n"); ok {
			p.sorted = strings.HasPrefix(cmp, "sorted-lines")
		}
		if i := strings.Index(src, "\n-- "); i >= 0 {
			src = src[:i+1]
		}
		p.src = src
		out = append(out, p)
	}
	if len(out) == 0 {
		t.Skip("no acceptance programs")
	}
	return out
}

func knownFailures(t *testing.T, path string) map[string]bool {
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]bool{}
	for _, l := range strings.Split(string(data), "\n") {
		if f := strings.Fields(l); len(f) > 0 && !strings.HasPrefix(f[0], "#") {
			out[f[0]] = true
		}
	}
	return out
}

func writeFiles(t *testing.T, dir string, files map[string]string) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	for n, s := range files {
		if err := os.WriteFile(filepath.Join(dir, n), []byte(s), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

func goBuild(ctx context.Context, t *testing.T, dir string, env []string, args ...string) {
	cmd := exec.CommandContext(ctx, "go", append([]string{"build"}, args...)...)
	cmd.Dir = dir
	cmd.Env = append(append(os.Environ(), "GOWORK=off"), env...)
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("go build in %s: %v\n%s", dir, err, out)
	}
}

// buildOracle builds every program with go build.
func buildOracle(ctx context.Context, t *testing.T, dir string, progs []accProgram) map[string]string {
	mod := filepath.Join(dir, "oracle")
	writeFiles(t, mod, map[string]string{"go.mod": "module programs\n\ngo 1.26\n"})
	bins := filepath.Join(dir, "bin") + string(filepath.Separator)
	out := map[string]string{}
	for _, p := range progs {
		writeFiles(t, filepath.Join(mod, p.name), map[string]string{"main.go": p.src})
		out[p.name] = filepath.Join(bins, p.name)
	}
	goBuild(ctx, t, mod, []string{"GOFLAGS="}, "-o", bins, "./...")
	return out
}

// buildRunner compiles every program with compiled declarations and links
// the runner; refused names the programs the frontend refused, with why.
func buildRunner(ctx context.Context, t *testing.T, dir, root string, progs []accProgram) (string, map[string]string) {
	mod := filepath.Join(dir, "runner")
	sum, err := os.ReadFile(filepath.Join(root, "go.sum"))
	if err != nil {
		t.Fatal(err)
	}
	writeFiles(t, mod, map[string]string{
		// A generation's package path must be one that the prelude's
		// __dmMainPath makes "main" (values.IsGenerationPath), as the
		// kernel's generations are.
		"go.mod": "module dmirror.session/runner\n\ngo 1.26\n\nrequire github.com/dmirror/dmirror v0.0.0\n\nreplace github.com/dmirror/dmirror => " + root + "\n",
		"go.sum": string(sum),
	})
	refused := map[string]string{}
	var imports, table strings.Builder
	for i, p := range progs {
		im := newGenImage(t)
		plan, err := im.Compile(p.src, 1)
		if err != nil {
			refused[p.name] = "CompileError: " + strings.SplitN(err.Error(), "\n", 2)[0]
			continue
		}
		im.Commit(plan)
		if len(plan.Instances) > 0 || len(plan.NativeStd) > 0 {
			// Their compiled instantiations live in the image binary,
			// which the runner is not.
			refused[p.name] = "needs the image binary (compiled instantiations)"
			continue
		}
		symbols := "nil"
		if g := plan.Generation; g != nil {
			pkg, dir := "g"+strconv.Itoa(i), values.GenerationDir(i)
			files := map[string]string{}
			for n, s := range g.Files {
				files[n] = strings.Replace(s, "\npackage main\n", "\npackage "+pkg+"\n", 1)
			}
			writeFiles(t, filepath.Join(mod, dir), files)
			fmt.Fprintf(&imports, "\t%s \"dmirror.session/runner/%s\"\n", pkg, dir)
			symbols = pkg + ".Symbols"
		}
		fmt.Fprintf(&table, "\t%q: {%s, %t, %q, %q, %q, %q},\n", p.name, symbols, plan.Rebuild, plan.ImageDecls, plan.Decls, plan.Body, plan.BodyFunc)
	}
	main := `package main

import (
	"context"
	"fmt"
	"os"
	"reflect"

	"github.com/traefik/yaegi/interp"

	"github.com/dmirror/dmirror/interp/vm"
	"github.com/dmirror/dmirror/mirror"
` + imports.String() + `)

type program struct {
	symbols                     map[string]map[string]reflect.Value
	rebuild                     bool
	image, decls, body, bodyFn string
}

var programs = map[string]program{
` + table.String() + `}

func eval(i *interp.Interpreter, src string) (err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("interpreter panic: %v", r)
		}
	}()
	_, err = i.EvalWithContext(context.Background(), src)
	return err
}

func main() {
	p := programs[os.Args[1]]
	os.Args = []string{"main"} // as in the image process
	exports := []interp.Exports{mirror.WorkerExports()}
	if p.symbols != nil {
		exports = append(exports, p.symbols)
	}
	// os.Exit ends the program without deferred calls, as the image
	// process ends the cell.
	i, err := vm.New(vm.Config{Stdout: os.Stdout, Stderr: os.Stderr, Exports: exports, Hooks: vm.Hooks{Exit: os.Exit}})
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(2)
	}
	for _, src := range []string{p.image, p.decls, p.body, p.bodyFn + "()"} {
		if src == "()" || src == "" || src == p.decls && p.rebuild {
			continue
		}
		if err := eval(i, src); err != nil {
			fmt.Fprintln(os.Stderr, "runner:", err)
			os.Exit(1)
		}
	}
}
`
	writeFiles(t, mod, map[string]string{"main.go": main})
	bin := filepath.Join(dir, "runner-bin")
	goBuild(ctx, t, mod, []string{"GOFLAGS=-mod=mod", "GOPROXY=off"}, "-o", bin, ".")
	return bin, refused
}

// runBin runs a binary in a fresh directory: its stdout, and whether it
// exited non-zero (its stderr is appended to the output then).
func runBin(ctx context.Context, t *testing.T, bin string, args ...string) (string, bool) {
	ctx, cancel := context.WithTimeout(ctx, time.Minute)
	defer cancel()
	var stdout, stderr bytes.Buffer
	cmd := exec.CommandContext(ctx, bin, args...)
	cmd.Dir = t.TempDir()
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	var exit *exec.ExitError
	if errors.As(err, &exit) {
		return stdout.String() + "\n== stderr\n" + lastLines(stderr.String(), 5), true
	}
	if err != nil {
		t.Fatalf("run %s: %v", bin, err)
	}
	return stdout.String(), false
}

func lastLines(s string, n int) string {
	lines := strings.Split(strings.TrimRight(s, "\n"), "\n")
	return strings.Join(lines[max(0, len(lines)-n):], "\n")
}

func sortLines(s string) string {
	lines := strings.Split(s, "\n")
	slices.Sort(lines)
	return strings.Join(lines, "\n")
}

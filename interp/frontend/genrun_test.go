package frontend_test

import (
	"flag"
	"go/format"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/traefik/yaegi/interp"

	"github.com/dmirror/dmirror/interp/frontend"
	"github.com/dmirror/dmirror/interp/frontend/internal/gentest"
	"github.com/dmirror/dmirror/interp/vm"
	"github.com/dmirror/dmirror/mirror"
)

var updateGen = flag.Bool("update-gen", false, "write internal/gentest from testdata/genrun/session.txtar")

// sections splits a txtar-like file into its sections, in order.
func sections(t *testing.T, path string) (names, texts []string) {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var b strings.Builder
	for _, line := range strings.SplitAfter(string(data), "\n") {
		if strings.HasPrefix(line, "-- ") && strings.HasSuffix(strings.TrimSpace(line), " --") {
			if len(names) > 0 {
				texts = append(texts, b.String())
			}
			b.Reset()
			names = append(names, strings.TrimSuffix(strings.TrimPrefix(strings.TrimSpace(line), "-- "), " --"))
			continue
		}
		b.WriteString(line)
	}
	if len(names) > 0 {
		texts = append(texts, b.String())
	}
	return names, texts
}

// TestGenerationInYaegi runs a session's interpreted sources in yaegi with
// its generation's Symbols (internal/gentest: the generation compiled into
// the test binary, as the image process loads it) and compares the output
// with the same program built by Go. The session declares everything in
// its first cell, so that one generation serves every cell.
func TestGenerationInYaegi(t *testing.T) {
	names, texts := sections(t, "testdata/genrun/session.txtar")
	var cells []string
	var goProgram string
	for i, n := range names {
		switch n {
		case "cell":
			cells = append(cells, texts[i])
		case "go":
			goProgram = texts[i]
		}
	}
	im := frontend.NewImage(frontend.Options{Compiled: true, CompiledDecls: true})
	t.Cleanup(im.Close)
	var plans []*frontend.Plan
	var last *frontend.Generation
	for i, cell := range cells {
		p, err := im.Compile(cell, i+1)
		if err != nil {
			t.Fatalf("cell %d: %v", i+1, err)
		}
		if i == 0 && p.Generation == nil {
			t.Fatal("cell 1 makes no generation")
		}
		if g := p.Generation; g != nil {
			// Later cells may add instantiations of packages' generics
			// with session types, not declarations: the last generation
			// serves every cell.
			if last != nil && g.Files["session.go"] != last.Files["session.go"] {
				t.Fatalf("cell %d changes the compiled declarations; only the first cell declares", i+1)
			}
			last = g
		}
		im.Commit(p)
		plans = append(plans, p)
	}
	checkGolden(t, last)

	out := &syncBuffer{}
	i, err := vm.New(vm.Config{Stdout: out, Stderr: out, Exports: []interp.Exports{mirror.WorkerExports(), gentest.Symbols}})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := eval(i, plans[0].ImageDecls); err != nil {
		t.Fatalf("image: %v\n%s", err, plans[0].ImageDecls)
	}
	for n, p := range plans {
		if p.Body == "" {
			continue
		}
		if (n > 0 || !p.Rebuild) && p.Decls != "" {
			if _, err := eval(i, p.Decls); err != nil {
				t.Fatalf("cell %d decls: %v\n%s", n+1, err, p.Decls)
			}
		}
		if _, err := eval(i, p.Body); err != nil {
			t.Fatalf("cell %d body: %v\n%s", n+1, err, p.Body)
		}
		if _, err := eval(i, p.BodyFunc+"()"); err != nil {
			t.Fatalf("cell %d: %v\n%s", n+1, err, p.Body)
		}
	}

	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "main.go"), []byte(goProgram), 0o644); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command("go", "run", "main.go")
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "GOWORK=off", "GO111MODULE=off")
	want, err := cmd.Output()
	if err != nil {
		t.Fatalf("go run: %v", err)
	}
	t.Logf("output:\n%s", out.String())
	if got := out.String(); got != string(want) {
		t.Fatalf("yaegi with the generation printed\n%s\ngo run printed\n%s", got, want)
	}
}

// checkGolden compares the generation with internal/gentest, its copy
// compiled into the test binary (package gentest instead of main).
func checkGolden(t *testing.T, g *frontend.Generation) {
	t.Helper()
	for name, src := range g.Files {
		src = strings.Replace(src, "\npackage main\n", "\npackage gentest\n", 1)
		if b, err := format.Source([]byte(src)); err == nil {
			src = string(b) // as gofmt keeps the repository
		}
		path := filepath.Join("internal", "gentest", name)
		if *updateGen {
			if err := os.WriteFile(path, []byte(src), 0o644); err != nil {
				t.Fatal(err)
			}
			continue
		}
		old, err := os.ReadFile(path)
		if err != nil || string(old) != src {
			t.Fatalf("%s is not the generation of testdata/genrun/session.txtar: run go test -run TestGenerationInYaegi -update-gen, then go test again\n%s", path, src)
		}
	}
}

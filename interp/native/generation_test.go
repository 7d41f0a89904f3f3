package native

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"
)

// hostModule makes a private module as the session's (interp/modules):
// dmirror required and replaced by this clone.
func hostModule(t testing.TB) (string, Source) {
	t.Helper()
	if testing.Short() {
		t.Skip("builds an image binary and plugins")
	}
	if _, err := exec.LookPath("go"); err != nil {
		t.Skip("no go command")
	}
	_, file, _, _ := runtime.Caller(0)
	root := filepath.Dir(filepath.Dir(filepath.Dir(file)))
	src, err := Source{}.at(root, "the test")
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	gomod := fmt.Sprintf("module dmirror.session\n\ngo 1.26\n\nrequire %s v0.0.0-00010101000000-000000000000\n\nreplace %s => %s\n", ModulePath, ModulePath, root)
	sum, err := os.ReadFile(filepath.Join(root, "go.sum"))
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "go.mod"), []byte(gomod), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "go.sum"), sum, 0o644); err != nil {
		t.Fatal(err)
	}
	return dir, src
}

// declsFile is a generation's package main of n funcs.
func declsFile(n int) map[string]string {
	var b strings.Builder
	b.WriteString("package main\n\nimport \"reflect\"\n\n")
	for k := range n {
		fmt.Fprintf(&b, "func f%d(x int) int { return x*%d + 1 }\n", k, k)
	}
	b.WriteString("var Symbols = map[string]map[string]reflect.Value{\"dmirror/session/session\": {\n")
	for k := range n {
		fmt.Fprintf(&b, "\t\"F_f%d\": reflect.ValueOf(f%d),\n", k, k)
	}
	b.WriteString("}}\n")
	return map[string]string{"decls.go": b.String()}
}

// TestBuildGeneration builds a plugin host and a generation for it; a
// second Builder (another kernel) on the same cache gets both without
// building, and another generation number is another plugin.
func TestBuildGeneration(t *testing.T) {
	mod, src := hostModule(t)
	cache := t.TempDir()
	ctx := context.Background()
	newBuilder := func() *Builder {
		b, err := NewBuilder(src, "go", append(os.Environ(), CacheEnv+"="+cache))
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	b1 := newBuilder()
	if err := b1.CheckCgo(ctx); err != nil {
		t.Skip(err)
	}
	host, err := b1.Build(ctx, Request{ModDir: mod, PluginHost: true})
	if err != nil {
		t.Fatal(err)
	}
	gen := Generation{N: 1, Files: declsFile(3)}
	so, err := b1.BuildGeneration(ctx, host, gen)
	if err != nil {
		t.Fatal(err)
	}
	fi, err := os.Stat(so)
	if err != nil {
		t.Fatal(err)
	}
	b2 := newBuilder()
	host2, err := b2.Build(ctx, Request{ModDir: mod, PluginHost: true})
	if err != nil || host2 != host {
		t.Fatalf("second kernel's host %q, %v; want %q", host2, err, host)
	}
	so2, err := b2.BuildGeneration(ctx, host2, gen)
	if err != nil || so2 != so {
		t.Fatalf("second kernel's generation %q, %v; want %q", so2, err, so)
	}
	if fi2, err := os.Stat(so2); err != nil || !fi2.ModTime().Equal(fi.ModTime()) {
		t.Errorf("the plugin was built again")
	}
	so3, err := b2.BuildGeneration(ctx, host2, Generation{N: 2, Files: gen.Files})
	if err != nil || so3 == so {
		t.Errorf("generation 2 with the same files: %q, %v; want a plugin of its own", so3, err)
	}
	bad := Generation{N: 3, Files: map[string]string{"decls.go": "package main\n\nfunc f() int { return \"s\" }\n"}}
	var be *BuildError
	if _, err := b2.BuildGeneration(ctx, host2, bad); !errorsAs(err, &be) || !strings.Contains(be.Output, "cannot use") {
		t.Errorf("a generation that does not compile: %v, want a BuildError with the compiler's message", err)
	}
}

// BenchmarkBuildGeneration measures, with the profile the dmirror binary
// is built with (default.pgo, as a real kernel builds), the plugin host
// and generations of 1, 200 and 1,000 declarations, against a go build
// of the 1,000 declarations as a plain program in the same run.
func BenchmarkBuildGeneration(b *testing.B) {
	mod, src := hostModule(b)
	src.PGO = filepath.Join(src.Dir, "default.pgo")
	ctx := context.Background()
	for range b.N {
		bld, err := NewBuilder(src, "go", append(os.Environ(), CacheEnv+"="+b.TempDir()))
		if err != nil {
			b.Fatal(err)
		}
		if err := bld.CheckCgo(ctx); err != nil {
			b.Skip(err)
		}
		t0 := time.Now()
		host, err := bld.Build(ctx, Request{ModDir: mod, PluginHost: true})
		if err != nil {
			b.Fatal(err)
		}
		hostTime := time.Since(t0)
		var times []time.Duration
		for k, n := range []int{1, 1, 200, 1000} {
			t0 := time.Now()
			if _, err := bld.BuildGeneration(ctx, host, Generation{N: k + 1, Files: declsFile(n)}); err != nil {
				b.Fatal(err)
			}
			times = append(times, time.Since(t0))
		}
		prog := b.TempDir()
		files := declsFile(1000)
		files["decls.go"] += "\nfunc main() { _ = Symbols }\n"
		os.WriteFile(filepath.Join(prog, "main.go"), []byte(files["decls.go"]), 0o644)
		os.WriteFile(filepath.Join(prog, "go.mod"), []byte("module prog\n\ngo 1.26\n"), 0o644)
		t0 = time.Now()
		cmd := exec.Command("go", "build", "-o", "prog", ".")
		cmd.Dir = prog
		if out, err := cmd.CombinedOutput(); err != nil {
			b.Fatalf("%v: %s", err, out)
		}
		plain := time.Since(t0)
		b.Logf("plugin host %v; generations: first %v, next %v, 200 declarations %v, 1,000 %v; go build of the 1,000 as a program %v (ratio %.2f)",
			hostTime, times[0], times[1], times[2], times[3], plain, times[3].Seconds()/plain.Seconds())
		b.ReportMetric(times[2].Seconds(), "s/200decls")
		b.ReportMetric(times[3].Seconds(), "s/1000decls")
	}
}

func errorsAs(err error, target **BuildError) bool { return errors.As(err, target) }

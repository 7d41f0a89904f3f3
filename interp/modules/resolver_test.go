package modules

import (
	"archive/zip"
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"
)

// modCache is a module cache made for this test run, so that the modules
// the tests use are really fetched through the module proxy.
var modCache string

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "dmirror-modcache-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	modCache = dir
	code := m.Run()
	os.RemoveAll(dir) // -modcacherw (testEnv) keeps it removable
	os.Exit(code)
}

// testEnv is the environment for the go command: the caller's, with the
// test run's module cache and extra settings.
func testEnv(extra ...string) []string {
	var env []string
	for _, kv := range os.Environ() {
		switch k, _, _ := strings.Cut(kv, "="); k {
		case "GOMODCACHE", "GOFLAGS", "GOPROXY", "GONOSUMDB", "GOPRIVATE", "GONOPROXY", "GOSUMDB":
		default:
			env = append(env, kv)
		}
	}
	env = append(env, "GOMODCACHE="+modCache, "GOFLAGS=-modcacherw")
	return append(env, extra...)
}

func newResolver(t *testing.T, opts Options) *Resolver {
	t.Helper()
	if opts.HasStd == nil {
		opts.HasStd = hasStdlib
	}
	r, err := New(context.Background(), opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := r.Close(); err != nil {
			t.Error(err)
		}
	})
	return r
}

func requireModule(t *testing.T, set *Set, path, version string) Module {
	t.Helper()
	m, ok := set.Module(path)
	if !ok || m.Path != path {
		t.Fatalf("set has no module %s: %v", path, set.Modules())
	}
	if version != "" && m.Version != version {
		t.Errorf("%s: version %s, want %s", path, m.Version, version)
	}
	if !strings.HasPrefix(m.Dir, modCache+string(filepath.Separator)) {
		t.Errorf("%s: dir %s is not in the test's module cache %s", path, m.Dir, modCache)
	}
	return m
}

func TestRequireFetchesAModuleAndItsDependencies(t *testing.T) {
	r := newResolver(t, Options{Env: testEnv()})
	if _, err := r.Require(context.Background(), "github.com/kr/pretty", "fmt"); err != nil {
		t.Fatal(err)
	}
	set := r.Set()
	requireModule(t, set, "github.com/kr/pretty", "")
	requireModule(t, set, "github.com/kr/text", "")
	requireModule(t, set, "github.com/rogpeppe/go-internal", "") // fmtsort, imported by pretty

	// Importing pretty makes yaegi load its imports from the other modules
	// through the FS; its formatting needs methods that binary fmt cannot
	// see on interpreted types, so a dependency is called directly.
	i := newYaegi(t, set)
	eval(t, i, `import "github.com/kr/pretty"`)
	eval(t, i, `import "github.com/kr/text"`)
	if got, want := eval(t, i, `text.Indent("a\nb\n", "> ")`), "> a\n> b\n"; got != want {
		t.Errorf("text.Indent = %q, want %q", got, want)
	}
}

func TestGoGetPinsAVersionForTheSession(t *testing.T) {
	r := newResolver(t, Options{Env: testEnv()})
	ctx := context.Background()
	if _, err := r.Get(ctx, "github.com/google/uuid@v1.5.0"); err != nil {
		t.Fatal(err)
	}
	if _, err := r.Require(ctx, "github.com/google/uuid"); err != nil {
		t.Fatal(err)
	}
	requireModule(t, r.Set(), "github.com/google/uuid", "v1.5.0")

	if _, err := r.Get(ctx, "github.com/google/uuid@v0.0.0-not-a-version"); err == nil {
		t.Error("go get of a version that does not exist succeeded")
	}
	requireModule(t, r.Set(), "github.com/google/uuid", "v1.5.0")

	changed, err := r.Get(ctx, "github.com/google/uuid@v1.6.0")
	if err != nil {
		t.Fatal(err)
	}
	if len(changed) != 1 || changed[0].String() != "github.com/google/uuid@v1.6.0" {
		t.Errorf("changed = %v, want [github.com/google/uuid@v1.6.0]", changed)
	}
	i := newYaegi(t, r.Set())
	eval(t, i, `import "github.com/google/uuid"`)
	if got := eval(t, i, `int(uuid.MustParse("f47ac10b-58cc-4372-a567-0e02b2c3d479").Version())`); got != 4 {
		t.Errorf("uuid version = %v, want 4", got)
	}
}

func TestTheModuleCacheServesKnownModulesOffline(t *testing.T) {
	online := newResolver(t, Options{Env: testEnv()})
	if _, err := online.Get(context.Background(), "github.com/google/uuid@v1.6.0"); err != nil {
		t.Fatal(err)
	}
	// A GOFLAGS meant for vendored projects does not get in the way.
	offline := newResolver(t, Options{Env: testEnv("GOPROXY=off", "GOFLAGS=-modcacherw -mod=vendor")})
	if _, err := offline.Require(context.Background(), "github.com/google/uuid"); err != nil {
		t.Fatal(err)
	}
	requireModule(t, offline.Set(), "github.com/google/uuid", "v1.6.0")
}

func TestAbsentModuleWithProxyOffFailsClearly(t *testing.T) {
	r := newResolver(t, Options{Env: testEnv("GOPROXY=off")})
	_, err := r.Require(context.Background(), "dmirror.invalid/absent/pkg")
	var fe *FetchError
	if !errors.As(err, &fe) || fe.ImportPath != "dmirror.invalid/absent/pkg" || !strings.Contains(err.Error(), "GOPROXY=off") {
		t.Fatalf("error %v, want a FetchError for dmirror.invalid/absent/pkg that names GOPROXY=off", err)
	}
	if len(r.Set().Modules()) != 0 {
		t.Errorf("set = %v after a failed import, want empty", r.Set().Modules())
	}
}

func TestRefusingProxyFailsClearly(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close() // nothing listens there now: connections are refused
	r := newResolver(t, Options{Env: testEnv("GOPROXY=http://" + addr)})
	_, err = r.Require(context.Background(), "dmirror.invalid/absent")
	var fe *FetchError
	if !errors.As(err, &fe) || !strings.Contains(err.Error(), "connection refused") {
		t.Fatalf("error %v, want a FetchError saying the connection was refused", err)
	}
}

// silentProxy accepts connections and never answers, like a proxy behind a
// black hole. It stops when the test ends. accepted is closed at the first
// connection.
func silentProxy(t *testing.T) (url string, accepted <-chan struct{}) {
	t.Helper()
	first := make(chan struct{})
	var once sync.Once
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	var mu sync.Mutex
	var conns []net.Conn
	wg.Add(1)
	go func() {
		defer wg.Done()
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			mu.Lock()
			conns = append(conns, c)
			mu.Unlock()
			once.Do(func() { close(first) })
		}
	}()
	t.Cleanup(func() {
		l.Close()
		wg.Wait()
		for _, c := range conns {
			c.Close()
		}
	})
	return "http://" + l.Addr().String(), first
}

func TestSilentProxyTimesOut(t *testing.T) {
	const timeout = 3 * time.Second
	proxy, _ := silentProxy(t)
	r := newResolver(t, Options{Env: testEnv("GOPROXY=" + proxy), Timeout: timeout})
	start := time.Now()
	_, err := r.Require(context.Background(), "dmirror.invalid/absent")
	elapsed := time.Since(start)
	var te *TimeoutError
	if !errors.As(err, &te) {
		t.Fatalf("error %v, want a TimeoutError", err)
	}
	if elapsed > timeout+5*time.Second {
		t.Errorf("Require returned after %v, want about %v", elapsed, timeout)
	}
}

// fileProxy writes a module proxy in a directory, serving mods (path@version
// → file name → content), and returns its GOPROXY URL.
func fileProxy(t *testing.T, mods map[string]map[string]string) string {
	t.Helper()
	root := t.TempDir()
	for pv, files := range mods {
		path, version, _ := strings.Cut(pv, "@")
		dir := filepath.Join(root, path, "@v")
		writeTree(t, dir, map[string]string{
			"list":            version + "\n",
			version + ".info": fmt.Sprintf(`{"Version":%q,"Time":"2026-01-01T00:00:00Z"}`, version),
			version + ".mod":  files["go.mod"],
		})
		f, err := os.Create(filepath.Join(dir, version+".zip"))
		if err != nil {
			t.Fatal(err)
		}
		zw := zip.NewWriter(f)
		for name, content := range files {
			w, err := zw.Create(pv + "/" + name)
			if err != nil {
				t.Fatal(err)
			}
			if _, err := w.Write([]byte(content)); err != nil {
				t.Fatal(err)
			}
		}
		if err := errors.Join(zw.Close(), f.Close()); err != nil {
			t.Fatal(err)
		}
	}
	return "file://" + filepath.ToSlash(root)
}

func TestPackagesTheInterpreterCannotRunAreNamed(t *testing.T) {
	proxy := fileProxy(t, map[string]map[string]string{
		"dmirror.test/needsc@v1.0.0": {
			"go.mod": "module dmirror.test/needsc\n",
			"c.go":   "package needsc\n\n// int one(void) { return 1; }\nimport \"C\"\n\nfunc One() int { return int(C.one()) }\n",
		},
		"dmirror.test/fast@v1.0.0": {
			"go.mod":      "module dmirror.test/fast\n",
			"add.go":      "package fast\n\nfunc Add(a, b int) int\n",
			"add_amd64.s": "TEXT ·Add(SB),4,$0\n\tRET\n",
			"add_arm64.s": "TEXT ·Add(SB),4,$0\n\tRET\n",
		},
		"dmirror.test/app@v1.0.0": {
			"go.mod": "module dmirror.test/app\n\nrequire dmirror.test/fast v1.0.0\n",
			"app.go": "package app\n\nimport \"dmirror.test/fast\"\n\nfunc Three() int { return fast.Add(1, 2) }\n",
		},
		"dmirror.test/fine@v1.0.0": {
			"go.mod": "module dmirror.test/fine\n",
			"f.go":   "package fine\n\nfunc Fine() string { return \"fine\" }\n",
		},
	})
	// GONOSUMDB: these modules are in no checksum database.
	r := newResolver(t, Options{Env: testEnv("GOPROXY="+proxy, "GONOSUMDB=dmirror.test")})
	ctx := context.Background()
	cases := []struct{ path, pkg, by, reason string }{
		{"dmirror.test/needsc", "dmirror.test/needsc", "", `it needs cgo (c.go import "C")`},
		{"dmirror.test/app", "dmirror.test/fast", "dmirror.test/app", "it has assembly (add_"},
	}
	for _, c := range cases {
		_, err := r.Require(ctx, c.path)
		var pe *PackageError
		if !errors.As(err, &pe) || pe.Path != c.pkg || pe.ImportedBy != c.by || !strings.HasPrefix(pe.Reason, c.reason) {
			t.Errorf("Require(%s): %v; want package %s imported by %q: %s...", c.path, err, c.pkg, c.by, c.reason)
		}
	}
	if _, err := r.Require(ctx, "dmirror.test/fine"); err != nil {
		t.Fatal(err)
	}
	var paths []string
	for _, m := range r.Set().Modules() {
		paths = append(paths, m.Path)
	}
	if strings.Join(paths, " ") != "dmirror.test/fine" {
		t.Errorf("set = %v, want only dmirror.test/fine: failed imports must add nothing", paths)
	}
}

func TestCancellingStopsAFetch(t *testing.T) {
	proxy, accepted := silentProxy(t)
	r := newResolver(t, Options{Env: testEnv("GOPROXY=" + proxy)}) // default timeout: minutes
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go func() {
		select {
		case <-accepted: // the go command waits for the proxy: interrupt it
			cancel()
		case <-ctx.Done(): // the test ended first
		}
	}()
	start := time.Now()
	_, err := r.Require(ctx, "dmirror.invalid/absent")
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("error %v, want context.Canceled", err)
	}
	if d := time.Since(start); d > 30*time.Second {
		t.Errorf("Require returned %v after being cancelled", d)
	}
}

func TestGoPrivateModulesSkipTheChecksumDatabase(t *testing.T) {
	proxy := fileProxy(t, map[string]map[string]string{
		"dmirror.test/private@v1.0.0": {
			"go.mod": "module dmirror.test/private\n",
			"p.go":   "package private\n",
		},
	})
	// GOPRIVATE keeps dmirror.test out of the checksum database (which
	// does not know it); GONOPROXY=none still fetches it from the proxy.
	r := newResolver(t, Options{Env: testEnv("GOPROXY="+proxy, "GOPRIVATE=dmirror.test", "GONOPROXY=none")})
	if _, err := r.Require(context.Background(), "dmirror.test/private"); err != nil {
		t.Fatal(err)
	}
	requireModule(t, r.Set(), "dmirror.test/private", "v1.0.0")
}

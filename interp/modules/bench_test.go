package modules

import (
	"context"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/traefik/yaegi/interp"
	"github.com/traefik/yaegi/stdlib"
)

// uuidSet resolves github.com/google/uuid v1.6.0 into the test's cache.
func uuidSet(b *testing.B) *Set {
	b.Helper()
	r, err := New(context.Background(), Options{Env: testEnv()})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { r.Close() })
	if _, err := r.Get(context.Background(), "github.com/google/uuid@v1.6.0"); err != nil {
		b.Fatal(err)
	}
	if _, err := r.Require(context.Background(), "github.com/google/uuid"); err != nil {
		b.Fatal(err)
	}
	return r.Set()
}

// importUUID makes an interpreter and imports uuid through opts.
func importUUID(b *testing.B, opts interp.Options) {
	i := interp.New(opts)
	if err := i.Use(stdlib.Symbols); err != nil {
		b.Fatal(err)
	}
	if _, err := i.Eval(`import "github.com/google/uuid"`); err != nil {
		b.Fatal(err)
	}
}

// BenchmarkImportThroughFS imports a module package in a fresh interpreter
// through the Set's FS, against the baseline of a GOPATH made of a symlink
// to the same module directory on the real file system (no file selection,
// no build-line rewriting). It reports the ratio of the two.
func BenchmarkImportThroughFS(b *testing.B) {
	set := uuidSet(b)
	m, _ := set.Module("github.com/google/uuid")
	gopath := b.TempDir()
	link := filepath.Join(gopath, "src", "github.com", "google", "uuid")
	if err := os.MkdirAll(filepath.Dir(link), 0o755); err != nil {
		b.Fatal(err)
	}
	if err := os.Symlink(m.Dir, link); err != nil {
		b.Fatal(err)
	}
	fsys := set.FS()
	var base, ours time.Duration
	b.ResetTimer()
	for n := 0; n < b.N; n++ {
		t0 := time.Now()
		importUUID(b, interp.Options{GoPath: gopath})
		t1 := time.Now()
		importUUID(b, interp.Options{GoPath: GoPath, SourcecodeFilesystem: fsys})
		base, ours = base+t1.Sub(t0), ours+time.Since(t1)
	}
	b.ReportMetric(float64(base.Nanoseconds())/float64(b.N), "baseline-ns/op")
	b.ReportMetric(float64(ours.Nanoseconds())/float64(b.N), "fs-ns/op")
	b.ReportMetric(float64(ours)/float64(base), "fs/baseline")
}

// BenchmarkRequireCached resolves a module already in the module cache with
// a new Resolver (what the first import of a session costs), against the
// baseline of one run of the go command (go env).
func BenchmarkRequireCached(b *testing.B) {
	uuidSet(b) // into the cache
	ctx := context.Background()
	var base, ours time.Duration
	b.ResetTimer()
	for n := 0; n < b.N; n++ {
		r, err := New(ctx, Options{Env: testEnv()})
		if err != nil {
			b.Fatal(err)
		}
		t0 := time.Now()
		if _, err := r.gocmd.run(ctx, nil, "env", "GOMODCACHE"); err != nil {
			b.Fatal(err)
		}
		t1 := time.Now()
		if _, err := r.Require(ctx, "github.com/google/uuid"); err != nil {
			b.Fatal(err)
		}
		base, ours = base+t1.Sub(t0), ours+time.Since(t1)
		r.Close()
	}
	b.ReportMetric(float64(base.Nanoseconds())/float64(b.N), "go-env-ns/op")
	b.ReportMetric(float64(ours.Nanoseconds())/float64(b.N), "require-ns/op")
	b.ReportMetric(float64(ours)/float64(base), "require/go-env")
}

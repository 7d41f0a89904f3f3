package native

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/dmirror/dmirror/interp/values"
)

// cgoEnv is added to the environment of the builds of plugin hosts and of
// their plugins: plugins need cgo.
var cgoEnv = []string{"CGO_ENABLED=1"}

// ErrNoCgo is returned when compiled declarations cannot be built because
// plugins need cgo and there is no C compiler.
var ErrNoCgo = errors.New("no C compiler for cgo (Go plugins need one)")

// Generation is the compiled code of a session's declarations: a Go
// plugin whose package main declares Symbols (see frontend.Generation).
type Generation struct {
	N     int
	Files map[string]string
}

// CgoMissing says why the go command could not build plugins with env,
// without running it (a session decides at start-up): CGO_ENABLED=0, or
// no C compiler ($CC, else gcc or clang, as the go command looks them
// up). It returns "" when plugins can be built.
func CgoMissing(env []string) string {
	if lookupEnv(env, "CGO_ENABLED") == "0" {
		return "CGO_ENABLED=0 (Go plugins need cgo)"
	}
	ccs := []string{"gcc", "clang"}
	if cc := strings.Fields(lookupEnv(env, "CC")); len(cc) > 0 {
		ccs = cc[:1]
	}
	for _, cc := range ccs {
		if _, err := exec.LookPath(cc); err == nil {
			return ""
		}
	}
	return fmt.Sprintf("no C compiler (%s) for cgo, which Go plugins need", strings.Join(ccs, " or "))
}

// CheckCgo reports ErrNoCgo, wrapped with the compiler's name, when the C
// compiler the go command would use is missing.
func (b *Builder) CheckCgo(ctx context.Context) error {
	out, err := b.runEnv(ctx, "", cgoEnv, "env", "CC")
	if err != nil {
		return fmt.Errorf("native: %w", err)
	}
	cc := strings.Fields(strings.TrimSpace(string(out)))
	if len(cc) == 0 {
		return ErrNoCgo
	}
	if _, err := exec.LookPath(cc[0]); err != nil {
		return fmt.Errorf("%w: %s not found", ErrNoCgo, cc[0])
	}
	return nil
}

// BuildGeneration returns the path of the plugin of gen for the plugin
// host image binary host (built by Build with PluginHost), from the cache
// or built now with the host's flags in the host's module. Each build has
// its own package path, so that a process can load any number of them; a
// second kernel with the same host and declarations gets the cached one.
// A cancelled ctx stops the go command and leaves nothing.
func (b *Builder) BuildGeneration(ctx context.Context, host string, gen Generation) (string, error) {
	mod := filepath.Dir(host)
	final := filepath.Join(mod, "gen-"+genKey(gen))
	so := filepath.Join(final, "gen.so")
	if fi, err := os.Stat(so); err == nil && fi.Mode().IsRegular() {
		now := time.Now()
		_ = os.Chtimes(mod, now, now) // the host is in use
		return so, nil
	}
	tmp, err := os.MkdirTemp(mod, "build-")
	if err != nil {
		return "", fmt.Errorf("native: %w", err)
	}
	defer os.RemoveAll(tmp) // after a successful rename there is nothing left
	pkg := filepath.Join(tmp, values.GenerationDir(gen.N))
	if err := os.Mkdir(pkg, 0o755); err != nil {
		return "", fmt.Errorf("native: %w", err)
	}
	for name, src := range gen.Files {
		if name != filepath.Base(name) || !strings.HasSuffix(name, ".go") {
			return "", fmt.Errorf("native: generation %d: bad file name %q", gen.N, name)
		}
		if err := os.WriteFile(filepath.Join(pkg, name), []byte(src), 0o644); err != nil {
			return "", fmt.Errorf("native: %w", err)
		}
	}
	// Without DWARF (-w) the link of a 200-declaration generation takes
	// 15–30% less CPU; stacks and panics name cell lines from the pclntab,
	// which stays. -compressdwarf=false spares the linker its check that
	// the C linker can compress debug sections: a C compile and link of
	// its own, 0.1 s of CPU.
	args := b.buildArgs("-buildmode=plugin", "-ldflags=-w -compressdwarf=false", "-o", filepath.Join(tmp, "gen.so"), ".")
	if _, err := b.runEnv(ctx, pkg, cgoEnv, args...); err != nil {
		return "", b.generationError(gen, err)
	}
	os.RemoveAll(filepath.Join(pkg, ".gotmp"))
	if err := os.Rename(tmp, final); err != nil {
		// Another kernel built the same generation meanwhile: use it.
		if fi, serr := os.Stat(so); serr == nil && fi.Mode().IsRegular() {
			return so, nil
		}
		return "", fmt.Errorf("native: %w", err)
	}
	return so, nil
}

// genKey names a generation's plugin within its host's directory.
func genKey(gen Generation) string {
	names := make([]string, 0, len(gen.Files))
	for n := range gen.Files {
		names = append(names, n)
	}
	slices.Sort(names)
	h := sha256.New()
	fmt.Fprintf(h, "dmirror generation 1\n%d\n", gen.N)
	for _, n := range names {
		fmt.Fprintf(h, "%s\n%d\n%s", n, len(gen.Files[n]), gen.Files[n])
	}
	return hex.EncodeToString(h.Sum(nil))[:24]
}

func (b *Builder) generationError(gen Generation, err error) error {
	var ee *goError
	if errors.As(err, &ee) {
		return &BuildError{Packages: []string{fmt.Sprintf("the session's declarations (generation %d)", gen.N)}, Output: firstLines(ee.stderr, 10)}
	}
	return err
}

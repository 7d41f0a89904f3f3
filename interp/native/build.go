package native

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"go/importer"
	"go/token"
	"go/types"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"syscall"
	"time"
)

// CacheEnv overrides where image binaries are cached.
const CacheEnv = "DMIRROR_CACHE"

// A Builder makes image binaries: dmirror's image process and mirror
// (package child) with compiled packages linked in and their symbols given
// to the interpreter. It caches them by what determines them, across
// kernels. Its methods are safe for concurrent use.
type Builder struct {
	src   Source
	gocmd string
	env   []string
	cache string

	idOnce sync.Once
	id     string // the go version, dmirror's binary and the build settings
	idErr  error
}

// NewBuilder returns a Builder that runs gocmd with env and caches under
// $DMIRROR_CACHE, else the user's cache directory.
func NewBuilder(src Source, gocmd string, env []string) (*Builder, error) {
	cache := lookupEnv(env, CacheEnv)
	if cache == "" {
		dir, err := os.UserCacheDir()
		if err != nil {
			return nil, fmt.Errorf("native: no cache directory for compiled packages: %w", err)
		}
		cache = filepath.Join(dir, "dmirror", "native")
	}
	return &Builder{src: src, gocmd: gocmd, env: env, cache: cache}, nil
}

// Request says what to build.
type Request struct {
	// ModDir is a module whose go.mod and go.sum fix every version: the
	// session's private module, which requires dmirror itself so that one
	// version selection covers dmirror's packages and the cells' imports.
	ModDir string
	// Packages are the import paths whose symbols cells see.
	Packages []string
	// Instances are instantiations of generic funcs of those packages.
	Instances []Instance
	// PluginHost builds a binary that can load generations of compiled
	// declarations (BuildGeneration): with cgo and the plugin package.
	PluginHost bool
}

// Instance is an instantiation of a generic func, compiled under Symbol
// in its package's symbols.
type Instance struct {
	Path, Name string
	Table      string // the import path whose symbols hold it
	Type       bool   // a generic type, not a func
	// TypeArgs are Go source, each package written as ⟦import/path⟧.
	TypeArgs []string
	Symbol   string
}

// BuildError is a package that could not be compiled, with the compiler's
// first errors.
type BuildError struct {
	Packages []string
	Output   string
}

func (e *BuildError) Error() string {
	return fmt.Sprintf("compiling %s failed:\n%s", e.what(), e.Output)
}

func (e *BuildError) what() string {
	if len(e.Packages) == 0 {
		return "the image binary" // a plugin host without packages
	}
	return strings.Join(e.Packages, ", ")
}

// Summary is the error on one line: what failed and the first line of the
// go command's output that is not a package header ("# runtime/cgo").
func (e *BuildError) Summary() string {
	for _, line := range strings.Split(e.Output, "\n") {
		if line = strings.TrimSpace(line); line != "" && !strings.HasPrefix(line, "# ") {
			return fmt.Sprintf("compiling %s failed: %s", e.what(), line)
		}
	}
	return fmt.Sprintf("compiling %s failed", e.what())
}

// Build returns the path of an image binary for req, from the cache or
// built now. A cancelled ctx stops the go command and leaves nothing.
func (b *Builder) Build(ctx context.Context, req Request) (string, error) {
	key, err := b.key(ctx, req)
	if err != nil {
		return "", err
	}
	final := filepath.Join(b.cache, key)
	exe := filepath.Join(final, "image")
	if fi, err := os.Stat(exe); err == nil && fi.Mode().IsRegular() {
		now := time.Now()
		_ = os.Chtimes(final, now, now) // recently used: pruned last
		return exe, nil
	}
	defer b.prune()
	if err := os.MkdirAll(b.cache, 0o755); err != nil {
		return "", fmt.Errorf("native: %w", err)
	}
	tmp, err := os.MkdirTemp(b.cache, "build-")
	if err != nil {
		return "", fmt.Errorf("native: %w", err)
	}
	defer os.RemoveAll(tmp) // after a successful rename there is nothing left
	if err := b.buildIn(ctx, tmp, req); err != nil {
		return "", err
	}
	os.RemoveAll(filepath.Join(tmp, ".gotmp"))
	if err := os.Rename(tmp, final); err != nil {
		// Another kernel built the same binary meanwhile: use it.
		if fi, serr := os.Stat(exe); serr == nil && fi.Mode().IsRegular() {
			return exe, nil
		}
		return "", fmt.Errorf("native: %w", err)
	}
	return exe, nil
}

// keepBinaries is how many image binaries the cache keeps, the most
// recently used; each is tens of megabytes, and every new dmirror binary
// or set of imports makes another.
const keepBinaries = 16

// unusedFor is how long a binary beyond keepBinaries stays unused before
// it is removed.
const unusedFor = 24 * time.Hour

// staleBuild is the age past which a build directory is one that a killed
// kernel left behind.
const staleBuild = time.Hour

// prune removes all but the keepBinaries most recently used binaries, and
// build directories of kernels that died while building.
func (b *Builder) prune() {
	ents, err := os.ReadDir(b.cache)
	if err != nil {
		return
	}
	type dir struct {
		name string
		used time.Time
	}
	var bins []dir
	for _, e := range ents {
		info, err := e.Info()
		if err != nil || !e.IsDir() {
			continue
		}
		if strings.HasPrefix(e.Name(), "build-") {
			if time.Since(info.ModTime()) > staleBuild {
				os.RemoveAll(filepath.Join(b.cache, e.Name()))
			}
			continue
		}
		bins = append(bins, dir{e.Name(), info.ModTime()})
		pruneBuilds(filepath.Join(b.cache, e.Name())) // generations' (BuildGeneration)
	}
	slices.SortFunc(bins, func(x, y dir) int { return y.used.Compare(x.used) })
	for _, d := range bins[min(len(bins), keepBinaries):] {
		// A kernel may still run a binary it has not touched for a while:
		// its image process restarts on it after a crash.
		if time.Since(d.used) > unusedFor {
			os.RemoveAll(filepath.Join(b.cache, d.name))
		}
	}
}

// pruneBuilds removes the generation build directories in a plugin host's
// directory that a kernel killed while building left behind.
func pruneBuilds(host string) {
	ents, err := os.ReadDir(host)
	if err != nil {
		return
	}
	for _, e := range ents {
		if !e.IsDir() || !strings.HasPrefix(e.Name(), "build-") {
			continue
		}
		if info, err := e.Info(); err == nil && time.Since(info.ModTime()) > staleBuild {
			os.RemoveAll(filepath.Join(host, e.Name()))
		}
	}
}

const mainSource = `// Code generated by dmirror for compiled packages. DO NOT EDIT.

// Command image is a dmirror image process and mirror with compiled
// packages for cells (symbols.go).
package main

import "github.com/dmirror/dmirror/interp/native/child"

func main() { child.Main() }
`

// pluginHostSource is the main package of an image binary that loads
// generations: the same as mainSource, with the plugin package linked.
const pluginHostSource = `// Code generated by dmirror for compiled packages. DO NOT EDIT.

// Command image is a dmirror image process and mirror with compiled
// packages for cells (symbols.go) that loads compiled declarations as
// plugins.
package main

import (
	"github.com/dmirror/dmirror/interp/native/child"
	_ "github.com/dmirror/dmirror/interp/native/pluginhost"
)

func main() { child.Main() }
`

// buildArgs are the arguments of every go build of the Builder: an image
// binary and the plugins it loads must be built with the same flags.
func (b *Builder) buildArgs(args ...string) []string {
	out := []string{"build", "-mod=mod"}
	if b.src.PGO != "" {
		out = append(out, "-pgo="+b.src.PGO)
	}
	return append(out, args...)
}

func (b *Builder) buildIn(ctx context.Context, dir string, req Request) error {
	for _, name := range []string{"go.mod", "go.sum"} {
		data, err := os.ReadFile(filepath.Join(req.ModDir, name))
		if err != nil && !(name == "go.sum" && errors.Is(err, os.ErrNotExist)) {
			return fmt.Errorf("native: %w", err)
		}
		if err := os.WriteFile(filepath.Join(dir, name), data, 0o644); err != nil {
			return fmt.Errorf("native: %w", err)
		}
	}
	main := mainSource
	if req.PluginHost {
		main = pluginHostSource
	}
	if err := os.WriteFile(filepath.Join(dir, "main.go"), []byte(main), 0o644); err != nil {
		return fmt.Errorf("native: %w", err)
	}
	pkgs, err := b.typesOf(ctx, dir, req.Packages)
	if err != nil {
		return err
	}
	src, err := symbolsSource(pkgs, req.Instances)
	if err != nil {
		return err
	}
	if err := os.WriteFile(filepath.Join(dir, "symbols.go"), src, 0o644); err != nil {
		return fmt.Errorf("native: %w", err)
	}
	var env []string
	if req.PluginHost {
		env = cgoEnv // plugins need cgo, in the host and in every plugin alike
	}
	if _, err := b.runEnv(ctx, dir, env, b.buildArgs("-o", "image", ".")...); err != nil {
		return b.buildError(req.Packages, err)
	}
	return nil
}

// typesOf compiles paths (and what they import) and reads their types
// from the compiler's export data, so the symbol table matches the code.
func (b *Builder) typesOf(ctx context.Context, dir string, paths []string) ([]*types.Package, error) {
	out, err := b.run(ctx, dir, append([]string{"list", "-mod=mod", "-e", "-export", "-deps",
		"-json=ImportPath,Export,Error,DepsErrors"}, paths...)...)
	if err != nil {
		return nil, b.buildError(paths, err)
	}
	exports := map[string]string{}
	var problems []string
	dec := json.NewDecoder(bytes.NewReader(out))
	for {
		var p struct {
			ImportPath, Export string
			Error              *struct{ Err string }
			DepsErrors         []*struct{ Err string }
		}
		if err := dec.Decode(&p); err == io.EOF {
			break
		} else if err != nil {
			return nil, fmt.Errorf("native: read go list: %w", err)
		}
		if p.Error != nil {
			problems = append(problems, p.Error.Err)
		}
		exports[p.ImportPath] = p.Export
	}
	if len(problems) > 0 {
		return nil, &BuildError{Packages: paths, Output: firstLines(strings.Join(problems, "\n"), 10)}
	}
	fset := token.NewFileSet()
	imp := importer.ForCompiler(fset, "gc", func(path string) (io.ReadCloser, error) {
		f := exports[path]
		if f == "" {
			return nil, fmt.Errorf("no export data for %s", path)
		}
		return os.Open(f)
	})
	pkgs := make([]*types.Package, 0, len(paths))
	for _, p := range paths {
		tp, err := imp.Import(p)
		if err != nil {
			return nil, fmt.Errorf("native: read the types of %s: %w", p, err)
		}
		pkgs = append(pkgs, tp)
	}
	return pkgs, nil
}

func (b *Builder) buildError(paths []string, err error) error {
	var ee *goError
	if errors.As(err, &ee) {
		return &BuildError{Packages: paths, Output: firstLines(ee.stderr, 10)}
	}
	return err
}

// goError is a failed run of the go command.
type goError struct {
	args   []string
	stderr string
	err    error
}

func (e *goError) Error() string {
	return fmt.Sprintf("go %s: %v: %s", strings.Join(e.args, " "), e.err, firstLines(e.stderr, 10))
}

func (e *goError) Unwrap() error { return e.err }

// run runs the go command in dir. Cancelling ctx kills it with every
// compiler it started (its own process group).
func (b *Builder) run(ctx context.Context, dir string, args ...string) ([]byte, error) {
	return b.runEnv(ctx, dir, nil, args...)
}

// runEnv is run with env added to the Builder's environment.
func (b *Builder) runEnv(ctx context.Context, dir string, env []string, args ...string) ([]byte, error) {
	cmd := exec.CommandContext(ctx, b.gocmd, args...)
	cmd.Dir = dir
	cmd.Env = append(slices.Clip(b.env), env...)
	if dir != "" {
		// The compiler's temporary files go with the build directory,
		// also when an interrupt kills the go command.
		tmp := filepath.Join(dir, ".gotmp")
		if err := os.MkdirAll(tmp, 0o700); err != nil {
			return nil, fmt.Errorf("native: %w", err)
		}
		cmd.Env = append(cmd.Env, "GOTMPDIR="+tmp)
	}
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGKILL}
	cmd.Cancel = func() error { return syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL) }
	cmd.WaitDelay = 5 * time.Second
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		if ctx.Err() != nil {
			return nil, ctx.Err()
		}
		return nil, &goError{args: args, stderr: stderr.String(), err: err}
	}
	return stdout.Bytes(), nil
}

// key names the binary a request gives: everything that determines it.
func (b *Builder) key(ctx context.Context, req Request) (string, error) {
	b.idOnce.Do(func() { b.id, b.idErr = b.identity(ctx) })
	if b.idErr != nil {
		return "", b.idErr
	}
	gomod, err := os.ReadFile(filepath.Join(req.ModDir, "go.mod"))
	if err != nil {
		return "", fmt.Errorf("native: %w", err)
	}
	pkgs := slices.Clone(req.Packages)
	slices.Sort(pkgs)
	h := sha256.New()
	fmt.Fprintf(h, "dmirror native 1\n%s\n%s\n%s\n", b.id, gomod, strings.Join(slices.Compact(pkgs), "\n"))
	if req.PluginHost {
		fmt.Fprintf(h, "plugin host\n")
	}
	syms := make([]string, 0, len(req.Instances))
	for _, in := range req.Instances {
		syms = append(syms, in.Path+"."+in.Symbol)
	}
	slices.Sort(syms)
	fmt.Fprintf(h, "%s\n", strings.Join(slices.Compact(syms), "\n"))
	return hex.EncodeToString(h.Sum(nil))[:24], nil
}

// identity describes the toolchain, the settings that change what it
// builds, and the running binary (hence dmirror's source).
func (b *Builder) identity(ctx context.Context) (string, error) {
	out, err := b.run(ctx, "", "env", "GOVERSION", "GOOS", "GOARCH", "GOAMD64", "CGO_ENABLED", "GOFLAGS", "CC", "CGO_CFLAGS", "CGO_LDFLAGS")
	if err != nil {
		return "", fmt.Errorf("native: %w", err)
	}
	self, err := os.Executable()
	if err != nil {
		return "", fmt.Errorf("native: %w", err)
	}
	f, err := os.Open(self)
	if err != nil {
		return "", fmt.Errorf("native: %w", err)
	}
	defer f.Close()
	h := sha256.New()
	if _, err := io.Copy(h, f); err != nil {
		return "", fmt.Errorf("native: hash %s: %w", self, err)
	}
	return fmt.Sprintf("%s%s\npgo %s", out, hex.EncodeToString(h.Sum(nil)), b.src.PGO), nil
}

func firstLines(s string, n int) string {
	lines := strings.Split(strings.TrimSpace(s), "\n")
	if len(lines) > n {
		lines = append(lines[:n], fmt.Sprintf("… (%d more lines)", len(lines)-n))
	}
	return strings.Join(lines, "\n")
}

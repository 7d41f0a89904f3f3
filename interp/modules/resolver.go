package modules

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"sync"
	"sync/atomic"
	"time"
)

// Options configures a Resolver.
type Options struct {
	// Env is the go command's environment; nil means os.Environ(). GOPROXY,
	// GOFLAGS, GOMODCACHE, GOPRIVATE, GONOSUMDB and the rest apply as usual.
	Env []string
	// GoCmd is the go command; "" means "go" from PATH, else from the Go
	// installation dmirror was built with.
	GoCmd string
	// Timeout bounds each run of the go command; 0 means DefaultTimeout.
	Timeout time.Duration
	// TempDir is where the private module is made; "" means os.TempDir().
	TempDir string
	// HasStd reports whether the interpreter provides a standard package;
	// nil means that it provides them all.
	HasStd func(importPath string) bool
	// Compiled, when set, makes the packages cells import compiled Go
	// (package interp/native) rather than interpreted source: nothing is
	// refused for needing assembly, cgo or unsafe, and the private module
	// requires dmirror itself, so that one version selection covers both.
	Compiled *Compiled
}

// Compiled is how the private module requires dmirror's own module.
type Compiled struct {
	GoMod string // go.mod lines after the module line (go, require, replace)
	GoSum []byte // dmirror's go.sum, so its requirements need no download
	// Linked are the modules dmirror itself requires, by path: a session
	// can use them at that version or a newer one, never an older one.
	Linked map[string]string
}

// DefaultTimeout bounds one run of the go command.
const DefaultTimeout = 2 * time.Minute

// A Resolver finds and downloads the modules that provide the packages
// cells import, keeping one version per module path for the session. Its
// methods are safe for concurrent use; go commands run one at a time.
type Resolver struct {
	mu      sync.Mutex
	dir     *privateDir
	gocmd   goCmd
	hasStd  func(string) bool
	proxy   string              // GOPROXY for implicit imports: the module cache first
	list    []Module            // the private module's build list, Dir "" if not downloaded
	set     atomic.Pointer[Set] // read without mu: completion must not wait for go
	checked map[string]bool     // import paths checked against set
	// compiled: packages are compiled, not interpreted (Options.Compiled).
	compiled *Compiled
}

// New makes a private module in a temporary directory, locked by this
// process so that SweepStale can remove it if the process dies without
// Close. Close removes it.
func New(ctx context.Context, opts Options) (*Resolver, error) {
	if opts.Env == nil {
		opts.Env = os.Environ()
	}
	if opts.GoCmd == "" {
		gocmd, err := FindGo()
		if err != nil {
			return nil, err
		}
		opts.GoCmd = gocmd
	}
	if opts.Timeout <= 0 {
		opts.Timeout = DefaultTimeout
	}
	dir, err := makePrivateDir(opts.TempDir)
	if err != nil {
		return nil, fmt.Errorf("modules: make private module: %w", err)
	}
	// What the go command and its helpers (git) leave in their temporary
	// directory goes with the private module, also when a kill stops them.
	tmp := filepath.Join(dir.path, "tmp")
	if err := os.Mkdir(tmp, 0o700); err != nil {
		return nil, errors.Join(fmt.Errorf("modules: make private module: %w", err), dir.remove())
	}
	env := append(append([]string(nil), opts.Env...), "TMPDIR="+tmp, "GOTMPDIR="+tmp)
	r := &Resolver{
		dir:      dir,
		gocmd:    goCmd{path: opts.GoCmd, dir: dir.path, env: env, timeout: opts.Timeout},
		hasStd:   opts.HasStd,
		compiled: opts.Compiled,
		checked:  map[string]bool{},
	}
	r.set.Store(NewSet(nil))
	if err := r.init(ctx); err != nil {
		return nil, errors.Join(err, r.Close())
	}
	return r, nil
}

// FindGo returns the go command: the one on PATH, else the one of the Go
// installation dmirror was built with (a kernel started by a Jupyter
// server may have a PATH without Go's bin directory).
func FindGo() (string, error) {
	if p, err := exec.LookPath("go"); err == nil {
		return p, nil
	}
	if root := runtime.GOROOT(); root != "" {
		p := filepath.Join(root, "bin", "go")
		if fi, err := os.Stat(p); err == nil && !fi.IsDir() {
			return p, nil
		}
	}
	return "", errors.New("modules: importing a module needs the go command, which is not on PATH " +
		"(install Go, or add its bin directory to PATH in the kernelspec's env)")
}

// goMod is the private module's go.mod: the go line is the interpreter's
// language level, which `go get` raises if a module needs it.
var goMod = fmt.Sprintf("module dmirror.session\n\ngo 1.%d\n", StdGoMinor)

func (r *Resolver) init(ctx context.Context) error {
	mod := goMod
	if r.compiled != nil {
		mod = "module dmirror.session\n\n" + r.compiled.GoMod
		if err := os.WriteFile(filepath.Join(r.gocmd.dir, "go.sum"), r.compiled.GoSum, 0o644); err != nil {
			return fmt.Errorf("modules: write private go.sum: %w", err)
		}
	}
	if err := os.WriteFile(filepath.Join(r.gocmd.dir, "go.mod"), []byte(mod), 0o644); err != nil {
		return fmt.Errorf("modules: write private go.mod: %w", err)
	}
	out, err := r.gocmd.run(ctx, nil, "env", "-json", "GOMODCACHE", "GOPROXY")
	if err != nil {
		return fmt.Errorf("modules: %w", err)
	}
	var env struct{ GOMODCACHE, GOPROXY string }
	if err := json.Unmarshal(out, &env); err != nil {
		return fmt.Errorf("modules: read go env: %w", err)
	}
	r.proxy = env.GOPROXY
	if env.GOMODCACHE != "" {
		// Versions already in the module cache are served from it first, so
		// a known module needs no network and works offline (GOPROXY=off).
		r.proxy = "file://" + filepath.ToSlash(filepath.Join(env.GOMODCACHE, "cache", "download")) + "," + env.GOPROXY
	}
	return nil
}

// Close removes the private module. The module cache is left alone.
func (r *Resolver) Close() error {
	if err := r.dir.remove(); err != nil {
		return fmt.Errorf("modules: remove private module: %w", err)
	}
	return nil
}

// Set returns the modules resolved so far. It does not wait for a go
// command that is running.
func (r *Resolver) Set() *Set { return r.set.Load() }

// FetchError says that no module providing a package could be had.
type FetchError struct {
	ImportPath string
	Err        error
}

func (e *FetchError) Error() string {
	return fmt.Sprintf("cannot get the module of package %s: %v", e.ImportPath, e.Err)
}

func (e *FetchError) Unwrap() error { return e.Err }

// goModule is what `go list -m -json` and `go mod download -json` print.
type goModule struct {
	Path, Version, Dir string
	Main               bool
	Error              *struct{ Err string }
}

// refresh reads the private module's build list.
func (r *Resolver) refresh(ctx context.Context) error {
	out, err := r.gocmd.run(ctx, []string{"GOPROXY=" + r.proxy}, "list", "-mod=mod", "-m", "-json", "all")
	if err != nil {
		return err
	}
	list := []Module{} // non-nil: the list was read
	dec := json.NewDecoder(bytes.NewReader(out))
	for {
		var m goModule
		if err := dec.Decode(&m); errors.Is(err, io.EOF) {
			break
		} else if err != nil {
			return fmt.Errorf("read go list -m output: %w", err)
		}
		if !m.Main {
			list = append(list, Module{Path: m.Path, Version: m.Version, Dir: m.Dir})
		}
	}
	r.list = list
	return nil
}

// download makes sure the build list's module at index i is in the cache.
func (r *Resolver) download(ctx context.Context, i int) error {
	m := r.list[i]
	out, err := r.gocmd.run(ctx, []string{"GOPROXY=" + r.proxy}, "mod", "download", "-json", m.String())
	var d goModule
	if jerr := json.Unmarshal(out, &d); jerr == nil && d.Error != nil {
		return fmt.Errorf("download %s: %s", m, d.Error.Err)
	}
	if err != nil {
		return err
	}
	if d.Dir == "" {
		return fmt.Errorf("download %s: go mod download gave no directory", m)
	}
	r.list[i].Dir = d.Dir
	return nil
}

// Dir is the private module's directory, whose go.mod and go.sum fix the
// versions of the session's modules.
func (r *Resolver) Dir() string { return r.gocmd.dir }

// Package kernelspec installs dmirror's Jupyter kernelspec, the directory
// named dmirror that tells Jupyter front ends how to start the kernel, in
// the places `jupyter kernelspec install` uses, so that `jupyter kernelspec
// list` finds it.
package kernelspec

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
)

// Name is the kernelspec's name, the directory it is installed as.
const Name = "dmirror"

// Options says where to install; at most one of them may be set. None
// means the system-wide location.
type Options struct {
	User      bool   // the current user's Jupyter data directory
	SysPrefix bool   // sys.prefix of the Python that runs jupyter
	Prefix    string // PREFIX/share/jupyter/kernels

	// Slurm makes a kernelspec whose mirrors are Slurm job steps
	// (DMIRROR_MIRRORS=slurm), named SlurmName unless Name is set, with
	// SlurmArgs as DMIRROR_SLURM_ARGS.
	Slurm     bool
	SlurmArgs string
	// Name is the kernelspec's name; empty means Name, or SlurmName.
	Name string
}

// SlurmName is the default name of the kernelspec made with Options.Slurm.
const SlurmName = "dmirror-slurm"

// name is the directory the kernelspec is installed as.
func (o Options) name() string {
	switch {
	case o.Name != "":
		return o.Name
	case o.Slurm:
		return SlurmName
	}
	return Name
}

// spec is kernel.json.
type spec struct {
	Argv          []string          `json:"argv"`
	DisplayName   string            `json:"display_name"`
	Language      string            `json:"language"`
	InterruptMode string            `json:"interrupt_mode"`
	Env           map[string]string `json:"env,omitempty"`
	Metadata      map[string]any    `json:"metadata"`
}

// Install writes the kernelspec, replacing any earlier one there, and
// returns its directory.
func Install(opts Options) (string, error) {
	return install(opts, hostEnv())
}

// env is what installing depends on outside the options, injected by
// tests.
type env struct {
	getenv     func(string) string
	executable func() (string, error)
	sysPrefix  func() (string, error)
	systemDir  string // the first of Jupyter's system data directories
	tempDirs   []string
}

func hostEnv() env {
	return env{
		getenv:     os.Getenv,
		executable: os.Executable,
		sysPrefix:  pythonSysPrefix,
		systemDir:  "/usr/local/share/jupyter",
		tempDirs:   []string{os.TempDir()},
	}
}

func install(opts Options, e env) (string, error) {
	kernels, err := kernelsDir(opts, e)
	if err != nil {
		return "", err
	}
	exe, err := e.executable()
	if err != nil {
		return "", fmt.Errorf("kernelspec: find the dmirror binary: %w", err)
	}
	if exe, err = filepath.EvalSymlinks(exe); err != nil {
		return "", fmt.Errorf("kernelspec: find the dmirror binary: %w", err)
	}
	if n := opts.name(); n != filepath.Base(n) || n == "." || n == ".." {
		return "", fmt.Errorf("kernelspec: name %q is not a directory name", n)
	}
	dest := filepath.Join(kernels, opts.name())
	if err := os.MkdirAll(kernels, 0o755); err != nil {
		return "", writeError(err)
	}
	staging, err := os.MkdirTemp(kernels, "."+opts.name()+"-install-")
	if err != nil {
		return "", writeError(err)
	}
	defer os.RemoveAll(staging) // a no-op once renamed into place
	argv0 := exe
	if isTemporary(exe, e.tempDirs) {
		// A binary built by `go run` or `go test` disappears: keep a copy
		// inside the kernelspec.
		if err := copyFile(exe, filepath.Join(staging, Name), 0o755); err != nil {
			return "", fmt.Errorf("kernelspec: copy the dmirror binary: %w", err)
		}
		argv0 = filepath.Join(dest, Name)
	}
	if err := writeSpec(staging, argv0, opts, e.getenv); err != nil {
		return "", err
	}
	if err := os.Chmod(staging, 0o755); err != nil {
		return "", writeError(err)
	}
	if err := os.RemoveAll(dest); err != nil {
		return "", writeError(err)
	}
	if err := os.Rename(staging, dest); err != nil {
		return "", writeError(err)
	}
	return dest, nil
}

// kernelsDir returns the kernels directory the options name, as
// jupyter_client's KernelSpecManager._get_destination_dir does.
func kernelsDir(opts Options, e env) (string, error) {
	n := 0
	for _, set := range []bool{opts.User, opts.SysPrefix, opts.Prefix != ""} {
		if set {
			n++
		}
	}
	if n > 1 {
		return "", errors.New("kernelspec: choose one of --user, --sys-prefix and --prefix")
	}
	switch {
	case opts.User:
		data, err := userDataDir(e.getenv)
		if err != nil {
			return "", err
		}
		return filepath.Join(data, "kernels"), nil
	case opts.SysPrefix:
		p, err := e.sysPrefix()
		if err != nil {
			return "", err
		}
		return filepath.Join(p, "share", "jupyter", "kernels"), nil
	case opts.Prefix != "":
		p, err := filepath.Abs(opts.Prefix)
		if err != nil {
			return "", fmt.Errorf("kernelspec: prefix: %w", err)
		}
		return filepath.Join(p, "share", "jupyter", "kernels"), nil
	}
	return filepath.Join(e.systemDir, "kernels"), nil
}

// userDataDir is jupyter_core's jupyter_data_dir on Linux and other Unix
// systems: JUPYTER_DATA_DIR, else $XDG_DATA_HOME/jupyter, else
// ~/.local/share/jupyter with the home directory's symlinks resolved.
func userDataDir(getenv func(string) string) (string, error) {
	if d := getenv("JUPYTER_DATA_DIR"); d != "" {
		return d, nil
	}
	if x := getenv("XDG_DATA_HOME"); x != "" {
		return filepath.Join(x, "jupyter"), nil
	}
	home := getenv("HOME")
	if home == "" {
		return "", errors.New("kernelspec: --user: HOME is not set")
	}
	if resolved, err := filepath.EvalSymlinks(home); err == nil {
		home = resolved
	}
	return filepath.Join(home, ".local", "share", "jupyter"), nil
}

func writeSpec(dir, argv0 string, opts Options, getenv func(string) string) error {
	s := spec{
		Argv:          []string{argv0, "kernel", "{connection_file}"},
		DisplayName:   "Go (dmirror)",
		Language:      "go",
		InterruptMode: "message",
		Env:           map[string]string{},
		Metadata:      map[string]any{},
	}
	// The kernel runs `go` for modules; front ends may start it with a
	// smaller environment than the shell that installed it.
	for _, k := range []string{"PATH", "GOROOT", "GOPATH", "GOMODCACHE", "GOPROXY", "GOFLAGS"} {
		if v := getenv(k); v != "" {
			s.Env[k] = v
		}
	}
	if opts.Slurm {
		// The mirrors' placement, and where Slurm's clients find the
		// cluster if the installing shell said.
		s.DisplayName = "Go (dmirror, Slurm)"
		s.Env["DMIRROR_MIRRORS"] = "slurm"
		if opts.SlurmArgs != "" {
			s.Env["DMIRROR_SLURM_ARGS"] = opts.SlurmArgs
		}
		if v := getenv("SLURM_CONF"); v != "" {
			s.Env["SLURM_CONF"] = v
		}
	}
	data, err := json.MarshalIndent(s, "", "  ")
	if err != nil {
		return fmt.Errorf("kernelspec: %w", err)
	}
	files := map[string][]byte{"kernel.json": append(data, '\n'), "logo-svg.svg": []byte(logoSVG())}
	for _, size := range []int{32, 64} {
		png, err := logoPNG(size)
		if err != nil {
			return fmt.Errorf("kernelspec: logo: %w", err)
		}
		files[fmt.Sprintf("logo-%dx%d.png", size, size)] = png
	}
	for name, b := range files {
		if err := os.WriteFile(filepath.Join(dir, name), b, 0o644); err != nil {
			return writeError(err)
		}
	}
	return nil
}

func writeError(err error) error {
	if errors.Is(err, fs.ErrPermission) {
		return fmt.Errorf("kernelspec: %w (install with --user, or as a user who may write there)", err)
	}
	return fmt.Errorf("kernelspec: %w", err)
}

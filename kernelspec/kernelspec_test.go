package kernelspec

import (
	"bytes"
	"encoding/json"
	"encoding/xml"
	"image/png"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"testing"
)

// fakeEnv returns an env with a fake binary that is not temporary, and the
// variables in vars.
func fakeEnv(t *testing.T, vars map[string]string) (env, string) {
	t.Helper()
	dir := t.TempDir()
	exe := filepath.Join(dir, "bin", "dmirror")
	if err := os.MkdirAll(filepath.Dir(exe), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(exe, []byte("#!/bin/sh\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	return env{
		getenv:     func(k string) string { return vars[k] },
		executable: func() (string, error) { return exe, nil },
		sysPrefix:  func() (string, error) { return filepath.Join(dir, "sysprefix"), nil },
		systemDir:  filepath.Join(dir, "system"),
	}, dir
}

func TestInstallLocations(t *testing.T) {
	cases := []struct {
		name string
		opts Options
		vars map[string]string
		want func(dir string) string
	}{
		{"prefix", Options{Prefix: "PFX"}, nil,
			func(d string) string { return filepath.Join(d, "PFX/share/jupyter/kernels/dmirror") }},
		{"user JUPYTER_DATA_DIR", Options{User: true}, map[string]string{"JUPYTER_DATA_DIR": "DATA", "XDG_DATA_HOME": "XDG", "HOME": "HOME"},
			func(d string) string { return filepath.Join(d, "DATA/kernels/dmirror") }},
		{"user XDG_DATA_HOME", Options{User: true}, map[string]string{"XDG_DATA_HOME": "XDG", "HOME": "HOME"},
			func(d string) string { return filepath.Join(d, "XDG/jupyter/kernels/dmirror") }},
		{"user HOME", Options{User: true}, map[string]string{"HOME": "HOME"},
			func(d string) string { return filepath.Join(d, "HOME/.local/share/jupyter/kernels/dmirror") }},
		{"sys-prefix", Options{SysPrefix: true}, nil,
			func(d string) string { return filepath.Join(d, "sysprefix/share/jupyter/kernels/dmirror") }},
		// As jupyter kernelspec install: the system location whatever
		// JUPYTER_DATA_DIR says.
		{"system", Options{}, map[string]string{"JUPYTER_DATA_DIR": "DATA"},
			func(d string) string { return filepath.Join(d, "system/kernels/dmirror") }},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			vars := map[string]string{"PATH": "/opt/go/bin:/usr/bin", "GOROOT": "/opt/go"}
			e, dir := fakeEnv(t, vars)
			for k, v := range c.vars {
				vars[k] = filepath.Join(dir, v)
			}
			if c.opts.Prefix != "" {
				c.opts.Prefix = filepath.Join(dir, c.opts.Prefix)
			}
			got, err := install(c.opts, e)
			if err != nil {
				t.Fatal(err)
			}
			if want := c.want(dir); got != want {
				t.Errorf("installed in %s, want %s", got, want)
			}
			exe, _ := e.executable()
			checkSpec(t, got, exe, vars)
		})
	}
}

// checkSpec validates an installed kernelspec.
func checkSpec(t *testing.T, dir, argv0 string, vars map[string]string) {
	t.Helper()
	data, err := os.ReadFile(filepath.Join(dir, "kernel.json"))
	if err != nil {
		t.Fatal(err)
	}
	var s spec
	if err := json.Unmarshal(data, &s); err != nil {
		t.Fatalf("kernel.json: %v", err)
	}
	if len(s.Argv) != 3 || s.Argv[0] != argv0 || s.Argv[1] != "kernel" || s.Argv[2] != "{connection_file}" {
		t.Errorf("argv = %q, want [%s kernel {connection_file}]", s.Argv, argv0)
	}
	if s.DisplayName != "Go (dmirror)" || s.Language != "go" || s.InterruptMode != "message" {
		t.Errorf("kernel.json = %+v", s)
	}
	for _, k := range []string{"PATH", "GOROOT", "GOPATH", "GOMODCACHE", "GOPROXY", "GOFLAGS"} {
		if got, want := s.Env[k], vars[k]; got != want {
			t.Errorf("env %s = %q, want %q", k, got, want)
		}
	}
	for _, size := range []int{32, 64} {
		b, err := os.ReadFile(filepath.Join(dir, "logo-"+itoa(size)+"x"+itoa(size)+".png"))
		if err != nil {
			t.Fatal(err)
		}
		img, err := png.Decode(bytes.NewReader(b))
		if err != nil {
			t.Fatalf("logo %d: %v", size, err)
		}
		if r := img.Bounds(); r.Dx() != size || r.Dy() != size {
			t.Errorf("logo %d is %v", size, r)
		}
	}
	svg, err := os.ReadFile(filepath.Join(dir, "logo-svg.svg"))
	if err != nil {
		t.Fatal(err)
	}
	var root struct {
		XMLName xml.Name
		Shapes  []xml.Name `xml:",any"`
	}
	if err := xml.Unmarshal(svg, &root); err != nil || root.XMLName.Local != "svg" || len(root.Shapes) < 3 {
		t.Errorf("logo-svg.svg: root %v with %d elements, err %v", root.XMLName, len(root.Shapes), err)
	}
	info, err := os.Stat(dir)
	if err != nil || info.Mode().Perm() != 0o755 {
		t.Errorf("kernelspec directory mode %v, %v", info.Mode(), err)
	}
}

func itoa(n int) string { return strconv.Itoa(n) }

func TestInstallRejectsTwoLocations(t *testing.T) {
	e, _ := fakeEnv(t, nil)
	for _, o := range []Options{{User: true, Prefix: "x"}, {User: true, SysPrefix: true}, {SysPrefix: true, Prefix: "x"}} {
		if dir, err := install(o, e); err == nil {
			t.Errorf("install(%+v) = %s, want an error", o, dir)
		}
	}
}

func TestInstallCopiesTemporaryBinary(t *testing.T) {
	e, dir := fakeEnv(t, nil)
	// As `go run` leaves it: .../go-build123/b001/exe/dmirror.
	exe := filepath.Join(dir, "go-build123", "b001", "exe", "dmirror")
	if err := os.MkdirAll(filepath.Dir(exe), 0o755); err != nil {
		t.Fatal(err)
	}
	content := []byte("#!/bin/sh\necho built\n")
	if err := os.WriteFile(exe, content, 0o755); err != nil {
		t.Fatal(err)
	}
	e.executable = func() (string, error) { return exe, nil }
	got, err := install(Options{Prefix: filepath.Join(dir, "pfx")}, e)
	if err != nil {
		t.Fatal(err)
	}
	copied := filepath.Join(got, "dmirror")
	checkSpec(t, got, copied, map[string]string{})
	b, err := os.ReadFile(copied)
	if err != nil || !bytes.Equal(b, content) {
		t.Errorf("copied binary = %q, %v; want %q", b, err, content)
	}
	if info, err := os.Stat(copied); err != nil || info.Mode().Perm()&0o111 == 0 {
		t.Errorf("copied binary is not executable: %v %v", info.Mode(), err)
	}
}

func TestInstallResolvesSymlinksAndTempDirs(t *testing.T) {
	e, dir := fakeEnv(t, nil)
	real, _ := e.executable()
	link := filepath.Join(dir, "link-to-dmirror")
	if err := os.Symlink(real, link); err != nil {
		t.Fatal(err)
	}
	e.executable = func() (string, error) { return link, nil }
	got, err := install(Options{Prefix: filepath.Join(dir, "a")}, e)
	if err != nil {
		t.Fatal(err)
	}
	checkSpec(t, got, real, map[string]string{})
	// The same binary under a temporary directory is copied.
	e.tempDirs = []string{filepath.Dir(filepath.Dir(real))}
	got, err = install(Options{Prefix: filepath.Join(dir, "b")}, e)
	if err != nil {
		t.Fatal(err)
	}
	checkSpec(t, got, filepath.Join(got, "dmirror"), map[string]string{})
}

func TestReinstallReplaces(t *testing.T) {
	e, dir := fakeEnv(t, nil)
	opts := Options{Prefix: filepath.Join(dir, "pfx")}
	got, err := install(opts, e)
	if err != nil {
		t.Fatal(err)
	}
	stale := filepath.Join(got, "stale.txt")
	if err := os.WriteFile(stale, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := install(opts, e); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(stale); !os.IsNotExist(err) {
		t.Errorf("a file of the old kernelspec survived the reinstall: %v", err)
	}
	entries, err := os.ReadDir(filepath.Dir(got))
	if err != nil || len(entries) != 1 {
		t.Errorf("kernels directory holds %v, %v; want only dmirror", entries, err)
	}
}

// TestJupyterFindsIt asks the real jupyter_client for the installed spec.
func TestJupyterFindsIt(t *testing.T) {
	const python = "/usr/bin/python3"
	if err := exec.Command(python, "-c", "import jupyter_client").Run(); err != nil {
		t.Skipf("%s cannot import jupyter_client (%v): not checking what Jupyter sees", python, err)
	}
	e, dir := fakeEnv(t, nil)
	prefix := filepath.Join(dir, "pfx")
	got, err := install(Options{Prefix: prefix}, e)
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(python, "-c", `
import json
from jupyter_client.kernelspec import KernelSpecManager
m = KernelSpecManager()
s = m.get_kernel_spec("dmirror")
print(json.dumps({"dir": m.find_kernel_specs()["dmirror"], "argv": s.argv, "display_name": s.display_name,
                  "language": s.language, "interrupt_mode": s.interrupt_mode}))
`)
	cmd.Env = append(os.Environ(), "JUPYTER_PATH="+filepath.Join(prefix, "share", "jupyter"))
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("jupyter_client: %v", err)
	}
	var seen struct {
		Dir           string
		Argv          []string
		DisplayName   string `json:"display_name"`
		Language      string
		InterruptMode string `json:"interrupt_mode"`
	}
	if err := json.Unmarshal(out, &seen); err != nil {
		t.Fatalf("%s: %v", out, err)
	}
	exe, _ := e.executable()
	if seen.Dir != got || seen.DisplayName != "Go (dmirror)" || seen.Language != "go" ||
		seen.InterruptMode != "message" || len(seen.Argv) != 3 || seen.Argv[0] != exe {
		t.Errorf("Jupyter sees %+v", seen)
	}
}

func TestShebangPython(t *testing.T) {
	dir := t.TempDir()
	for line, want := range map[string]string{
		"#!/usr/bin/python3\nimport x\n": "/usr/bin/python3",
		"#!/opt/venv/bin/python -E\n":    "/opt/venv/bin/python",
		"import sys\n":                   "",
	} {
		p := filepath.Join(dir, "jupyter")
		if err := os.WriteFile(p, []byte(line), 0o755); err != nil {
			t.Fatal(err)
		}
		got, ok := shebangPython(p)
		if got != want || ok != (want != "") {
			t.Errorf("shebangPython(%q) = %q, %v; want %q", line, got, ok, want)
		}
	}
}

func TestPythonSysPrefix(t *testing.T) {
	if _, err := os.Stat("/usr/bin/python3"); err != nil {
		t.Skip("no /usr/bin/python3")
	}
	p, err := pythonSysPrefix()
	if err != nil {
		t.Fatal(err)
	}
	if info, err := os.Stat(p); err != nil || !info.IsDir() || !filepath.IsAbs(p) {
		t.Errorf("sys.prefix %q is not an absolute directory: %v", p, err)
	}
}

func TestRelativePrefixAndResolvedHome(t *testing.T) {
	e, dir := fakeEnv(t, nil)
	t.Chdir(dir)
	got, err := install(Options{Prefix: "rel"}, e)
	if err != nil {
		t.Fatal(err)
	}
	if want := filepath.Join(dir, "rel/share/jupyter/kernels/dmirror"); got != want {
		t.Errorf("--prefix rel installed in %s, want %s", got, want)
	}
	// ~ is resolved, as jupyter_core's get_home_dir does.
	realHome := filepath.Join(dir, "real-home")
	if err := os.Mkdir(realHome, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(realHome, filepath.Join(dir, "home")); err != nil {
		t.Fatal(err)
	}
	e.getenv = func(k string) string {
		if k == "HOME" {
			return filepath.Join(dir, "home")
		}
		return ""
	}
	got, err = install(Options{User: true}, e)
	if err != nil {
		t.Fatal(err)
	}
	if want := filepath.Join(realHome, ".local/share/jupyter/kernels/dmirror"); got != want {
		t.Errorf("--user installed in %s, want %s", got, want)
	}
}

// TestInstallSlurm: --slurm writes a second kernelspec, dmirror-slurm
// (or --name), whose kernel places mirrors through Slurm with the given
// salloc options and the installing shell's SLURM_CONF.
func TestInstallSlurm(t *testing.T) {
	for _, c := range []struct {
		name, wantDir string
		opts          Options
	}{
		{"default name", "dmirror-slurm", Options{Slurm: true, SlurmArgs: "--partition=P --time=1:00:00"}},
		{"--name", "gpu-go", Options{Slurm: true, Name: "gpu-go"}},
	} {
		t.Run(c.name, func(t *testing.T) {
			vars := map[string]string{"PATH": "/usr/bin", "SLURM_CONF": "/etc/site/slurm.conf"}
			e, dir := fakeEnv(t, vars)
			c.opts.Prefix = dir
			got, err := install(c.opts, e)
			if err != nil {
				t.Fatal(err)
			}
			if filepath.Base(got) != c.wantDir {
				t.Errorf("installed as %s, want %s", filepath.Base(got), c.wantDir)
			}
			data, err := os.ReadFile(filepath.Join(got, "kernel.json"))
			if err != nil {
				t.Fatal(err)
			}
			var s spec
			if err := json.Unmarshal(data, &s); err != nil {
				t.Fatal(err)
			}
			if s.DisplayName != "Go (dmirror, Slurm)" {
				t.Errorf("display name %q, want %q", s.DisplayName, "Go (dmirror, Slurm)")
			}
			want := map[string]string{"DMIRROR_MIRRORS": "slurm", "DMIRROR_SLURM_ARGS": c.opts.SlurmArgs, "SLURM_CONF": "/etc/site/slurm.conf"}
			for k, v := range want {
				if s.Env[k] != v {
					t.Errorf("env %s = %q, want %q", k, s.Env[k], v)
				}
			}
		})
	}
	e, dir := fakeEnv(t, nil)
	if _, err := install(Options{Prefix: dir, Name: "../x"}, e); err == nil {
		t.Error("a name with a slash was accepted")
	}
}

package notebooks

import (
	"context"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"
)

// binary is the dmirror binary the tests run: $DMIRROR_BIN, or one built
// by TestMain.
var binary string

func TestMain(m *testing.M) {
	os.Exit(runTests(m))
}

func runTests(m *testing.M) int {
	flag.Parse()
	if testing.Short() || os.Getenv("DMIRROR_BIN") != "" {
		binary = os.Getenv("DMIRROR_BIN")
		return m.Run()
	}
	dir, err := os.MkdirTemp("", "dmirror-notebooks-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	defer os.RemoveAll(dir)
	binary = filepath.Join(dir, "dmirror")
	build := exec.Command("go", "build", "-o", binary, "github.com/dmirror/dmirror")
	build.Stdout, build.Stderr = os.Stderr, os.Stderr
	if err := build.Run(); err != nil {
		fmt.Fprintf(os.Stderr, "build dmirror: %v\n", err)
		return 1
	}
	return m.Run()
}

// notebooks lists the notebooks of this directory.
func notebooks(t *testing.T) []string {
	t.Helper()
	names, err := filepath.Glob("*.ipynb")
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, n := range names {
		if !strings.HasSuffix(n, ".out.ipynb") {
			out = append(out, n)
		}
	}
	sort.Strings(out)
	if len(out) == 0 {
		t.Fatal("no notebooks")
	}
	return out
}

// compiledOnly are the notebooks that need compiled packages, and why:
// with DMIRROR_NATIVE=0 (packages and declarations interpreted, the mode
// CI runs the notebooks in a second time) they are skipped.
var compiledOnly = map[string]string{
	"libraries.ipynb": "its modules' packages cannot be interpreted (gjson imports iter, gonum unsafe)",
}

func skipInterpreted(t *testing.T, nb string) {
	t.Helper()
	if why := compiledOnly[nb]; why != "" && os.Getenv("DMIRROR_NATIVE") == "0" {
		t.Skipf("%s needs compiled packages, which DMIRROR_NATIVE=0 turns off: %s", nb, why)
	}
}

func needBinary(t *testing.T) {
	t.Helper()
	if binary == "" {
		t.Skip("runs the notebooks: not in -short mode (or set DMIRROR_BIN)")
	}
}

// command runs name args in dir with a deadline and returns its combined
// output and error.
func command(t *testing.T, env []string, name string, args ...string) (string, error) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, name, args...)
	cmd.Env = append(os.Environ(), env...)
	cmd.WaitDelay = 10 * time.Second
	out, err := cmd.CombinedOutput()
	return string(out), err
}

// TestEveryNotebookHasExpectations keeps the expectations honest: a new
// notebook, or a new code cell, needs its checks.
func TestEveryNotebookHasExpectations(t *testing.T) {
	for _, nb := range notebooks(t) {
		exp, ok := expectations[nb]
		if !ok {
			t.Errorf("%s has no expectations in expect_test.go", nb)
			continue
		}
		cells := readExecuted(t, nb)
		for id := range cells {
			if len(exp[id]) == 0 {
				t.Errorf("%s: code cell %q has no expectation", nb, id)
			}
		}
		for id := range exp {
			if _, ok := cells[id]; !ok {
				t.Errorf("%s: expectations for cell %q, which the notebook does not have", nb, id)
			}
		}
	}
}

// TestDmirrorRun runs every notebook with `dmirror run`.
func TestDmirrorRun(t *testing.T) {
	needBinary(t)
	for _, nb := range notebooks(t) {
		t.Run(nb, func(t *testing.T) {
			skipInterpreted(t, nb)
			out := filepath.Join(t.TempDir(), nb)
			log, err := command(t, nil, binary, "run", nb, "-o", out, "--timeout", "5m")
			if err != nil {
				t.Fatalf("dmirror run %s: %v\n%s", nb, err, log)
			}
			checkNotebook(t, out, expectations[nb])
		})
	}
}

// TestNbconvert runs every notebook with Jupyter's nbconvert on the
// kernelspec that dmirror install writes.
func TestNbconvert(t *testing.T) {
	needBinary(t)
	const python = "/usr/bin/python3"
	if out, err := command(t, nil, python, "-m", "jupyter", "nbconvert", "--version"); err != nil {
		t.Skipf("jupyter nbconvert is not installed for %s: %v\n%s", python, err, out)
	}
	dir := t.TempDir()
	if out, err := command(t, nil, binary, "install", "--prefix", dir); err != nil {
		t.Fatalf("dmirror install --prefix: %v\n%s", err, out)
	}
	data := filepath.Join(dir, "share", "jupyter")
	env := []string{"JUPYTER_DATA_DIR=" + data, "JUPYTER_PATH=" + data,
		"JUPYTER_RUNTIME_DIR=" + filepath.Join(dir, "runtime"), "JUPYTER_CONFIG_DIR=" + filepath.Join(dir, "config")}
	for _, nb := range notebooks(t) {
		t.Run(nb, func(t *testing.T) {
			skipInterpreted(t, nb)
			outDir := t.TempDir()
			log, err := command(t, env, python, "-m", "jupyter", "nbconvert", "--to", "notebook", "--execute",
				"--ExecutePreprocessor.kernel_name=dmirror", "--ExecutePreprocessor.timeout=300",
				"--output-dir", outDir, "--output", nb, nb)
			if err != nil {
				t.Fatalf("nbconvert --execute %s: %v\n%s", nb, err, log)
			}
			checkNotebook(t, filepath.Join(outDir, nb), expectations[nb])
		})
	}
}

// TestDmirrorRunParameters runs the speedup notebook small, with -p.
func TestDmirrorRunParameters(t *testing.T) {
	needBinary(t)
	out := filepath.Join(t.TempDir(), "speedup.ipynb")
	log, err := command(t, nil, binary, "run", "speedup.ipynb", "-o", out, "-p", "n=12", "-p", "elements=4")
	if err != nil {
		t.Fatalf("dmirror run -p: %v\n%s", err, log)
	}
	cells := readExecuted(t, out)
	var injected *executed
	for _, c := range cells {
		for _, tag := range c.Tags {
			if tag == "injected-parameters" {
				injected = c
			}
		}
	}
	if injected == nil || injected.Count == 0 {
		t.Fatal("no injected-parameters cell ran")
	}
	for id, c := range map[string]check{
		"setup":   stdoutMatches(`4 elements of fib\(12\)`),
		"compare": stdout("same results: true"),
	} {
		if err := c(cells[id]); err != nil {
			t.Errorf("cell %s: %v", id, err)
		}
	}
}

// TestDmirrorRunFailure checks the exit status and message of a notebook
// whose cell fails, with and without --allow-errors.
func TestDmirrorRunFailure(t *testing.T) {
	needBinary(t)
	dir := t.TempDir()
	nb := filepath.Join(dir, "fail.ipynb")
	src := `{"nbformat": 4, "nbformat_minor": 5, "metadata": {"kernelspec": {"name": "dmirror", "language": "go"}},
 "cells": [{"cell_type": "code", "id": "a", "metadata": {}, "execution_count": null, "outputs": [], "source": "x := 1"},
  {"cell_type": "code", "id": "b", "metadata": {}, "execution_count": null, "outputs": [], "source": "panic(\"boom at the cell\")"},
  {"cell_type": "code", "id": "c", "metadata": {}, "execution_count": null, "outputs": [], "source": "x + 1"}]}`
	if err := os.WriteFile(nb, []byte(src), 0o644); err != nil {
		t.Fatal(err)
	}
	log, err := command(t, nil, binary, "run", nb)
	if code := exitCode(err); code != 1 || !strings.Contains(log, "boom at the cell") {
		t.Errorf("failing notebook: exit %d, want 1 and the panic on stderr:\n%s", code, log)
	}
	cells := readExecuted(t, filepath.Join(dir, "fail.out.ipynb"))
	if err := fails("Panic", "boom at the cell")(cells["b"]); err != nil {
		t.Errorf("cell b: %v", err)
	}
	if cells["c"].Count != 0 {
		t.Error("the cell after the failure ran")
	}
	log, err = command(t, nil, binary, "run", nb, "--allow-errors")
	if code := exitCode(err); code != 0 {
		t.Errorf("--allow-errors: exit %d, want 0:\n%s", code, log)
	}
	if err := result("2")(readExecuted(t, filepath.Join(dir, "fail.out.ipynb"))["c"]); err != nil {
		t.Errorf("--allow-errors, cell c: %v", err)
	}
	log, err = command(t, nil, binary, "run", filepath.Join(dir, "missing.ipynb"))
	if code := exitCode(err); code != 1 || !strings.Contains(log, "no such file or directory") {
		t.Errorf("missing notebook: exit %d:\n%s", code, log)
	}
}

func exitCode(err error) int {
	if err == nil {
		return 0
	}
	if ee, ok := err.(*exec.ExitError); ok {
		return ee.ExitCode()
	}
	return -1
}

// checkNotebook applies the expectations to an executed notebook.
func checkNotebook(t *testing.T, path string, exp map[string][]check) {
	t.Helper()
	cells := readExecuted(t, path)
	for id, checks := range exp {
		c, ok := cells[id]
		if !ok {
			t.Errorf("cell %s: missing from the executed notebook", id)
			continue
		}
		for _, check := range checks {
			if err := check(c); err != nil {
				t.Errorf("cell %s: %v", id, err)
			}
		}
	}
}

// TestDmirrorRunTimeout interrupts an endless cell with --timeout; with
// --allow-errors the next cell runs in the same session.
func TestDmirrorRunTimeout(t *testing.T) {
	needBinary(t)
	dir := t.TempDir()
	nb := filepath.Join(dir, "loop.ipynb")
	src := `{"nbformat": 4, "nbformat_minor": 5, "metadata": {"kernelspec": {"name": "dmirror", "language": "go"}},
 "cells": [{"cell_type": "code", "id": "a", "metadata": {}, "execution_count": null, "outputs": [], "source": "n := 41"},
  {"cell_type": "code", "id": "b", "metadata": {}, "execution_count": null, "outputs": [], "source": "for {\n\tn++\n}"},
  {"cell_type": "code", "id": "c", "metadata": {}, "execution_count": null, "outputs": [], "source": "n + 1"}]}`
	if err := os.WriteFile(nb, []byte(src), 0o644); err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	log, err := command(t, nil, binary, "run", nb, "--timeout", "2s", "--allow-errors")
	if code := exitCode(err); code != 0 || !strings.Contains(log, "timed out after 2s") {
		t.Errorf("exit %d, want 0 and the timeout on stderr:\n%s", code, log)
	}
	if d := time.Since(start); d > time.Minute {
		t.Errorf("the run took %s", d)
	}
	cells := readExecuted(t, filepath.Join(dir, "loop.out.ipynb"))
	if len(cells["b"].Outputs) == 0 || cells["b"].Outputs[len(cells["b"].Outputs)-1].Type != "error" {
		t.Errorf("the interrupted cell has no error output: %+v", cells["b"].Outputs)
	}
	// The failed cell changed nothing: n is as the first cell left it.
	if err := result("42")(cells["c"]); err != nil {
		t.Errorf("cell after the timeout: %v", err)
	}
}

package frontend

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// TestGenerationsPrograms compiles each acceptance program
// (testdata/programs, a whole program pasted as one cell) with compiled
// declarations: a program the interpreter-only frontend accepts must be
// accepted, its interpreted sources must type-check against its
// generation, and every generation must build with Go (all in one go
// build, one package each).
func TestGenerationsPrograms(t *testing.T) {
	files, _ := filepath.Glob("../../testdata/programs/*.txtar")
	if len(files) == 0 {
		t.Skip("no acceptance programs")
	}
	mod := t.TempDir()
	if err := os.WriteFile(filepath.Join(mod, "go.mod"), []byte("module gentest\n\ngo 1.23\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	built := 0
	for _, file := range files {
		name := strings.TrimSuffix(filepath.Base(file), ".txtar")
		data, err := os.ReadFile(file)
		if err != nil {
			t.Fatal(err)
		}
		_, src, ok := strings.Cut(string(data), "-- main.go --\n")
		if !ok {
			continue
		}
		if i := strings.Index(src, "\n-- "); i >= 0 {
			src = src[:i+1]
		}
		t.Run(name, func(t *testing.T) {
			off := NewImage(Options{Compiled: true})
			defer off.Close()
			_, offErr := off.Compile(src, 1)
			on := newGenImage(t)
			p, err := on.Compile(src, 1)
			if err != nil {
				if offErr == nil {
					t.Fatalf("compiled declarations refuse a program the interpreter runs: %v", err)
				}
				return
			}
			on.Commit(p)
			checkInterpreted(t, on, p)
			if p.Generation == nil {
				return
			}
			dir := filepath.Join(mod, name)
			if err := os.Mkdir(dir, 0o755); err != nil {
				t.Fatal(err)
			}
			files := map[string]string{"main_test_gen.go": "package main\n\nfunc main() {}\n"}
			for n, s := range p.Generation.Files {
				files[n] = s
			}
			for n, s := range files {
				if err := os.WriteFile(filepath.Join(dir, n), []byte(s), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			built++
		})
	}
	if built == 0 {
		t.Fatal("no program made a generation")
	}
	cmd := exec.Command("go", "build", "./...")
	cmd.Dir = mod
	cmd.Env = append(os.Environ(), "GOWORK=off", "GOFLAGS=-mod=mod", "GOPROXY=off")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("go build of %d generations: %v\n%s", built, err, out)
	}
	t.Logf("%d of %d programs made a generation; all build", built, len(files))
}

// TestGenerationsSemantics runs the multi-cell programs of the semantics
// tests (interp/e2e/testdata/semantics) through an image with compiled
// declarations next to one without: a cell the interpreter-only frontend
// accepts must be accepted, the interpreted sources of every cell must
// type-check against its generation, and every generation must build.
func TestGenerationsSemantics(t *testing.T) {
	files, _ := filepath.Glob("../e2e/testdata/semantics/*.txtar")
	if len(files) == 0 {
		t.Skip("no semantics programs")
	}
	for _, file := range files {
		t.Run(strings.TrimSuffix(filepath.Base(file), ".txtar"), func(t *testing.T) {
			p := readGenProgramLoose(t, file)
			off := NewImage(Options{Compiled: true})
			defer off.Close()
			on := newGenImage(t)
			var gens []*Generation
			for i, cell := range p {
				var po *Plan
				offErr := fmt.Errorf("no baseline")
				if off != nil {
					po, offErr = off.Compile(cell, i+1)
				}
				pn, err := on.Compile(cell, i+1)
				if err != nil {
					if offErr == nil {
						t.Fatalf("cell %d: compiled declarations refuse a cell the interpreter runs: %v", i+1, err)
					}
					continue
				}
				if offErr != nil && off != nil {
					// Compiled, a declaration needs none of the
					// interpreter's refusals (a deferred func value
					// calling recover; an assertion to a type based on
					// float64): the images part here.
					t.Logf("cell %d: compiled declarations accept what the interpreter refuses: %v", i+1, offErr)
					off = nil
				}
				if off != nil {
					off.Commit(po)
				}
				on.Commit(pn)
				checkInterpreted(t, on, pn)
				if pn.Generation != nil {
					gens = append(gens, pn.Generation)
				}
			}
			if len(gens) > 0 {
				goBuildGeneration(t, gens[len(gens)-1])
			}
		})
	}
}

// readGenProgramLoose returns the cells of a txtar-like file, ignoring its
// other sections.
func readGenProgramLoose(t *testing.T, path string) []string {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var cells []string
	var b strings.Builder
	in := false
	for _, line := range strings.SplitAfter(string(data), "\n") {
		if strings.HasPrefix(line, "-- ") && strings.HasSuffix(strings.TrimSpace(line), " --") {
			if in {
				cells = append(cells, b.String())
			}
			b.Reset()
			in = strings.TrimSpace(line) == "-- cell --"
			continue
		}
		b.WriteString(line)
	}
	if in {
		cells = append(cells, b.String())
	}
	return cells
}

package frontend

import (
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
	if err := os.WriteFile(filepath.Join(mod, "go.mod"), []byte("module gentest\n\ngo 1.22\n"), 0o644); err != nil {
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

package modules

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"testing/fstest"
)

// writeTree writes files (path relative to root → content) under root.
func writeTree(t *testing.T, root string, files map[string]string) {
	t.Helper()
	for name, content := range files {
		p := filepath.Join(root, name)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

// fakeModule is a module whose files exercise the file selection.
var fakeModule = map[string]string{
	"go.mod":         "module example.com/m\n",
	"m.go":           "package m\n\nfunc Name() string { return \"m\" }\n",
	"impl_purego.go": "//go:build purego\n\npackage m\n\nfunc Impl() string { return \"purego\" }\n",
	"impl_asm.go":    "//go:build !purego\n\npackage m\n\nfunc Impl() string\n",
	"impl_amd64.s":   "//go:build !purego\n\nTEXT ·Impl(SB),4,$0\n",
	"cgo.go":         "package m\n\n// int one(void) { return 1; }\nimport \"C\"\n\nfunc One() int { return int(C.one()) }\n",
	"new.go":         "//go:build go1.23\n// +build go1.23\n\npackage m\n\nfunc Era() string { return \"new\" }\n",
	"old.go":         "//go:build !go1.23\n// +build !go1.23\n\npackage m\n\nfunc Era() string { return \"old\" }\n",
	"m_test.go":      "package m\n",
	"README.md":      "hello\n",
	"sub/sub.go":     "package sub\n\nimport \"example.com/m\"\n\nfunc Name() string { return \"sub of \" + m.Name() }\n",
}

func fakeSet(t *testing.T) (*Set, string) {
	t.Helper()
	dir := t.TempDir()
	writeTree(t, filepath.Join(dir, "m@v1.0.0"), fakeModule)
	writeTree(t, filepath.Join(dir, "other@v0.1.0"), map[string]string{"o.go": "package other\n"})
	return NewSet([]Module{
		{Path: "example.com/m", Version: "v1.0.0", Dir: filepath.Join(dir, "m@v1.0.0")},
		{Path: "example.org/x/other", Version: "v0.1.0", Dir: filepath.Join(dir, "other@v0.1.0")},
		{Path: "example.net/never/downloaded", Version: "v1.0.0"},
	}), dir
}

func TestFSShowsTheFilesTheInterpreterBuilds(t *testing.T) {
	set, _ := fakeSet(t)
	fsys := set.FS()
	entries, err := fs.ReadDir(fsys, GoPath+"/src/example.com/m")
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, e := range entries {
		names = append(names, e.Name())
	}
	// cgo.go needs cgo, impl_asm.go and the .s file are !purego, new.go is
	// for Go releases after the interpreter's standard library; tests and
	// other files are never sources of the package.
	want := []string{"impl_purego.go", "m.go", "old.go", "sub"}
	if !reflect.DeepEqual(names, want) {
		t.Errorf("ReadDir = %q, want %q", names, want)
	}
	if _, err := fs.Stat(fsys, GoPath+"/src/example.com/m/cgo.go"); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("Stat of a file the build leaves out: %v, want not exist", err)
	}
	if _, err := fs.Stat(fsys, GoPath+"/src/example.net/never/downloaded"); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("Stat of a module without a directory: %v, want not exist", err)
	}
	if err := fstest.TestFS(fsys, GoPath+"/src/example.com/m/m.go", GoPath+"/src/example.com/m/sub/sub.go",
		GoPath+"/src/example.org/x/other/o.go"); err != nil {
		t.Error(err)
	}
}

func TestFSNeutralisesPlusBuildLines(t *testing.T) {
	set, _ := fakeSet(t)
	b, err := fs.ReadFile(set.FS(), GoPath+"/src/example.com/m/old.go")
	if err != nil {
		t.Fatal(err)
	}
	if want := "//go:build !go1.23\n//  build !go1.23\n\npackage m\n"; !strings.HasPrefix(string(b), want) {
		t.Errorf("old.go starts %q, want %q", b, want)
	}
	if len(b) != len(fakeModule["old.go"]) {
		t.Errorf("length changed: %d, want %d", len(b), len(fakeModule["old.go"]))
	}
}

func TestSetLookupTakesTheLongestModulePath(t *testing.T) {
	set := NewSet([]Module{
		{Path: "golang.org/x/exp", Version: "v0.1.0", Dir: "/c/exp"},
		{Path: "golang.org/x/exp/shiny", Version: "v0.2.0", Dir: "/c/shiny"},
	})
	for p, want := range map[string]string{
		"golang.org/x/exp/maps":         "/c/exp/maps",
		"golang.org/x/exp/shiny/screen": "/c/shiny/screen",
		"golang.org/x/exp":              "/c/exp",
		"golang.org/x/expanded":         "",
	} {
		if got, _ := set.Dir(p); got != want {
			t.Errorf("Dir(%q) = %q, want %q", p, got, want)
		}
	}
}

func TestLoadPackageNamesWhatCannotBeInterpreted(t *testing.T) {
	dir := t.TempDir()
	writeTree(t, dir, map[string]string{
		"cgo/c.go":      "package cgo\n\nimport \"C\"\n",
		"asm/a.go":      "package asm\n\nfunc Add(a, b int) int\n",
		"asm/a_amd64.s": "TEXT ·Add(SB),4,$0\n",
		"asm/a_arm64.s": "TEXT ·Add(SB),4,$0\n",
		"iter/i.go":     "package iter\n\nimport \"iter\"\n\nvar _ iter.Seq[int]\n",
		"fine/f.go":     "package fine\n\nimport \"strings\"\n\nvar X = strings.ToUpper(\"x\")\n",
	})
	hasStd := func(p string) bool { return p != "iter" }
	cases := map[string]string{
		"cgo":  `package example.com/cgo cannot be interpreted: it needs cgo (c.go import "C")`,
		"asm":  "package example.com/asm cannot be interpreted: it has assembly (a_",
		"iter": `package example.com/iter cannot be interpreted: it imports "iter", which the interpreter does not provide (its standard library is Go 1.22's)`,
	}
	for name, want := range cases {
		_, err := loadPackage(filepath.Join(dir, name), "example.com/"+name, hasStd)
		var pe *PackageError
		if !errors.As(err, &pe) || !strings.HasPrefix(err.Error(), want) {
			t.Errorf("%s: error %v, want a PackageError starting %q", name, err, want)
		}
	}
	if _, err := loadPackage(filepath.Join(dir, "fine"), "example.com/fine", hasStd); err != nil {
		t.Errorf("fine: %v", err)
	}
}

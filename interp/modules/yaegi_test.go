package modules

import (
	"testing"

	"github.com/traefik/yaegi/interp"
	"github.com/traefik/yaegi/stdlib"
	"github.com/traefik/yaegi/stdlib/unsafe"
)

// hasStdlib reports whether yaegi's standard library has a package.
var hasStdlib = StdFromSymbols(stdlib.Symbols)

// hasStdlibUnsafe also counts yaegi's optional unsafe package.
var hasStdlibUnsafe = StdFromSymbols(unsafe.Symbols)

func withUnsafe(p string) bool { return hasStdlib(p) || hasStdlibUnsafe(p) }

// newYaegi returns an interpreter that loads module sources from set.
func newYaegi(t *testing.T, set *Set) *interp.Interpreter {
	t.Helper()
	i := interp.New(interp.Options{GoPath: GoPath, SourcecodeFilesystem: set.FS()})
	if err := i.Use(stdlib.Symbols); err != nil {
		t.Fatal(err)
	}
	if err := i.Use(unsafe.Symbols); err != nil {
		t.Fatal(err)
	}
	return i
}

// eval evaluates src and returns the result's fmt form.
func eval(t *testing.T, i *interp.Interpreter, src string) any {
	t.Helper()
	v, err := i.Eval(src)
	if err != nil {
		t.Fatalf("eval %q: %v", src, err)
	}
	return v.Interface()
}

func TestYaegiRunsTheSelectedFiles(t *testing.T) {
	set, _ := fakeSet(t)
	i := newYaegi(t, set)
	eval(t, i, `import "example.com/m/sub"`)
	eval(t, i, `import "example.com/m"`)
	for src, want := range map[string]string{
		`sub.Name()`: "sub of m",
		`m.Impl()`:   "purego",
		`m.Era()`:    "old", // yaegi alone would skip old.go: its `+build !go1.23` is false on this Go
	} {
		if got := eval(t, i, src); got != want {
			t.Errorf("%s = %v, want %q", src, got, want)
		}
	}
}

func TestHasStdlibKnowsYaegisStandardLibrary(t *testing.T) {
	for p, want := range map[string]bool{"fmt": true, "math/rand/v2": true, "unsafe": false, "iter": false} {
		if hasStdlib(p) != want {
			t.Errorf("hasStdlib(%q) = %v", p, !want)
		}
	}
}

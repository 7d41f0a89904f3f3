package native

import (
	"bufio"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"runtime/debug"
	"strings"
)

// ModulePath is dmirror's module path.
const ModulePath = "github.com/dmirror/dmirror"

// SourceEnv names a directory holding dmirror's source, for binaries built
// with -trimpath from a clone (their file paths no longer say where it is).
const SourceEnv = "DMIRROR_SOURCE"

// Source is what an image binary is built from: dmirror's own source, and
// the build flags of the running binary that an image binary repeats.
type Source struct {
	Dir string // the module root of dmirror's source
	// PGO is the profile the running binary was built with ("" for none):
	// building with the same one reuses the compiled packages of the
	// running binary's build from the Go build cache.
	PGO string
}

// FindSource locates dmirror's source for this binary: $DMIRROR_SOURCE,
// else the module in the module cache that `go install module@version`
// built it from, else the directory its own files were compiled from (a
// clone built with go build, go run or go test).
func FindSource(env []string, modCache string) (Source, error) {
	var src Source
	bi, _ := debug.ReadBuildInfo()
	if bi != nil {
		for _, s := range bi.Settings {
			if s.Key == "-pgo" {
				src.PGO = s.Value
			}
		}
	}
	if dir := lookupEnv(env, SourceEnv); dir != "" {
		return src.at(dir, "$"+SourceEnv)
	}
	if bi != nil && bi.Main.Path == ModulePath && bi.Main.Version != "" && bi.Main.Version != "(devel)" && modCache != "" {
		dir := filepath.Join(modCache, ModulePath+"@"+bi.Main.Version)
		if s, err := src.at(dir, "the module cache"); err == nil {
			return s, nil
		}
	}
	_, file, _, ok := runtime.Caller(0)
	if ok && filepath.IsAbs(file) {
		// file is <root>/interp/native/source.go.
		return src.at(filepath.Dir(filepath.Dir(filepath.Dir(file))), "the build")
	}
	return Source{}, fmt.Errorf("native: dmirror's source is not where this binary was built from; set %s to a clone of %s", SourceEnv, ModulePath)
}

// at checks that dir holds dmirror's module.
func (s Source) at(dir, from string) (Source, error) {
	f, err := os.Open(filepath.Join(dir, "go.mod"))
	if err != nil {
		return Source{}, fmt.Errorf("native: dmirror's source from %s: %w", from, err)
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if rest, ok := strings.CutPrefix(strings.TrimSpace(sc.Text()), "module "); ok {
			if strings.Trim(strings.TrimSpace(rest), `"`) != ModulePath {
				return Source{}, fmt.Errorf("native: %s (from %s) holds module %s, not %s", dir, from, rest, ModulePath)
			}
			s.Dir = dir
			if s.PGO != "" && s.PGO != "off" && !filepath.IsAbs(s.PGO) {
				s.PGO = filepath.Join(dir, s.PGO)
			}
			if s.PGO != "" && s.PGO != "off" {
				if _, err := os.Stat(s.PGO); err != nil {
					s.PGO = "" // built elsewhere: build without, slower the first time only
				}
			}
			return s, nil
		}
	}
	return Source{}, errors.Join(fmt.Errorf("native: %s/go.mod (from %s) has no module line", dir, from), sc.Err())
}

func lookupEnv(env []string, key string) string {
	for i := len(env) - 1; i >= 0; i-- {
		if v, ok := strings.CutPrefix(env[i], key+"="); ok {
			return v
		}
	}
	return ""
}

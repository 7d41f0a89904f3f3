// Package vm builds the yaegi interpreters dmirror runs cells in: the
// standard library, dmirror's binary packages and the prelude, configured
// the same way in the image process and in every mirror, so that the same
// declarations give the same types everywhere.
package vm

import (
	"fmt"
	"io"
	"io/fs"
	"os"
	"strings"

	"github.com/traefik/yaegi/interp"
	"github.com/traefik/yaegi/stdlib"

	"github.com/dmirror/dmirror/display"
	"github.com/dmirror/dmirror/interp/gofmt"
	"github.com/dmirror/dmirror/interp/prelude"
)

// Config says how to build an interpreter.
type Config struct {
	Stdin          io.Reader
	Stdout, Stderr io.Writer
	// Exports are binary packages and symbol overrides to register after
	// the standard library, such as dmirror/parallel and dmirror/display.
	Exports []interp.Exports
	// GoPath and SourceFS let cells import third-party packages as source.
	GoPath   string
	SourceFS fs.FS
	// Env is what os.Getenv and friends see ("KEY=value"); nil means this
	// process's environment without DMIRROR_CHILD, the marker of dmirror's
	// hidden modes.
	Env []string
	// Hooks receives the events of the prelude's core built-ins (goroutines
	// started by cells).
	Hooks Hooks
}

// New returns an interpreter with the standard library, the core package
// (with os.Exit made a panic of *ExitError, and errors.As and errors.Is
// that see interpreted error types), cfg.Exports and the prelude loaded.
func New(cfg Config) (*interp.Interpreter, error) {
	if cfg.Env == nil {
		cfg.Env = processEnv()
	}
	i := interp.New(interp.Options{
		Stdin:                cfg.Stdin,
		Stdout:               cfg.Stdout,
		Stderr:               cfg.Stderr,
		GoPath:               cfg.GoPath,
		SourcecodeFilesystem: cfg.SourceFS,
		Env:                  cfg.Env,
	})
	if err := i.Use(stdlib.Symbols); err != nil {
		return nil, fmt.Errorf("vm: load stdlib: %w", err)
	}
	stderr := cfg.Stderr
	if stderr == nil {
		stderr = io.Discard
	}
	if err := i.Use(coreExports(cfg.Hooks, stderr)); err != nil {
		return nil, fmt.Errorf("vm: load core exports: %w", err)
	}
	// The prelude's 30-gofmt.gotxt prints values of session types through it.
	if err := gofmt.Use(i); err != nil {
		return nil, fmt.Errorf("vm: load gofmt exports: %w", err)
	}
	// The display prelude needs dmirror/display in every interpreter; this
	// default drops displays, and cfg.Exports may register a publishing one.
	if err := i.Use(display.Exports(nil)); err != nil {
		return nil, fmt.Errorf("vm: load display exports: %w", err)
	}
	for _, e := range cfg.Exports {
		if err := i.Use(e); err != nil {
			return nil, fmt.Errorf("vm: load exports: %w", err)
		}
	}
	for _, f := range prelude.Files() {
		if err := eval(i, f.Source); err != nil {
			return nil, fmt.Errorf("vm: prelude %s: %w", f.Name, err)
		}
	}
	return i, nil
}

// eval evaluates src, turning a panic that escapes yaegi's compiler into an
// error.
func eval(i *interp.Interpreter, src string) (err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("interpreter panic: %v", r)
		}
	}()
	_, err = i.Eval(src)
	return err
}

func processEnv() []string {
	env := []string{}
	for _, e := range os.Environ() {
		if !strings.HasPrefix(e, "DMIRROR_CHILD=") {
			env = append(env, e)
		}
	}
	return env
}

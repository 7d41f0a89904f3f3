// Package vm builds the yaegi interpreters dmirror runs cells in: the
// standard library, dmirror's binary packages and the prelude, configured
// the same way in the image process and in every mirror, so that the same
// declarations give the same types everywhere.
package vm

import (
	"fmt"
	"io"
	"io/fs"
	"log"
	"os"
	"reflect"
	"regexp"
	"strings"

	"github.com/traefik/yaegi/interp"
	"github.com/traefik/yaegi/stdlib"
	"github.com/traefik/yaegi/stdlib/syscall"
	"github.com/traefik/yaegi/stdlib/unrestricted"
	"github.com/traefik/yaegi/stdlib/unsafe"

	"github.com/dmirror/dmirror/display"
	"github.com/dmirror/dmirror/interp/childproc"
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
	// process's environment without childproc.ModeEnv, the marker of dmirror's
	// hidden modes.
	Env []string
	// Hooks receives the events of the prelude's core built-ins (goroutines
	// started by cells).
	Hooks Hooks
	// Generation is the generation of compiled declarations whose symbols
	// this interpreter imports as "dmirror/session"; nil for none. Each
	// interpreter has its own: a new generation replaces the previous one
	// in a fresh interpreter (GenerationOf).
	Generation *Generation
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
	// A notebook runs on its user's own machine: syscall, unsafe and
	// os/exec, which yaegi keeps apart from its stdlib, are there too.
	for _, e := range Extras() {
		if err := i.Use(e); err != nil {
			return nil, fmt.Errorf("vm: load stdlib extras: %w", err)
		}
	}
	// Compiled packages come after the stdlib, so that a standard package
	// compiled whole replaces yaegi's partial table, and before the core
	// exports, whose overrides (os.Exit, errors.As) must win.
	if err := i.Use(native); err != nil {
		return nil, fmt.Errorf("vm: load compiled packages: %w", err)
	}
	stderr := cfg.Stderr
	if stderr == nil {
		stderr = io.Discard
	}
	// One standard logger, as in a program: cells' log calls and compiled
	// code's (log/slog's default handler, libraries) share its flags,
	// prefix and output, which is the interpreter's stderr. yaegi gives
	// cells a logger of their own instead.
	log.SetOutput(yaegiLogFilter{stderr})
	if err := i.Use(stdLog()); err != nil {
		return nil, fmt.Errorf("vm: load log: %w", err)
	}
	logOutput := log.Output
	if err := i.Use(coreExports(cfg.Hooks, stderr, logOutput)); err != nil {
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
	if g := cfg.Generation; g != nil {
		if err := i.Use(g.Symbols); err != nil {
			return nil, fmt.Errorf("vm: load compiled declarations: %w", err)
		}
		setGeneration(i, g)
	}
	for _, f := range prelude.Files() {
		if _, err := Eval(i, f.Source); err != nil {
			return nil, fmt.Errorf("vm: prelude %s: %w", f.Name, err)
		}
	}
	return i, nil
}

// Eval evaluates src, turning a panic that escapes yaegi's compiler into
// an error: yaegi panics on some code it cannot compile, and a process
// that serves cells must not die of it. It is the one way the image
// process and the mirrors evaluate generated or user source.
func Eval(i *interp.Interpreter, src string) (v reflect.Value, err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("the interpreter failed on this code: %v", r)
		}
	}()
	return i.Eval(src)
}

func processEnv() []string {
	env := []string{}
	for _, e := range os.Environ() {
		if !strings.HasPrefix(e, childproc.ModeEnv+"=") {
			env = append(env, e)
		}
	}
	return env
}

// Extras are the standard packages yaegi ships apart from its stdlib:
// syscall, unsafe, and os/exec (only that of its unrestricted set: its os
// and log would let a cell end the image process).
func Extras() []interp.Exports {
	return []interp.Exports{
		syscall.Symbols,
		unsafe.Symbols,
		{"os/exec/exec": unrestricted.Symbols["os/exec/exec"]},
	}
}

// stdLog are the standard logger's funcs (Fatal* stay the core's, which
// end the cell rather than the process).
func stdLog() interp.Exports {
	return interp.Exports{"log/log": {
		"Print": reflect.ValueOf(log.Print), "Printf": reflect.ValueOf(log.Printf), "Println": reflect.ValueOf(log.Println),
		"Panic": reflect.ValueOf(log.Panic), "Panicf": reflect.ValueOf(log.Panicf), "Panicln": reflect.ValueOf(log.Panicln),
		"Flags": reflect.ValueOf(log.Flags), "SetFlags": reflect.ValueOf(log.SetFlags),
		"Prefix": reflect.ValueOf(log.Prefix), "SetPrefix": reflect.ValueOf(log.SetPrefix),
		"Writer": reflect.ValueOf(log.Writer), "SetOutput": reflect.ValueOf(log.SetOutput),
		"Output": reflect.ValueOf(log.Output), "Default": reflect.ValueOf(log.Default),
	}}
}

// yaegiLogFilter drops what yaegi's compiler logs before it panics
// (log.Panic in its cfg and scope code): the panic comes back as the
// cell's CompileError.
type yaegiLogFilter struct{ w io.Writer }

var yaegiLogLine = regexp.MustCompile(`(nil type|nil reflect type|compositeGenerator not implemented for type kind: \S+)\n?$`)

func (f yaegiLogFilter) Write(p []byte) (int, error) {
	if yaegiLogLine.Match(p) {
		return len(p), nil
	}
	return f.w.Write(p)
}

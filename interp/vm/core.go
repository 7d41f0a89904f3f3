package vm

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"reflect"

	"github.com/traefik/yaegi/interp"

	"github.com/dmirror/dmirror/interp/values"
)

// CorePath is the import path of the binary package behind the prelude's
// core built-ins (05-core.gotxt).
const CorePath = "dmirror/core"

// Hooks receives the events of the prelude's core built-ins. Nil fields get
// the defaults documented on each.
type Hooks struct {
	// GoStart is called first thing in a goroutine started by a cell's `go`
	// statement (rewritten by the frontend into __dmGo), in that goroutine.
	// By default it does nothing.
	GoStart func(cell int)
	// GoEnd is called last in such a goroutine, in that goroutine, with the
	// value of a panic that ended it (nil when it returned normally). By
	// default a panic is printed to the interpreter's stderr, so it is seen
	// rather than lost, and the process lives on.
	GoEnd func(cell int, recovered any)
	// At is called before each top-level statement of a cell's body func
	// with the statement's line in the cell (the prelude's __dmAt), so a
	// panic can name the line that failed. By default it does nothing.
	At func(cell, line int)
	// GoCell is called by a `go` statement of cell, before it starts the
	// goroutine, in the goroutine running the statement (the prelude's
	// __dmGoCell): it returns the cell the new goroutine works for. By
	// default it returns cell.
	GoCell func(cell int) int
	// Exit is os.Exit (and log.Fatal's exit) in interpreted code, called in
	// the goroutine that exits. It must not return: the program ends there,
	// without running deferred calls. By default it panics with *ExitError,
	// which does run them.
	Exit func(code int)
	// Print receives what the builtin print and println write. By default
	// it goes to the interpreter's stderr; the image process sends it where
	// compiled code's println goes (the process's fd 2), so that both keep
	// their order.
	Print func(text string)
}

// ExitError is the panic value of os.Exit in interpreted code: a cell must
// not end the process that hosts it.
type ExitError struct{ Code int }

func (e *ExitError) Error() string { return fmt.Sprintf("os.Exit(%d) called", e.Code) }

// coreExports returns the dmirror/core package and the overrides of
// standard symbols that every interpreter needs: os.Exit and log.Fatal,
// and errors.As and errors.Is that see interpreted error types. logOutput
// is the interpreter's log.Output (yaegi's logger writes to its stderr).
func coreExports(h Hooks, stderr io.Writer, logOutput func(int, string) error) interp.Exports {
	start, end := h.GoStart, h.GoEnd
	if start == nil {
		start = func(int) {}
	}
	if end == nil {
		end = func(cell int, r any) {
			if r != nil {
				fmt.Fprintf(stderr, "panic in a goroutine started by cell[%d]: %v\n", cell, r)
			}
		}
	}
	at := h.At
	if at == nil {
		at = func(int, int) {}
	}
	goCell := h.GoCell
	if goCell == nil {
		goCell = func(cell int) int { return cell }
	}
	exit := h.Exit
	if exit == nil {
		exit = func(code int) { panic(&ExitError{Code: code}) }
	}
	printTo := h.Print
	if printTo == nil {
		printTo = func(text string) { io.WriteString(stderr, text) }
	}
	return interp.Exports{
		CorePath + "/core": {
			"GoStart": reflect.ValueOf(start),
			"GoEnd":   reflect.ValueOf(end),
			"At":      reflect.ValueOf(at),
			"GoCell":  reflect.ValueOf(goCell),
			"Print":   reflect.ValueOf(func(args ...any) { printTo(formatPrint(false, args)) }),
			"Println": reflect.ValueOf(func(args ...any) { printTo(formatPrint(true, args)) }),
			"Iface":   reflect.ValueOf(func(v any) any { return ifaceArg{v} }),
			"Recover": reflect.ValueOf(Recovered),
			// Compiled session types live in a generated package
			// (dmirror.session/build-…/dmsgenN): reflect's PkgPath of
			// them is a Go program's "main".
			"MainPath": reflect.ValueOf(func(p string) string {
				if values.IsGenerationPath(p) {
					return "main"
				}
				return p
			}),
		},
		"os/os": {
			"Exit": reflect.ValueOf(exit),
			// yaegi gives cells os.Args and flag.CommandLine of their own,
			// which compiled code (flag.Parse) does not see: a cell that
			// sets os.Args before flag.Parse must have its flags parsed.
			"Args": reflect.ValueOf(&os.Args).Elem(),
		},
		"flag/flag": {
			"CommandLine": reflect.ValueOf(&flag.CommandLine).Elem(),
			"Parse":       reflect.ValueOf(func() { flagParse(exit) }),
		},
		// yaegi's log.Fatal panics (deferred calls run, recover stops it);
		// Go's logs and exits.
		"log/log": {
			"Fatal":   reflect.ValueOf(func(v ...any) { logOutput(2, fmt.Sprint(v...)); exit(1) }),
			"Fatalf":  reflect.ValueOf(func(f string, v ...any) { logOutput(2, fmt.Sprintf(f, v...)); exit(1) }),
			"Fatalln": reflect.ValueOf(func(v ...any) { logOutput(2, fmt.Sprintln(v...)); exit(1) }),
			"Logger":  reflect.ValueOf((*Logger)(nil)),
			"New":     reflect.ValueOf(newLogger(exit)),
		},
		"errors/errors": {
			"As": reflect.ValueOf(errorsAs),
			"Is": reflect.ValueOf(errorsIs),
		},
	}
}

// flagParse is flag.Parse for cells: the command line parses os.Args[1:]
// and, on an error, exits as the flag package's ExitOnError does (0 for
// -h, 2 otherwise), through exit rather than the process's os.Exit (see
// SetProgramArgs).
func flagParse(exit func(int)) {
	switch err := flag.CommandLine.Parse(os.Args[1:]); {
	case errors.Is(err, flag.ErrHelp):
		exit(0)
	case err != nil:
		exit(2)
	}
}

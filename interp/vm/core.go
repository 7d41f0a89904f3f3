package vm

import (
	"fmt"
	"io"
	"reflect"

	"github.com/traefik/yaegi/interp"
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
}

// ExitError is the panic value of os.Exit in interpreted code: a cell must
// not end the process that hosts it.
type ExitError struct{ Code int }

func (e *ExitError) Error() string { return fmt.Sprintf("os.Exit(%d) called", e.Code) }

// coreExports returns the dmirror/core package and the overrides of
// standard symbols that every interpreter needs: os.Exit, and errors.As and
// errors.Is that see interpreted error types.
func coreExports(h Hooks, stderr io.Writer) interp.Exports {
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
	return interp.Exports{
		CorePath + "/core": {
			"GoStart": reflect.ValueOf(start),
			"GoEnd":   reflect.ValueOf(end),
			"At":      reflect.ValueOf(at),
			"Print":   reflect.ValueOf(func(args ...any) { io.WriteString(stderr, formatPrint(false, args)) }),
			"Println": reflect.ValueOf(func(args ...any) { io.WriteString(stderr, formatPrint(true, args)) }),
			"Iface":   reflect.ValueOf(func(v any) any { return ifaceArg{v} }),
		},
		"os/os": {
			"Exit": reflect.ValueOf(func(code int) { panic(&ExitError{Code: code}) }),
		},
		"errors/errors": {
			"As": reflect.ValueOf(errorsAs),
			"Is": reflect.ValueOf(errorsIs),
		},
	}
}

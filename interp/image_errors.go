package interp

import (
	"context"
	"errors"
	"fmt"
	"go/scanner"
	"regexp"
	"strconv"
	"strings"

	yaegi "github.com/traefik/yaegi/interp"

	"github.com/dmirror/dmirror/interp/vm"
	"github.com/dmirror/dmirror/kernel/engine"
	"github.com/dmirror/dmirror/mirror"
)

// Causes of a cancelled cell, besides the kernel's interrupt.
var errInterrupted = errors.New("interrupted")

// oomError stops a cell whose heap grew past the image's limit.
type oomError struct {
	heap, limit uint64
	near        bool   // the heap stayed near the limit
	runaway     uint64 // the live heap's growth, when stopped as a runaway (see runawayWatch)
	goroutines  int64  // goroutines started by cells, running then: their memory counts too
}

func (e *oomError) Error() string {
	if e.goroutines > 0 {
		return e.text() + fmt.Sprintf(" (%d goroutine(s) started by cells were running: what they hold counts too, and they were stopped with the cell)", e.goroutines)
	}
	return e.text()
}

func (e *oomError) text() string {
	if e.runaway > 0 {
		return fmt.Sprintf("the cell was stopped: it runs a loop that cannot end, and its live heap grew by %d MiB (to %d MiB) and was still growing; such a loop is stopped after %d MiB of growth, other cells at the image's limit of %d MiB", e.runaway>>20, e.heap>>20, runawayGrowth(e.limit)>>20, e.limit>>20)
	}
	if e.near {
		return fmt.Sprintf("the cell was stopped: the heap stayed at %d MiB, over %.0f%% of the image's limit of %d MiB, for a second (the garbage collector cannot bring it down)", e.heap>>20, nearLimit*100, e.limit>>20)
	}
	return fmt.Sprintf("the cell was stopped: the heap reached %d MiB, over the image's limit of %d MiB", e.heap>>20, e.limit>>20)
}

// goPanicError is a panic in a goroutine that a cell started.
type goPanicError struct {
	cell   int
	value  string
	frames []string
}

func (e *goPanicError) Error() string {
	return fmt.Sprintf("panic in a goroutine started by cell[%d]: %s", e.cell, e.value)
}

// report is the text shown when the panic happens after its cell ended.
func (e *goPanicError) report() string {
	var b strings.Builder
	b.WriteString(e.Error() + "\n")
	for _, f := range e.frames {
		b.WriteString("    " + f + "\n")
	}
	return b.String()
}

// goStart and goEnd are the hooks of __dmGo (prelude 05-core).
func (s *imageServer) goStart(cell int) { s.cells.register(cell) }

// goCell is the GoCell hook: a goroutine works for the cell of the
// goroutine that starts it (the running cell, unless a cell's goroutine
// starts it), not for the cell that declared the func with the `go`
// statement, so that its output goes to that cell.
func (s *imageServer) goCell(int) int { return s.cells.caller() }

// exit is the Exit hook, os.Exit for cells: the program ends where it is
// called, so the calling goroutine never resumes (its deferred calls never
// run), and the running cell ends with the Exit error. The parked
// goroutine, and the dropped interpreter it holds, last until the process
// ends: nothing of it runs again. Outside a cell's body func (code that
// runs while declarations are evaluated), where cancelling would not end
// the evaluation, os.Exit panics instead, as in mirrors.
func (s *imageServer) exit(code int) {
	e := &vm.ExitError{Code: code}
	r := s.current()
	if r != nil && !r.inBody.Load() {
		panic(e)
	}
	cell := s.cells.caller()
	s.cells.unregister()
	if r != nil {
		r.cancel(e)
	} else {
		s.out.write(cell, "stderr", []byte(fmt.Sprintf("os.Exit(%d) called after its cell ended: the goroutine that called it was stopped\n", code)))
	}
	select {}
}

func (s *imageServer) goEnd(cell int, r any) {
	defer s.cells.unregister()
	if r == nil {
		return
	}
	gp := &goPanicError{cell: cell, value: describe(panicValue(r)), frames: frames(s.traces.takeGoroutine(), cellAt{})}
	if len(gp.frames) > 0 {
		gp.frames = append(gp.frames, stackNote)
	}
	if run := s.current(); run != nil && run.cell == cell {
		run.cancel(gp)
		return
	}
	s.out.write(cell, "stderr", []byte(gp.report()))
}

// position is "file:line:col: rest" as yaegi and go/scanner print errors.
var position = regexp.MustCompile(`^(\S*?):(\d+):(\d+): (.*)$`)

// where turns a file and line into the notebook's words: cell[3] line 2.
// Positions outside cells (the prelude) keep yaegi's form.
func where(file, line string) string {
	if strings.HasPrefix(file, "cell[") {
		if i := strings.IndexByte(file, ']'); i > 0 {
			file = file[:i+1]
		}
		return file + " line " + line
	}
	if file == "" || file == "_.go" {
		return "line " + line
	}
	return file + ":" + line
}

// compileError describes code the interpreter refused.
func compileError(cell int, err error) *engine.Error {
	var lines []string
	var list scanner.ErrorList
	if errors.As(err, &list) {
		for _, e := range list {
			lines = append(lines, e.Error())
		}
	} else {
		lines = strings.Split(strings.TrimSpace(err.Error()), "\n")
	}
	e := &engine.Error{Name: "CompileError"}
	for _, l := range lines {
		if m := position.FindStringSubmatch(l); m != nil {
			if e.Value == "" {
				e.Value = m[4]
			}
			e.Traceback = append(e.Traceback, where(m[1], m[2])+": "+m[4])
			continue
		}
		if e.Value == "" {
			e.Value = l
		}
		e.Traceback = append(e.Traceback, fmt.Sprintf("cell[%d]: %s", cell, l))
	}
	return e
}

// runtimeError describes a cell whose body failed while running.
func (s *imageServer) runtimeError(ctx context.Context, cell int, err error) *engine.Error {
	if ctx.Err() != nil {
		s.traces.takeCell()
		var oom *oomError
		var gp *goPanicError
		var exit *vm.ExitError
		cause := context.Cause(ctx)
		switch {
		case errors.As(cause, &exit):
			msg := exitMessage(exit)
			return &engine.Error{Name: "Exit", Value: msg, Traceback: []string{fmt.Sprintf("cell[%d]: %s", cell, msg)}}
		case errors.As(cause, &oom):
			return &engine.Error{Name: "OutOfMemory", Value: oom.Error(), Traceback: []string{fmt.Sprintf("cell[%d]: %s", cell, oom.Error())}}
		case errors.As(cause, &gp):
			return &engine.Error{Name: "GoroutinePanic", Value: gp.Error(), Traceback: append([]string{gp.Error()}, gp.frames...)}
		}
		tb := []string{fmt.Sprintf("cell[%d]: interrupted", cell)}
		if r := s.current(); r != nil && r.goroutines.Load() > 0 {
			tb = append(tb, fmt.Sprintf("%d goroutine(s) started by cells were stopped too: the interpreter cancels all of its goroutines at once", r.goroutines.Load()))
		}
		return &engine.Error{Name: "Interrupted", Value: "the cell was interrupted", Traceback: tb}
	}
	stack := frames(s.traces.takeCell(), s.at(cell))
	if len(stack) > 1 {
		stack = append(stack, stackNote)
	}
	var p yaegi.Panic
	if errors.As(err, &p) {
		// Frames of compiled declarations come from the Go stack at the
		// panic, with their exact cell lines; yaegi reports none of them.
		var compiled []string
		for _, f := range mirror.CompiledFrames(p.Stack, nil) {
			compiled = append(compiled, f.Pos+": in "+f.Func)
		}
		stack = append(compiled, stack...)
	}
	if !errors.As(err, &p) {
		return &engine.Error{Name: "Panic", Value: err.Error(), Traceback: append([]string{"panic: " + err.Error()}, stack...)}
	}
	v := panicValue(p.Value)
	var exit *vm.ExitError
	if e, ok := v.(error); ok && errors.As(e, &exit) {
		msg := exitMessage(exit)
		return &engine.Error{Name: "Exit", Value: msg, Traceback: append([]string{msg}, stack...)}
	}
	if e := mirrorError(v, stack); e != nil {
		return e
	}
	msg := describe(v)
	return &engine.Error{Name: "Panic", Value: msg, Traceback: append([]string{"panic: " + msg}, stack...)}
}

func exitMessage(e *vm.ExitError) string {
	return fmt.Sprintf("os.Exit(%d) stopped the cell; the kernel keeps running", e.Code)
}

// panicValue is the value Go would have panicked with (vm.GoPanicValue):
// yaegi wraps interpreted panic values in a reflect.Value, and runtime
// errors raised by package reflect inside it have reflect's texts.
func panicValue(r any) any {
	v, bad := vm.GoPanicValue(r)
	if bad == nil {
		return v
	}
	if r == any(bad) {
		return bad // a recover() that could not give Go's value
	}
	return errors.New(bad.Uncaught())
}

// describe prints a panic value as Go does.
func describe(v any) string {
	switch x := v.(type) {
	case error:
		return x.Error()
	case fmt.Stringer:
		return x.String()
	case string:
		return x
	}
	return fmt.Sprintf("%v", v)
}

// stackNote says what the lines of an interpreted stack are: yaegi reports
// each frame at the start of its function's body, not at the statement that
// failed; only the cell's own frame is marked (see markLines).
const stackNote = "(the cell's line is the statement that was running; a function's line is where its body starts: the interpreter does not report the statement that failed inside it)"

// cellAt is the statement a cell's body func was running: its frame is
// shown at that line instead of the start of the body.
type cellAt struct{ cell, line int }

// frameLine is one line yaegi prints per interpreted frame while a panic
// unwinds.
var frameLine = regexp.MustCompile(`^(?:(\S*):)?(\d+):(\d+): panic: (\S*)\(\.\.\.\)`)

// frames turns yaegi's unwinding lines (innermost first) into traceback
// lines, dropping the frames of dmirror's own wrappers.
func frames(lines []string, at cellAt) []string {
	var out []string
	for _, l := range lines {
		m := frameLine.FindStringSubmatch(strings.TrimSpace(l))
		if m == nil {
			continue
		}
		fn := strings.TrimPrefix(m[4], "main.")
		if fn == "main" || fn == "" || strings.HasPrefix(fn, "__dm") || !strings.HasPrefix(m[1], "cell[") {
			continue // dmirror's wrappers and the prelude's internals
		}
		pos := where(m[1], m[2])
		if n, err := strconv.Atoi(strings.TrimPrefix(fn, "__cell")); err == nil && strings.HasPrefix(fn, "__cell") {
			if n == at.cell && at.line > 0 {
				pos = where(m[1], strconv.Itoa(at.line))
			}
			out = append(out, pos)
			continue
		}
		name := "in " + fn
		if strings.HasSuffix(fn, ".func") {
			name = "in a func literal"
		}
		if line := pos + ": " + name; len(out) == 0 || out[len(out)-1] != line {
			out = append(out, line)
		}
	}
	return out
}

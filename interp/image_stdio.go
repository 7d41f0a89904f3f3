package interp

import (
	"errors"
	"io"
	"regexp"
	"sync"

	"github.com/dmirror/dmirror/interp/vm"
)

// cellWriter is the interpreter's stdout or stderr (fmt.Print*, println,
// log): it attributes each write to the calling goroutine's cell. On stderr
// it also keeps aside the lines yaegi prints while a panic unwinds through
// interpreted frames: they are the panic's stack, shown in the traceback if
// the panic fails the cell, and not output (Go prints nothing for a panic
// that is recovered).
type cellWriter struct {
	img  *imageServer
	name string
}

func (w cellWriter) Write(p []byte) (int, error) {
	if w.name == "stderr" && panicLine.Match(p) {
		w.img.traces.add(w.img.cells, string(p))
		return len(p), nil
	}
	cell := w.img.cells.caller()
	w.img.drainCompiled(cell, true)
	w.img.out.write(cell, w.name, p)
	return len(p), nil
}

// panicLine matches one line yaegi prints per interpreted frame while a panic
// unwinds: "cell[3]:2:5: panic: main.f(...)".
var panicLine = regexp.MustCompile(`^(?:\S*:)?\d+:\d+: panic: \S*\(\.\.\.\)\n?$`)

// stdFile stands for os.Stdout and os.Stderr in interpreted code, so that
// writes through them are attributed to their cell and ordered with fmt's.
// It has the methods of *os.File that code writing to stdout uses.
type stdFile struct {
	w    cellWriter
	fd   uintptr
	path string
}

func (f *stdFile) Write(p []byte) (int, error)       { return f.w.Write(p) }
func (f *stdFile) WriteString(s string) (int, error) { return f.w.Write([]byte(s)) }
func (f *stdFile) Fd() uintptr                       { return f.fd }
func (f *stdFile) Name() string                      { return f.path }
func (f *stdFile) Sync() error                       { return nil }
func (f *stdFile) Close() error                      { return nil }

// eofLine is the answer of jupyter console when its user ends input
// (Ctrl-D: EOFError in its input()); ipykernel raises EOFError for it, and a
// Go program reading a terminal gets io.EOF.
const eofLine = "\x04"

// stdinFile stands for os.Stdin and is the interpreter's stdin (fmt.Scan*):
// when its buffer is empty, a read asks the front end for a line.
type stdinFile struct {
	img *imageServer

	mu  sync.Mutex
	buf []byte
}

func (f *stdinFile) Read(p []byte) (int, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if len(f.buf) == 0 {
		line, err := f.img.readLine()
		if err != nil {
			return 0, err
		}
		if line == eofLine {
			return 0, io.EOF
		}
		f.buf = append([]byte(line), '\n')
	}
	n := copy(p, f.buf)
	f.buf = f.buf[n:]
	return n, nil
}

func (f *stdinFile) Name() string { return "/dev/stdin" }
func (f *stdinFile) Fd() uintptr  { return 0 }
func (f *stdinFile) Close() error { return nil }

// reset drops input left over from an earlier cell.
func (f *stdinFile) reset() {
	f.mu.Lock()
	f.buf = nil
	f.mu.Unlock()
}

// errNoStdin is what reading stdin returns in a cell whose front end does
// not allow input requests.
var errNoStdin = errors.New("stdin: reading is not supported: the front end does not allow input requests")

// maxTraceLines bounds the panic lines kept per goroutine: a cell may
// recover many panics before one fails it.
const maxTraceLines = 64

// traces keeps the panic lines of the running cell's own goroutines, and of
// each goroutine registered by __dmGo.
type traces struct {
	mu   sync.Mutex
	cell []string
	byG  map[uint64][]string
}

func (t *traces) add(cells *cellTable, line string) {
	id, registered := uint64(0), false
	if cells.registered.Load() > 0 {
		id = vm.GoroutineID()
		cells.mu.Lock()
		_, registered = cells.byGoroutine[id]
		cells.mu.Unlock()
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	if registered {
		if t.byG == nil {
			t.byG = map[uint64][]string{}
		}
		t.byG[id] = appendBounded(t.byG[id], line)
		return
	}
	t.cell = appendBounded(t.cell, line)
}

// takeCell returns and forgets the running cell's panic lines.
func (t *traces) takeCell() []string {
	t.mu.Lock()
	defer t.mu.Unlock()
	l := t.cell
	t.cell = nil
	return l
}

// takeGoroutine returns and forgets the calling goroutine's panic lines.
func (t *traces) takeGoroutine() []string {
	id := vm.GoroutineID()
	t.mu.Lock()
	defer t.mu.Unlock()
	l := t.byG[id]
	delete(t.byG, id)
	return l
}

func appendBounded(l []string, s string) []string {
	if len(l) >= maxTraceLines {
		l = l[1:]
	}
	return append(l, s)
}

package interp

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"runtime/debug"
	"strings"
	"sync"
	"sync/atomic"

	yaegi "github.com/traefik/yaegi/interp"

	"github.com/dmirror/dmirror/interp/childproc"
	"github.com/dmirror/dmirror/interp/frame"
	"github.com/dmirror/dmirror/interp/frontend"
	"github.com/dmirror/dmirror/interp/modules"
	"github.com/dmirror/dmirror/interp/stdpipe"
	"github.com/dmirror/dmirror/interp/values"
	"github.com/dmirror/dmirror/interp/vm"
	"github.com/dmirror/dmirror/kernel/engine"
)

// ImageMode is the hidden command that runs the image process.
const ImageMode = "__image"

// imageMaxStack is the largest stack of a goroutine in the image process
// (see maxStack).
const imageMaxStack = 256 << 20

// ServeImage runs the image process: it reads frames from its parent's
// pipe and writes frames to the other (childproc.Pipes) until the kernel
// closes its end or ctx ends.
func ServeImage(ctx context.Context) error {
	in, out, err := childproc.Pipes()
	if err != nil {
		return fmt.Errorf("image: %w", err)
	}
	vm.SetProgramArgs()
	limit := memoryLimit()
	debug.SetMaxStack(maxStack(limit))
	// Interpreted code allocates a frame per call: collecting at five times
	// the live heap rather than twice saves 15 to 25% of the time of
	// call-heavy cells. Mirrors use the same setting, so that a block runs
	// at the same speed in the image and in a mirror.
	if os.Getenv("GOGC") == "" {
		debug.SetGCPercent(imageGCPercent)
	}
	return serveImage(ctx, in, out, limit)
}

// imageServer is the image process's state. The reader goroutine handles
// cancellations and replies; one worker goroutine runs inits and cells in
// order, and is the only one that touches ip, decls and vars.
type imageServer struct {
	conn   *frame.Conn
	out    *output
	cells  *cellTable
	traces *traces
	stdin  *stdinFile
	limit  uint64 // heap bytes above which a running cell is stopped

	ip    *yaegi.Interpreter
	decls []string       // the committed declarations, files evaluated in order (see declsAfter)
	vars  []frontend.Var // the committed variables
	gen   *vm.Generation // the committed compiled declarations, nil for none

	active atomic.Pointer[yaegi.Interpreter] // the interpreter running the cell

	nextID  atomic.Uint64
	mu      sync.Mutex
	waiting map[uint64]chan frame.Msg // exchanges waiting for their reply
	run     *activeRun                // the running cell, nil between cells
	blocks  map[int]frontend.Block    // the blocks of Parallel calls, by ID
	src     *modules.Source           // sources of the session's modules

	// jobDec decodes the outcomes of Parallel calls with the image's
	// declared types known (a recursive session type held in an interface
	// needs them). It is built before a cell's body runs, from the
	// declarations in jobDecls, because building it evaluates code.
	jobDec   atomic.Pointer[values.Decoder]
	jobDecls []string
	jobGen   *vm.Generation

	// compiledOut reads what compiled code writes to os.Stdout and
	// os.Stderr; set before any cell runs.
	compiledOut []*stdpipe.Pipe

	// abort ends the process between cells with err (see idleMemory): it
	// closes the pipe from the kernel, and serveImage returns err.
	abort   func(err error)
	aborted atomic.Pointer[error]
}

// activeRun is the cell being run.
type activeRun struct {
	id         uint64
	cell       int
	ctx        context.Context
	cancel     context.CancelCauseFunc
	allowStdin bool
	vars       []frontend.Var // the image's variables while the cell runs
	noted      bool           // a note that stdin is unavailable was printed
	// goroutines counts the cells' goroutines running when an interrupt
	// came: yaegi's cancellation stops them all.
	goroutines atomic.Int64
	// line is the top-level statement of the cell's body func that runs
	// (reported by __dmAt).
	line atomic.Int64
	// inBody is set while the cell's body func runs under ctx: only then
	// does cancelling the run end the evaluation (see exit).
	inBody atomic.Bool
	// endless and liveStart serve the runaway rule (runawayWatch): the
	// cell has a loop that cannot end; the live heap when it began.
	endless   bool
	liveStart uint64
}

func serveImage(ctx context.Context, in io.ReadCloser, out io.Writer, limit uint64) error {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	s := &imageServer{
		conn:    frame.New(in, out),
		cells:   newCellTable(),
		traces:  &traces{},
		limit:   limit,
		waiting: map[uint64]chan frame.Msg{},
		blocks:  map[int]frontend.Block{},
		src:     modules.NewSource(nil),
	}
	s.stdin = &stdinFile{img: s}
	s.out = newOutput(func(m streamMsg) error { return s.conn.Send(msgStream, 0, m) })
	compiledOut, err := stdpipe.Redirect()
	if err != nil {
		return fmt.Errorf("image: %w", err)
	}
	s.compiledOut = compiledOut
	s.out.drain = func() { s.drainCompiled(-1, false) }
	s.abort = func(err error) {
		if s.aborted.CompareAndSwap(nil, &err) {
			in.Close()
		}
	}

	var wg sync.WaitGroup
	stop := make(chan struct{})
	defer func() {
		for _, p := range compiledOut {
			p.Close()
		}
		close(stop)
		wg.Wait()
	}()
	for _, p := range compiledOut {
		wg.Add(1)
		go func() { defer wg.Done(); p.Run(s.compiledEmit(p, -1)) }()
	}
	wg.Add(2)
	go func() { defer wg.Done(); s.out.run(stop) }()
	go func() { defer wg.Done(); s.watchMemory(stop) }()

	work := make(chan frame.Msg)
	workErr := make(chan error, 1)
	workDone := make(chan struct{})
	go func() {
		defer close(workDone)
		err := s.work(ctx, work)
		workErr <- err
		if err != nil {
			in.Close() // ends read: the kernel sees the process end and restores the image
		}
	}()
	err = s.read(ctx, work, workDone)
	close(work)
	cancel()
	s.cancelRun(errors.New("the kernel closed the image process"))
	// A cell blocked in compiled code cannot be waited for; the process
	// ends when ServeImage returns, which ends it too.
	if a := s.aborted.Load(); a != nil {
		return *a
	}
	select {
	case werr := <-workErr:
		return errors.Join(err, werr)
	default:
		return err
	}
}

// read handles frames from the kernel until EOF, or until the worker
// stopped (workDone).
func (s *imageServer) read(ctx context.Context, work chan<- frame.Msg, workDone <-chan struct{}) error {
	for {
		m, err := s.conn.Recv()
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return fmt.Errorf("image: %w", err)
		}
		switch m.Type {
		case msgInit, msgRun:
			select {
			case work <- m:
			case <-workDone:
				return nil
			case <-ctx.Done():
				return nil
			}
		case msgCancel:
			s.cancelRunID(m.ID, errInterrupted)
		case msgInputReply, msgJobReply:
			s.deliver(m)
		case msgFlushOutput:
			s.out.flush()
		default:
			return fmt.Errorf("image: unexpected %q frame", m.Type)
		}
	}
}

// work runs inits and cells in order.
func (s *imageServer) work(ctx context.Context, work <-chan frame.Msg) error {
	for m := range work {
		var err error
		switch m.Type {
		case msgInit:
			var body initMsg
			if err = m.Decode(&body); err == nil {
				err = s.conn.Send(msgReady, m.ID, s.init(body))
			}
		case msgRun:
			var body runMsg
			if err = m.Decode(&body); err == nil {
				d := s.execute(ctx, m.ID, body)
				stdpipe.WriteMark(m.ID)
				err = s.sendDone(m.ID, d)
			}
		}
		if err != nil {
			return err
		}
	}
	return nil
}

// sendDone reports the end of a run. An outcome that cannot be encoded
// (a result bundle JSON refuses) fails the cell instead of the process.
func (s *imageServer) sendDone(id uint64, d doneMsg) error {
	err := s.conn.Send(msgDone, id, d)
	if err == nil || !unsendable(err) {
		return err
	}
	return s.conn.Send(msgDone, id, doneMsg{Error: &engine.Error{Name: "InternalError",
		Value: fmt.Sprintf("the cell ran, but its outcome could not be sent: %v", err)}})
}

// unsendable tells an outcome JSON cannot carry from a broken pipe.
func unsendable(err error) bool {
	var typ *json.UnsupportedTypeError
	var val *json.UnsupportedValueError
	var mar *json.MarshalerError
	return errors.As(err, &typ) || errors.As(err, &val) || errors.As(err, &mar) || strings.Contains(err.Error(), "exceeds")
}

// exchange sends a request to the kernel and waits for its reply.
func (s *imageServer) exchange(ctx context.Context, typ string, body any, blobs ...[]byte) (frame.Msg, error) {
	id := s.nextID.Add(1)
	ch := make(chan frame.Msg, 1)
	s.mu.Lock()
	s.waiting[id] = ch
	s.mu.Unlock()
	defer func() {
		s.mu.Lock()
		delete(s.waiting, id)
		s.mu.Unlock()
	}()
	if err := s.conn.Send(typ, id, body, blobs...); err != nil {
		return frame.Msg{}, err
	}
	select {
	case m := <-ch:
		return m, nil
	case <-ctx.Done():
		return frame.Msg{}, context.Cause(ctx)
	}
}

func (s *imageServer) deliver(m frame.Msg) {
	s.mu.Lock()
	ch := s.waiting[m.ID]
	s.mu.Unlock()
	if ch != nil {
		ch <- m
	}
}

// current returns the running cell, or nil.
func (s *imageServer) current() *activeRun {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.run
}

// mark is the At hook: cell runs its top-level statement on line.
func (s *imageServer) mark(cell, line int) {
	if r := s.current(); r != nil && r.cell == cell {
		r.line.Store(int64(line))
	}
}

// at is the statement the running cell's body func reached.
func (s *imageServer) at(cell int) cellAt {
	if r := s.current(); r != nil && r.cell == cell {
		return cellAt{cell: cell, line: int(r.line.Load())}
	}
	return cellAt{}
}

func (s *imageServer) cancelRun(cause error) {
	if r := s.current(); r != nil {
		r.cancel(cause)
	}
}

func (s *imageServer) cancelRunID(id uint64, cause error) {
	if r := s.current(); r != nil && r.id == id {
		r.goroutines.Store(s.cells.registered.Load())
		r.cancel(cause)
	}
}

// readLine asks the front end for a line of input on behalf of the running
// cell.
func (s *imageServer) readLine() (string, error) {
	r := s.current()
	if r == nil {
		return "", errors.New("stdin: no cell is running")
	}
	if !r.allowStdin {
		return "", s.noStdin(r)
	}
	s.out.flush() // the prompt, printed before the read, must show first
	m, err := s.exchange(r.ctx, msgInput, inputMsg{})
	if err != nil {
		return "", fmt.Errorf("stdin: %w", err)
	}
	var reply inputReplyMsg
	if err := m.Decode(&reply); err != nil {
		return "", err
	}
	switch {
	case reply.NoStdin:
		return "", s.noStdin(r)
	case reply.Err != "":
		return "", fmt.Errorf("stdin: %s", reply.Err)
	}
	return reply.Value, nil
}

// noStdin notes once per cell, on its stderr, that stdin cannot be read:
// code often ignores the error of a read.
func (s *imageServer) noStdin(r *activeRun) error {
	s.mu.Lock()
	first := !r.noted
	r.noted = true
	s.mu.Unlock()
	if first {
		s.out.write(r.cell, "stderr", []byte(errNoStdin.Error()+"\n"))
	}
	return errNoStdin
}

// Display and Clear publish for the display API (display.Publisher).
func (s *imageServer) Display(data, metadata map[string]any, displayID string, update bool) {
	s.out.flush() // keep order with the text printed before
	_ = s.conn.Send(msgDisplay, 0, displayMsg{Cell: s.cells.caller(), Data: data, Metadata: metadata, DisplayID: displayID, Update: update})
}

func (s *imageServer) Clear(wait bool) {
	s.out.flush()
	_ = s.conn.Send(msgClear, 0, clearMsg{Cell: s.cells.caller(), Wait: wait})
}

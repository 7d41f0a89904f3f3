package mirror

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"regexp"
	"sync"
	"sync/atomic"
	"syscall"

	"github.com/dmirror/dmirror/interp/childproc"
	"github.com/dmirror/dmirror/interp/frame"
	"github.com/dmirror/dmirror/interp/stdpipe"
	"github.com/dmirror/dmirror/interp/vm"
)

// WorkerMode is the hidden command that runs a mirror.
const WorkerMode = "__mirror"

// ServeWorker runs one mirror until the kernel closes its connection: the
// inherited pipes of a local mirror, or, in a Slurm step (remotePortEnv
// set), a TCP connection to the kernel, authenticated.
func ServeWorker(ctx context.Context) error {
	if err := limitMemory(); err != nil {
		return err
	}
	tuneRuntime()
	vm.SetProgramArgs()
	in, out, err := kernelConn(ctx)
	if err != nil {
		return fmt.Errorf("mirror: %w", err)
	}
	defer in.Close()
	defer out.Close()
	stopPulse := make(chan struct{})
	pulsed := make(chan struct{})
	defer func() { close(stopPulse); <-pulsed }()
	go func() { defer close(pulsed); pulse(stopPulse) }()
	// What compiled code prints reaches the kernel in frames, tagged with
	// the mirror: through os.Stdout and os.Stderr, and, in a Slurm step,
	// whatever reaches fd 1 and 2 (see RelayMode).
	pipes, err := relayedPipes()
	if err == nil && pipes == nil {
		pipes, err = stdpipe.Redirect()
	}
	if err != nil {
		return fmt.Errorf("mirror: %w", err)
	}
	wk := &worker{conn: frame.New(in, out)}
	// A Slurm step's fd 1 and 2 reach the kernel in frames too: no marks.
	wk.marks = os.Getenv(remotePortEnv) == ""
	return wk.serve(ctx, pipes)
}

// kernelConn returns the mirror's connection to the kernel, read and
// written quietly (frame.Quiet): the inherited pipes of a local mirror,
// or, in a Slurm step (remotePortEnv set), a TCP connection to the
// kernel, authenticated.
func kernelConn(ctx context.Context) (in io.ReadCloser, out io.WriteCloser, err error) {
	if os.Getenv(remotePortEnv) != "" {
		c, err := dialRemoteKernel(ctx)
		if err != nil {
			return nil, nil, err
		}
		sc, ok := c.(interface {
			syscall.Conn
			io.Closer
		})
		if !ok {
			c.Close()
			return nil, nil, fmt.Errorf("the connection to the kernel is a %T, with no descriptor", c)
		}
		q, err := frame.Quiet(sc)
		if err != nil {
			c.Close()
			return nil, nil, err
		}
		return q, q, nil
	}
	fin, fout, err := childproc.Pipes()
	if err != nil {
		return nil, nil, err
	}
	if in, err = frame.Quiet(fin); err == nil {
		out, err = frame.Quiet(fout)
	}
	if err != nil {
		fin.Close()
		fout.Close()
		return nil, nil, err
	}
	return in, out, nil
}

// worker is the mirror side of the protocol.
type worker struct {
	conn *frame.Conn

	mu        sync.Mutex
	current   uint64             // id of the running chunk
	cancel    context.CancelFunc // cancels it
	cancelled uint64             // a chunk cancelled before it started

	splitFor    uint64      // the chunk whose rest the kernel asked for last
	splitWanted atomic.Bool // for the running chunk, not answered yet

	// The goroutines that ran chunks, oldest first, and their chunks: one
	// of a cancelled chunk may go on running (yaegi stops it at its next
	// check) and print, and that output is not the next chunk's.
	goroutines []uint64
	chunkOf    map[uint64]uint64
	ranChunks  atomic.Bool // chunkOf is not empty

	lastCollecting atomic.Bool // the collector ran during the last chunk (see run)

	// drain sends what compiled code printed and the pipes hold (see
	// serve); nil without pipes.
	drain func()
	// marks: the end of each chunk is marked on fd 1 and 2, which the
	// kernel reads (a local mirror).
	marks bool
}

// maxGoroutines bounds the goroutines a worker remembers.
const maxGoroutines = 64

// runsChunk records that the calling goroutine runs chunk id.
func (wk *worker) runsChunk(id uint64) {
	g := vm.GoroutineID()
	wk.mu.Lock()
	defer wk.mu.Unlock()
	if wk.chunkOf == nil {
		wk.chunkOf = map[uint64]uint64{}
	}
	if _, ok := wk.chunkOf[g]; !ok {
		wk.goroutines = append(wk.goroutines, g)
	}
	wk.chunkOf[g] = id
	wk.ranChunks.Store(true)
	if len(wk.goroutines) > maxGoroutines {
		delete(wk.chunkOf, wk.goroutines[0])
		wk.goroutines = wk.goroutines[1:]
	}
}

// stale says whether the calling goroutine ran a chunk that is over.
func (wk *worker) stale() bool {
	if !wk.ranChunks.Load() {
		return false
	}
	g := vm.GoroutineID()
	wk.mu.Lock()
	defer wk.mu.Unlock()
	id, ok := wk.chunkOf[g]
	return ok && (wk.cancel == nil || id != wk.current)
}

// serve serves the kernel over wk.conn. What compiled code prints
// through os.Stdout and os.Stderr arrives on pipes (nil in tests that
// serve in process): it is sent as the mirror's output, before anything
// interpreted code prints after it.
func (wk *worker) serve(ctx context.Context, pipes []*stdpipe.Pipe) error {
	var wg sync.WaitGroup
	defer func() {
		for _, p := range pipes {
			p.Close()
		}
		wg.Wait()
	}()
	drain := func() {
		for _, p := range pipes {
			p.Drain(true, wk.sendCompiled(p.Name))
		}
	}
	wk.drain = drain
	for _, p := range pipes {
		wg.Add(1)
		go func() { defer wg.Done(); p.Run(wk.sendCompiled(p.Name)) }()
	}
	eng := newEngine(&streamWriter{conn: wk.conn, stream: "stdout", stale: wk.stale, drain: drain},
		&streamWriter{conn: wk.conn, stream: "stderr", filter: true, stale: wk.stale, drain: drain},
		displaySender{conn: wk.conn, stale: wk.stale})
	runs := make(chan frame.Msg, 1)
	readErr := make(chan error, 1)
	go wk.read(runs, readErr)
	for {
		select {
		case <-ctx.Done():
			return nil
		case err := <-readErr:
			if errors.Is(err, io.EOF) {
				return nil // the kernel closed the pipe: it is done with this mirror
			}
			return err
		case m := <-runs:
			if err := wk.run(ctx, eng, m); err != nil {
				return err
			}
		}
	}
}

// read receives frames: runs go to the main loop, cancels act at once.
func (wk *worker) read(runs chan<- frame.Msg, readErr chan<- error) {
	for {
		m, err := wk.conn.Recv()
		if err != nil {
			wk.cancelRun(0)
			readErr <- err
			return
		}
		switch m.Type {
		case msgRun:
			runs <- m
		case msgCancel:
			wk.cancelRun(m.ID)
		case msgSplit:
			// The request may come before the main loop starts the chunk.
			wk.mu.Lock()
			wk.splitFor = m.ID
			if m.ID == wk.current {
				wk.splitWanted.Store(true)
			}
			wk.mu.Unlock()
		}
	}
}

// cancelRun cancels chunk id (0: whatever runs).
func (wk *worker) cancelRun(id uint64) {
	wk.mu.Lock()
	defer wk.mu.Unlock()
	if wk.cancel != nil && (id == 0 || id == wk.current) {
		wk.cancel()
		return
	}
	wk.cancelled = id
}

func (wk *worker) run(ctx context.Context, eng *engine, m frame.Msg) error {
	var rm runMsg
	if err := m.Decode(&rm); err != nil {
		return err
	}
	if err := rm.takeBlobs(m); err != nil {
		return err
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	wk.mu.Lock()
	wk.current, wk.cancel = m.ID, cancel
	wk.splitWanted.Store(wk.splitFor == m.ID)
	if wk.cancelled == m.ID {
		cancel()
	}
	wk.mu.Unlock()
	// A long chunk during which the collector runs gets more Ps (see
	// tuneRuntime): from its start when the mirror's last chunk was such a
	// chunk too, as in a series of calls, else from the tick that finds it
	// so. That tick runs on the interpreter's goroutine, which may outlive
	// a cancelled chunk: the narrowing is handed over under a lock.
	var wideMu sync.Mutex
	var narrow func()
	if wk.lastCollecting.Swap(false) {
		narrow = widen()
	}
	defer func() {
		wideMu.Lock()
		defer wideMu.Unlock()
		if narrow != nil {
			narrow()
			narrow = func() {}
		}
	}()
	res := eng.runChunk(ctx, &rm, chunkHooks{
		started: func() { wk.runsChunk(m.ID) },
		collecting: func() {
			wideMu.Lock()
			defer wideMu.Unlock()
			wk.lastCollecting.Store(true)
			if narrow == nil {
				narrow = widen()
			}
		},
		progress: func(done int) {
			_ = wk.conn.Send(msgProgress, m.ID, progressMsg{Done: done}) // progress is advisory
		},
		last: func(done int) {
			_ = wk.conn.Send(msgProgress, m.ID, progressMsg{Done: done, Last: true}) // advisory too
		},
		split: func() bool { return wk.splitWanted.Swap(false) },
		// A rest that cannot be sent is lost with the pipe, which the pool
		// notices as the mirror's death.
		rest: func(r restMsg) {
			var bs frame.Blobs
			_ = wk.conn.Send(msgRest, m.ID, r.withBlobs(&bs), bs.List()...)
		},
	})
	wk.mu.Lock()
	wk.cancel = nil
	wk.mu.Unlock()
	var bs frame.Blobs
	if wk.drain != nil {
		wk.drain() // what compiled code printed belongs to the chunk
	}
	if wk.marks {
		stdpipe.WriteMark(m.ID) // and so does what it wrote to fd 1 and 2
	}
	if err := wk.conn.Send(msgResult, m.ID, res.withBlobs(&bs), bs.List()...); err != nil {
		return fmt.Errorf("mirror: send result: %w", err)
	}
	return nil
}

// yaegiPanicLine matches the lines yaegi prints to stderr for each
// interpreted frame a panic unwinds; the failure report shows the frames
// instead.
var yaegiPanicLine = regexp.MustCompile(`^\S*:\d+(:\d+)?: panic: \S+\(\.\.\.\)\n?$`)

// streamWriter sends what interpreted code prints as output frames.
type streamWriter struct {
	conn   *frame.Conn
	stream string
	filter bool
	stale  func() bool // the writer ran a chunk that is over: drop its output
	drain  func()      // sends compiled code's pending output first
}

func (s *streamWriter) Write(p []byte) (int, error) {
	if s.stale() {
		return len(p), nil
	}
	s.drain()
	if s.filter && yaegiPanicLine.Match(p) {
		return len(p), nil
	}
	if err := s.conn.Send(msgOutput, 0, outputMsg{Stream: s.stream, Text: string(p)}); err != nil {
		return 0, err
	}
	return len(p), nil
}

// sendCompiled sends what compiled code printed on stream.
func (wk *worker) sendCompiled(stream string) func([]byte) {
	return func(b []byte) {
		_ = wk.conn.Send(msgOutput, 0, outputMsg{Stream: stream, Text: string(b)}) // the kernel is gone: the worker ends at EOF
	}
}

// displaySender sends what blocks display (display.*) to the kernel, which
// shows it in the cell tagged with the mirror. Clearing the cell's output
// from a mirror is ignored: it would clear what the other mirrors and the
// cell showed.
type displaySender struct {
	conn  *frame.Conn
	stale func() bool
}

func (d displaySender) Display(data, metadata map[string]any, id string, update bool) {
	if d.stale() {
		return
	}
	// A display that cannot be sent is lost with the pipe, which the pool
	// notices as the mirror's death.
	_ = d.conn.Send(msgDisplay, 0, displayMsg{Data: data, Metadata: metadata, ID: id, Update: update})
}

func (displaySender) Clear(bool) {}

package kernel

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"os/signal"
	"sync"
	"time"

	"github.com/dmirror/dmirror/kernel/engine"
	"github.com/google/uuid"
)

// Version is the implementation_version in kernel_info_reply; main sets it
// from its build-time version.
var Version = "0.1.0"

const (
	// username is the header username of the kernel's messages.
	username = "dmirror"
	// executorGrace bounds how long Serve waits, after cancelling it, for a
	// cell whose engine does not return. The engine's Close, which main calls
	// after Serve, ends such a cell.
	executorGrace = 5 * time.Second
	// linger gives the PUB socket's queue time to reach subscribers after
	// the last message (zmq4 has no linger option and drops its queue on Close).
	linger = 100 * time.Millisecond
)

// kernel is the state of one Serve call.
type kernel struct {
	log     *slog.Logger
	eng     engine.Engine
	session string
	sock    *sockets

	queue   *execQueue
	history *history
	flusher *flusher
	inputs  *inputs
	replays *replays

	mu      sync.Mutex         // guards cancel
	cancel  context.CancelFunc // cancels the running cell; nil when idle
	stop    chan struct{}      // closed by shutdown_request
	stopped sync.Once
}

// Serve serves the Jupyter protocol described by connFile until a
// shutdown_request (with or without restart: the front end restarts by
// starting a new process) or until ctx ends; both return nil. Cells run
// through eng, which Serve does not close.
func Serve(ctx context.Context, connFile string, eng engine.Engine, log *slog.Logger) error {
	info, err := ReadConnectionFile(connFile)
	if err != nil {
		return err
	}
	socks, err := openSockets(context.WithoutCancel(ctx), info)
	if err != nil {
		return err
	}
	k := &kernel{
		log:     log,
		eng:     eng,
		session: uuid.NewString(),
		sock:    socks,
		queue:   newExecQueue(),
		history: newHistory(),
		flusher: newFlusher(),
		inputs:  newInputs(),
		replays: newReplays(),
		stop:    make(chan struct{}),
	}
	log.Info("kernel listening", "transport", info.Transport, "ip", info.IP, "shell_port", info.ShellPort, "session", k.session)
	return k.run(ctx)
}

func (k *kernel) run(parent context.Context) error {
	ctx, cancel := context.WithCancel(parent)
	defer cancel()
	sigint := make(chan os.Signal, 1)
	signal.Notify(sigint, os.Interrupt)
	defer signal.Stop(sigint)

	var readers, workers sync.WaitGroup
	readers.Go(func() { k.heartbeat(ctx) })
	readers.Go(func() { k.readLoop(ctx, k.sock.shell, k.handleShell) })
	readers.Go(func() { k.readLoop(ctx, k.sock.control, k.handleControl) })
	readers.Go(func() { k.readLoop(ctx, k.sock.stdin, k.handleStdin) })
	executorDone := make(chan struct{})
	go func() {
		defer close(executorDone)
		k.executor(ctx)
	}()
	workers.Go(func() { k.flusher.run(ctx) })
	workers.Go(func() { k.signals(ctx, sigint) })
	workers.Go(func() { k.watchParent(ctx) })

	k.publishStatus(nil, "starting")
	select {
	case <-ctx.Done():
		k.log.Info("kernel stopping", "reason", context.Cause(ctx))
	case <-k.stop:
		k.log.Info("kernel shutting down")
	}
	cancel()
	k.waitExecutor(executorDone)
	workers.Wait() // the flusher's last flush is done
	time.Sleep(linger)
	err := k.sock.close() // unblocks the readers
	readers.Wait()
	if err != nil {
		return fmt.Errorf("kernel: %w", err)
	}
	return nil
}

// waitExecutor waits for the cancelled cell to end, for at most
// executorGrace: a cell whose engine does not return is left to the
// engine's Close, which main calls after Serve.
func (k *kernel) waitExecutor(done <-chan struct{}) {
	t := time.NewTimer(executorGrace)
	defer t.Stop()
	select {
	case <-done:
	case <-t.C:
		k.log.Warn("the running cell did not end after its interrupt; leaving it to the engine's Close")
	}
}

// requestStop makes Serve return; it is safe to call more than once.
func (k *kernel) requestStop() {
	k.stopped.Do(func() { close(k.stop) })
}

// readLoop reads one socket until it is closed. Messages that do not decode
// or verify are logged and dropped: a foreign or forged message never runs
// and never stops the kernel.
func (k *kernel) readLoop(ctx context.Context, c *channel, handle func(*channel, *Message)) {
	for {
		raw, err := c.sock.Recv()
		if err != nil {
			if ctx.Err() == nil && !errors.Is(err, context.Canceled) {
				k.log.Error("socket read failed; no longer reading it", "socket", c.name, "err", err)
			}
			return
		}
		msg, err := Decode(raw.Frames, c.key)
		if err != nil {
			k.log.Warn("dropped message", "socket", c.name, "err", err)
			continue
		}
		if len(c.key) > 0 && !k.replays.fresh(signature(raw.Frames)) {
			k.log.Warn("dropped a replayed message", "socket", c.name, "msg_type", msg.Header.MsgType, "msg_id", msg.Header.MsgID)
			continue
		}
		handle(c, msg)
	}
}

// heartbeat echoes every ping, on its own goroutine so that a busy kernel
// still looks alive.
func (k *kernel) heartbeat(ctx context.Context) {
	for {
		msg, err := k.sock.hb.sock.Recv()
		if err != nil {
			if ctx.Err() == nil && !errors.Is(err, context.Canceled) {
				k.log.Error("heartbeat read failed", "err", err)
			}
			return
		}
		if err := k.sock.hb.sendRaw(msg); err != nil && !errors.Is(err, errClosed) {
			k.log.Warn("heartbeat echo failed", "err", err)
		}
	}
}

// signals turns SIGINT into an interrupt of the running cell, for front ends
// that interrupt by signal.
func (k *kernel) signals(ctx context.Context, ch <-chan os.Signal) {
	for {
		select {
		case <-ctx.Done():
			return
		case <-ch:
			k.log.Info("SIGINT: interrupting the running cell")
			k.interrupt()
		}
	}
}

// interrupt cancels the running cell, if any.
func (k *kernel) interrupt() {
	k.mu.Lock()
	defer k.mu.Unlock()
	if k.cancel != nil {
		k.cancel()
	}
}

func (k *kernel) setRunning(cancel context.CancelFunc) {
	k.mu.Lock()
	k.cancel = cancel
	k.mu.Unlock()
}

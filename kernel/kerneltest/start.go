package kerneltest

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"time"

	"github.com/dmirror/dmirror/kernel"
)

// Options configure a kernel started by Start or StartFunc.
type Options struct {
	// Dir receives the connection file (a test's t.TempDir()). Required.
	Dir string
	// Transport is "tcp" (default) or "ipc".
	Transport string
	// Key signs messages; empty means a random key. Set NoKey for none.
	Key   string
	NoKey bool
	// Stderr receives the kernel process's stderr (Start only).
	Stderr io.Writer
	// Env is added to the kernel process's environment (Start only).
	Env []string
	// ReadyTimeout bounds the wait for the first kernel_info_reply
	// (default 30 s).
	ReadyTimeout time.Duration
}

// Kernel is a started kernel with a connected, ready client.
type Kernel struct {
	*Client
	Info     kernel.ConnectionInfo
	ConnFile string
	// Started is when the kernel was started, FirstReply when its first
	// kernel_info_reply arrived, and Ready when a reply and its idle had
	// both arrived.
	Started, FirstReply, Ready time.Time

	done   chan struct{}         // closed when the kernel has exited
	err    error                 // its exit error, set before done is closed
	kill   func()                // ends the kernel at once
	signal func(os.Signal) error // nil for in-process kernels
}

// NewConnectionInfo returns a connection for a kernel on loopback with
// free ports (tcp) or fresh socket paths in dir (ipc).
func NewConnectionInfo(opts Options) (kernel.ConnectionInfo, error) {
	info := kernel.ConnectionInfo{Transport: "tcp", IP: "127.0.0.1", SignatureScheme: "hmac-sha256", KernelName: "dmirror"}
	if !opts.NoKey {
		info.Key = opts.Key
		if info.Key == "" {
			b := make([]byte, 16)
			if _, err := rand.Read(b); err != nil {
				return info, err
			}
			info.Key = hex.EncodeToString(b)
		}
	}
	ports := []*int{&info.ShellPort, &info.ControlPort, &info.IOPubPort, &info.StdinPort, &info.HBPort}
	if opts.Transport == "ipc" {
		info.Transport = "ipc"
		info.IP = filepath.Join(opts.Dir, "kernel-ipc")
		for i, p := range ports {
			*p = i + 1
		}
		return info, nil
	}
	// Hold all five listeners before releasing any, so the ports differ.
	var ls []net.Listener
	defer func() {
		for _, l := range ls {
			l.Close()
		}
	}()
	for _, p := range ports {
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			return info, fmt.Errorf("kerneltest: free port: %w", err)
		}
		ls = append(ls, l)
		*p = l.Addr().(*net.TCPAddr).Port
	}
	return info, nil
}

// WriteConnectionFile writes info to a new file in dir and returns its path.
func WriteConnectionFile(dir string, info kernel.ConnectionInfo) (string, error) {
	data, err := json.MarshalIndent(info, "", "  ")
	if err != nil {
		return "", err
	}
	f, err := os.CreateTemp(dir, "kernel-*.json")
	if err != nil {
		return "", fmt.Errorf("kerneltest: connection file: %w", err)
	}
	if _, err := f.Write(data); err != nil {
		f.Close()
		return "", fmt.Errorf("kerneltest: connection file: %w", err)
	}
	return f.Name(), f.Close()
}

// Start runs a kernel command. Arguments equal to "{connection_file}" are
// replaced by the connection file's path, as in a kernelspec's argv. The
// process runs in its own process group and dies with the test process
// (Pdeathsig).
//
// The ports are free when chosen but not held: a kernel started at the same
// time by another test may take one first. A kernel that could not bind is
// started again on other ports.
func Start(ctx context.Context, opts Options, argv ...string) (*Kernel, error) {
	if len(argv) == 0 {
		return nil, errors.New("kerneltest: no command")
	}
	for attempt := 1; ; attempt++ {
		var seen LockedBuffer
		o := opts
		o.Stderr = &seen
		if opts.Stderr != nil {
			o.Stderr = io.MultiWriter(opts.Stderr, &seen)
		}
		k, err := startOnce(ctx, o, argv)
		if err != nil && attempt < 4 && o.Transport != "ipc" && strings.Contains(seen.String(), "address already in use") {
			continue
		}
		return k, err
	}
}

func startOnce(ctx context.Context, opts Options, argv []string) (*Kernel, error) {
	var proc *os.Process
	k, err := start(ctx, opts, func(connFile string, exited func(error)) (func(), error) {
		args := make([]string, len(argv))
		for i, a := range argv {
			args[i] = strings.ReplaceAll(a, "{connection_file}", connFile)
		}
		cmd := exec.Command(args[0], args[1:]...)
		cmd.Stderr = opts.Stderr
		cmd.Env = append(os.Environ(), opts.Env...)
		// Its own process group, as front ends start kernels: a kernel that
		// interrupts its process group must not reach the test.
		cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL, Setpgid: true}
		if err := cmd.Start(); err != nil {
			return nil, fmt.Errorf("kerneltest: start %s: %w", args[0], err)
		}
		proc = cmd.Process
		go func() { exited(cmd.Wait()) }() // ends when the process does; Close kills it
		return func() { _ = cmd.Process.Kill() }, nil
	})
	if err != nil {
		return nil, err
	}
	k.signal = proc.Signal
	return k, nil
}

// Signal sends sig to the kernel process (kernels started by Start only).
func (k *Kernel) Signal(sig os.Signal) error {
	if k.signal == nil {
		return errors.New("kerneltest: an in-process kernel cannot be signalled")
	}
	return k.signal(sig)
}

// StartFunc runs serve (typically kernel.Serve with an engine) in-process
// on its own goroutine; the context it gets is cancelled by Close.
func StartFunc(ctx context.Context, opts Options, serve func(ctx context.Context, connFile string) error) (*Kernel, error) {
	return start(ctx, opts, func(connFile string, exited func(error)) (func(), error) {
		sctx, cancel := context.WithCancel(context.WithoutCancel(ctx))
		go func() { exited(serve(sctx, connFile)) }() // ends when serve returns; Close cancels it
		return cancel, nil
	})
}

type launcher func(connFile string, exited func(error)) (kill func(), err error)

func start(ctx context.Context, opts Options, launch launcher) (*Kernel, error) {
	if opts.Dir == "" {
		return nil, errors.New("kerneltest: Options.Dir is required")
	}
	info, err := NewConnectionInfo(opts)
	if err != nil {
		return nil, err
	}
	connFile, err := WriteConnectionFile(opts.Dir, info)
	if err != nil {
		return nil, err
	}
	k := &Kernel{Info: info, ConnFile: connFile, done: make(chan struct{}), Started: time.Now()}
	k.kill, err = launch(connFile, func(err error) {
		k.err = err
		close(k.done)
	})
	if err != nil {
		return nil, err
	}
	timeout := opts.ReadyTimeout
	if timeout == 0 {
		timeout = 30 * time.Second
	}
	readyCtx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	// A kernel that exits before it is ready ends the wait; this goroutine
	// ends with readyCtx at the latest.
	go func() {
		select {
		case <-k.done:
			cancel()
		case <-readyCtx.Done():
		}
	}()
	if k.Client, err = Dial(readyCtx, info); err == nil {
		k.FirstReply, err = k.Client.waitReady(readyCtx)
	}
	if err != nil {
		if k.Client != nil {
			k.Client.Close()
		}
		k.kill()
		<-k.done
		return nil, fmt.Errorf("kerneltest: kernel did not become ready (exit: %v): %w", k.err, err)
	}
	k.Ready = time.Now()
	return k, nil
}

// Wait waits for the kernel to exit and returns its exit error.
func (k *Kernel) Wait(ctx context.Context) error {
	select {
	case <-k.done:
		return k.err
	case <-ctx.Done():
		return fmt.Errorf("kerneltest: kernel still running: %w", ctx.Err())
	}
}

// Exited reports whether the kernel has exited.
func (k *Kernel) Exited() bool {
	select {
	case <-k.done:
		return true
	default:
		return false
	}
}

// Close closes the client and ends the kernel if it still runs, waiting
// for it.
func (k *Kernel) Close() error {
	err := k.Client.Close()
	k.kill()
	<-k.done
	return err
}

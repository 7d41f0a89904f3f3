package childproc

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"strconv"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/dmirror/dmirror/interp/frame"
)

// TestMain lets the test binary be a child in one of the modes below.
func TestMain(m *testing.M) {
	if mode := Mode(); mode != "" {
		if err := serve(mode); err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(1)
		}
		os.Exit(0)
	}
	os.Exit(m.Run())
}

// serve runs a test child: "echo" sends back each frame until EOF,
// "stubborn" ignores EOF, "spawn" starts a long sleep that inherits its
// fd 1 and 2, sends its pid and exits.
func serve(mode string) error {
	in, out, err := Pipes()
	if err != nil {
		return err
	}
	conn := frame.New(in, out)
	switch mode {
	case "echo":
		fmt.Println("echo starts") // on fd 1
		for {
			m, err := conn.Recv()
			if err != nil {
				return nil
			}
			if err := conn.Send(m.Type, m.ID, m.Body); err != nil {
				return err
			}
		}
	case "stubborn":
		for {
			if _, err := conn.Recv(); err != nil {
				break
			}
		}
		time.Sleep(time.Hour) // select {} would be a deadlock the runtime reports
	case "spawn":
		cmd := exec.Command("sleep", "3600")
		cmd.Stdout, cmd.Stderr = os.Stdout, os.Stderr
		if err := cmd.Start(); err != nil {
			return err
		}
		return conn.Send("pid", uint64(cmd.Process.Pid), nil)
	}
	return fmt.Errorf("unknown mode %q", mode)
}

func start(t *testing.T, mode string, opts Options) *Process {
	t.Helper()
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	opts.Exe, opts.Args, opts.Mode, opts.Env = exe, []string{"-test.run=^$"}, mode, append(os.Environ(), ModeEnv+"=stale")
	p, err := Start(opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(p.Kill)
	return p
}

// syncBuffer is a bytes.Buffer safe for the writer's goroutine.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// TestFramesRoutedAndInOrder: frames come back in order, those Route takes
// not on Frames; the child's fd 1 reaches Stdout; Close ends it by EOF.
func TestFramesRoutedAndInOrder(t *testing.T) {
	var routed []uint64
	stdout := &syncBuffer{}
	p := start(t, "echo", Options{Stdout: stdout, Route: func(m frame.Msg) bool {
		if m.Type == "route" {
			routed = append(routed, m.ID)
			return true
		}
		return false
	}})
	for id := uint64(1); id <= 6; id++ {
		typ := "queue"
		if id%2 == 0 {
			typ = "route"
		}
		if err := p.Send(typ, id, nil); err != nil {
			t.Fatal(err)
		}
	}
	var queued []uint64
	for len(queued) < 3 {
		queued = append(queued, (<-p.Frames()).ID)
	}
	p.Close(10 * time.Second)
	if fmt.Sprint(queued) != "[1 3 5]" || fmt.Sprint(routed) != "[2 4 6]" {
		t.Errorf("queued %v, routed %v, want [1 3 5] and [2 4 6]", queued, routed)
	}
	if err := p.Err(); err != nil {
		t.Errorf("the child exited with %v after EOF, want success", err)
	}
	if got := stdout.String(); got != "echo starts\n" {
		t.Errorf("stdout %q", got)
	}
	if _, ok := <-p.Frames(); ok {
		t.Error("Frames is still open after Close")
	}
	if !p.Ended() {
		t.Error("a closed child has not ended")
	}
}

// TestCloseKillsAfterGrace: a child that ignores EOF is killed after the
// grace period, and waited for.
func TestCloseKillsAfterGrace(t *testing.T) {
	p := start(t, "stubborn", Options{})
	if p.Ended() {
		t.Fatal("a running child has ended")
	}
	p.Close(100 * time.Millisecond)
	ws, ok := p.State().Sys().(syscall.WaitStatus)
	if !ok || !ws.Signaled() || ws.Signal() != syscall.SIGKILL {
		t.Fatalf("state %v, want killed", p.State())
	}
}

// TestUnreadFramesDoNotBlockKill: a child whose frames nobody reads is
// still waited for by Kill.
func TestUnreadFramesDoNotBlockKill(t *testing.T) {
	p := start(t, "echo", Options{})
	for id := uint64(1); id <= 100; id++ {
		if err := p.Send("queue", id, nil); err != nil {
			t.Fatal(err)
		}
	}
	p.Kill()
	<-p.Done()
}

// TestGrandchildDoesNotHideDeath: a process the child started keeps
// running, holding the child's fd 1 and 2; the child's end is still seen
// (its frame pipe is not inherited, its output pipes are given up after
// outputDelay).
func TestGrandchildDoesNotHideDeath(t *testing.T) {
	p := start(t, "spawn", Options{Stdout: &syncBuffer{}, Stderr: &syncBuffer{}})
	m, ok := <-p.Frames()
	if !ok || m.Type != "pid" {
		t.Fatalf("frame %+v, want the grandchild's pid", m)
	}
	grandchild := int(m.ID)
	defer syscall.Kill(grandchild, syscall.SIGKILL)
	select {
	case <-p.Done():
	case <-time.After(30 * time.Second):
		t.Fatal("the child's end was not seen while its own child runs")
	}
	if err := p.Err(); err != nil && !errors.Is(err, exec.ErrWaitDelay) {
		t.Errorf("the child exited with %v", err)
	}
	if exited(grandchild) {
		t.Fatal("the grandchild ended too early for the test to mean anything")
	}
}

// TestExitedSeesZombies: a child that has ended but not been waited for
// counts as exited, a running process does not.
func TestExitedSeesZombies(t *testing.T) {
	if exited(os.Getpid()) {
		t.Fatal("this process counts as exited")
	}
	cmd := exec.Command("/bin/sh", "-c", "exit 3")
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer cmd.Wait()
	if !waitZombie(t, cmd.Process.Pid) {
		t.Fatal("the child did not end")
	}
	if !exited(cmd.Process.Pid) {
		t.Fatal("a zombie has not exited")
	}
}

// TestChildExitedSeesZombies: a running child has not exited; once it has
// ended it has, as a zombie and after it was waited for.
func TestChildExitedSeesZombies(t *testing.T) {
	cmd := exec.Command("/bin/sh", "-c", "read x")
	in, err := cmd.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	pid := cmd.Process.Pid
	if childExited(pid) {
		t.Fatal("a running child counts as exited")
	}
	in.Close() // read ends: the child exits
	if !waitZombie(t, pid) {
		t.Fatal("the child did not end")
	}
	if !childExited(pid) {
		t.Fatal("a zombie child has not exited")
	}
	if err := cmd.Wait(); cmd.ProcessState == nil {
		t.Fatal(err) // "read" at EOF exits 1: any exit state will do
	}
	if !childExited(pid) {
		t.Fatal("a reaped child has not exited")
	}
}

// TestEndedAsSoonAsTheChildExits: once a killed child has ended, Ended
// says so, whether the child is still a zombie or already reaped, before
// Done is closed.
func TestEndedAsSoonAsTheChildExits(t *testing.T) {
	window := 0
	for range 10 {
		p := start(t, "stubborn", Options{})
		if err := syscall.Kill(p.Pid(), syscall.SIGKILL); err != nil {
			t.Fatal(err)
		}
		if !waitZombie(t, p.Pid()) {
			t.Fatal("the child did not end")
		}
		early := true // Ended is asked before Done is closed
		select {
		case <-p.Done():
			early = false
		default:
		}
		if !p.Ended() {
			t.Fatal("a killed child has not ended")
		}
		if early {
			window++
		}
	}
	t.Logf("%d of 10 children were asked about before Done was closed", window)
}

// waitZombie waits for child pid to end, leaving it a zombie, through a
// pidfd (pidfd_open is system call 434 on every Linux architecture), which
// turns readable when the process ends. A child already reaped has ended.
func waitZombie(t *testing.T, pid int) bool {
	t.Helper()
	fd, _, errno := syscall.Syscall(434, uintptr(pid), 0, 0)
	if errno == syscall.ESRCH {
		return true
	}
	if errno != 0 {
		t.Fatalf("pidfd_open %s: %v", strconv.Itoa(pid), errno)
	}
	defer syscall.Close(int(fd))
	var set syscall.FdSet
	set.Bits[fd/64] |= 1 << (fd % 64)
	tv := syscall.NsecToTimeval((10 * time.Second).Nanoseconds())
	n, err := syscall.Select(int(fd)+1, &set, nil, nil, &tv)
	if err != nil {
		t.Fatal(err)
	}
	return n == 1
}

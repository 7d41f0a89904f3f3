package kernel_test

import (
	"fmt"
	"os"
	"os/exec"
	"syscall"
	"testing"

	"github.com/dmirror/dmirror/kernel/kerneltest"
)

// TestKernelExitsWhenItsFrontEndDies starts the fake kernel from a shell
// that plays the front end (JPY_PARENT_PID is the shell), kills the shell,
// and waits for the orphaned kernel to exit. This test process becomes a
// child subreaper for the duration, so the orphan is reparented to it and
// can be waited for.
func TestKernelExitsWhenItsFrontEndDies(t *testing.T) {
	if testing.Short() {
		t.Skip("waits for the parent poll")
	}
	const prSetChildSubreaper = 36
	if _, _, errno := syscall.RawSyscall(syscall.SYS_PRCTL, prSetChildSubreaper, 1, 0); errno != 0 {
		t.Skipf("prctl(PR_SET_CHILD_SUBREAPER): %v", errno)
	}
	defer syscall.RawSyscall(syscall.SYS_PRCTL, prSetChildSubreaper, 0, 0)

	dir := t.TempDir()
	info, err := kerneltest.NewConnectionInfo(kerneltest.Options{Dir: dir})
	if err != nil {
		t.Fatal(err)
	}
	connFile, err := kerneltest.WriteConnectionFile(dir, info)
	if err != nil {
		t.Fatal(err)
	}
	self, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	// The shell prints the kernel's pid and waits for its stdin to close.
	front := exec.Command("sh", "-c", `JPY_PARENT_PID=$$ "$0" "$1" 2>/dev/null & echo $!; read x; exit 0`, self, connFile)
	front.Env = append(os.Environ(), fakeKernelEnv+"=1")
	stdin, err := front.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	stdout, err := front.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := front.Start(); err != nil {
		t.Fatal(err)
	}
	var pid int
	if _, err := fmt.Fscan(stdout, &pid); err != nil || pid <= 0 {
		front.Process.Kill()
		front.Wait()
		t.Fatalf("kernel pid %d: %v", pid, err)
	}
	reaped := false
	t.Cleanup(func() {
		// Never leave the kernel behind, whatever failed.
		stdin.Close()
		front.Wait()
		if !reaped {
			syscall.Kill(pid, syscall.SIGKILL)
			var ws syscall.WaitStatus
			syscall.Wait4(pid, &ws, 0, nil)
		}
	})
	ctx := ctxT(t)
	c, err := kerneltest.Dial(ctx, info)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if err := c.WaitReady(ctx); err != nil {
		t.Fatal(err)
	}
	stdin.Close() // the front end exits
	if err := front.Wait(); err != nil {
		t.Fatalf("front end: %v", err)
	}
	done := make(chan error, 1)
	go func() {
		var ws syscall.WaitStatus
		_, err := syscall.Wait4(pid, &ws, 0, nil)
		if err == nil && (!ws.Exited() || ws.ExitStatus() != 0) {
			err = fmt.Errorf("kernel ended with status %v", ws)
		}
		done <- err
	}()
	select {
	case err := <-done:
		reaped = true
		if err != nil {
			t.Fatalf("kernel did not exit cleanly: %v", err)
		}
	case <-ctx.Done():
		syscall.Kill(pid, syscall.SIGKILL)
		<-done
		reaped = true
		t.Fatal("the orphaned kernel kept running")
	}
}

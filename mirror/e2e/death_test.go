package e2e

import (
	"bufio"
	"context"
	"fmt"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/dmirror/dmirror/interp"
	"github.com/dmirror/dmirror/kernel/engine"
	"github.com/dmirror/dmirror/kernel/engine/enginetest"
)

// kernelRole makes the test binary a stand-in kernel for TestKernelDeath.
const kernelRole = "DMIRROR_E2E_KERNEL"

// serveKernel starts a session, runs a call on 2 mirrors, prints their
// pids and waits to be killed.
func serveKernel() error {
	exe, err := os.Executable()
	if err != nil {
		return err
	}
	eng, err := interp.NewSession(context.Background(), interp.SessionOptions{Executable: exe})
	if err != nil {
		return err
	}
	defer eng.Close()
	out := enginetest.NewRecorder()
	res := eng.Execute(context.Background(), engine.ExecuteRequest{Code: "ParallelCollect([]int{1, 2}, func(x int) int { return x }, WithMirrors(2))", Count: 1}, out)
	if res.Error != nil {
		return res.Error
	}
	pids, err := findChildren("__mirror")
	if err != nil {
		return err
	}
	fmt.Println(strings.Trim(fmt.Sprint(pids), "[]"))
	select {}
}

// TestKernelDeath: when the kernel dies (SIGKILL), its mirrors go too.
func TestKernelDeath(t *testing.T) {
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(exe)
	cmd.Env = append(os.Environ(), kernelRole+"=1")
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL} // if this test dies first
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	cmd.Stderr = os.Stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer cmd.Wait()
	defer cmd.Process.Kill()
	line, err := bufio.NewReader(stdout).ReadString('\n')
	if err != nil {
		t.Fatalf("the kernel printed %q: %v", line, err)
	}
	var pids []int
	for _, f := range strings.Fields(line) {
		pid, err := strconv.Atoi(f)
		if err != nil {
			t.Fatalf("the kernel printed %q", line)
		}
		pids = append(pids, pid)
	}
	if len(pids) != 2 {
		t.Fatalf("the kernel had mirrors %v, want 2", pids)
	}
	if err := cmd.Process.Kill(); err != nil {
		t.Fatal(err)
	}
	cmd.Wait()
	// The mirrors are orphans now: nothing can wait for them but a pidfd.
	for _, pid := range pids {
		gone, err := waitExit(pid, 10*time.Second)
		if err != nil {
			t.Fatal(err)
		}
		if !gone {
			t.Errorf("mirror %d outlived its kernel", pid)
		}
	}
}

// waitExit waits up to timeout for process pid, which need not be a child,
// to end, through a pidfd (pidfd_open is system call 434 on every Linux
// architecture).
func waitExit(pid int, timeout time.Duration) (bool, error) {
	fd, _, errno := syscall.Syscall(434, uintptr(pid), 0, 0)
	if errno == syscall.ESRCH {
		return true, nil
	}
	if errno != 0 {
		return false, fmt.Errorf("pidfd_open %d: %w", pid, errno)
	}
	defer syscall.Close(int(fd))
	var set syscall.FdSet
	set.Bits[fd/64] |= 1 << (fd % 64)
	tv := syscall.NsecToTimeval(timeout.Nanoseconds())
	n, err := syscall.Select(int(fd)+1, &set, nil, nil, &tv)
	if err != nil {
		return false, fmt.Errorf("wait for %d: %w", pid, err)
	}
	return n == 1, nil
}

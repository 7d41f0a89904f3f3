package interp

import (
	"os"
	"os/exec"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestExitedSeesZombies: a child that has ended but not been waited for
// counts as exited, a running process does not.
func TestExitedSeesZombies(t *testing.T) {
	assert.False(t, exited(os.Getpid()))
	cmd := exec.Command("/bin/sh", "-c", "exit 3")
	require.NoError(t, cmd.Start())
	defer cmd.Wait()
	// pidfd_open; the pidfd turns readable when the child ends, which
	// leaves it a zombie until cmd.Wait.
	fd, _, errno := syscall.Syscall(434, uintptr(cmd.Process.Pid), 0, 0)
	require.Zero(t, errno)
	defer syscall.Close(int(fd))
	var set syscall.FdSet
	set.Bits[fd/64] |= 1 << (fd % 64)
	tv := syscall.NsecToTimeval((10 * time.Second).Nanoseconds())
	n, err := syscall.Select(int(fd)+1, &set, nil, nil, &tv)
	require.NoError(t, err)
	require.Equal(t, 1, n, "the child did not end")
	assert.True(t, exited(cmd.Process.Pid), "a zombie has exited")
}

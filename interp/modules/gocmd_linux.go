package modules

import (
	"os/exec"
	"syscall"
)

// ownProcessGroup makes the go command and whatever it starts one process
// group, killed as a whole on timeout, and killed with this process.
func ownProcessGroup(cmd *exec.Cmd) {
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGKILL}
	cmd.Cancel = func() error { return syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL) }
}

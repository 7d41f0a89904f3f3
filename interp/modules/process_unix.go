//go:build unix

package modules

import (
	"errors"
	"syscall"
)

// processAlive reports whether a process pid exists. A process of another
// user (EPERM) exists too.
func processAlive(pid int) bool {
	err := syscall.Kill(pid, 0)
	return err == nil || errors.Is(err, syscall.EPERM)
}

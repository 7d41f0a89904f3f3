//go:build unix

package modules

import (
	"errors"
	"os"
	"syscall"
)

// lockSupported: private module directories are swept where flock exists.
const lockSupported = true

// tryLock takes an exclusive flock on f without waiting; false means that
// another open file holds it.
func tryLock(f *os.File) (bool, error) {
	err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB)
	if errors.Is(err, syscall.EWOULDBLOCK) {
		return false, nil
	}
	return err == nil, err
}

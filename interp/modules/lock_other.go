//go:build !unix

package modules

import "os"

// lockSupported: without flock, no directory is swept.
const lockSupported = false

func tryLock(*os.File) (bool, error) { return false, nil }

//go:build !unix

package modules

// processAlive cannot tell here, so SweepStale leaves every directory.
func processAlive(int) bool { return true }

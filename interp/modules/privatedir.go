package modules

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
)

// privateDirPrefix starts the name of a private module's directory. The
// owner's pid follows it, so that a later session can remove the
// directories of kernels that died without cleaning up (kill -9):
// dmirror-modules-PID-RANDOM.
const privateDirPrefix = "dmirror-modules-"

// makePrivateDir makes a private module's directory in tempDir ("" means
// os.TempDir()), named after this process.
func makePrivateDir(tempDir string) (string, error) {
	return os.MkdirTemp(tempDir, privateDirPrefix+strconv.Itoa(os.Getpid())+"-")
}

// SweepStale removes the private module directories in tempDir ("" means
// os.TempDir()) whose owner process no longer exists. Directories of live
// processes, of other users' processes, and names of another form (such as
// those of earlier versions, whose owner cannot be told) are left alone.
func SweepStale(tempDir string) error {
	if tempDir == "" {
		tempDir = os.TempDir()
	}
	entries, err := os.ReadDir(tempDir)
	if err != nil {
		return fmt.Errorf("modules: sweep %s: %w", tempDir, err)
	}
	var errs []error
	for _, e := range entries {
		pid, ok := privateDirOwner(e.Name())
		if !ok || !e.IsDir() || processAlive(pid) {
			continue
		}
		if err := os.RemoveAll(filepath.Join(tempDir, e.Name())); err != nil {
			errs = append(errs, err)
		}
	}
	if len(errs) > 0 {
		return fmt.Errorf("modules: sweep stale private modules: %w", errors.Join(errs...))
	}
	return nil
}

// privateDirOwner returns the pid in a name made by makePrivateDir.
func privateDirOwner(name string) (int, bool) {
	rest, ok := strings.CutPrefix(name, privateDirPrefix)
	if !ok {
		return 0, false
	}
	pidText, random, ok := strings.Cut(rest, "-")
	pid, err := strconv.Atoi(pidText)
	if !ok || err != nil || pid <= 0 || !digits(random) {
		return 0, false
	}
	return pid, true
}

func digits(s string) bool {
	for _, r := range s {
		if r < '0' || r > '9' {
			return false
		}
	}
	return s != ""
}

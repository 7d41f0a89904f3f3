package modules

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
)

// privateDirPrefix starts the name of a private module's directory:
// dmirror-modules-PID-RANDOM, the pid of the process that made it.
const privateDirPrefix = "dmirror-modules-"

// ownerLock is the file in a private module's directory that its owner
// holds locked (flock) while it lives. The kernel drops the lock when the
// process ends, however it ends (kill -9 too), so a later session can tell
// a dead owner's directory, whatever became of the pid and in whichever pid
// namespace the owner ran.
const ownerLock = ".owner.lock"

// privateDir is a private module's directory, held by this process.
type privateDir struct {
	path string
	lock *os.File // locked; closed by remove
}

// makePrivateDir makes a private module's directory in tempDir ("" means
// os.TempDir()) and takes its owner lock. The lock file gets its name only
// once locked, so SweepStale never finds it unlocked while its owner lives.
func makePrivateDir(tempDir string) (*privateDir, error) {
	path, err := os.MkdirTemp(tempDir, privateDirPrefix+strconv.Itoa(os.Getpid())+"-")
	if err != nil {
		return nil, err
	}
	lock, err := takeOwnerLock(path)
	if err != nil {
		return nil, errors.Join(err, os.RemoveAll(path))
	}
	return &privateDir{path: path, lock: lock}, nil
}

func takeOwnerLock(dir string) (*os.File, error) {
	f, err := os.CreateTemp(dir, ownerLock+".*")
	if err != nil {
		return nil, err
	}
	locked, err := tryLock(f)
	if err == nil && !locked && lockSupported {
		err = errors.New("held by another open file")
	}
	if err != nil {
		f.Close()
		return nil, fmt.Errorf("lock %s: %w", f.Name(), err)
	}
	if err := os.Rename(f.Name(), filepath.Join(dir, ownerLock)); err != nil {
		f.Close()
		return nil, err
	}
	return f, nil
}

// remove removes the directory, then lets go of its lock.
func (d *privateDir) remove() error {
	err := os.RemoveAll(d.path)
	return errors.Join(err, d.lock.Close())
}

// SweepStale removes the private module directories in tempDir ("" means
// os.TempDir()) whose owner process has ended without removing them (it
// was killed). Directories whose owner lives, that are being made, or whose
// name or content is of another form (such as those of earlier versions,
// whose owner cannot be told) are left alone.
func SweepStale(tempDir string) error {
	if !lockSupported {
		return nil
	}
	if tempDir == "" {
		tempDir = os.TempDir()
	}
	entries, err := os.ReadDir(tempDir)
	if err != nil {
		return fmt.Errorf("modules: sweep %s: %w", tempDir, err)
	}
	var errs []error
	for _, e := range entries {
		if !e.IsDir() || !isPrivateDirName(e.Name()) {
			continue
		}
		if err := sweep(filepath.Join(tempDir, e.Name())); err != nil {
			errs = append(errs, err)
		}
	}
	if len(errs) > 0 {
		return fmt.Errorf("modules: sweep stale private modules: %w", errors.Join(errs...))
	}
	return nil
}

// sweep removes dir if its owner lock can be taken: its owner has ended.
func sweep(dir string) error {
	f, err := os.Open(filepath.Join(dir, ownerLock))
	if errors.Is(err, os.ErrNotExist) {
		return nil // being made, or not made by this version
	} else if err != nil {
		return err
	}
	defer f.Close()
	locked, err := tryLock(f)
	if err != nil || !locked {
		return err
	}
	return os.RemoveAll(dir)
}

// isPrivateDirName reports whether name is of the form makePrivateDir
// gives: dmirror-modules-PID-RANDOM.
func isPrivateDirName(name string) bool {
	rest, ok := strings.CutPrefix(name, privateDirPrefix)
	pid, random, ok2 := strings.Cut(rest, "-")
	return ok && ok2 && digits(pid) && digits(random)
}

func digits(s string) bool {
	for _, r := range s {
		if r < '0' || r > '9' {
			return false
		}
	}
	return s != ""
}

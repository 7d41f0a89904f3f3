// Package childproc starts and supervises dmirror's child processes, the image
// process and the mirrors, and holds what a parent and its child share: the
// variable that names a child's hidden mode, the descriptors of the frame
// pipes, and the names of the variables that configure children.
//
// The parent side is Start and Process: a child starts with Pdeathsig (the
// death of the kernel takes it along), reads frames on InFD and writes them
// on OutFD, and exits at EOF of InFD; Process says whether it has ended
// (zombies included) and stops it (Close: EOF, a deadline, then SIGKILL; Kill)
// and waits for it. The child side is Mode and Pipes.
//
// It does not know what the frames mean; the image process and the mirrors
// each have their own protocol over them (packages interp and mirror).
package childproc

import (
	"errors"
	"fmt"
	"os"
	"syscall"

	"github.com/dmirror/dmirror/interp/frame"
)

// ModeEnv names the variable that holds the hidden mode a child was
// started in (the image process's or a mirror's). The binary refuses to
// run a hidden mode without it, and cells do not see it.
const ModeEnv = "DMIRROR_CHILD"

// Variables that configure children, read in the child from the
// environment the kernel passes on.
const (
	// ImageMemoryEnv sets the heap size (bytes) above which the image
	// process stops a running cell; by default 60% of the machine's memory.
	ImageMemoryEnv = "DMIRROR_IMAGE_MEMORY"
	// MirrorMemoryEnv sets how much memory (bytes of address space,
	// RLIMIT_AS) each mirror may use; by default 60% of the machine's memory.
	MirrorMemoryEnv = "DMIRROR_MIRROR_MEMORY"
)

// The frame pipes of a child. They are not fd 0, 1 and 2, which stay free
// for what compiled code reads and prints (the parent captures fd 1 and 2).
const (
	InFD  = 3 // frames from the parent; EOF tells the child to exit
	OutFD = 4 // frames to the parent
)

// Mode returns the hidden mode this process was started in by a dmirror
// parent, or "" if it was not.
func Mode() string { return os.Getenv(ModeEnv) }

// Pipes returns this child's ends of its frame pipes, read and written
// through the runtime's poller (frame.Inherited). It marks them
// close-on-exec, so that processes a cell starts do not inherit them: a
// grandchild holding OutFD would hide the child's death from the parent,
// which waits for EOF on it.
func Pipes() (in, out *os.File, err error) {
	for _, fd := range []int{InFD, OutFD} {
		if _, _, errno := syscall.Syscall(syscall.SYS_FCNTL, uintptr(fd), syscall.F_SETFD, syscall.FD_CLOEXEC); errno != 0 {
			return nil, nil, fmt.Errorf("childproc: frame pipe (fd %d): %w", fd, errno)
		}
	}
	in, out = frame.Inherited(InFD, "frames-in"), frame.Inherited(OutFD, "frames-out")
	if in == nil || out == nil {
		return nil, nil, errors.New("childproc: frame pipes (fd 3 and 4) are missing")
	}
	return in, out, nil
}

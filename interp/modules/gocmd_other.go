//go:build !linux

package modules

import "os/exec"

// ownProcessGroup is a no-op where process groups are not portable; the
// go command alone is killed on timeout.
func ownProcessGroup(*exec.Cmd) {}

package interp

import (
	"errors"
	"fmt"
	"os/exec"
	"strings"

	"github.com/dmirror/dmirror/interp/frontend"
	"github.com/dmirror/dmirror/kernel/engine"
)

// deathError explains the death of the image process from the end of its
// stderr and its exit status.
func deathError(tail string, werr error) *engine.Error {
	status := "it exited"
	var exit *exec.ExitError
	if errors.As(werr, &exit) {
		status = exit.String()
	}
	switch {
	case strings.Contains(tail, "stack overflow") || strings.Contains(tail, "goroutine stack exceeds"):
		return &engine.Error{Name: "StackOverflow",
			Value: fmt.Sprintf("stack overflow: the stack grew past %d MiB (infinite recursion?)", maxStack(configuredMemory())>>20)}
	case strings.Contains(tail, "out of memory between cells: "):
		return &engine.Error{Name: "OutOfMemory", Value: firstLineAfter(tail, "out of memory between cells: ")}
	case strings.Contains(tail, "out of memory"):
		return &engine.Error{Name: "OutOfMemory", Value: "the image process ran out of memory"}
	case strings.Contains(tail, "\npanic: ") || strings.HasPrefix(tail, "panic: "):
		return &engine.Error{Name: "GoroutinePanic",
			Value: "a panic in a goroutine ended the image process: " + firstLineAfter(tail, "panic: ")}
	}
	return &engine.Error{Name: "ImageProcessDied", Value: "the image process died (" + status + ")",
		Traceback: nonEmpty(firstLines(tail, 5))}
}

func firstLineAfter(s, prefix string) string {
	i := strings.Index(s, prefix)
	if i < 0 {
		return ""
	}
	s = s[i+len(prefix):]
	if j := strings.IndexByte(s, '\n'); j >= 0 {
		s = s[:j]
	}
	return s
}

func firstLines(s string, n int) string {
	lines := strings.SplitN(strings.TrimSpace(s), "\n", n+1)
	if len(lines) > n {
		lines = lines[:n]
	}
	return strings.Join(lines, "\n")
}

func lastLines(s string, n int) string {
	lines := strings.Split(strings.TrimRight(s, "\n"), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, "\n")
}

func nonEmpty(s string) []string {
	if s == "" {
		return nil
	}
	return []string{s}
}

func resetLines(reset []string) string {
	var b strings.Builder
	for _, r := range reset {
		b.WriteString("  lost: " + r + "\n")
	}
	return b.String()
}

// frontendError turns a Compile error into the cell's error.
func frontendError(cell int, err error) *engine.Error {
	var ce *frontend.CompileError
	if errors.As(err, &ce) && len(ce.Errors) > 0 {
		e := &engine.Error{Name: "CompileError", Value: ce.Errors[0].Msg}
		for _, x := range ce.Errors {
			e.Traceback = append(e.Traceback, x.String())
		}
		return e
	}
	return &engine.Error{Name: "CompileError", Value: err.Error(), Traceback: []string{fmt.Sprintf("cell[%d]: %v", cell, err)}}
}

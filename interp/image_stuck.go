package interp

import (
	"bytes"
	"regexp"
	"runtime"
	"time"
)

// stuckGrace is how long an interrupted cell's goroutines have to leave
// compiled declarations before the image process asks to be replaced.
const stuckGrace = 300 * time.Millisecond

// generationFrame matches a frame of compiled declarations in a stack
// dump: their package is a generation's (values.GenerationDir).
var generationFrame = regexp.MustCompile(`(?m)^dmirror\.session/\S*/dmsgen\d+\.`)

// stuckInCompiled reports whether, after an interrupt, a goroutine still
// runs compiled declarations: yaegi stops interpreted code at its next
// step, but a compiled `for {}` never comes back to the interpreter, and
// only a new image process ends it. It waits up to stuckGrace for them
// to return (a compiled call that was about to end).
func stuckInCompiled() bool {
	deadline := time.Now().Add(stuckGrace)
	for {
		if !runningCompiled() {
			return false
		}
		if time.Now().After(deadline) {
			return true
		}
		time.Sleep(10 * time.Millisecond) // polling the stacks: nothing signals a compiled call's end
	}
}

// runningCompiled reports whether a goroutine that is not parked has a
// frame of compiled declarations.
func runningCompiled() bool {
	buf := make([]byte, 1<<20)
	for {
		n := runtime.Stack(buf, true)
		if n < len(buf) {
			buf = buf[:n]
			break
		}
		buf = make([]byte, 2*len(buf))
	}
	for _, g := range bytes.Split(buf, []byte("\n\n")) {
		header, _, _ := bytes.Cut(g, []byte("\n"))
		// "goroutine 7 [running]:", "goroutine 7 [runnable, locked to thread]:"
		running := bytes.Contains(header, []byte("[running")) || bytes.Contains(header, []byte("[runnable"))
		if running && generationFrame.Match(g) {
			return true
		}
	}
	return false
}

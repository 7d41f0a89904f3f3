package mirror

import (
	"fmt"
	"strings"
)

// ErrorName is the ename of a cell whose Parallel call failed in mirrors.
const ErrorName = "MirrorError"

// Error is a Parallel call that failed in one or more mirrors. The image
// process panics with it; the kernel shows RenderFailures(Failures) before
// the cell's error.
type Error struct {
	Op       string // the built-in, e.g. ParallelCollect
	Failed   int    // how many mirrors failed
	Total    int    // how many mirrors ran
	Failures []Failure
}

func newError(op string, out *Outcome) *Error {
	total := out.Mirrors
	if total < len(out.Failures) {
		total = len(out.Failures)
	}
	return &Error{Op: opName(op), Failed: len(out.Failures), Total: total, Failures: out.Failures}
}

// Error says how many mirrors failed and why, on one line.
func (e *Error) Error() string {
	var b strings.Builder
	noun := "mirrors"
	if e.Total == 1 {
		noun = "mirror"
	}
	fmt.Fprintf(&b, "%d of %d %s failed", e.Failed, e.Total, noun)
	if e.Op != "" {
		fmt.Fprintf(&b, " in %s", e.Op)
	}
	for k, f := range e.Failures {
		if k == 0 {
			b.WriteString(": ")
		} else {
			b.WriteString("; ")
		}
		b.WriteString(f.summary())
	}
	return b.String()
}

// summary is one failure on one line.
func (f Failure) summary() string {
	var b strings.Builder
	fmt.Fprintf(&b, "mirror %d%s", f.Mirror, f.onNode())
	if f.Index >= 0 {
		fmt.Fprintf(&b, " at element %d", f.Index)
	}
	fmt.Fprintf(&b, ": %s", f.Kind)
	if msg := firstLine(f.Message); msg != "" {
		fmt.Fprintf(&b, ": %s", msg)
	}
	if len(f.Frames) > 0 && f.Frames[0].Pos != "" {
		fmt.Fprintf(&b, " (%s, %s)", f.Frames[0].Func, f.Frames[0].Pos)
	}
	return b.String()
}

func firstLine(s string) string {
	s = strings.TrimSpace(s)
	if i := strings.IndexByte(s, '\n'); i >= 0 {
		return s[:i] + " …"
	}
	return s
}

package mirror

import (
	"regexp"
	"strings"

	"github.com/dmirror/dmirror/interp/frontend"
)

// compiledFrame matches a frame of the session's compiled declarations in
// a Go stack: the func of a generation's package, then its file and line,
// which the generation's //line directives make a cell's.
var compiledFrame = regexp.MustCompile(`(?m)^dmirror\.session/\S*/dmsgen\d+\.(\S+?)\(.*\)\n\t(\S+?):(\d+)`)

// CompiledFrames returns the frames of compiled declarations in stack (the
// Go stack at a panic, innermost first): the debugger that recovers the
// interpreted frames does not see them, and they have no locals.
func CompiledFrames(stack []byte) []Frame {
	var out []Frame
	for _, m := range compiledFrame.FindAllSubmatch(stack, -1) {
		fn, file, line := string(m[1]), string(m[2]), string(m[3])
		pos := file + ":" + line
		if cell, ok := strings.CutSuffix(file, "/_.go"); ok {
			pos = cell + " line " + line
		}
		if strings.HasPrefix(fn, frontend.BlockPrefix) {
			fn = "func literal" // a compiled block, named as the debugger names an interpreted one
		}
		out = append(out, Frame{Func: fn, Pos: pos, Compiled: true})
	}
	return out
}

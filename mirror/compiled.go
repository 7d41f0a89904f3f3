package mirror

import (
	"regexp"
	"strconv"
	"strings"

	"github.com/dmirror/dmirror/interp/frontend"
)

// compiledFrame matches a frame of the session's compiled declarations in
// a Go stack: the func of a generation's package, then its file and line,
// which the generation's //line directives make a cell's.
var compiledFrame = regexp.MustCompile(`(?m)^dmirror\.session/\S*/dmsgen\d+\.(\S+?)\(.*\)\n\t(\S+?):(\d+)`)

// CompiledFrames returns the frames of compiled declarations in stack (the
// Go stack at a panic, innermost first): the debugger that recovers the
// interpreted frames does not see them, and they have no locals. A frame
// of a compiled block of blocks is placed in the block's cell.
func CompiledFrames(stack []byte, blocks []JobBlock) []Frame {
	var out []Frame
	for _, m := range compiledFrame.FindAllSubmatch(stack, -1) {
		fn, file, line := string(m[1]), string(m[2]), string(m[3])
		if strings.HasPrefix(fn, frontend.BlockPrefix) {
			file, line = blockPos(blocks, fn, file, line)
			fn = "func literal" // named as the debugger names an interpreted one
		}
		pos := file + ":" + line
		if cell, ok := strings.CutSuffix(file, "/_.go"); ok {
			pos = cell + " line " + line
		}
		out = append(out, Frame{Func: fn, Pos: pos, Compiled: true})
	}
	return out
}

// blockPos moves a position in a compiled block's code (fn, a closure of
// its constructor) to the cell of the block of blocks that runs it: the
// generation's copy names the cell that first compiled it.
func blockPos(blocks []JobBlock, fn, file, line string) (string, string) {
	n, err := strconv.Atoi(line)
	if err != nil {
		return file, line
	}
	for _, b := range blocks {
		cb := b.Compiled
		if cb != nil && strings.HasPrefix(fn, cb.Func+".") && file == cb.File && b.File != "" {
			return b.File, strconv.Itoa(n - cb.Line + b.Line)
		}
	}
	return file, line
}

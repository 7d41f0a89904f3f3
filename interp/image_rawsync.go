package interp

import (
	"time"

	"github.com/dmirror/dmirror/interp/stdpipe"
)

// What compiled code writes to the image process's fd 1 and 2 directly
// (println) is the cell's: the image process writes a run mark there
// before it reports the cell's end (stdpipe.WriteMark), and the kernel
// waits for the marks before it finishes the cell.

// rawMarkWait bounds the wait for the marks.
const rawMarkWait = time.Second

// print is the builtin print and println of interpreted code: it writes to
// the process's fd 2, where compiled code's println writes, so that the
// two keep their order (the kernel forwards fd 2 to the running cell).
// Without fd 2 (in process tests) it is the cell's stderr.
func (s *imageServer) print(text string) {
	if _, errf := stdpipe.Originals(); errf != nil {
		errf.WriteString(text)
		return
	}
	s.out.write(s.cells.caller(), "stderr", []byte(text))
}

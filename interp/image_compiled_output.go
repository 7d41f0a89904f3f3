package interp

import "github.com/dmirror/dmirror/interp/stdpipe"

// What compiled code (packages, compiled declarations) writes to os.Stdout
// or os.Stderr in the image process goes through pipes (package stdpipe)
// and is attributed to the running cell: interpreted writes drain them
// first, so `fmt.Println("a"); hello(); fmt.Println("c")`, with hello
// compiled, prints a, hello's output, then c.

// drainCompiled forwards compiled code's pending output as output of cell
// (-1: the running cell), before output of the caller's cell (wait) or
// before a flush (not wait).
func (s *imageServer) drainCompiled(cell int, wait bool) {
	for _, p := range s.compiledOut {
		p.Drain(wait, s.compiledEmit(p, cell))
	}
}

// compiledEmit writes what p read as output of cell (-1: the running
// cell).
func (s *imageServer) compiledEmit(p *stdpipe.Pipe, cell int) func([]byte) {
	return func(b []byte) {
		at := cell
		if at < 0 {
			at = int(s.cells.current.Load())
		}
		s.out.write(at, p.Name, b)
	}
}

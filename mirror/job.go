package mirror

import (
	"time"

	"github.com/dmirror/dmirror/interp/frame"
	"github.com/dmirror/dmirror/interp/frontend"
	"github.com/dmirror/dmirror/interp/modules"
)

// Job is one Parallel* call, as the image process hands it to the kernel's
// pool of mirrors. Values travel encoded by package values.
type Job struct {
	Op string // collect, select, reject, collectThenSelect, collectThenReject, selectThenCollect, rejectThenCollect, flatCollect, groupedBy, anySatisfy, allSatisfy, noneSatisfy, createMirror

	// Blocks are the one or two blocks of the call, in argument order.
	Blocks []JobBlock
	// Globals holds the encoded current value of every package variable the
	// blocks need, by name.
	Globals map[string][]byte
	// N is the size of the workload; Chunks cover it in order. The image
	// process splits the workload (see chunks) so that a mirror decodes its
	// chunk as one value and the kernel never decodes elements.
	N      int
	Chunks []JobChunk

	Mirrors    int           // how many mirrors to use; 0 means DefaultCores
	PerElement bool          // one chunk per element (CreateMirror)
	Timeout    time.Duration // 0 means none
}

// JobBlock is a block with the encoded values of its captured locals.
type JobBlock struct {
	ID       int
	Expr     string
	Type     string
	Captures []Capture
	Pos      string
	// File and Line are where the block is (frontend.Block's), Compiled
	// where its compiled code is, if it is compiled.
	File     string                  `json:",omitempty"`
	Line     int                     `json:",omitempty"`
	Compiled *frontend.CompiledBlock `json:",omitempty"`
}

// Capture is a captured local variable and its encoded value.
type Capture struct {
	Name  string
	Type  string
	Value []byte
}

// Decls is the session's declaration log as mirrors replay it: Chunks are
// declaration sources in order; Generation changes whenever an earlier chunk
// was replaced, so a mirror at another generation rebuilds from scratch and a
// mirror at the same generation only evaluates the chunks it has not seen.
type Decls struct {
	Generation int
	Chunks     []string
	// Modules are the session's modules, whose packages Chunks may import.
	// A module whose version changes comes with a new Generation.
	Modules []modules.Module `json:",omitempty"`
	// Gen is the plugin of the session's compiled declarations, which a
	// mirror loads before it replays Chunks (they import its symbols as
	// "dmirror/session"); "" for none.
	Gen string `json:",omitempty"`
	// Ptrs maps the package variables that live in the compiled
	// declarations to the keys of their pointers in Gen's symbols: their
	// values are set through them.
	Ptrs map[string]string `json:",omitempty"`
}

// JobChunk is the elements Lo to Hi-1 of a workload, encoded as one []T.
type JobChunk struct {
	Lo, Hi  int
	Data    []byte    `json:",omitempty"`
	DataRef frame.Ref `json:",omitempty"` // Data as a blob of the frame (see blobs.go)
}

// Outcome is the result of a Job, or the failures. Chunks hold the results
// of the job's chunks in order when no mirror failed (a chunk stopped
// because the answer was known elsewhere has none).
//
// For anySatisfy, allSatisfy and noneSatisfy, Decided says an element settled
// the answer (any: a match; all: a mismatch; none: a match), after which the
// other mirrors were stopped.
type Outcome struct {
	Chunks   []ChunkOutcome
	Decided  bool
	Failures []Failure
	Mirrors  int // how many mirrors ran
	// Placement lists the pool's mirrors, for OpMirrors.
	Placement []Placement `json:",omitempty"`
}

// Placement says where one mirror of the pool runs and what it does.
type Placement struct {
	Node     string // the host it runs on
	Launcher string // "local" or "slurm"
	Process  string // "pid N" for a local mirror, "step JOB.STEP" for a Slurm one
	State    string // idle, busy or ended
}

// ChunkOutcome is the result of one chunk. Outputs is one encoded []O with
// an output per element of the chunk, O being the op's output type:
//   - collect, flatCollect, createMirror: the result of the block;
//   - collectThenSelect, collectThenReject, selectThenCollect,
//     rejectThenCollect: the result of the collecting block where the
//     element is kept (Flags), the zero value elsewhere;
//   - groupedBy: the key;
//   - select, reject and the predicate ops have no outputs.
//
// Flags say which elements are kept, for the filtering ops.
type ChunkOutcome struct {
	Lo, Hi     int
	Outputs    []byte    `json:",omitempty"`
	OutputsRef frame.Ref `json:",omitempty"` // Outputs as a blob of the frame (see blobs.go)
	Flags      []bool
}

// Failure kinds.
const (
	KindPanic       = "panic"
	KindError       = "error"
	KindCrash       = "crash"
	KindKilled      = "killed"
	KindTimeout     = "timeout"
	KindOutOfMemory = "out of memory"
)

// Failure is one failed mirror, as DMirror's post-mortem debugger shows it.
type Failure struct {
	Mirror  int    // which mirror (1-based)
	Node    string `json:",omitempty"` // the node of a mirror placed by Slurm
	Index   int    // position of the failing element in the workload, -1 if unknown
	Element string // the element, printed
	Kind    string // panic, error, crash, killed, timeout, out of memory
	Message string
	Frames  []Frame // innermost first
	Output  string  // the last output of the mirror, for crashes
}

// Frame is one interpreted stack frame at the failure.
type Frame struct {
	Func   string
	Pos    string // cell[N] line L col C
	Locals []Local
	// Compiled marks a frame of the session's compiled declarations, read
	// from the Go stack at the panic: it has no locals.
	Compiled bool `json:",omitempty"`
}

// Local is a local variable of a frame, printed.
type Local struct {
	Name  string
	Type  string
	Value string
}

package mirror

import (
	"github.com/dmirror/dmirror/interp/frame"
	"github.com/dmirror/dmirror/interp/modules"
)

// Messages between the kernel's pool and a mirror, over frame.Conn.
const (
	msgRun      = "run"      // pool → mirror: runMsg, run one chunk
	msgCancel   = "cancel"   // pool → mirror: stop the running chunk
	msgSplit    = "split"    // pool → mirror: give away the rest of the running chunk
	msgRest     = "rest"     // mirror → pool: restMsg, the answer to a split
	msgOutput   = "output"   // mirror → pool: outputMsg, text a block printed
	msgProgress = "progress" // mirror → pool: progressMsg
	msgDisplay  = "display"  // mirror → pool: displayMsg, a bundle a block displayed
	msgResult   = "result"   // mirror → pool: resultMsg, the chunk is over
)

// runMsg is one chunk of a Job, with the declarations the mirror has not
// seen yet.
type runMsg struct {
	Generation int
	Rebuild    bool     // start from a fresh interpreter and replay Decls
	Base       int      // how many chunks of the declaration log the mirror already has
	Decls      []string // the chunks from Base on
	Op         string
	Blocks     []JobBlock
	Globals    map[string][]byte
	Data       []byte    `json:",omitempty"` // the chunk's elements, one encoded []T
	DataRef    frame.Ref `json:",omitempty"` // Data as a blob of the frame
	Offset     int       // position of the chunk's first element in the workload
	Mirror     int
	Modules    []modules.Module  `json:",omitempty"` // the session's modules
	Gen        string            `json:",omitempty"` // the compiled declarations (Decls.Gen)
	Ptrs       map[string]string `json:",omitempty"` // Decls.Ptrs
}

type outputMsg struct {
	Stream string
	Text   string
}

type displayMsg struct {
	Data     map[string]any
	Metadata map[string]any `json:",omitempty"`
	ID       string         `json:",omitempty"`
	Update   bool           `json:",omitempty"`
}

// restMsg answers msgSplit: the elements Lo to Hi-1 of the workload, which
// the chunk gave away and no longer covers, encoded as one []T in Data; Lo
// == Hi when nothing was given. Done is how many elements of the chunk were
// done at the time.
type restMsg struct {
	Done    int
	Lo, Hi  int
	Data    []byte    `json:",omitempty"`
	DataRef frame.Ref `json:",omitempty"`
}

type progressMsg struct {
	Done int // elements of the chunk done so far
	// Last says the chunk has started its last elements (it calls back
	// no more): the kernel may fetch work for the mirror's next chunk.
	Last bool `json:",omitempty"`
}

// resultMsg ends a chunk. Outputs (one encoded []O, see ChunkOutcome) and
// Flags are indexed like the chunk's elements; Stopped says the chunk was
// cancelled before its end.
type resultMsg struct {
	Outputs    []byte    `json:",omitempty"`
	OutputsRef frame.Ref `json:",omitempty"`
	Flags      []bool
	Decided    bool
	Stopped    bool
	Failure    *Failure
	// Generation and Seen are the mirror's declaration state afterwards
	// (Seen -1 when it must rebuild next time).
	Generation int
	Seen       int
}

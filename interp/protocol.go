package interp

import (
	"github.com/dmirror/dmirror/interp/frontend"
	"github.com/dmirror/dmirror/interp/modules"
	"github.com/dmirror/dmirror/kernel/engine"
)

// Frame types between the Session (kernel) and the image process.
const (
	// kernel → image
	msgInit        = "init"        // initMsg; answered by msgReady
	msgRun         = "run"         // runMsg; answered by msgDone with the same ID
	msgCancel      = "cancel"      // cancels the run with the same ID
	msgInputReply  = "input_reply" // inputReplyMsg, answers msgInput
	msgJobReply    = "job_reply"   // jobReplyMsg, answers msgJob
	msgFlushOutput = "flush"       // asks the image to flush buffered output now

	// image → kernel
	msgReady   = "ready"   // readyMsg
	msgStream  = "stream"  // streamMsg
	msgDisplay = "display" // displayMsg
	msgClear   = "clear"   // clearMsg
	msgInput   = "input"   // inputMsg, an exchange: the ID pairs the reply
	msgJob     = "job"     // jobMsg, an exchange: the ID pairs the reply
	msgDone    = "done"    // doneMsg
)

// initMsg (re)builds the image: a fresh interpreter, the session's
// declarations, then the committed values.
type initMsg struct {
	Decls  string
	Vars   []frontend.Var
	Values map[string][]byte
	Blocks []frontend.Block
	// Modules are the session's modules, whose packages Decls may import.
	Modules []modules.Module `json:",omitempty"`
	// Gen is the plugin of the committed generation of compiled
	// declarations, whose symbols Decls import; "" for none.
	Gen string `json:",omitempty"`
}

// readyMsg answers initMsg. Reset names the variables that could not be
// restored (and were left at their zero value), with the reason.
type readyMsg struct {
	Reset []string
	Err   string
}

// runMsg runs one cell.
type runMsg struct {
	Plan *frontend.Plan
	// SameVars says that Plan.Vars, left out, are the image's variables.
	SameVars   bool `json:",omitempty"`
	AllowStdin bool
	// Modules are the session's modules, including those the cell imports.
	Modules []modules.Module `json:",omitempty"`
	// Gen is the plugin of Plan.Generation, built for the image process's
	// binary.
	Gen string `json:",omitempty"`
}

// doneMsg ends a run.
type doneMsg struct {
	Data     engine.Bundle `json:",omitempty"`
	Metadata engine.Bundle `json:",omitempty"`
	Error    *engine.Error `json:",omitempty"`
	// Values holds the encoded values of the variables the cell touched or
	// added, on success.
	Values map[string][]byte `json:",omitempty"`
	// Live names the variables whose values cannot be encoded: they exist
	// only in the image process and are lost if it dies.
	Live []string `json:",omitempty"`
	// Restart asks the kernel to replace the image process (and restore the
	// committed image): after a cell stopped for memory, it still holds
	// memory it cannot free.
	Restart bool `json:",omitempty"`
	// Stuck says why Restart is set: the interrupted cell still runs
	// compiled declarations, which nothing else can stop.
	Stuck bool `json:",omitempty"`
}

// streamMsg is output of a cell.
type streamMsg struct {
	Cell int
	Name string // stdout or stderr
	Text string
}

type displayMsg struct {
	Cell      int
	Data      engine.Bundle
	Metadata  engine.Bundle
	DisplayID string
	Update    bool
}

type clearMsg struct {
	Cell int
	Wait bool
}

type inputMsg struct {
	Prompt   string
	Password bool
}

type inputReplyMsg struct {
	Value string
	// NoStdin is set when the front end does not allow input; Err holds any
	// other failure.
	NoStdin bool
	Err     string
}

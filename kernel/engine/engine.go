// Package engine is the contract between the Jupyter protocol layer (package
// kernel) and the code that runs cells (package interp). The protocol can be
// served and tested with a fake engine, and an engine can run without ZeroMQ,
// as `dmirror run` does for headless notebooks.
package engine

import (
	"context"
	"errors"
	"strings"
)

// Bundle is a MIME bundle: MIME type to data, as in display_data and
// execute_result. Text types hold strings, JSON types hold decoded JSON
// values, binary types (image/png) hold base64 strings.
type Bundle = map[string]any

// ErrNoStdin is returned by Sink.Input when the front end does not accept
// input requests (allow_stdin false, as in nbclient and dmirror run).
var ErrNoStdin = errors.New("reading stdin is not supported: the front end does not allow input requests")

// ExecuteRequest is one cell to run.
type ExecuteRequest struct {
	Code         string
	Count        int // execution count of this cell, the n of In[n]; names it in tracebacks as cell[n]
	Silent       bool
	StoreHistory bool
	AllowStdin   bool
}

// Sink receives what a running cell produces, in the order it is produced.
// Implementations are safe for concurrent use: output of goroutines and of
// mirrors arrives from many goroutines.
type Sink interface {
	// Stream appends text to the cell's "stdout" or "stderr".
	Stream(name, text string)
	// Display shows a bundle (display_data), or replaces an earlier one with
	// the same non-empty displayID when update is set (update_display_data).
	Display(data, metadata Bundle, displayID string, update bool)
	// ClearOutput clears the cell's output, at once or, with wait, when the
	// next output arrives.
	ClearOutput(wait bool)
	// Input asks the user for a line (input_request). It returns ErrNoStdin
	// at once when the front end does not allow it.
	Input(ctx context.Context, prompt string, password bool) (string, error)
}

// Error is a failed cell as Jupyter shows it: ename, evalue, traceback.
type Error struct {
	Name      string   // specific: CompileError, Panic, Interrupted, StackOverflow, MirrorError, ...
	Value     string   // one line
	Traceback []string // lines naming the cell and line, e.g. "cell[3] line 2: ..."
}

func (e *Error) Error() string {
	if len(e.Traceback) > 0 {
		return e.Name + ": " + e.Value + "\n" + strings.Join(e.Traceback, "\n")
	}
	return e.Name + ": " + e.Value
}

// Result is the outcome of a cell. Exactly one of Data (possibly nil: a cell
// without a value) and Error describes it.
type Result struct {
	Data     Bundle // execute_result; nil when the cell has no value
	Metadata Bundle
	Error    *Error
	// Payload holds execute_reply payloads, such as {"source": "page", "data": {...}, "start": 0}.
	Payload []map[string]any
}

// Completion answers complete_request. Cursor positions are in Unicode code
// points, as the protocol (5.2+) says.
type Completion struct {
	Matches     []string
	CursorStart int
	CursorEnd   int
	Metadata    map[string]any
}

// Inspection answers inspect_request.
type Inspection struct {
	Found bool
	Data  Bundle
}

// Completeness answers is_complete_request: Status is complete, incomplete,
// invalid or unknown; Indent is set only when incomplete.
type Completeness struct {
	Status string
	Indent string
}

// Engine runs cells and answers the requests that look at code. Execute
// calls are serialized by the caller; Complete, Inspect and IsComplete may be
// called at any time, also while Execute runs, and must answer quickly.
type Engine interface {
	// Execute runs one cell. Cancelling ctx interrupts it: the cell ends with
	// an Interrupted error within about a second, and the image survives.
	Execute(ctx context.Context, req ExecuteRequest, out Sink) Result
	Complete(code string, cursor int) Completion
	Inspect(code string, cursor int, detailLevel int) Inspection
	IsComplete(code string) Completeness
	// Close stops every child process and goroutine of the engine and waits
	// for them.
	Close() error
}

package kernel_test

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"sync"

	"github.com/dmirror/dmirror/kernel/engine"
)

// fakeEngine runs a tiny command language so protocol tests can make a cell
// do what they need, one command per line:
//
//	out TEXT / err TEXT   a line on stdout / stderr
//	spam N                N writes of "line i\n" on stdout
//	result TEXT           the cell's value (text/plain)
//	fail NAME VALUE       the cell fails
//	block                 wait until interrupted (reports on started)
//	input PROMPT          read a line and print it
//	display ID TEXT / update ID TEXT / clear / clearwait
//	displays N            N display_data messages (never coalesced)
//	late TEXT             a goroutine prints TEXT after release is closed
//	page TEXT             a pager payload
//	panic                 the engine itself panics
type fakeEngine struct {
	started chan int      // count of a cell that reached "block"
	release chan struct{} // lets "late" goroutines print
	once    sync.Once
	wg      sync.WaitGroup
}

func newFakeEngine() *fakeEngine {
	return &fakeEngine{started: make(chan int, 16), release: make(chan struct{})}
}

func (e *fakeEngine) Execute(ctx context.Context, req engine.ExecuteRequest, out engine.Sink) engine.Result {
	var res engine.Result
	for _, line := range strings.Split(req.Code, "\n") {
		cmd, arg, _ := strings.Cut(strings.TrimSpace(line), " ")
		switch cmd {
		case "", "#":
		case "out":
			out.Stream("stdout", arg+"\n")
		case "err":
			out.Stream("stderr", arg+"\n")
		case "spam":
			n, _ := strconv.Atoi(arg)
			for i := range n {
				out.Stream("stdout", "line "+strconv.Itoa(i)+"\n")
			}
		case "result":
			res.Data = engine.Bundle{"text/plain": arg}
		case "fail":
			name, value, _ := strings.Cut(arg, " ")
			return engine.Result{Error: &engine.Error{Name: name, Value: value, Traceback: []string{fmt.Sprintf("cell[%d] line 1: %s", req.Count, value)}}}
		case "block":
			e.started <- req.Count
			<-ctx.Done()
			return engine.Result{Error: &engine.Error{Name: "Interrupted", Value: "interrupted"}}
		case "input":
			v, err := out.Input(ctx, arg, false)
			if err != nil {
				out.Stream("stderr", "input: "+err.Error()+"\n")
				continue
			}
			out.Stream("stdout", "got "+v+"\n")
		case "displays":
			n, _ := strconv.Atoi(arg)
			for i := range n {
				out.Display(engine.Bundle{"text/plain": strconv.Itoa(i)}, nil, "", false)
			}
		case "display", "update":
			id, text, _ := strings.Cut(arg, " ")
			out.Display(engine.Bundle{"text/plain": text}, nil, id, cmd == "update")
		case "clear", "clearwait":
			out.ClearOutput(cmd == "clearwait")
		case "late":
			e.wg.Go(func() {
				<-e.release
				out.Stream("stdout", arg+"\n")
			})
		case "page":
			res.Payload = append(res.Payload, map[string]any{"source": "page", "data": map[string]any{"text/plain": arg}, "start": 0})
		case "panic":
			panic("fake engine panic")
		default:
			return engine.Result{Error: &engine.Error{Name: "CompileError", Value: "unknown command " + cmd}}
		}
	}
	return res
}

func (e *fakeEngine) Complete(code string, cursor int) engine.Completion {
	if strings.HasSuffix(code[:min(len(code), cursor)], "fmt.Pr") {
		return engine.Completion{Matches: []string{"fmt.Print", "fmt.Printf", "fmt.Println"}, CursorStart: cursor - 6, CursorEnd: cursor}
	}
	return engine.Completion{}
}

func (e *fakeEngine) Inspect(code string, cursor, detail int) engine.Inspection {
	if strings.Contains(code, "fmt.Println") {
		return engine.Inspection{Found: true, Data: engine.Bundle{"text/plain": "func fmt.Println(a ...any) (n int, err error)"}}
	}
	return engine.Inspection{}
}

func (e *fakeEngine) IsComplete(code string) engine.Completeness {
	switch {
	case strings.HasPrefix(code, "func )"):
		return engine.Completeness{Status: "invalid", Indent: "ignored"}
	case strings.HasSuffix(code, "{"):
		return engine.Completeness{Status: "incomplete", Indent: "\t"}
	}
	return engine.Completeness{Status: "complete", Indent: "ignored"}
}

// releaseLate lets the "late" goroutines print.
func (e *fakeEngine) releaseLate() { e.once.Do(func() { close(e.release) }) }

// Close waits for the "late" goroutines, releasing them first.
func (e *fakeEngine) Close() error {
	e.releaseLate()
	e.wg.Wait()
	return nil
}

package kernel

import (
	"context"
	"errors"
	"fmt"

	"github.com/dmirror/dmirror/kernel/engine"
)

type executeRequest struct {
	Code         string `json:"code"`
	Silent       bool   `json:"silent"`
	StoreHistory *bool  `json:"store_history"`
	AllowStdin   bool   `json:"allow_stdin"`
	StopOnError  *bool  `json:"stop_on_error"`
}

type executeReply struct {
	Status          string           `json:"status"`
	ExecutionCount  int              `json:"execution_count"`
	UserExpressions map[string]any   `json:"user_expressions"`
	Payload         []map[string]any `json:"payload"`
	*cellError                       // set when Status is "error"
}

// cellError holds the fields of an error reply; the traceback is never null.
type cellError struct {
	Ename     string   `json:"ename"`
	Evalue    string   `json:"evalue"`
	Traceback []string `json:"traceback"`
}

func newCellError(ename, evalue string, tb []string) *cellError {
	if tb == nil {
		tb = []string{}
	}
	return &cellError{Ename: ename, Evalue: evalue, Traceback: tb}
}

// executor runs queued cells one at a time until ctx ends. count is the
// execution counter, owned by this goroutine.
func (k *kernel) executor(ctx context.Context) {
	count := 0
	for {
		req, ok := k.queue.pop(ctx)
		if !ok {
			return
		}
		for _, r := range k.execute(ctx, req, &count) {
			k.abort(req, r, count)
		}
	}
}

// execute runs one cell: busy, execute_input, outputs, execute_result or
// error, execute_reply, idle. When the cell fails and the request asks to
// stop on error, it returns the requests that were queued behind it, taken
// off the queue before the reply goes out: a request sent after the client
// saw the failure is not aborted.
func (k *kernel) execute(ctx context.Context, req *Message, count *int) (aborted []*Message) {
	k.publishStatus(req, "busy")
	defer k.publishStatus(req, "idle")

	var in executeRequest
	if err := decodeContent(req, &in); err != nil {
		k.log.Warn("bad execute_request", "err", err)
		k.replyExecute(req, executeReply{Status: "error", ExecutionCount: *count, UserExpressions: map[string]any{},
			Payload: []map[string]any{}, cellError: newCellError("BadRequest", err.Error(), nil)})
		return nil
	}
	store := !in.Silent && (in.StoreHistory == nil || *in.StoreHistory)
	stopOnError := in.StopOnError == nil || *in.StopOnError
	if store {
		*count++
	}
	n := *count
	// The cell can be interrupted from here on: a client that saw
	// execute_input and interrupts must reach this cell.
	cellCtx, cancel := context.WithCancel(ctx)
	defer cancel()
	k.setRunning(cancel)
	defer k.setRunning(nil)
	if !in.Silent {
		k.publish(req, "execute_input", map[string]any{"code": in.Code, "execution_count": n})
	}

	sink := newCellSink(k, req, in.AllowStdin, in.Silent)
	res := k.runCell(cellCtx, engine.ExecuteRequest{
		Code: in.Code, Count: n, Silent: in.Silent, StoreHistory: store, AllowStdin: in.AllowStdin,
	}, sink)
	// Output written before Execute returned goes out before the result.
	sink.flush()
	reply, output := k.publishOutcome(req, n, in.Silent, res)
	if res.Error != nil && stopOnError {
		aborted = k.queue.drain()
	}
	if store {
		k.history.add(n, in.Code, output)
	}
	k.replyExecute(req, reply)
	return aborted
}

// publishOutcome publishes the cell's error or execute_result (unless the
// cell is silent) and returns the execute_reply and the result's text for
// history.
func (k *kernel) publishOutcome(req *Message, n int, silent bool, res engine.Result) (executeReply, *string) {
	reply := executeReply{Status: "ok", ExecutionCount: n, UserExpressions: map[string]any{}, Payload: res.Payload}
	if reply.Payload == nil {
		reply.Payload = []map[string]any{}
	}
	if e := res.Error; e != nil {
		ce := newCellError(e.Name, e.Value, e.Traceback)
		if !silent {
			k.publish(req, "error", ce)
		}
		reply.Status, reply.Payload, reply.cellError = "error", []map[string]any{}, ce
		return reply, nil
	}
	if res.Data == nil {
		return reply, nil
	}
	if !silent {
		md := res.Metadata
		if md == nil {
			md = engine.Bundle{}
		}
		k.publish(req, "execute_result", map[string]any{"execution_count": n, "data": res.Data, "metadata": md})
	}
	if s, ok := res.Data["text/plain"].(string); ok {
		return reply, &s
	}
	return reply, nil
}

// runCell calls the engine with ctx, which interrupt_request and SIGINT
// cancel. A panic in the engine fails the cell instead of the kernel.
func (k *kernel) runCell(ctx context.Context, req engine.ExecuteRequest, sink engine.Sink) (res engine.Result) {
	defer func() {
		if r := recover(); r != nil {
			k.log.Error("engine panicked", "panic", r)
			res = engine.Result{Error: &engine.Error{Name: "KernelError", Value: fmt.Sprintf("the engine failed: %v", r)}}
		}
	}()
	return k.eng.Execute(ctx, req, sink)
}

func (k *kernel) replyExecute(req *Message, r executeReply) {
	if err := k.reply(k.sock.shell, req, "execute_reply", r); err != nil && !errors.Is(err, errClosed) {
		k.log.Error("execute_reply failed", "err", err)
	}
}

// abort answers a queued execute request without running it, because the
// cell failed before it (stop_on_error).
func (k *kernel) abort(failed, req *Message, count int) {
	k.publishStatus(req, "busy")
	k.replyExecute(req, executeReply{
		Status: "error", ExecutionCount: count, UserExpressions: map[string]any{}, Payload: []map[string]any{},
		cellError: newCellError("Aborted", "not run: an earlier cell failed ("+failed.Header.MsgID+")", nil),
	})
	k.publishStatus(req, "idle")
}

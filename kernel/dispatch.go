package kernel

import (
	"errors"
	"fmt"
)

// handleShell answers a shell request. Execute requests are queued for the
// executor; everything else is answered here, at once, even while a cell
// runs.
func (k *kernel) handleShell(c *channel, req *Message) {
	if req.Header.MsgType == "execute_request" {
		k.queue.push(req)
		return
	}
	k.dispatch(c, req)
}

// handleControl answers a control request. It never waits for the executor.
func (k *kernel) handleControl(c *channel, req *Message) {
	if req.Header.MsgType == "execute_request" {
		k.log.Warn("ignored execute_request on the control channel", "msg_id", req.Header.MsgID)
		return
	}
	k.dispatch(c, req)
}

// handlers are the requests answered outside the executor. Each runs inside
// the busy/idle envelope of its request and replies on the socket the
// request came on.
var handlers = map[string]func(k *kernel, c *channel, req *Message) error{
	"kernel_info_request": (*kernel).kernelInfo,
	"complete_request":    (*kernel).complete,
	"inspect_request":     (*kernel).inspect,
	"is_complete_request": (*kernel).isComplete,
	"history_request":     (*kernel).historyRequest,
	"comm_info_request":   (*kernel).commInfo,
	"comm_open":           (*kernel).commOpen,
	"comm_msg":            (*kernel).commIgnore,
	"comm_close":          (*kernel).commIgnore,
	"shutdown_request":    (*kernel).shutdown,
	"interrupt_request":   (*kernel).interruptRequest,
}

func (k *kernel) dispatch(c *channel, req *Message) {
	h, ok := handlers[req.Header.MsgType]
	if !ok {
		k.log.Info("ignored unknown message type", "socket", c.name, "msg_type", req.Header.MsgType, "msg_id", req.Header.MsgID)
		return
	}
	k.publishStatus(req, "busy")
	if err := k.guard(func() error { return h(k, c, req) }); err != nil {
		k.log.Error("request failed", "msg_type", req.Header.MsgType, "msg_id", req.Header.MsgID, "err", err)
	}
	k.publishStatus(req, "idle")
}

// guard turns a panic in a handler (or in the engine it calls) into an
// error, so one bad request cannot take the kernel down.
func (k *kernel) guard(f func() error) (err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("panic: %v", r)
		}
	}()
	return f()
}

// reply sends a reply to req on c, the socket req came on.
func (k *kernel) reply(c *channel, req *Message, msgType string, content any) error {
	m, err := NewMessage(k.session, username, msgType, req, content)
	if err != nil {
		return err
	}
	return c.send(m)
}

// publish sends a message on iopub, with req as its parent (nil for none).
func (k *kernel) publish(req *Message, msgType string, content any) {
	m, err := NewMessage(k.session, username, msgType, req, content)
	if err == nil {
		m.Identities = nil
		err = k.sock.iopub.send(m)
	}
	if err != nil && !errors.Is(err, errClosed) {
		k.log.Error("publish failed", "msg_type", msgType, "err", err)
	}
}

func (k *kernel) publishStatus(req *Message, state string) {
	k.publish(req, "status", map[string]string{"execution_state": state})
}

// errorContent is the status-error reply of a request that failed.
type errorContent struct {
	Status    string   `json:"status"`
	Ename     string   `json:"ename"`
	Evalue    string   `json:"evalue"`
	Traceback []string `json:"traceback"`
}

func errorReply(ename string, err error) errorContent {
	return errorContent{Status: "error", Ename: ename, Evalue: err.Error(), Traceback: []string{}}
}

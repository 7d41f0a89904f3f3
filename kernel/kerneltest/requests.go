package kerneltest

import (
	"context"
	"strings"

	"github.com/dmirror/dmirror/kernel"
)

// ExecuteContent is the content of a default execute_request: stored in
// history, stdin not allowed, stop on error. Tests change fields and pass
// it to ExecuteWith.
func ExecuteContent(code string) map[string]any {
	return map[string]any{
		"code": code, "silent": false, "store_history": true,
		"user_expressions": map[string]any{}, "allow_stdin": false, "stop_on_error": true,
	}
}

// Execute runs code and returns its reply and iopub messages.
func (c *Client) Execute(ctx context.Context, code string) (*Result, error) {
	return c.ExecuteWith(ctx, ExecuteContent(code))
}

// ExecuteWith sends an execute_request with the given content.
func (c *Client) ExecuteWith(ctx context.Context, content map[string]any) (*Result, error) {
	return c.Request(ctx, Shell, "execute_request", content)
}

// Complete sends complete_request with the cursor at cursor (code points).
func (c *Client) Complete(ctx context.Context, code string, cursor int) (*Result, error) {
	return c.Request(ctx, Shell, "complete_request", map[string]any{"code": code, "cursor_pos": cursor})
}

// Inspect sends inspect_request.
func (c *Client) Inspect(ctx context.Context, code string, cursor, detail int) (*Result, error) {
	return c.Request(ctx, Shell, "inspect_request", map[string]any{"code": code, "cursor_pos": cursor, "detail_level": detail})
}

// IsComplete sends is_complete_request.
func (c *Client) IsComplete(ctx context.Context, code string) (*Result, error) {
	return c.Request(ctx, Shell, "is_complete_request", map[string]any{"code": code})
}

// History sends history_request with the given content (hist_access_type,
// n, session, start, stop, pattern, unique, output, raw).
func (c *Client) History(ctx context.Context, content map[string]any) (*Result, error) {
	return c.Request(ctx, Shell, "history_request", content)
}

// KernelInfo sends kernel_info_request on ch.
func (c *Client) KernelInfo(ctx context.Context, ch Channel) (*Result, error) {
	return c.Request(ctx, ch, "kernel_info_request", map[string]any{})
}

// Interrupt sends interrupt_request on control.
func (c *Client) Interrupt(ctx context.Context) (*Result, error) {
	return c.Request(ctx, Control, "interrupt_request", map[string]any{})
}

// Shutdown sends shutdown_request on ch (Control, or the deprecated Shell).
func (c *Client) Shutdown(ctx context.Context, ch Channel, restart bool) (*Result, error) {
	return c.Request(ctx, ch, "shutdown_request", map[string]any{"restart": restart})
}

// InputRequest waits for the input_request that answers the execute
// request execID on stdin.
func (c *Client) InputRequest(ctx context.Context, execID string) (*kernel.Message, error) {
	return c.Reply(ctx, Stdin, execID)
}

// InputReply answers an input_request. A nil req sends the reply with an
// empty parent header, as jupyter_client's input() does.
func (c *Client) InputReply(req *kernel.Message, value string) error {
	m, err := kernel.NewMessage(c.session, "kerneltest", "input_reply", req, map[string]any{"value": value})
	if err != nil {
		return err
	}
	m.Identities = nil
	return c.SendMessage(Stdin, m)
}

// Status is the reply's content status ("ok", "error", ...).
func (r *Result) Status() string {
	s, _ := Fields(r.Reply)["status"].(string)
	return s
}

// Outputs returns the iopub messages other than status and execute_input,
// in order.
func (r *Result) Outputs() []*kernel.Message {
	var out []*kernel.Message
	for _, m := range r.IOPub {
		if t := m.Header.MsgType; t != "status" && t != "execute_input" {
			out = append(out, m)
		}
	}
	return out
}

// Of returns the iopub messages of msgType.
func (r *Result) Of(msgType string) []*kernel.Message {
	var out []*kernel.Message
	for _, m := range r.IOPub {
		if m.Header.MsgType == msgType {
			out = append(out, m)
		}
	}
	return out
}

// Stream returns the concatenated text of the stream name ("stdout" or
// "stderr").
func (r *Result) Stream(name string) string {
	var b strings.Builder
	for _, m := range r.Of("stream") {
		f := Fields(m)
		if f["name"] == name {
			s, _ := f["text"].(string)
			b.WriteString(s)
		}
	}
	return b.String()
}

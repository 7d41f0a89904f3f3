package kernel

import (
	"encoding/json"
	"fmt"

	"github.com/dmirror/dmirror/kernel/engine"
)

// decodeContent unmarshals a request's content into v.
func decodeContent(req *Message, v any) error {
	if err := json.Unmarshal(object(req.Content), v); err != nil {
		return fmt.Errorf("%s content: %w", req.Header.MsgType, err)
	}
	return nil
}

type completeReply struct {
	Status      string         `json:"status"`
	Matches     []string       `json:"matches"`
	CursorStart int            `json:"cursor_start"`
	CursorEnd   int            `json:"cursor_end"`
	Metadata    map[string]any `json:"metadata"`
}

func (k *kernel) complete(c *channel, req *Message) error {
	var in struct {
		Code      string `json:"code"`
		CursorPos *int   `json:"cursor_pos"`
	}
	if err := decodeContent(req, &in); err != nil {
		return k.replyError(c, req, "complete_reply", "BadRequest", err)
	}
	cursor := cursorOr(in.CursorPos, in.Code)
	var got engine.Completion
	if err := k.guard(func() error { got = k.eng.Complete(in.Code, cursor); return nil }); err != nil {
		return k.replyError(c, req, "complete_reply", "EngineError", err)
	}
	out := completeReply{Status: "ok", Matches: got.Matches, CursorStart: got.CursorStart, CursorEnd: got.CursorEnd, Metadata: got.Metadata}
	if out.Matches == nil {
		out.Matches = []string{}
	}
	if out.Metadata == nil {
		out.Metadata = map[string]any{}
	}
	if len(out.Matches) == 0 {
		out.CursorStart, out.CursorEnd = cursor, cursor
	}
	return k.reply(c, req, "complete_reply", out)
}

// cursorOr returns the cursor position, or the end of code (in code points)
// when the request has none.
func cursorOr(pos *int, code string) int {
	if pos != nil {
		return *pos
	}
	return len([]rune(code))
}

type inspectReply struct {
	Status   string         `json:"status"`
	Found    bool           `json:"found"`
	Data     engine.Bundle  `json:"data"`
	Metadata map[string]any `json:"metadata"`
}

func (k *kernel) inspect(c *channel, req *Message) error {
	var in struct {
		Code        string `json:"code"`
		CursorPos   *int   `json:"cursor_pos"`
		DetailLevel int    `json:"detail_level"`
	}
	if err := decodeContent(req, &in); err != nil {
		return k.replyError(c, req, "inspect_reply", "BadRequest", err)
	}
	var got engine.Inspection
	cursor := cursorOr(in.CursorPos, in.Code)
	if err := k.guard(func() error { got = k.eng.Inspect(in.Code, cursor, in.DetailLevel); return nil }); err != nil {
		return k.replyError(c, req, "inspect_reply", "EngineError", err)
	}
	out := inspectReply{Status: "ok", Found: got.Found, Data: got.Data, Metadata: map[string]any{}}
	if out.Data == nil || !out.Found {
		out.Data = engine.Bundle{}
	}
	return k.reply(c, req, "inspect_reply", out)
}

type isCompleteReply struct {
	Status string `json:"status"`
	Indent string `json:"indent,omitempty"`
}

func (k *kernel) isComplete(c *channel, req *Message) error {
	var in struct {
		Code string `json:"code"`
	}
	if err := decodeContent(req, &in); err != nil {
		return k.replyError(c, req, "is_complete_reply", "BadRequest", err)
	}
	var got engine.Completeness
	if err := k.guard(func() error { got = k.eng.IsComplete(in.Code); return nil }); err != nil {
		k.log.Error("is_complete failed", "err", err)
		got = engine.Completeness{Status: "unknown"}
	}
	out := isCompleteReply{Status: got.Status}
	switch got.Status {
	case "incomplete":
		out.Indent = got.Indent
	case "complete", "invalid", "unknown":
	default:
		out.Status = "unknown"
	}
	return k.reply(c, req, "is_complete_reply", out)
}

// replyError answers req with a status-error reply.
func (k *kernel) replyError(c *channel, req *Message, msgType, ename string, err error) error {
	k.log.Warn("request failed", "msg_type", req.Header.MsgType, "err", err)
	return k.reply(c, req, msgType, errorReply(ename, err))
}

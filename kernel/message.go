package kernel

import (
	"encoding/json"
	"fmt"
	"time"

	"github.com/google/uuid"
)

// ProtocolVersion is the version of the messaging protocol this kernel speaks.
const ProtocolVersion = "5.3"

// dateLayout is ISO 8601 with microseconds: clients parse at most six
// fractional digits, so RFC 3339 with nanoseconds would stay an unparsed string.
const dateLayout = "2006-01-02T15:04:05.000000Z07:00"

// Header is the header of a message.
type Header struct {
	MsgID    string `json:"msg_id"`
	Username string `json:"username"`
	Session  string `json:"session"`
	Date     string `json:"date"`
	MsgType  string `json:"msg_type"`
	Version  string `json:"version"`
}

// Message is one Jupyter message. ParentHeader, Metadata and Content are kept
// as raw JSON so that fields this package does not know survive a round trip:
// a reply's parent header is the request's header, unknown keys included.
type Message struct {
	Identities [][]byte
	Header     Header
	// RawHeader is the header exactly as received; empty for messages built
	// here, which are encoded from Header.
	RawHeader    json.RawMessage
	ParentHeader json.RawMessage
	Metadata     json.RawMessage
	Content      json.RawMessage
	Buffers      [][]byte
}

// headerJSON is the header to copy into the parent_header of a reply.
func (m *Message) headerJSON() (json.RawMessage, error) {
	if len(m.RawHeader) > 0 {
		return m.RawHeader, nil
	}
	b, err := json.Marshal(m.Header)
	if err != nil {
		return nil, fmt.Errorf("encode header: %w", err)
	}
	return b, nil
}

// ParentID returns the msg_id of the parent header, or "" when there is none.
func (m *Message) ParentID() string {
	var p struct {
		MsgID string `json:"msg_id"`
	}
	if len(m.ParentHeader) == 0 || json.Unmarshal(m.ParentHeader, &p) != nil {
		return ""
	}
	return p.MsgID
}

// NewMessage builds a message of msgType in session, with content marshalled
// to JSON. A non-nil parent becomes the parent header, and its identities
// are reused so the message can answer it on a ROUTER socket.
func NewMessage(session, username, msgType string, parent *Message, content any) (*Message, error) {
	body, err := json.Marshal(content)
	if err != nil {
		return nil, fmt.Errorf("encode %s content: %w", msgType, err)
	}
	m := &Message{
		Header: Header{
			MsgID:    uuid.NewString(),
			Username: username,
			Session:  session,
			Date:     time.Now().UTC().Format(dateLayout),
			MsgType:  msgType,
			Version:  ProtocolVersion,
		},
		ParentHeader: json.RawMessage("{}"),
		Metadata:     json.RawMessage("{}"),
		Content:      body,
	}
	if parent != nil {
		ph, err := parent.headerJSON()
		if err != nil {
			return nil, err
		}
		m.ParentHeader = ph
		m.Identities = parent.Identities
	}
	return m, nil
}

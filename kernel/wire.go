package kernel

import (
	"bytes"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
)

// Delimiter separates the routing identities from the message proper.
const Delimiter = "<IDS|MSG>"

// Errors returned by Decode. Use errors.Is; decode errors of one part are
// *DecodeError.
var (
	ErrNoDelimiter  = errors.New("kernel: no " + Delimiter + " delimiter in message")
	ErrBadSignature = errors.New("kernel: bad message signature")
)

// DecodeError reports a malformed part of a message: "frames", "header",
// "parent_header", "metadata" or "content".
type DecodeError struct {
	Part string
	Err  error
}

func (e *DecodeError) Error() string { return "kernel: malformed " + e.Part + ": " + e.Err.Error() }

func (e *DecodeError) Unwrap() error { return e.Err }

// Decode parses the frames of a multipart message:
// identities..., "<IDS|MSG>", signature, header, parent_header, metadata,
// content, buffers.... With a non-empty key the HMAC-SHA256 signature of the
// four JSON parts is verified. The returned message refers to the frames'
// bytes; Decode does not modify them.
func Decode(frames [][]byte, key []byte) (*Message, error) {
	delim := -1
	for i, f := range frames {
		if string(f) == Delimiter {
			delim = i
			break
		}
	}
	if delim < 0 {
		return nil, ErrNoDelimiter
	}
	rest := frames[delim+1:]
	if len(rest) < 5 {
		return nil, &DecodeError{"frames", fmt.Errorf("%d frames after the delimiter, want at least 5", len(rest))}
	}
	if err := verify(key, rest[0], rest[1:5]); err != nil {
		return nil, err
	}
	m := &Message{
		Identities:   frames[:delim:delim],
		RawHeader:    rest[1],
		ParentHeader: rest[2],
		Metadata:     rest[3],
		Content:      rest[4],
	}
	if len(rest) > 5 {
		m.Buffers = rest[5:]
	}
	if err := json.Unmarshal(rest[1], &m.Header); err != nil {
		return nil, &DecodeError{"header", err}
	}
	if m.Header.MsgType == "" {
		return nil, &DecodeError{"header", errors.New("no msg_type")}
	}
	parts := []struct {
		name string
		data json.RawMessage
	}{{"header", m.RawHeader}, {"parent_header", m.ParentHeader}, {"metadata", m.Metadata}, {"content", m.Content}}
	for _, p := range parts {
		if err := checkObject(p.data, p.name == "parent_header" || p.name == "metadata"); err != nil {
			return nil, &DecodeError{p.name, err}
		}
	}
	return m, nil
}

// checkObject accepts a JSON object and, when empty is set, an empty frame
// or null, which some clients send for an empty parent header or metadata.
func checkObject(data []byte, empty bool) error {
	trimmed := bytes.TrimSpace(data)
	if empty && (len(trimmed) == 0 || string(trimmed) == "null") {
		return nil
	}
	if len(trimmed) == 0 {
		return errors.New("empty")
	}
	if trimmed[0] != '{' {
		return errors.New("not a JSON object")
	}
	if !json.Valid(trimmed) {
		return errors.New("invalid JSON")
	}
	return nil
}

// signature returns the signature frame of a message that Decode accepted.
func signature(frames [][]byte) []byte {
	for i, f := range frames {
		if string(f) == Delimiter && i+1 < len(frames) {
			return frames[i+1]
		}
	}
	return nil
}

func verify(key, sig []byte, parts [][]byte) error {
	if len(key) == 0 {
		return nil
	}
	if len(sig) == 0 {
		return fmt.Errorf("%w: missing", ErrBadSignature)
	}
	got := make([]byte, hex.DecodedLen(len(sig)))
	if _, err := hex.Decode(got, sig); err != nil {
		return fmt.Errorf("%w: not hexadecimal", ErrBadSignature)
	}
	if !hmac.Equal(got, mac(key, parts)) {
		return fmt.Errorf("%w: mismatch", ErrBadSignature)
	}
	return nil
}

func mac(key []byte, parts [][]byte) []byte {
	h := hmac.New(sha256.New, key)
	for _, p := range parts {
		h.Write(p)
	}
	return h.Sum(nil)
}

// Encode returns the frames of m, signed with key (unsigned when key is
// empty). Empty or null parent_header, metadata and content become {}.
// Encode does not modify m; the frames share m's identities and buffers.
func Encode(m *Message, key []byte) ([][]byte, error) {
	header := []byte(m.RawHeader)
	if len(header) == 0 {
		var err error
		if header, err = json.Marshal(m.Header); err != nil {
			return nil, fmt.Errorf("kernel: encode header: %w", err)
		}
	}
	parts := [][]byte{header, object(m.ParentHeader), object(m.Metadata), object(m.Content)}
	var sig []byte
	if len(key) > 0 {
		sum := mac(key, parts)
		sig = make([]byte, hex.EncodedLen(len(sum)))
		hex.Encode(sig, sum)
	}
	frames := make([][]byte, 0, len(m.Identities)+6+len(m.Buffers))
	frames = append(frames, m.Identities...)
	frames = append(frames, []byte(Delimiter), sig)
	frames = append(frames, parts...)
	frames = append(frames, m.Buffers...)
	return frames, nil
}

var emptyObject = []byte("{}")

func object(raw json.RawMessage) []byte {
	t := bytes.TrimSpace(raw)
	if len(t) == 0 || string(t) == "null" {
		return emptyObject
	}
	return raw
}

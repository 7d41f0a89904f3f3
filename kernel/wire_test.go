package kernel

import (
	"bufio"
	"bytes"
	"encoding/hex"
	"encoding/json"
	"errors"
	"os"
	"strings"
	"testing"
	"time"
)

type goldenCase struct {
	name    string
	key     []byte
	msgType string
	frames  [][]byte
}

// readGolden parses testdata/wire_golden.txt (see its header).
func readGolden(t testing.TB) []goldenCase {
	t.Helper()
	f, err := os.Open("testdata/wire_golden.txt")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var cases []goldenCase
	sc := bufio.NewScanner(f)
	sc.Buffer(nil, 1<<20)
	for sc.Scan() {
		line := sc.Text()
		switch {
		case strings.HasPrefix(line, "-- ") && strings.HasSuffix(line, " --"):
			cases = append(cases, goldenCase{name: strings.TrimSuffix(strings.TrimPrefix(line, "-- "), " --")})
		case line == "" || strings.HasPrefix(line, "#"):
		case len(cases) == 0:
			t.Fatalf("golden: line outside a case: %q", line)
		default:
			c := &cases[len(cases)-1]
			field, value, _ := strings.Cut(line, ": ")
			field = strings.TrimSuffix(field, ":")
			switch field {
			case "key":
				c.key = []byte(value)
			case "msg_type":
				c.msgType = value
			case "frame":
				c.frames = append(c.frames, []byte(value))
			case "hex":
				b, err := hex.DecodeString(value)
				if err != nil {
					t.Fatalf("golden %s: %v", c.name, err)
				}
				c.frames = append(c.frames, b)
			default:
				t.Fatalf("golden %s: unknown field %q", c.name, field)
			}
		}
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	if len(cases) == 0 {
		t.Fatal("golden: no cases")
	}
	return cases
}

func TestDecodeGolden(t *testing.T) {
	for _, c := range readGolden(t) {
		t.Run(c.name, func(t *testing.T) {
			delim := indexOf(c.frames, Delimiter)
			m, err := Decode(c.frames, c.key)
			if err != nil {
				t.Fatalf("Decode: %v", err)
			}
			if m.Header.MsgType != c.msgType {
				t.Errorf("msg_type = %q, want %q", m.Header.MsgType, c.msgType)
			}
			if len(m.Identities) != delim {
				t.Errorf("%d identities, want %d", len(m.Identities), delim)
			}
			if want := len(c.frames) - delim - 6; len(m.Buffers) != want {
				t.Errorf("%d buffers, want %d", len(m.Buffers), want)
			}
			// Re-encoding the received header reproduces the reference
			// client's frames byte for byte, signature included.
			got, err := Encode(m, c.key)
			if err != nil {
				t.Fatalf("Encode: %v", err)
			}
			if !framesEqual(got, c.frames) {
				t.Errorf("Encode(Decode(frames)) differs:\n got %q\nwant %q", got, c.frames)
			}
		})
	}
}

func TestDecodeKeepsUnknownHeaderKeys(t *testing.T) {
	c := findGolden(t, "execute_request")
	req, err := Decode(c.frames, c.key)
	if err != nil {
		t.Fatal(err)
	}
	reply, err := NewMessage("kernel-session", "k", "execute_reply", req, map[string]int{"execution_count": 1})
	if err != nil {
		t.Fatal(err)
	}
	var parent map[string]any
	if err := json.Unmarshal(reply.ParentHeader, &parent); err != nil {
		t.Fatal(err)
	}
	if _, ok := parent["subshell_id"]; !ok {
		t.Errorf("parent_header lost subshell_id: %s", reply.ParentHeader)
	}
	if parent["msg_id"] != req.Header.MsgID {
		t.Errorf("parent msg_id = %v, want %s", parent["msg_id"], req.Header.MsgID)
	}
	if reply.ParentID() != req.Header.MsgID {
		t.Errorf("ParentID = %q, want %q", reply.ParentID(), req.Header.MsgID)
	}
	if !framesEqual(reply.Identities, req.Identities) {
		t.Errorf("reply identities %q, want %q", reply.Identities, req.Identities)
	}
}

func TestDecodeErrors(t *testing.T) {
	key := []byte("k")
	good := func() [][]byte {
		m, err := NewMessage("s", "u", "kernel_info_request", nil, map[string]any{})
		if err != nil {
			t.Fatal(err)
		}
		m.Identities = [][]byte{[]byte("id")}
		f, err := Encode(m, key)
		if err != nil {
			t.Fatal(err)
		}
		return f
	}
	// resign recomputes the signature after a test changed a JSON part.
	resign := func(f [][]byte) [][]byte {
		i := indexOf(f, Delimiter)
		f[i+1] = []byte(hex.EncodeToString(mac(key, f[i+2:i+6])))
		return f
	}
	tests := []struct {
		name   string
		frames func() [][]byte
		key    []byte
		is     error  // errors.Is target, or nil
		part   string // DecodeError part, or ""
	}{
		{"no frames", func() [][]byte { return nil }, key, ErrNoDelimiter, ""},
		{"no delimiter", func() [][]byte { f := good(); f[1] = []byte("<IDS|MSG"); return f }, key, ErrNoDelimiter, ""},
		{"delimiter last", func() [][]byte { return [][]byte{[]byte("id"), []byte(Delimiter)} }, key, nil, "frames"},
		{"four frames after delimiter", func() [][]byte { return good()[:6] }, key, nil, "frames"},
		{"bad signature", func() [][]byte { f := good(); f[2] = bytes.Repeat([]byte("0"), 64); return f }, key, ErrBadSignature, ""},
		{"missing signature", func() [][]byte { f := good(); f[2] = nil; return f }, key, ErrBadSignature, ""},
		{"signature not hex", func() [][]byte { f := good(); f[2] = []byte("zz"); return f }, key, ErrBadSignature, ""},
		{"short signature", func() [][]byte { f := good(); f[2] = f[2][:10]; return f }, key, ErrBadSignature, ""},
		{"tampered content", func() [][]byte { f := good(); f[6] = []byte(`{"x":1}`); return f }, key, ErrBadSignature, ""},
		{"wrong key", good, []byte("other"), ErrBadSignature, ""},
		{"header not JSON", func() [][]byte { f := good(); f[3] = []byte("{"); return resign(f) }, key, nil, "header"},
		{"header array", func() [][]byte { f := good(); f[3] = []byte("[]"); return resign(f) }, key, nil, "header"},
		{"msg_type number", func() [][]byte { f := good(); f[3] = []byte(`{"msg_type":3}`); return resign(f) }, key, nil, "header"},
		{"msg_type missing", func() [][]byte { f := good(); f[3] = []byte(`{"msg_id":"x"}`); return resign(f) }, key, nil, "header"},
		{"parent string", func() [][]byte { f := good(); f[4] = []byte(`"x"`); return resign(f) }, key, nil, "parent_header"},
		{"metadata invalid", func() [][]byte { f := good(); f[5] = []byte(`{"a":}`); return resign(f) }, key, nil, "metadata"},
		{"content array", func() [][]byte { f := good(); f[6] = []byte(`[1]`); return resign(f) }, key, nil, "content"},
		{"content empty", func() [][]byte { f := good(); f[6] = nil; return resign(f) }, key, nil, "content"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m, err := Decode(tt.frames(), tt.key)
			if err == nil {
				t.Fatalf("Decode succeeded (%+v), want an error", m.Header)
			}
			if tt.is != nil && !errors.Is(err, tt.is) {
				t.Errorf("error %v, want errors.Is %v", err, tt.is)
			}
			var de *DecodeError
			if tt.part != "" && (!errors.As(err, &de) || de.Part != tt.part) {
				t.Errorf("error %v, want a DecodeError for %q", err, tt.part)
			}
		})
	}
}

func TestDecodeAcceptsEmptyParentAndMetadata(t *testing.T) {
	for _, empty := range []string{"", "null", "{}", " {} "} {
		frames := [][]byte{[]byte(Delimiter), nil, []byte(`{"msg_id":"1","msg_type":"kernel_info_request"}`), []byte(empty), []byte(empty), []byte("{}")}
		if _, err := Decode(frames, nil); err != nil {
			t.Errorf("parent/metadata %q: %v", empty, err)
		}
	}
}

func TestEncodeDoesNotMutateAndFillsObjects(t *testing.T) {
	m := &Message{
		Identities: [][]byte{[]byte("a"), []byte("b")},
		Header:     Header{MsgID: "1", MsgType: "status", Version: ProtocolVersion},
		Content:    json.RawMessage(`{"execution_state":"idle"}`),
		Buffers:    [][]byte{[]byte("buf")},
	}
	before, _ := json.Marshal(m)
	frames, err := Encode(m, []byte("key"))
	if err != nil {
		t.Fatal(err)
	}
	after, _ := json.Marshal(m)
	if !bytes.Equal(before, after) {
		t.Errorf("Encode changed its input:\n%s\n%s", before, after)
	}
	if m.ParentHeader != nil || m.Metadata != nil {
		t.Error("Encode set fields of its input")
	}
	want := []string{"a", "b", Delimiter}
	for i, w := range want {
		if string(frames[i]) != w {
			t.Errorf("frame %d = %q, want %q", i, frames[i], w)
		}
	}
	if string(frames[5]) != "{}" || string(frames[6]) != "{}" {
		t.Errorf("parent/metadata = %q, %q, want {} {}", frames[5], frames[6])
	}
	if string(frames[len(frames)-1]) != "buf" {
		t.Errorf("last frame %q, want the buffer", frames[len(frames)-1])
	}
	got, err := Decode(frames, []byte("key"))
	if err != nil {
		t.Fatalf("Decode(Encode(m)): %v", err)
	}
	if got.Header != m.Header {
		t.Errorf("header %+v, want %+v", got.Header, m.Header)
	}
}

func TestEncodeUnsignedWithEmptyKey(t *testing.T) {
	m, err := NewMessage("s", "u", "status", nil, map[string]string{"execution_state": "busy"})
	if err != nil {
		t.Fatal(err)
	}
	frames, err := Encode(m, nil)
	if err != nil {
		t.Fatal(err)
	}
	if len(frames[1]) != 0 {
		t.Errorf("signature %q, want empty", frames[1])
	}
	if _, err := Decode(frames, []byte("k")); !errors.Is(err, ErrBadSignature) {
		t.Errorf("unsigned message with a key: %v, want ErrBadSignature", err)
	}
}

func TestNewMessageHeader(t *testing.T) {
	m, err := NewMessage("sess", "user", "status", nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	h := m.Header
	if h.Session != "sess" || h.Username != "user" || h.MsgType != "status" || h.Version != "5.3" {
		t.Errorf("header %+v", h)
	}
	if len(h.MsgID) != 36 {
		t.Errorf("msg_id %q is not a UUID", h.MsgID)
	}
	if _, err := time.Parse(dateLayout, h.Date); err != nil || !strings.HasSuffix(h.Date, "Z") {
		t.Errorf("date %q: %v", h.Date, err)
	}
	if frac := h.Date[strings.IndexByte(h.Date, '.')+1 : len(h.Date)-1]; len(frac) != 6 {
		t.Errorf("date %q has %d fractional digits, want 6", h.Date, len(frac))
	}
	if string(m.ParentHeader) != "{}" || string(m.Metadata) != "{}" {
		t.Errorf("parent %s metadata %s, want {} {}", m.ParentHeader, m.Metadata)
	}
	other, _ := NewMessage("sess", "user", "status", nil, nil)
	if other.Header.MsgID == h.MsgID {
		t.Error("two messages share a msg_id")
	}
}

func FuzzDecode(f *testing.F) {
	for _, c := range readGolden(f) {
		f.Add(bytes.Join(c.frames, []byte{0}), c.key)
		f.Add(bytes.Join(c.frames, []byte{0}), []byte(nil))
	}
	f.Add([]byte("<IDS|MSG>\x00\x00{}\x00{}\x00{}\x00{}"), []byte(nil))
	f.Fuzz(func(t *testing.T, data, key []byte) {
		frames := bytes.Split(data, []byte{0})
		orig := make([][]byte, len(frames))
		for i, fr := range frames {
			orig[i] = bytes.Clone(fr)
		}
		m, err := Decode(frames, key)
		if !framesEqual(frames, orig) {
			t.Fatal("Decode modified its input")
		}
		if err != nil {
			return
		}
		// A decoded message re-encodes to frames that decode again.
		out, err := Encode(m, key)
		if err != nil {
			t.Fatalf("Encode of a decoded message: %v", err)
		}
		if _, err := Decode(out, key); err != nil {
			t.Fatalf("Decode(Encode(Decode(x))): %v", err)
		}
	})
}

func indexOf(frames [][]byte, s string) int {
	for i, f := range frames {
		if string(f) == s {
			return i
		}
	}
	return -1
}

func framesEqual(a, b [][]byte) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if !bytes.Equal(a[i], b[i]) {
			return false
		}
	}
	return true
}

func findGolden(t *testing.T, name string) goldenCase {
	for _, c := range readGolden(t) {
		if c.name == name {
			return c
		}
	}
	t.Fatalf("no golden case %q", name)
	return goldenCase{}
}

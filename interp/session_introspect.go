package interp

import (
	"strings"
	"unicode/utf8"

	"github.com/dmirror/dmirror/interp/frontend"
	"github.com/dmirror/dmirror/kernel/engine"
)

// introspector is what a Session needs of the frontend to answer
// completion and inspection; *frontend.Image provides it, and answers while
// a cell runs (it never waits for the image process). Cursors are byte
// offsets.
type introspector interface {
	Complete(code string, cursor int) (matches []string, start, end int)
	Inspect(code string, cursor int) (text string, found bool)
}

// Complete answers complete_request. The protocol counts the cursor in
// code points; the frontend in bytes.
func (s *Session) Complete(code string, cursor int) engine.Completion {
	c := engine.Completion{Matches: []string{}, CursorStart: cursor, CursorEnd: cursor, Metadata: map[string]any{}}
	in, ok := s.fe.(introspector)
	if !ok {
		return c
	}
	matches, start, end := in.Complete(code, byteOffset(code, cursor))
	if matches != nil {
		c.Matches = matches
	}
	c.CursorStart, c.CursorEnd = runeOffset(code, start), runeOffset(code, end)
	return c
}

// Inspect answers inspect_request with the signature and documentation of
// the name at the cursor (code points).
func (s *Session) Inspect(code string, cursor, detailLevel int) engine.Inspection {
	in, ok := s.fe.(introspector)
	if !ok {
		return engine.Inspection{}
	}
	text, found := in.Inspect(code, byteOffset(code, cursor))
	if !found {
		return engine.Inspection{}
	}
	return engine.Inspection{Found: true, Data: engine.Bundle{"text/plain": text}}
}

// IsComplete answers is_complete_request.
func (s *Session) IsComplete(code string) engine.Completeness {
	status, indent := frontend.IsComplete(code)
	return engine.Completeness{Status: status, Indent: indent}
}

// pagerQuery recognises a cell asking for help rather than running code:
// `fmt.Println?` or `?fmt.Println`.
func pagerQuery(code string) (string, bool) {
	c := strings.TrimSpace(code)
	if strings.ContainsAny(c, "\n;") {
		return "", false
	}
	var name string
	switch {
	case strings.HasPrefix(c, "?"):
		name = strings.TrimSpace(strings.TrimLeft(c, "?"))
	case strings.HasSuffix(c, "?"):
		name = strings.TrimSpace(strings.TrimRight(c, "?"))
	default:
		return "", false
	}
	if name == "" || strings.ContainsAny(name, " \t?") {
		return "", false
	}
	return name, true
}

// page answers a pager query with the pager payload, as Jupyter's `?` does.
func (s *Session) page(name string, out engine.Sink) engine.Result {
	insp := s.Inspect(name, utf8.RuneCountInString(name), 0)
	if !insp.Found {
		out.Stream("stderr", "no documentation found for "+name+"\n")
		return engine.Result{}
	}
	return engine.Result{Payload: []map[string]any{{"source": "page", "data": insp.Data, "start": 0}}}
}

// byteOffset converts a cursor in code points (the protocol's unit) to a
// byte offset in code, clamped to its length.
func byteOffset(code string, cursor int) int {
	if cursor <= 0 {
		return 0
	}
	i := 0
	for n := 0; n < cursor && i < len(code); n++ {
		_, size := utf8.DecodeRuneInString(code[i:])
		i += size
	}
	return i
}

// runeOffset converts a byte offset in code to code points.
func runeOffset(code string, offset int) int {
	if offset > len(code) {
		offset = len(code)
	}
	if offset < 0 {
		offset = 0
	}
	return utf8.RuneCountInString(code[:offset])
}

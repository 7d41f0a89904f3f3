package interp

import (
	"strings"
	"unicode/utf8"

	"github.com/dmirror/dmirror/kernel/engine"
)

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

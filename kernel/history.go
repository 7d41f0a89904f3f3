package kernel

import (
	"regexp"
	"strings"
	"sync"
	"unicode/utf8"
)

// historySession is the session number of this process's history, the only
// one kept. Requests may also name it 0 ("the current session").
const historySession = 1

// defaultHistoryN is the length of a tail request without n.
const defaultHistoryN = 10

type historyEntry struct {
	line   int
	input  string
	output *string // text/plain of the cell's result, if any
}

// history records the stored cells of this process, for history_request.
type history struct {
	mu      sync.Mutex
	entries []historyEntry
}

func newHistory() *history { return &history{} }

func (h *history) add(line int, input string, output *string) {
	h.mu.Lock()
	h.entries = append(h.entries, historyEntry{line, input, output})
	h.mu.Unlock()
}

func (h *history) snapshot() []historyEntry {
	h.mu.Lock()
	defer h.mu.Unlock()
	return append([]historyEntry(nil), h.entries...)
}

type historyRequest struct {
	Output         bool   `json:"output"`
	Raw            bool   `json:"raw"`
	HistAccessType string `json:"hist_access_type"`
	Session        int    `json:"session"`
	Start          int    `json:"start"`
	Stop           int    `json:"stop"`
	N              *int   `json:"n"`
	Pattern        string `json:"pattern"`
	Unique         bool   `json:"unique"`
}

// query selects entries as the history_request asks: tail (last n), range
// (lines start ≤ line < stop of one session; stop 0 means to the end) or
// search (a glob over inputs; unique keeps the latest of equal inputs, n the
// last n hits).
func (h *history) query(q historyRequest) ([]historyEntry, error) {
	all := h.snapshot()
	n := defaultHistoryN
	if q.N != nil {
		n = *q.N
	}
	switch q.HistAccessType {
	case "tail":
		return lastN(all, n), nil
	case "range":
		if q.Session != 0 && q.Session != historySession {
			return nil, nil
		}
		var out []historyEntry
		for _, e := range all {
			if e.line >= q.Start && (q.Stop <= 0 || e.line < q.Stop) {
				out = append(out, e)
			}
		}
		return out, nil
	case "search":
		pattern := q.Pattern
		if pattern == "" {
			pattern = "*"
		}
		re, err := globRegexp(pattern)
		if err != nil {
			return nil, err
		}
		var out []historyEntry
		for _, e := range all {
			if re.MatchString(e.input) {
				out = append(out, e)
			}
		}
		if q.Unique {
			out = uniqueLatest(out)
		}
		if q.N != nil {
			out = lastN(out, n)
		}
		return out, nil
	}
	return nil, nil
}

func lastN(es []historyEntry, n int) []historyEntry {
	if n < 0 {
		n = 0
	}
	if len(es) > n {
		return es[len(es)-n:]
	}
	return es
}

// uniqueLatest keeps the latest entry of each input, in line order.
func uniqueLatest(es []historyEntry) []historyEntry {
	last := make(map[string]int, len(es))
	for i, e := range es {
		last[e.input] = i
	}
	var out []historyEntry
	for i, e := range es {
		if last[e.input] == i {
			out = append(out, e)
		}
	}
	return out
}

// globRegexp translates a glob with the semantics front ends expect from
// history search (*, ?, [set], [!set] or [^set]; case-sensitive; the whole
// input must match) into a regular expression.
func globRegexp(glob string) (*regexp.Regexp, error) {
	var b strings.Builder
	b.WriteString(`(?s)\A`)
	for i := 0; i < len(glob); {
		ch, size := utf8.DecodeRuneInString(glob[i:])
		switch ch {
		case '*':
			b.WriteString(".*")
		case '?':
			b.WriteString(".")
		case '[':
			end := strings.IndexByte(glob[i+1:], ']')
			if end < 0 {
				b.WriteString(`\[`)
				break
			}
			set := glob[i+1 : i+1+end]
			if strings.HasPrefix(set, "!") {
				set = "^" + set[1:]
			}
			b.WriteString("[" + strings.ReplaceAll(set, `\`, `\\`) + "]")
			size = end + 2
		default:
			b.WriteString(regexp.QuoteMeta(string(ch)))
		}
		i += size
	}
	b.WriteString(`\z`)
	return regexp.Compile(b.String())
}

func (k *kernel) historyRequest(c *channel, req *Message) error {
	var q historyRequest
	if err := decodeContent(req, &q); err != nil {
		return k.replyError(c, req, "history_reply", "BadRequest", err)
	}
	entries, err := k.history.query(q)
	if err != nil {
		return k.replyError(c, req, "history_reply", "BadPattern", err)
	}
	rows := make([][]any, 0, len(entries))
	for _, e := range entries {
		var in any = e.input
		if q.Output {
			var out any
			if e.output != nil {
				out = *e.output
			}
			in = []any{e.input, out}
		}
		rows = append(rows, []any{historySession, e.line, in})
	}
	return k.reply(c, req, "history_reply", map[string]any{"status": "ok", "history": rows})
}

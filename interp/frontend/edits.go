package frontend

import (
	"sort"
	"strings"
)

// edit replaces src[start:end] (an insertion when start == end) by text,
// or by what render returns when the replacement is built from rendered
// parts of the range it replaces (edits inside that range are then only
// applied through render).
type edit struct {
	start, end int
	text       string
	render     func() string
	seq        int
	// outer marks an insertion that belongs to the construct around the
	// text before it (an argument appended to a call): rendering a range
	// that ends where it is inserted leaves it out.
	outer bool
	// late marks an insertion that goes after the other insertions at
	// its offset: it opens a construct around the text there, which
	// those insertions belong outside of (compiledMember).
	late bool
}

// editor collects edits on one text, in the text's offsets. Replacement
// texts never contain newlines, so lines stay those of the cell and one
// //line directive per piece keeps positions right.
type editor struct {
	edits []edit
}

func (e *editor) replace(start, end int, text string) {
	e.edits = append(e.edits, edit{start: start, end: end, text: text, seq: len(e.edits)})
}

func (e *editor) insert(at int, text string) { e.replace(at, at, text) }

func (e *editor) insertOuter(at int, text string) {
	e.edits = append(e.edits, edit{start: at, end: at, text: text, seq: len(e.edits), outer: true})
}

func (e *editor) insertLate(at int, text string) {
	e.edits = append(e.edits, edit{start: at, end: at, text: text, seq: len(e.edits), late: true})
}

func (e *editor) replaceFunc(start, end int, render func() string) {
	e.edits = append(e.edits, edit{start: start, end: end, render: render, seq: len(e.edits)})
}

func (e *editor) sorted() []edit {
	s := append([]edit(nil), e.edits...)
	sort.SliceStable(s, func(i, j int) bool {
		if s[i].start != s[j].start {
			return s[i].start < s[j].start
		}
		// Insertions go before a replacement starting at the same offset.
		ii, ij := s[i].start == s[i].end, s[j].start == s[j].end
		if ii != ij {
			return ii
		}
		if ii && s[i].late != s[j].late {
			return !s[i].late
		}
		return s[i].seq < s[j].seq
	})
	return s
}

// apply returns src[start:end] with the edits inside that range applied,
// those keep accepts (all if keep is nil).
func (e *editor) apply(src string, start, end int, keep func(start, end int) bool) string {
	var b strings.Builder
	at := start
	for _, x := range e.sorted() {
		if keep != nil && !keep(x.start, x.end) {
			continue
		}
		if x.outer && x.start == end && x.end == end && start != end {
			continue
		}
		if x.start < at || x.end > end {
			continue // outside, or consumed by an enclosing replacement
		}
		b.WriteString(src[at:x.start])
		if x.render != nil {
			b.WriteString(x.render())
		} else {
			b.WriteString(x.text)
		}
		at = x.end
	}
	b.WriteString(src[at:end])
	return b.String()
}

// offsetMap maps offsets of an edited text back to the original text.
type offsetMap []edit

// mapping returns the offset map of apply(src, 0, len(src)).
func (e *editor) mapping() offsetMap {
	var m offsetMap
	at := 0
	for _, x := range e.sorted() {
		if x.start < at {
			continue
		}
		t := x.text
		if x.render != nil {
			t = x.render()
		}
		m = append(m, edit{start: x.start, end: x.end, text: t})
		at = x.end
	}
	return m
}

// back maps an offset in the edited text to the original text: offsets
// inside replaced text map to the start of what they replaced.
func (m offsetMap) back(off int) int {
	delta := 0
	for _, x := range m {
		newStart := x.start + delta
		if off < newStart {
			break
		}
		newEnd := newStart + len(x.text)
		if off < newEnd {
			return x.start
		}
		delta += len(x.text) - (x.end - x.start)
	}
	return off - delta
}

package frontend

import (
	"fmt"
	"slices"
	"strings"
	"testing"
)

// TestCheckItems: a cell that replaces nothing is checked with the
// committed declarations it names and those they need (a type's methods,
// the types in signatures and fields), not with the whole session; a
// redefinition is checked with all of them.
func TestCheckItems(t *testing.T) {
	im := newImage(t)
	commit(t, im,
		"type point struct{ x, y int }",
		"func (p point) add(q point) point { return point{p.x + q.x, p.y + q.y} }",
		"type box struct{ min, max point }",
		"func mk(n int) box { return box{max: point{n, n}} }",
		"const (\n\ta = iota\n\tb\n)",
	)
	for i := range 50 {
		commit(t, im, fmt.Sprintf("func unrelated%d() int { return %d }", i, i))
	}
	for _, tc := range []struct {
		code string
		want []string
	}{
		{"mk(2).max.add(point{1, b})", []string{"point", "point.add", "box", "mk", "a b"}},
		{"unrelated7()", []string{"unrelated7"}},
		{"1 + 1", nil},
		{"func mk(n int) box { return box{} }", nil}, // a redefinition: everything
	} {
		c := &compiler{im: im, base: im.current(), declNames: map[string]bool{}}
		c.src, c.lines, c.ce = tc.code, newLineTable(tc.code), &CompileError{Cell: 100}
		c.segs = split(tc.code)
		c.declPiece = blank(c.src, c.segs, func(k segKind) bool { return k == segDecl })
		c.bodyPiece = blank(c.src, c.segs, func(k segKind) bool { return k == segStmt || k == segVar })
		c.parseDecls()
		c.keepCommitted()
		var got []string
		for _, d := range c.checkItems(c.kept) {
			got = append(got, strings.Join(d.names, " "))
		}
		if c.rebuild {
			if len(got) != len(im.current().items)-1 {
				t.Errorf("%q: a redefinition is checked with %d declarations, want all %d others", tc.code, len(got), len(im.current().items)-1)
			}
			continue
		}
		if !slices.Equal(got, tc.want) {
			t.Errorf("%q is checked with %q, want %q", tc.code, got, tc.want)
		}
		if _, err := im.Compile(tc.code, 100); err != nil {
			t.Errorf("%q: %v", tc.code, err)
		}
	}
}

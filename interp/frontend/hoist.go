package frontend

import (
	"go/token"
	"strings"
)

// hoistable returns the cell's var declarations to check as package
// variables in pass 1, when the only problems of the check with them as
// locals are uses of names one of them declares later: `var a = c + b`
// before `var b, c = ...` is valid Go at package level. Nil if none.
func (c *compiler) hoistable(chk *checked) []segment {
	if len(chk.errs) == 0 || len(c.varSegNames) == 0 {
		return nil
	}
	segOf := map[string]segment{}
	for i, names := range c.varSegNames {
		for _, n := range names {
			segOf[n] = c.segs[i]
		}
	}
	for _, te := range chk.errs {
		name, ok := strings.CutPrefix(te.Msg, "undefined: ")
		if _, declared := segOf[name]; !ok || !declared {
			return nil
		}
	}
	var out []segment
	for i := range c.varSegNames {
		out = append(out, c.segs[i])
	}
	return out
}

// swapPieces exchanges the text of segs between the statements piece and
// the declarations piece (one of them holds it, the other blanks).
func (c *compiler) swapPieces(segs []segment) {
	d, b := []byte(c.declPiece), []byte(c.bodyPiece)
	for _, s := range segs {
		for i := s.start; i < s.end; i++ {
			d[i], b[i] = b[i], d[i]
		}
	}
	c.declPiece, c.bodyPiece = string(d), string(b)
}

// inDeclPiece reports whether p, a position of a pass-1 check, lies in
// the cell's declarations piece.
func (c *compiler) inDeclPiece(chk *checked, p token.Pos) bool {
	off := chk.tf.Offset(p)
	return off >= c.declOff && off < c.declOff+len(c.declPiece)
}

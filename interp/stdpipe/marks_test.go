package stdpipe

import (
	"fmt"
	"testing"
)

// TestMarksStrip: run marks are taken out of a child's fd 1 and 2
// output wherever the writes cut it, and reported.
func TestMarksStrip(t *testing.T) {
	text := fmt.Sprintf("in func 0.25\n%s7%cafter%s8%c", markStart, markEnd, markStart, markEnd)
	for cut := 1; cut <= len(text); cut++ {
		r := NewMarks()
		var carry []byte
		var got []byte
		for i := 0; i < len(text); i += cut {
			b, mark := r.Strip(&carry, []byte(text[i:min(i+cut, len(text))]))
			got = append(got, b...)
			r.Saw("stderr", mark)
		}
		if string(got) != "in func 0.25\nafter" || len(carry) != 0 || r.seen["stderr"] != 8 {
			t.Errorf("writes of %d bytes: got %q, carry %q, mark %d; want the text without marks and mark 8", cut, got, carry, r.seen["stderr"])
		}
	}
}

package mirror

import (
	"testing"

	"github.com/dmirror/dmirror/interp/stdpipe"
)

// TestRawTextBeforeMark: the chunk mark that ends what a chunk wrote to a
// mirror's fd 2 is noted only after the text in front of it was
// forwarded, also when one read holds both: the call stops forwarding
// once it has seen the mark (Marks.Await), so a mark noted first could
// drop the chunk's println output.
func TestRawTextBeforeMark(t *testing.T) {
	p := &proc{tail: &tailWriter{max: 4096}, marks: stdpipe.NewMarks()}
	var texts []string
	var seen []uint64
	stop := p.forwardRaw(func(stream, text string) {
		texts = append(texts, text)
		seen = append(seen, p.marks.Seen(stream))
	})
	defer stop()
	w := &rawWriter{p: p, stream: "stderr"}
	if _, err := w.Write(append([]byte("x 1\n"), stdpipe.Mark(3)...)); err != nil {
		t.Fatal(err)
	}
	if len(texts) != 1 || texts[0] != "x 1\n" {
		t.Fatalf("forwarded %q, want the text without its mark", texts)
	}
	if seen[0] != 0 {
		t.Errorf("mark %d was noted before the text in front of it was forwarded", seen[0])
	}
	if got := p.marks.Seen("stderr"); got != 3 {
		t.Errorf("mark %d noted after the write, want 3", got)
	}
}

package interp

import (
	"context"
	"fmt"
	"runtime"
	"strconv"
	"sync"
	"testing"

	"github.com/dmirror/dmirror/interp/frame"
	"github.com/dmirror/dmirror/interp/stdpipe"
)

// marksAtRaw records, for each text the image process's fd 2 forwards,
// the highest run mark noted when it was forwarded.
type marksAtRaw struct {
	marks *stdpipe.Marks
	texts []string
	seen  []uint64
}

func (m *marksAtRaw) route(frame.Msg) {}

func (m *marksAtRaw) raw(name, text string) {
	m.texts = append(m.texts, text)
	m.seen = append(m.seen, m.marks.Seen(name))
}

// TestRawTextBeforeMark: the run mark that ends what a cell wrote to the
// image process's fd 2 is noted only after the text in front of it went
// to the cell's output, also when one read holds both. The kernel ends
// the cell once it has seen the mark (Marks.Await), so a mark noted first
// let the cell's reply overtake its println output (println_builtin,
// flaky under load).
func TestRawTextBeforeMark(t *testing.T) {
	p := &imageProc{marks: stdpipe.NewMarks()}
	sink := &marksAtRaw{marks: p.marks}
	w := &rawWriter{p: p, name: "stderr", sinks: sink}
	chunk := append([]byte("hello 42 true -7\n"), stdpipe.Mark(7)...)
	if _, err := w.Write(chunk); err != nil {
		t.Fatal(err)
	}
	if len(sink.texts) != 1 || sink.texts[0] != "hello 42 true -7\n" {
		t.Fatalf("forwarded %q, want the text without its mark", sink.texts)
	}
	if sink.seen[0] != 0 {
		t.Errorf("mark %d was noted before the text in front of it was forwarded", sink.seen[0])
	}
	if got := p.marks.Seen("stderr"); got != 7 {
		t.Errorf("mark %d noted after the write, want 7", got)
	}
}

// TestPrintBeforeReply: what cells' println writes to the image process's
// fd 2 has reached each cell's output when the cell ends, through a real
// image process, while goroutines keep every P of the kernel side busy.
func TestPrintBeforeReply(t *testing.T) {
	s := realSession(t)
	mustOK(t, run(t, s, 1, "x := 0"))
	ctx, stop := context.WithCancel(context.Background())
	var hogs sync.WaitGroup
	defer func() {
		stop()
		hogs.Wait()
	}()
	for range 4 * runtime.GOMAXPROCS(0) {
		hogs.Go(func() {
			for n := 0; ctx.Err() == nil; n++ {
				_ = strconv.Itoa(n) // busy, and preemptible
			}
		})
	}
	const cells = 100
	missed := 0
	for n := 2; n < cells+2; n++ {
		res, out := execCell(t, s, n, fmt.Sprintf("x++\nprintln(\"cell\", %d, x)", n))
		mustOK(t, res)
		if got, want := out.Text("stderr"), fmt.Sprintf("cell %d %d\n", n, n-1); got != want {
			if missed++; missed <= 3 {
				t.Errorf("cell %d: stderr %q when the cell ended, want %q", n, got, want)
			}
		}
	}
	if missed > 0 {
		t.Errorf("%d of %d cells ended before their println output", missed, cells)
	}
}

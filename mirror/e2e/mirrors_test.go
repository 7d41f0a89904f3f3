package e2e

import (
	"fmt"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestMirrorsRunAtTheSameTime: each element of a 2-element call waits at a
// barrier (files in a directory) for the other, so the call only succeeds
// if nothing between the cell and the mirrors runs them one after the
// other.
func TestMirrorsRunAtTheSameTime(t *testing.T) {
	s := newSession(t)
	s.run(t, "import (\n\t\"fmt\"\n\t\"os\"\n\t\"path/filepath\"\n\t\"time\"\n)\nfunc arrive(dir string, x int) int {\n\tif err := os.WriteFile(filepath.Join(dir, fmt.Sprint(x)), nil, 0o644); err != nil {\n\t\tpanic(err)\n\t}\n\tfor deadline := time.Now().Add(20 * time.Second); time.Now().Before(deadline); time.Sleep(time.Millisecond) {\n\t\tif all, _ := filepath.Glob(filepath.Join(dir, \"*\")); len(all) == 2 {\n\t\t\treturn x\n\t\t}\n\t}\n\tpanic(\"the other mirror did not run meanwhile\")\n}")
	got := s.run(t, fmt.Sprintf("dir := %q\nfmt.Println(ParallelCollect([]int{1, 2}, func(x int) int { return arrive(dir, x) }, WithMirrors(2)))", t.TempDir()))
	if got != "[1 2]\n" {
		t.Fatalf("printed %q", got)
	}
}

// TestDisplayInMirror: what a block displays reaches the cell, tagged with
// its mirror in the metadata.
func TestDisplayInMirror(t *testing.T) {
	s := newSession(t)
	s.run(t, "import \"fmt\"")
	_, out := s.exec(t.Context(), "ParallelCollect([]int{1, 2}, func(x int) int {\n\tdisplay.HTML(fmt.Sprint(\"<i>\", x, \"</i>\"))\n\treturn x\n}, WithMirrors(2))")
	got := map[any]string{}
	for _, d := range out.Displays() {
		tag, _ := d.Metadata["dmirror"].(map[string]any)
		html, _ := d.Data["text/html"].(string)
		if tag == nil && strings.Contains(html, "dmirror-progress") {
			continue // the call's progress bar, shown when it takes over a second
		}
		got[tag["mirror"]] = html
	}
	if len(got) != 2 || got[1] != "<i>1</i>" || got[2] != "<i>2</i>" {
		t.Fatalf("displays by mirror %v, want <i>1</i> from mirror 1 and <i>2</i> from mirror 2", got)
	}
}

// TestNestedParallelRunsInTheMirror: a Parallel call made by a block runs
// sequentially in its mirror.
func TestNestedParallelRunsInTheMirror(t *testing.T) {
	s := newSession(t)
	s.run(t, "import \"fmt\"")
	got := s.run(t, "fmt.Println(ParallelCollect([]int{1, 2}, func(x int) []int {\n\treturn ParallelCollect([]int{x, 10 * x}, func(y int) int { return y + 1 })\n}))")
	if strings.TrimSpace(got) != "[[2 11] [3 21]]" {
		t.Fatalf("printed %q", got)
	}
}

// TestProgressReplacedByOutcome: a call that runs longer than a second
// shows a progress bar, updated as mirrors report elements done, and
// replaced by the outcome at the end.
func TestProgressReplacedByOutcome(t *testing.T) {
	s := newSession(t)
	s.run(t, "import \"time\"")
	_, out := s.exec(t.Context(), "ParallelCollect([]int{1, 2, 3, 4, 5, 6}, func(x int) int {\n\ttime.Sleep(400 * time.Millisecond)\n\treturn x\n}, WithMirrors(2))")
	var id, last string
	updates := 0
	for _, e := range out.Events() {
		if e.Data == nil {
			continue
		}
		text, _ := e.Data["text/plain"].(string)
		switch {
		case !e.Update && e.ID != "":
			id = e.ID
		case e.Update && e.ID == id:
			updates++
			last = text
		}
	}
	if id == "" || updates < 2 {
		t.Fatalf("bar %q with %d updates, want a bar updated as elements are done", id, updates)
	}
	if !strings.HasPrefix(last, "ParallelCollect: 6 elements on 2 mirrors in ") {
		t.Fatalf("the bar ended as %q, want the outcome", last)
	}
}

// TestIdleMirrorTakesTheRestOfASlowChunk: mirror 1's chunk (elements 0
// to 3) is slow and mirror 2's (4 to 7) fast. Element 0 waits until
// mirror 2 has run element 7, so mirror 2 is idle and asks for the rest
// of mirror 1's chunk while mirror 1 runs element 1; at the tick after
// it, mirror 1 gives away element 3 of the two it has left. The results,
// and the kept elements of a filter, stay in input order.
func TestIdleMirrorTakesTheRestOfASlowChunk(t *testing.T) {
	s := newSession(t)
	s.run(t, "import (\n\t\"fmt\"\n\t\"os\"\n\t\"path/filepath\"\n\t\"time\"\n)\nvar dir string\nfunc slow(x int) int {\n\tswitch {\n\tcase x == 0:\n\t\tfor deadline := time.Now().Add(20 * time.Second); time.Now().Before(deadline); time.Sleep(time.Millisecond) {\n\t\t\tif _, err := os.Stat(filepath.Join(dir, \"7\")); err == nil {\n\t\t\t\tbreak\n\t\t\t}\n\t\t}\n\tcase x < 4:\n\t\ttime.Sleep(500 * time.Millisecond)\n\tcase x == 7:\n\t\tos.WriteFile(filepath.Join(dir, \"7\"), nil, 0o644)\n\t}\n\tfmt.Println(\"element\", x)\n\treturn x * 10\n}")
	s.run(t, fmt.Sprintf("dir = %q", t.TempDir()))
	_, out := s.exec(t.Context(), "fmt.Println(ParallelCollect([]int{0, 1, 2, 3, 4, 5, 6, 7}, slow, WithMirrors(2)))")
	require.Equal(t, "[0 10 20 30 40 50 60 70]\n", lastLine(out.Text("stdout")))
	assert.Contains(t, out.Text("stdout"), "[mirror 2] element 3\n", "mirror 2 ran element 3, the rest of mirror 1's chunk")
	assert.Contains(t, out.Text("stdout"), "[mirror 1] element 1\n")

	s.run(t, fmt.Sprintf("dir = %q", t.TempDir()))
	_, out = s.exec(t.Context(), "fmt.Println(ParallelSelectThenCollect([]int{0, 1, 2, 3, 4, 5, 6, 7}, func(x int) bool { return x%2 == 1 }, slow, WithMirrors(2)))")
	require.Equal(t, "[10 30 50 70]\n", lastLine(out.Text("stdout")))
}

// lastLine returns the last line of text, with its newline.
func lastLine(text string) string {
	lines := strings.SplitAfter(strings.TrimSuffix(text, "\n"), "\n")
	return lines[len(lines)-1] + "\n"
}

// TestPrintlnInMirror: println in a block goes to the cell's stderr, as
// in Go, tagged with the mirror.
func TestPrintlnInMirror(t *testing.T) {
	s := newSession(t)
	s.run(t, "func note(x int) { println(\"in func\", x) }")
	_, out := s.exec(t.Context(), "ParallelCollect([]int{1, 2}, func(x int) int {\n\tprintln(\"got\", x, 0.5)\n\tnote(x)\n\treturn x\n}, WithMirrors(2))")
	assert.Contains(t, out.Text("stderr"), "[mirror 1] got 1 0.5\n")
	assert.Contains(t, out.Text("stderr"), "[mirror 2] in func 2\n")
	assert.NotContains(t, out.Text("stdout"), "got")
}

// TestMillionElements: a workload of 10^6 elements (megabytes in every
// frame between the processes) comes back whole and in order, for a
// collect and a filter.
func TestMillionElements(t *testing.T) {
	s := newSession(t)
	s.run(t, "import \"fmt\"\nxs := make([]int, 1000000)\nfor i := range xs { xs[i] = i }")
	out := s.run(t, "ys := ParallelCollect(xs, func(x int) int { return 3*x + 1 }, WithMirrors(2))\nok := len(ys) == len(xs)\nfor i, y := range ys { ok = ok && y == 3*i+1 }\nodd := ParallelSelect(xs, func(x int) bool { return x%2 == 1 }, WithMirrors(3))\nok = ok && len(odd) == 500000 && odd[0] == 1 && odd[499999] == 999999\nfmt.Println(ok)")
	assert.Equal(t, "true\n", out)
}

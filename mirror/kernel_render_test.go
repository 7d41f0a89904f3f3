package mirror

import (
	"strings"
	"testing"
)

func TestRenderFailures(t *testing.T) {
	fs := []Failure{{Mirror: 2, Index: 5, Element: `"<b>"`, Kind: KindPanic, Message: "runtime error: integer divide by zero",
		Frames: []Frame{{Func: "ratio", Pos: "cell[1] line 3", Locals: []Local{{"b", "int", "0"}}}, {Func: "func literal", Pos: "cell[2] line 1"}}},
		{Mirror: 3, Index: -1, Kind: KindOutOfMemory, Message: "the mirror process ran out of memory", Output: "fatal error: runtime: out of memory"}}
	b := RenderFailures(fs)
	plain, html := b["text/plain"].(string), b["text/html"].(string)
	for _, want := range []string{"mirror 2 failed (panic)", "element 5: \"<b>\"", "at ratio (cell[1] line 3)", "b int = 0", "mirror 3 failed (out of memory)", "| fatal error"} {
		if !strings.Contains(plain, want) {
			t.Errorf("text/plain lacks %q:\n%s", want, plain)
		}
	}
	for _, want := range []string{"<details open><summary>ratio <i>cell[1] line 3</i>", "<td>b</td><td>int</td><td>0</td>", "&#34;&lt;b&gt;&#34;"} {
		if !strings.Contains(html, want) {
			t.Errorf("text/html lacks %q:\n%s", want, html)
		}
	}
	if strings.Contains(html, "<script") {
		t.Error("text/html uses JavaScript")
	}
	err := &Error{Op: "ParallelCollect", Failed: 2, Total: 4, Failures: fs}
	want := "2 of 4 mirrors failed in ParallelCollect: mirror 2 at element 5: panic: runtime error: integer divide by zero (ratio, cell[1] line 3); mirror 3: out of memory: the mirror process ran out of memory"
	if err.Error() != want {
		t.Errorf("Error() = %q, want %q", err.Error(), want)
	}
}

func TestChunksBalanced(t *testing.T) {
	for _, tc := range []struct {
		n, k int
		want []span
	}{
		{10, 4, []span{{0, 3}, {3, 6}, {6, 8}, {8, 10}}},
		{3, 4, []span{{0, 1}, {1, 2}, {2, 3}}},
		{0, 4, nil},
		{5, 1, []span{{0, 5}}},
	} {
		got := chunks(tc.n, tc.k, false)
		if len(got) != len(tc.want) {
			t.Fatalf("chunks(%d, %d) = %v, want %v", tc.n, tc.k, got, tc.want)
		}
		for i := range got {
			if got[i] != tc.want[i] {
				t.Fatalf("chunks(%d, %d) = %v, want %v", tc.n, tc.k, got, tc.want)
			}
		}
	}
	if got := chunks(3, 2, true); len(got) != 3 || got[2] != (span{2, 3}) {
		t.Fatalf("per element: %v", got)
	}
}

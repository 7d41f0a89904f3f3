package e2e

import (
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/dmirror/dmirror/kernel"
	"github.com/dmirror/dmirror/kernel/kerneltest"
)

func strs(v any) []string {
	var out []string
	l, _ := v.([]any)
	for _, x := range l {
		out = append(out, fmt.Sprint(x))
	}
	return out
}

// complete asks for completions at the end of code and checks that want
// are among them and that they replace code[start:] (code points).
func complete(t *testing.T, k *kerneltest.Kernel, code string, start int, want ...string) {
	t.Helper()
	r, err := k.Complete(ctxT(t), code, len([]rune(code)))
	if err != nil {
		t.Fatal(err)
	}
	f := kerneltest.Fields(r.Reply)
	matches := strs(f["matches"])
	for _, w := range want {
		if !slices.Contains(matches, w) {
			t.Errorf("complete %q: %q not in %q", code, w, matches)
		}
	}
	if f["cursor_start"] != float64(start) || f["cursor_end"] != float64(len([]rune(code))) {
		t.Errorf("complete %q: replaces [%v, %v), want [%d, %d)", code, f["cursor_start"], f["cursor_end"], start, len([]rune(code)))
	}
}

// TestCompletion: identifiers in scope, package members, struct fields
// and methods, import paths; each match replaces the word at the cursor,
// so front ends insert it as is.
func TestCompletion(t *testing.T) {
	k := start(t)
	ok(t, k, `import "strings"
type point struct{ X, Y int }
func (p point) Norm1() int { return p.X + p.Y }
var origin point
myCounter := 0
func myHelper() {}`)
	complete(t, k, "my", 0, "myCounter", "myHelper")
	complete(t, k, "x := ori", 5, "origin")
	complete(t, k, "strings.ToUp", 8, "ToUpper", "ToUpperSpecial")
	complete(t, k, "fmt.Pri", 4, "Print", "Printf", "Println") // not yet imported
	complete(t, k, "origin.", 7, "X", "Y", "Norm1")
	complete(t, k, "p := point{}\np.N", 15, "Norm1")
	complete(t, k, "import \"encoding/js", 8, "encoding/json")
	complete(t, k, "é := 1\nstrings.Spl", 15, "Split", "SplitN") // code points, not bytes
}

// inspect returns the text/plain of an inspect_reply at the end of code.
func inspect(t *testing.T, k *kerneltest.Kernel, code string) string {
	t.Helper()
	r, err := k.Inspect(ctxT(t), code, len([]rune(code)), 0)
	if err != nil {
		t.Fatal(err)
	}
	f := kerneltest.Fields(r.Reply)
	if f["found"] != true {
		t.Errorf("inspect %q: not found", code)
		return ""
	}
	s, _ := f["data"].(map[string]any)["text/plain"].(string)
	return s
}

// TestInspection: signature and doc for standard library and session
// symbols; `fmt.Println?` pages it.
func TestInspection(t *testing.T) {
	k := start(t)
	ok(t, k, "import \"fmt\"\n// area is the area of a w by h rectangle.\nfunc area(w, h float64) float64 { return w * h }\ntype box struct{ W float64 }")
	for code, want := range map[string][]string{
		"fmt.Println": {"func Println(a ...any) (n int, err error)", "Println formats"},
		"area":        {"func area(w, h float64) float64", "area is the area"},
		"box":         {"type box struct"},
		"strings.Cut": {"func Cut(s, sep string)"},
	} {
		text := inspect(t, k, code)
		for _, w := range want {
			if !strings.Contains(text, w) {
				t.Errorf("inspect %q lacks %q:\n%s", code, w, text)
			}
		}
	}
	for _, code := range []string{"fmt.Println?", "?fmt.Println"} {
		r := ok(t, k, code)
		payload, _ := kerneltest.Fields(r.Reply)["payload"].([]any)
		if len(payload) != 1 {
			t.Fatalf("%q: payload %v, want one page", code, payload)
		}
		p, _ := payload[0].(map[string]any)
		text, _ := p["data"].(map[string]any)["text/plain"].(string)
		if p["source"] != "page" || !strings.Contains(text, "func Println") {
			t.Errorf("%q: payload %v", code, p)
		}
		if len(r.Of("execute_result")) != 0 {
			t.Errorf("%q: a pager query also gave a result", code)
		}
	}
}

// TestIsComplete: incomplete with an indent for an open block, invalid
// for a syntax error, complete otherwise.
func TestIsComplete(t *testing.T) {
	k := start(t)
	for code, want := range map[string]string{
		"x := 1":                           "complete",
		"func f() int { return 1 }":        "complete",
		"func f() {":                       "incomplete",
		"for i := range 3 {\n\tif i > 1 {": "incomplete",
		"if true {\n\tx := 1\n}":           "complete",
		"xs := []int{1,":                   "incomplete",
		"s := `raw":                        "incomplete",
		"func ) {":                         "invalid",
		"x := := 1":                        "invalid",
	} {
		r, err := k.IsComplete(ctxT(t), code)
		if err != nil {
			t.Fatal(err)
		}
		f := kerneltest.Fields(r.Reply)
		if f["status"] != want {
			t.Errorf("is_complete %q = %v, want %s", code, f, want)
		}
		if want == "incomplete" {
			// An empty indent may be left out: clients default to "".
			if indent, isStr := f["indent"].(string); f["indent"] != nil && (!isStr || strings.Trim(indent, " \t") != "") {
				t.Errorf("is_complete %q: indent %q, want white space", code, f["indent"])
			}
		}
	}
}

// TestHistory: tail, range and search over the cells run.
func TestHistory(t *testing.T) {
	k := start(t)
	cells := []string{"a1 := 1", "b2 := 2", "a1 + b2", "a1 * 30"}
	for _, c := range cells {
		ok(t, k, c)
	}
	hist := func(content map[string]any) []string {
		t.Helper()
		content["output"], content["raw"] = false, true
		r, err := k.History(ctxT(t), content)
		if err != nil {
			t.Fatal(err)
		}
		var got []string
		h, _ := kerneltest.Fields(r.Reply)["history"].([]any)
		for _, e := range h {
			if e, isList := e.([]any); isList && len(e) == 3 {
				got = append(got, fmt.Sprint(e[2]))
			}
		}
		return got
	}
	if got := hist(map[string]any{"hist_access_type": "tail", "n": 2}); !slices.Equal(got, cells[2:]) {
		t.Errorf("tail 2 = %q, want %q", got, cells[2:])
	}
	if got := hist(map[string]any{"hist_access_type": "range", "session": 0, "start": 2, "stop": 4}); !slices.Equal(got, cells[1:3]) {
		t.Errorf("range [2, 4) = %q, want %q", got, cells[1:3])
	}
	if got := hist(map[string]any{"hist_access_type": "search", "pattern": "*b2*", "n": 10}); !slices.Equal(got, []string{"b2 := 2", "a1 + b2"}) {
		t.Errorf("search *b2* = %q", got)
	}
}

// TestIntrospectionWhileRunning: complete, inspect, is_complete,
// kernel_info (shell and control) and heartbeat are answered while a cell
// runs.
func TestIntrospectionWhileRunning(t *testing.T) {
	k := start(t)
	ctx := ctxT(t)
	ok(t, k, "import \"time\"\nbusy := 0")
	cell, err := k.NewRequest("execute_request", kerneltest.ExecuteContent("for {\n\tbusy++\n\ttime.Sleep(time.Millisecond)\n}"))
	if err != nil {
		t.Fatal(err)
	}
	if err := k.SendMessage(kerneltest.Shell, cell); err != nil {
		t.Fatal(err)
	}
	if _, err := k.WaitFor(ctx, kerneltest.IOPub, func(m *kernel.Message) bool {
		return m.Header.MsgType == "execute_input" && m.ParentID() == cell.Header.MsgID
	}); err != nil {
		t.Fatal(err)
	}
	complete(t, k, "bu", 0, "busy")
	if text := inspect(t, k, "time.Sleep"); !strings.Contains(text, "func Sleep") {
		t.Errorf("inspect while running: %q", text)
	}
	if r, err := k.IsComplete(ctx, "{"); err != nil || kerneltest.Fields(r.Reply)["status"] != "incomplete" {
		t.Errorf("is_complete while running: %v", err)
	}
	for _, ch := range []kerneltest.Channel{kerneltest.Shell, kerneltest.Control} {
		if _, err := k.KernelInfo(ctx, ch); err != nil {
			t.Error(err)
		}
	}
	if err := k.Heartbeat(ctx); err != nil {
		t.Error(err)
	}
	if replies := k.Replies(kerneltest.Shell, cell.Header.MsgID); len(replies) != 0 {
		t.Fatalf("the endless cell ended: %v", kerneltest.Fields(replies[0]))
	}
	if _, err := k.Interrupt(ctx); err != nil {
		t.Fatal(err)
	}
	if _, err := k.Await(ctx, kerneltest.Shell, cell); err != nil {
		t.Fatal(err)
	}
}

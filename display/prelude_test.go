package display_test

import (
	"bytes"
	"encoding/base64"
	"image"
	"image/color"
	"image/png"
	"reflect"
	"strings"
	"testing"

	yaegi "github.com/traefik/yaegi/interp"

	"github.com/dmirror/dmirror/display"
	"github.com/dmirror/dmirror/display/displaytest"
	"github.com/dmirror/dmirror/interp/vm"
	"github.com/dmirror/dmirror/mirror"
)

// newVM returns a real interpreter with the prelude and display exports
// publishing to a recorder.
func newVM(t *testing.T) (*yaegi.Interpreter, *displaytest.Recorder) {
	t.Helper()
	rec := &displaytest.Recorder{}
	var out bytes.Buffer
	// The Parallel prelude needs dmirror/parallel: the mirrors' local one.
	exports := []yaegi.Exports{mirror.WorkerExports(), display.Exports(rec)}
	i, err := vm.New(vm.Config{Stdout: &out, Stderr: &out, Exports: exports})
	if err != nil {
		t.Fatalf("vm.New: %v", err)
	}
	return i, rec
}

func eval(t *testing.T, i *yaegi.Interpreter, src string) reflect.Value {
	t.Helper()
	v, err := i.Eval(src)
	if err != nil {
		t.Fatalf("eval %q: %v", src, err)
	}
	return v
}

// one returns the single event of rec, failing otherwise.
func one(t *testing.T, rec *displaytest.Recorder) displaytest.Event {
	t.Helper()
	ev := rec.Events()
	if len(ev) != 1 {
		t.Fatalf("got %d events %+v, want 1", len(ev), ev)
	}
	return ev[0]
}

func TestPreludeDisplayKinds(t *testing.T) {
	i, rec := newVM(t)
	cases := []struct {
		code, mime string
		data       any
		plain      string
	}{
		{`display.HTML("<b>hi</b> there")`, "text/html", "<b>hi</b> there", "hi there"},
		{`display.Markdown("# Title")`, "text/markdown", "# Title", "# Title"},
		{`display.Latex("$x^2$")`, "text/latex", "$x^2$", "$x^2$"},
		{`display.SVG("<svg></svg>")`, "image/svg+xml", "<svg></svg>", "[SVG image]"},
		{`display.Text("plain")`, "text/plain", "plain", "plain"},
		{`display.PNG([]byte("abc"))`, "image/png", base64.StdEncoding.EncodeToString([]byte("abc")), "[PNG image, 3 bytes]"},
		{`display.JPEG([]byte("abc"))`, "image/jpeg", base64.StdEncoding.EncodeToString([]byte("abc")), "[JPEG image, 3 bytes]"},
		{`display.JSON(map[string]int{"a": 1})`, "application/json", map[string]any{"a": 1.0}, "{\n  \"a\": 1\n}"},
		{`display.MIME(map[string]any{"text/html": "<i>x</i>", "application/vnd.custom+json": []int{1}})`, "text/html", "<i>x</i>", "x"},
		{`display.Show(42)`, "text/plain", "42", "42"},
	}
	for _, c := range cases {
		eval(t, i, c.code)
		ev := one(t, rec)
		if ev.ID != "" || ev.Update || ev.Clear {
			t.Errorf("%s: event %+v, want a plain display", c.code, ev)
		}
		if got := ev.Data[c.mime]; !reflect.DeepEqual(got, c.data) {
			t.Errorf("%s: %s = %#v, want %#v", c.code, c.mime, got, c.data)
		}
		if got := ev.Data["text/plain"]; got != c.plain {
			t.Errorf("%s: text/plain = %q, want %q", c.code, got, c.plain)
		}
	}
}

func TestPreludeImage(t *testing.T) {
	i, rec := newVM(t)
	eval(t, i, `import ("image"; "image/color")`)
	eval(t, i, `func __testImage() { m := image.NewRGBA(image.Rect(0, 0, 3, 2)); m.Set(1, 1, color.RGBA{255, 0, 0, 255}); display.Image(m) }`)
	eval(t, i, `__testImage()`)
	ev := one(t, rec)
	raw, err := base64.StdEncoding.DecodeString(ev.Data["image/png"].(string))
	if err != nil {
		t.Fatalf("image/png is not base64: %v", err)
	}
	img, err := png.Decode(bytes.NewReader(raw))
	if err != nil {
		t.Fatalf("image/png does not decode: %v", err)
	}
	if b := img.Bounds(); b.Dx() != 3 || b.Dy() != 2 {
		t.Errorf("decoded size %v, want 3x2", b)
	}
	if r, _, _, _ := img.At(1, 1).RGBA(); r != 0xffff {
		t.Errorf("pixel (1,1) red = %#x, want 0xffff", r)
	}
	if ev.Data["text/plain"] != "[PNG image 3x2]" {
		t.Errorf("text/plain = %q", ev.Data["text/plain"])
	}
	_ = color.RGBA{} // the interpreted code uses image/color
	_ = image.Rect
}

func TestPreludeOutputUpdatesInPlace(t *testing.T) {
	i, rec := newVM(t)
	eval(t, i, "var out DisplayOutput\nvar other DisplayOutput")
	eval(t, i, `out = display.NewOutput()`)
	first := one(t, rec)
	eval(t, i, `out.HTML("<b>1</b>")`)
	second := one(t, rec)
	eval(t, i, `display.Update(out.ID, map[string]any{"text/plain": "3"})`)
	third := one(t, rec)
	if first.ID == "" || first.Update || first.Data["text/plain"] != "" {
		t.Errorf("NewOutput showed %+v, want an empty display with an id", first)
	}
	if second.ID != first.ID || !second.Update || second.Data["text/html"] != "<b>1</b>" {
		t.Errorf("second output %+v, want an update of %s", second, first.ID)
	}
	if third.ID != first.ID || !third.Update || third.Data["text/plain"] != "3" {
		t.Errorf("third output %+v, want an update of %s", third, first.ID)
	}
	eval(t, i, `other = display.NewOutput()`)
	rec.Events()
	if id := eval(t, i, `other.ID`).String(); id == first.ID {
		t.Errorf("two outputs share the id %s", id)
	}
}

func TestPreludeClear(t *testing.T) {
	i, rec := newVM(t)
	eval(t, i, `display.Clear(true)`)
	eval(t, i, `display.Clear(false)`)
	ev := rec.Events()
	want := []displaytest.Event{{Clear: true, Wait: true}, {Clear: true, Wait: false}}
	if !reflect.DeepEqual(ev, want) {
		t.Errorf("events %+v, want %+v", ev, want)
	}
}

func TestPreludeProgress(t *testing.T) {
	i, rec := newVM(t)
	eval(t, i, `func __testLoop() { p := display.NewProgress(4); for k := 0; k < 4; k++ { p.Add(1) }; p.Done() }`)
	eval(t, i, `__testLoop()`)
	ev := rec.Events()
	var plain []string
	for k, e := range ev {
		if e.ID != ev[0].ID || e.ID == "" {
			t.Fatalf("event %d has id %q, want %q", k, e.ID, ev[0].ID)
		}
		if e.Update != (k > 0) {
			t.Errorf("event %d update=%v, want %v", k, e.Update, k > 0)
		}
		if !strings.Contains(e.Data["text/html"].(string), "width:") {
			t.Errorf("event %d has no HTML bar: %v", k, e.Data["text/html"])
		}
		plain = append(plain, e.Data["text/plain"].(string))
	}
	want := []string{
		"[....................] 0/4",
		"[#####...............] 1/4",
		"[##########..........] 2/4",
		"[###############.....] 3/4",
		"[####################] 4/4",
		"[####################] 4/4",
	}
	if !reflect.DeepEqual(plain, want) {
		t.Errorf("progress text\n got %q\nwant %q", plain, want)
	}
}

func TestPreludeBadBundleFailsTheCell(t *testing.T) {
	i, rec := newVM(t)
	_, err := i.Eval(`display.MIME(map[string]any{"nope": "x"})`)
	if err == nil || !strings.Contains(err.Error(), `"nope" is not a MIME type`) {
		t.Errorf("got error %v, want one naming the bad MIME type", err)
	}
	if ev := rec.Events(); len(ev) != 0 {
		t.Errorf("a bad bundle was displayed: %+v", ev)
	}
}

// TestPreludeRich checks the contract with the frontend: a trailing
// expression whose type has display methods becomes __dmRich(v, methods).
func TestPreludeRich(t *testing.T) {
	i, _ := newVM(t)
	eval(t, i, `type chart struct{ n int }
func (c chart) HTML() string { return "<svg-ish>" }
func (c chart) String() string { return "a chart" }`)
	eval(t, i, `func __cell1() any { __dmv := chart{3}; return __dmRich(__dmv, map[string]any{"HTML": __dmv.HTML(), "String": __dmv.String()}) }`)
	res := eval(t, i, `__cell1`)
	out := res.Call(nil)[0]
	data, _ := display.Render(out)
	want := map[string]any{"text/html": "<svg-ish>", "text/plain": "a chart"}
	if !reflect.DeepEqual(data, want) {
		t.Errorf("Render(__dmRich(...)) = %v, want %v", data, want)
	}
}

// TestRenderInterpretedTable renders a slice of an interpreted struct type
// returned through `any`, as the image process gets a cell's value.
func TestRenderInterpretedTable(t *testing.T) {
	i, _ := newVM(t)
	eval(t, i, `type person struct { Name string; age int }
func __cell2() any { return []person{{"Ada", 36}, {"Alan", 41}} }`)
	out := eval(t, i, `__cell2`).Call(nil)[0]
	data, _ := display.Render(out)
	h, _ := data["text/html"].(string)
	for _, want := range []string{"<th>Name</th>", "<th>age</th>", "<td>Ada</td>", "<td>41</td>"} {
		if !strings.Contains(h, want) {
			t.Errorf("table lacks %s:\n%s", want, h)
		}
	}
	if data["text/plain"] != "[{Ada 36} {Alan 41}]" {
		t.Errorf("text/plain = %q", data["text/plain"])
	}
}

// TestPreludeOutputSurvivesRebuild: an output made before the image is
// rebuilt (a fresh interpreter, fresh exports) is still updated in place.
func TestPreludeOutputSurvivesRebuild(t *testing.T) {
	i, rec := newVM(t)
	eval(t, i, "var out DisplayOutput")
	eval(t, i, `out = display.NewOutput()`)
	id := one(t, rec).ID
	j, rec2 := newVM(t)
	eval(t, j, "var out DisplayOutput")
	eval(t, j, `out = DisplayOutput{ID: "`+id+`"}`) // as restored from a snapshot
	eval(t, j, `out.Text("after")`)
	if ev := one(t, rec2); ev.ID != id || !ev.Update || ev.Data["text/plain"] != "after" {
		t.Errorf("after a rebuild: %+v, want an update of %s", ev, id)
	}
}

package display

import (
	"encoding/base64"
	"fmt"
	"image"
	"reflect"
	"strings"
	"testing"
)

func render(v any) Bundle {
	b, _ := Render(reflect.ValueOf(v))
	return b
}

func TestRenderPlain(t *testing.T) {
	var nilErr error
	cases := []struct {
		v    any
		want string
	}{
		{42, "42"},
		{"hi there", `"hi there"`},
		{"", `""`},
		{[]int{1, 2, 3}, "[1 2 3]"},
		{3.5, "3.5"},
		{nilErr, "<nil>"},
		{struct{ A, B int }{1, 2}, "{1 2}"},
		{fmt.Errorf("boom"), "boom"},
	}
	for _, c := range cases {
		b := render(c.v)
		if b[MIMEPlain] != c.want {
			t.Errorf("Render(%#v) text/plain = %q, want %q", c.v, b[MIMEPlain], c.want)
		}
		if len(b) != 1 {
			t.Errorf("Render(%#v) = %v, want text/plain only", c.v, b)
		}
	}
}

func TestRenderTruncatesHugeText(t *testing.T) {
	b := render(strings.Repeat("x", MaxPlain*2))
	s := b[MIMEPlain].(string)
	if len(s) > MaxPlain+100 || !strings.HasSuffix(s, fmt.Sprintf("… (%d more bytes)", MaxPlain+2)) {
		t.Errorf("text/plain of a huge string: %d bytes ending %q", len(s), s[len(s)-40:])
	}
}

func TestRenderImage(t *testing.T) {
	img := image.NewGray(image.Rect(0, 0, 5, 4))
	b := render(img)
	if _, err := base64.StdEncoding.DecodeString(b[MIMEPNG].(string)); err != nil {
		t.Fatalf("image/png not base64: %v", err)
	}
	if b[MIMEPlain] != "[image *image.Gray 5x4]" {
		t.Errorf("text/plain = %q", b[MIMEPlain])
	}
	var nilImg *image.Gray
	if b := render(nilImg); b[MIMEPNG] != nil {
		t.Errorf("a nil image rendered as PNG: %v", b)
	}
}

func TestRenderBundleValues(t *testing.T) {
	b := render(map[string]any{"text/html": "<p>x</p>", "image/png": []byte{1, 2}})
	want := Bundle{"text/html": "<p>x</p>", "image/png": "AQI=", "text/plain": "x"}
	if !reflect.DeepEqual(b, want) {
		t.Errorf("bundle map rendered as %v, want %v", b, want)
	}
	// A map that is not a bundle is a table.
	b = render(map[string]any{"name": "x"})
	if b[MIMEPlain] != "map[name:x]" || !strings.Contains(b[MIMEHTML].(string), "<td>x</td>") {
		t.Errorf("plain map rendered as %v", b)
	}
	b = render(Rich{"text/markdown": "*x*"})
	if !reflect.DeepEqual(b, Bundle{"text/markdown": "*x*", "text/plain": "*x*"}) {
		t.Errorf("Rich rendered as %v", b)
	}
}

func TestTableStructsWithRowLimit(t *testing.T) {
	type row struct {
		Name  string
		Xsize int // an interpreted struct's unexported field "size"
		XRay  float64
	}
	rows := make([]*row, 120)
	for i := range rows {
		rows[i] = &row{fmt.Sprintf("r<%d>", i), i, 0.5}
	}
	rows[3] = nil
	h, ok := Table(reflect.ValueOf(rows))
	if !ok {
		t.Fatal("a slice of struct pointers is not a table")
	}
	for _, want := range []string{
		"<th>Name</th><th>size</th><th>XRay</th>",
		"<tr><th>0</th><td>r&lt;0&gt;</td><td>0</td><td>0.5</td></tr>",
		"<tr><th>3</th><td></td><td></td><td></td></tr>",
		"<tr><th>49</th>",
		"70 more rows not shown (120 in total)",
	} {
		if !strings.Contains(h, want) {
			t.Errorf("table lacks %q", want)
		}
	}
	if n := strings.Count(h, "<tr>"); n != MaxRows+1 {
		t.Errorf("table has %d rows with the header, want %d", n, MaxRows+1)
	}
}

func TestTableMaps(t *testing.T) {
	h, ok := Table(reflect.ValueOf([]map[string]int{{"b": 2}, {"a": 1, "b": 3}}))
	if !ok || !strings.Contains(h, "<th>a</th><th>b</th>") ||
		!strings.Contains(h, "<tr><th>0</th><td></td><td>2</td></tr>") {
		t.Errorf("slice of maps table: %s", h)
	}
	h, ok = Table(reflect.ValueOf(map[int]string{10: "ten", 9: "nine"}))
	if !ok || !strings.Contains(h, "<tr><th>9</th><td>nine</td></tr><tr><th>10</th><td>ten</td></tr>") {
		t.Errorf("map table (keys in numeric order): %s", h)
	}
	for _, v := range []any{[]int{1}, []map[string]int{}, map[string]int{}, "s"} {
		if _, ok := Table(reflect.ValueOf(v)); ok {
			t.Errorf("Table(%#v) is a table", v)
		}
	}
}

func TestNormalizeErrors(t *testing.T) {
	for _, c := range []struct {
		b    map[string]any
		want string
	}{
		{map[string]any{}, "empty"},
		{map[string]any{"html": "x"}, "not a MIME type"},
		{map[string]any{"text/html": 3}, "must be a string"},
		{map[string]any{"image/png": 3}, "must be []byte"},
		{map[string]any{"application/json": make(chan int)}, "JSON"},
	} {
		if _, err := Normalize(c.b); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("Normalize(%v) error %v, want %q", c.b, err, c.want)
		}
	}
}

func TestFromMethods(t *testing.T) {
	r, err := FromMethods(struct{}{}, map[string]any{
		"MIME": map[string]any{"text/html": "old", "application/vnd.x+json": map[string]any{"k": 1}},
		"HTML": "<b>new</b>",
		"PNG":  []byte{0xff},
	})
	if err != nil {
		t.Fatal(err)
	}
	want := Rich{"text/html": "<b>new</b>", "application/vnd.x+json": map[string]any{"k": 1.0},
		"image/png": "/w==", "text/plain": "new"}
	if !reflect.DeepEqual(r, want) {
		t.Errorf("FromMethods = %v, want %v", r, want)
	}
	if _, err := FromMethods(1, map[string]any{"Bogus": "x"}); err == nil {
		t.Error("an unknown method name was accepted")
	}
	r, _ = FromMethods([]int{1}, nil)
	if r[MIMEPlain] != "[1]" {
		t.Errorf("no methods: %v, want the value rendered", r)
	}
}

func TestHTMLText(t *testing.T) {
	got := htmlText("<h1>Title</h1>\n<style>p{}</style><p>a &amp; <b>b</b></p>")
	if got != "Title\na & b" {
		t.Errorf("htmlText = %q", got)
	}
}

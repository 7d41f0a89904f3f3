package e2e

import (
	"encoding/base64"
	"testing"

	"github.com/dmirror/dmirror/kernel/kerneltest"
)

// TestDisplayBasics: display sends HTML, Markdown, PNG, SVG, JSON and
// plain text as display_data, and clear_output.
func TestDisplayBasics(t *testing.T) {
	k := start(t)
	png := []byte("\x89PNG\r\n\x1a\n fake but typed")
	ok(t, k, "pngBytes := []byte(\"\\x89PNG\\r\\n\\x1a\\n fake but typed\")")
	for code, mime := range map[string]string{
		`display.HTML("<b>bold</b>")`:                                "text/html",
		`display.Markdown("# title")`:                                "text/markdown",
		`display.PNG(pngBytes)`:                                      "image/png",
		`display.SVG("<svg xmlns=\"http://www.w3.org/2000/svg\"/>")`: "image/svg+xml",
		`display.JSON(map[string]int{"a": 1})`:                       "application/json",
		`display.Text("plain words")`:                                "text/plain",
	} {
		r := ok(t, k, code)
		dd := r.Of("display_data")
		if len(dd) != 1 {
			t.Errorf("%s: %d display_data, want 1", code, len(dd))
			continue
		}
		data, _ := kerneltest.Fields(dd[0])["data"].(map[string]any)
		if data[mime] == nil {
			t.Errorf("%s: no %s in %v", code, mime, data)
		}
		if mime == "image/png" && data[mime] != base64.StdEncoding.EncodeToString(png) {
			t.Errorf("PNG data %v, want the bytes in base64", data[mime])
		}
		if len(r.Of("execute_result")) != 0 {
			t.Errorf("%s: also gave a result", code)
		}
	}
	r := ok(t, k, "display.Text(\"gone\")\ndisplay.Clear(true)")
	clears := r.Of("clear_output")
	if len(clears) != 1 || kerneltest.Fields(clears[0])["wait"] != true {
		t.Errorf("clear_output messages %v, want one with wait true", clears)
	}
}

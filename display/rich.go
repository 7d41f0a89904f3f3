package display

import (
	"fmt"
	"reflect"
)

// methodMIME maps a display method to the MIME type of its result.
var methodMIME = map[string]string{
	"HTML":     MIMEHTML,
	"Markdown": MIMEMarkdown,
	"Latex":    MIMELatex,
	"SVG":      MIMESVG,
	"PNG":      MIMEPNG,
	"JPEG":     MIMEJPEG,
	"JSON":     MIMEJSON,
	"String":   MIMEPlain,
}

// FromMethods builds the bundle of a value whose type has display methods.
// methods maps a method name (HTML, Markdown, Latex, SVG, PNG, JPEG, JSON,
// String, MIME) to what the method returned; MIME's result is a bundle that
// the others are merged into (they win). text/plain comes from String, else
// from the richest readable entry (see Normalize); with no method at all,
// v is rendered as Render does.
func FromMethods(v any, methods map[string]any) (Rich, error) {
	raw := map[string]any{}
	if m, ok := methods["MIME"]; ok && m != nil {
		mb, ok := m.(map[string]any)
		if !ok {
			return nil, fmt.Errorf("display: MIME() returned %T, want map[string]any", m)
		}
		for k, d := range mb {
			raw[k] = d
		}
	}
	for name, d := range methods {
		if name == "MIME" {
			continue
		}
		mime, ok := methodMIME[name]
		if !ok {
			return nil, fmt.Errorf("display: %s is not a display method", name)
		}
		raw[mime] = d
	}
	if len(raw) == 0 {
		plain, _ := Render(reflect.ValueOf(v))
		return Rich(plain), nil
	}
	b, err := Normalize(raw)
	if err != nil {
		return nil, err
	}
	return Rich(b), nil
}

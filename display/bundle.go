package display

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"html"
	"image"
	_ "image/jpeg" // decode JPEG headers for the text/plain fallback
	"image/png"
	"regexp"
	"strings"
)

// MIME types of the bundles built here.
const (
	MIMEPlain    = "text/plain"
	MIMEHTML     = "text/html"
	MIMEMarkdown = "text/markdown"
	MIMELatex    = "text/latex"
	MIMESVG      = "image/svg+xml"
	MIMEPNG      = "image/png"
	MIMEJPEG     = "image/jpeg"
	MIMEJSON     = "application/json"
)

// Bundle is a MIME bundle: MIME type to data. It is the same type as
// engine.Bundle.
type Bundle = map[string]any

// Rich is a bundle a cell returns as its value: Render shows it as it is.
// Rich values are built by Rich and by the frontend's rewrite of a trailing
// expression whose type has display methods.
type Rich map[string]any

// HTML returns a bundle showing s as HTML; its text/plain is the text of s
// without tags.
func HTML(s string) Bundle {
	return Bundle{MIMEHTML: s, MIMEPlain: htmlText(s)}
}

// Markdown returns a bundle showing s as Markdown.
func Markdown(s string) Bundle { return Bundle{MIMEMarkdown: s, MIMEPlain: s} }

// Latex returns a bundle showing s as LaTeX (for example "$x^2$").
func Latex(s string) Bundle { return Bundle{MIMELatex: s, MIMEPlain: s} }

// SVG returns a bundle showing an SVG document.
func SVG(s string) Bundle { return Bundle{MIMESVG: s, MIMEPlain: "[SVG image]"} }

// Text returns a bundle of plain text.
func Text(s string) Bundle { return Bundle{MIMEPlain: s} }

// PNG returns a bundle showing PNG-encoded bytes.
func PNG(b []byte) Bundle {
	return Bundle{MIMEPNG: base64.StdEncoding.EncodeToString(b), MIMEPlain: imageText("PNG", b)}
}

// JPEG returns a bundle showing JPEG-encoded bytes.
func JPEG(b []byte) Bundle {
	return Bundle{MIMEJPEG: base64.StdEncoding.EncodeToString(b), MIMEPlain: imageText("JPEG", b)}
}

// Image returns a bundle showing img as a PNG.
func Image(img image.Image) (Bundle, error) {
	if img == nil {
		return nil, fmt.Errorf("display: image is nil")
	}
	var buf bytes.Buffer
	if err := png.Encode(&buf, img); err != nil {
		return nil, fmt.Errorf("display: encode image as PNG: %w", err)
	}
	return PNG(buf.Bytes()), nil
}

// JSON returns a bundle showing v as JSON (application/json), with the
// indented JSON text as text/plain.
func JSON(v any) (Bundle, error) {
	decoded, err := jsonValue(v)
	if err != nil {
		return nil, err
	}
	text, err := json.MarshalIndent(decoded, "", "  ")
	if err != nil {
		return nil, fmt.Errorf("display: JSON: %w", err)
	}
	return Bundle{MIMEJSON: decoded, MIMEPlain: string(text)}, nil
}

// jsonValue turns v into plain decoded JSON (maps, slices, strings,
// float64, bool, nil), as a bundle must hold it. A string or []byte is
// taken as JSON text.
func jsonValue(v any) (any, error) {
	var raw []byte
	switch t := v.(type) {
	case string:
		raw = []byte(t)
	case []byte:
		raw = t
	default:
		b, err := json.Marshal(v)
		if err != nil {
			return nil, fmt.Errorf("display: JSON: %w", err)
		}
		raw = b
	}
	var out any
	if err := json.Unmarshal(raw, &out); err != nil {
		return nil, fmt.Errorf("display: JSON: invalid JSON text: %w", err)
	}
	return out, nil
}

// mimePattern is what a MIME type looks like: type/subtype.
var mimePattern = regexp.MustCompile(`^[a-zA-Z0-9][a-zA-Z0-9!#$&^_.+-]*/[a-zA-Z0-9][a-zA-Z0-9!#$&^_.+-]*$`)

// IsMIMEType reports whether s looks like a MIME type (type/subtype).
func IsMIMEType(s string) bool { return mimePattern.MatchString(s) }

// Normalize checks a bundle built by user code and returns it in protocol
// form: []byte data become base64 for binary types and strings for text
// types, JSON types hold decoded JSON, and text/plain is added when missing.
func Normalize(b map[string]any) (Bundle, error) {
	if len(b) == 0 {
		return nil, fmt.Errorf("display: empty MIME bundle")
	}
	out := make(Bundle, len(b)+1)
	for mime, v := range b {
		if !IsMIMEType(mime) {
			return nil, fmt.Errorf("display: %q is not a MIME type (want type/subtype, e.g. text/html)", mime)
		}
		nv, err := normalizeData(mime, v)
		if err != nil {
			return nil, err
		}
		out[mime] = nv
	}
	if _, ok := out[MIMEPlain]; !ok {
		out[MIMEPlain] = plainFallback(out)
	}
	return out, nil
}

func normalizeData(mime string, v any) (any, error) {
	switch {
	case isJSONType(mime):
		return jsonValue(v)
	case isTextType(mime):
		switch t := v.(type) {
		case string:
			return t, nil
		case []byte:
			return string(t), nil
		}
		return nil, fmt.Errorf("display: %s data must be a string, not %T", mime, v)
	default:
		switch t := v.(type) {
		case []byte:
			return base64.StdEncoding.EncodeToString(t), nil
		case string: // already base64, as the protocol carries it
			return t, nil
		}
		return nil, fmt.Errorf("display: %s data must be []byte or a base64 string, not %T", mime, v)
	}
}

func isJSONType(mime string) bool {
	return mime == MIMEJSON || (strings.HasPrefix(mime, "application/") && strings.HasSuffix(mime, "+json"))
}

func isTextType(mime string) bool {
	return strings.HasPrefix(mime, "text/") || mime == MIMESVG ||
		mime == "application/javascript" || strings.HasSuffix(mime, "+xml")
}

// plainFallback describes a bundle without text/plain, from its richest
// readable entry.
func plainFallback(b Bundle) string {
	if s, ok := b[MIMEMarkdown].(string); ok {
		return s
	}
	if s, ok := b[MIMELatex].(string); ok {
		return s
	}
	if s, ok := b[MIMEHTML].(string); ok {
		return htmlText(s)
	}
	if v, ok := b[MIMEJSON]; ok {
		if t, err := json.MarshalIndent(v, "", "  "); err == nil {
			return string(t)
		}
	}
	for _, kind := range []struct{ mime, name string }{{MIMEPNG, "PNG"}, {MIMEJPEG, "JPEG"}} {
		if s, ok := b[kind.mime].(string); ok {
			raw, _ := base64.StdEncoding.DecodeString(s) // a bad header only loses the size
			return imageText(kind.name, raw)
		}
	}
	if _, ok := b[MIMESVG]; ok {
		return "[SVG image]"
	}
	return "[" + strings.Join(sortedKeys(b), ", ") + "]"
}

// imageText names an encoded image and its size when the header says it.
func imageText(format string, b []byte) string {
	cfg, _, err := image.DecodeConfig(bytes.NewReader(b))
	if err != nil {
		return fmt.Sprintf("[%s image, %d bytes]", format, len(b))
	}
	return fmt.Sprintf("[%s image %dx%d]", format, cfg.Width, cfg.Height)
}

var (
	tagPattern   = regexp.MustCompile(`(?s)<(script|style)\b.*?</(script|style)>|<[^>]*>`)
	spacePattern = regexp.MustCompile(`[ \t]+`)
)

// htmlText is the readable text of an HTML fragment: tags removed, entities
// decoded, runs of blanks collapsed.
func htmlText(s string) string {
	t := html.UnescapeString(tagPattern.ReplaceAllString(s, " "))
	lines := strings.Split(t, "\n")
	out := lines[:0]
	for _, l := range lines {
		l = strings.TrimSpace(spacePattern.ReplaceAllString(l, " "))
		if l != "" {
			out = append(out, l)
		}
	}
	return strings.Join(out, "\n")
}

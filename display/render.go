package display

import (
	"fmt"
	"image"
	"reflect"
	"sort"
	"unicode"
	"unicode/utf8"
)

// MaxPlain bounds the text/plain of a rendered value, so that a huge result
// cannot flood the front end.
const MaxPlain = 1 << 20

var (
	richType  = reflect.TypeOf(Rich(nil))
	imageType = reflect.TypeOf((*image.Image)(nil)).Elem()
)

// Render makes the execute_result bundle of a cell's value:
//   - text/plain always: the value as fmt's %v prints it, except that
//     strings are quoted as Go source (%q), so that "" and trailing spaces
//     are visible; a nil value shows as <nil>;
//   - a Rich value is shown as it is;
//   - a map[string]any whose keys are all MIME types is taken as a bundle;
//   - an image.Image becomes image/png;
//   - slices and arrays of structs or maps, and maps, become an HTML table
//     (text/html) of at most MaxRows rows.
//
// Render never fails: a value it cannot render richly is shown as text.
func Render(v reflect.Value) (data, metadata map[string]any) {
	for v.IsValid() && v.Kind() == reflect.Interface {
		if v.IsNil() {
			return Bundle{MIMEPlain: "<nil>"}, map[string]any{}
		}
		v = v.Elem()
	}
	if !v.IsValid() {
		return Bundle{MIMEPlain: "<nil>"}, map[string]any{}
	}
	if b, ok := renderBundle(v); ok {
		return b, map[string]any{}
	}
	if b, ok := renderImage(v); ok {
		return b, map[string]any{}
	}
	data = Bundle{MIMEPlain: plainText(v)}
	if h, ok := Table(v); ok {
		data[MIMEHTML] = h
	}
	return data, map[string]any{}
}

// renderBundle shows a Rich value or a map[string]any of MIME types.
func renderBundle(v reflect.Value) (Bundle, bool) {
	if v.Type() == richType {
		b := make(Bundle, v.Len())
		for k, d := range v.Interface().(Rich) {
			b[k] = d
		}
		if _, ok := b[MIMEPlain]; !ok && len(b) > 0 {
			b[MIMEPlain] = plainFallback(b)
		}
		return b, len(b) > 0
	}
	if v.Kind() != reflect.Map || v.Type().Key().Kind() != reflect.String ||
		v.Type().Elem().Kind() != reflect.Interface || v.Len() == 0 {
		return nil, false
	}
	m := make(map[string]any, v.Len())
	for it := v.MapRange(); it.Next(); {
		k := it.Key().String()
		if !IsMIMEType(k) {
			return nil, false
		}
		m[k] = it.Value().Interface()
	}
	b, err := Normalize(m)
	if err != nil {
		return Bundle{MIMEPlain: plainText(v) + "\n(not shown as a MIME bundle: " + err.Error() + ")"}, true
	}
	return b, true
}

// renderImage shows an image.Image as a PNG.
func renderImage(v reflect.Value) (Bundle, bool) {
	if !v.Type().Implements(imageType) || isNilPointer(v) {
		return nil, false
	}
	img := v.Interface().(image.Image)
	b, err := Image(img)
	if err != nil {
		return Bundle{MIMEPlain: err.Error()}, true
	}
	r := img.Bounds()
	b[MIMEPlain] = fmt.Sprintf("[image %s %dx%d]", v.Type(), r.Dx(), r.Dy())
	return b, true
}

func isNilPointer(v reflect.Value) bool {
	switch v.Kind() {
	case reflect.Pointer, reflect.Map, reflect.Slice, reflect.Interface, reflect.Func, reflect.Chan:
		return v.IsNil()
	}
	return false
}

// plainText is v as fmt's %v prints it, strings quoted, bounded by MaxPlain.
func plainText(v reflect.Value) string {
	var s string
	if v.Kind() == reflect.String {
		s = fmt.Sprintf("%q", v.String())
	} else if v.CanInterface() {
		s = fmt.Sprintf("%v", v.Interface())
	} else {
		s = fmt.Sprintf("%v", v)
	}
	return truncate(s, MaxPlain)
}

// truncate cuts s to at most max bytes on a rune boundary and says how much
// was left out.
func truncate(s string, max int) string {
	if len(s) <= max {
		return s
	}
	cut := max
	for cut > 0 && !utf8.RuneStart(s[cut]) {
		cut--
	}
	return fmt.Sprintf("%s… (%d more bytes)", s[:cut], len(s)-cut)
}

// FieldName is the name of a struct field as the user wrote it: the
// interpreter exports unexported fields of interpreted types by prefixing
// them with X (secret becomes Xsecret). A field named X followed by a
// lower-case letter or an underscore is taken as such a renamed field.
func FieldName(f reflect.StructField) string {
	n := f.Name
	if len(n) > 1 && n[0] == 'X' {
		r, _ := utf8.DecodeRuneInString(n[1:])
		if unicode.IsLower(r) || r == '_' {
			return n[1:]
		}
	}
	return n
}

func sortedKeys(b Bundle) []string {
	keys := make([]string, 0, len(b))
	for k := range b {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

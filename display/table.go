package display

import (
	"fmt"
	"html"
	"reflect"
	"sort"
	"strings"
)

// MaxRows is how many rows a table shows; a note says how many were left
// out.
const MaxRows = 50

// maxCell bounds the text of one table cell.
const maxCell = 200

// Table renders v as an HTML table when it is tabular: a slice or array of
// structs (or pointers to structs) or of maps, or a map. The first column is
// the index (or the key of a map). It reports false for other values and
// for empty ones.
func Table(v reflect.Value) (string, bool) {
	switch v.Kind() {
	case reflect.Slice, reflect.Array:
		if v.Len() == 0 {
			return "", false
		}
		switch derefType(v.Type().Elem()).Kind() {
		case reflect.Struct:
			return structRows(v), true
		case reflect.Map:
			return mapRows(v), true
		}
	case reflect.Map:
		if v.Len() == 0 {
			return "", false
		}
		return keyedRows(v), true
	}
	return "", false
}

func derefType(t reflect.Type) reflect.Type {
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	return t
}

// deref follows pointers; it returns an invalid Value for a nil pointer.
func deref(v reflect.Value) reflect.Value {
	for v.Kind() == reflect.Pointer || v.Kind() == reflect.Interface {
		if v.IsNil() {
			return reflect.Value{}
		}
		v = v.Elem()
	}
	return v
}

// table accumulates the HTML of one table.
type table struct {
	b    strings.Builder
	rows int
}

func newTable(header []string) *table {
	t := &table{}
	t.b.WriteString(`<table class="dmirror-table"><thead><tr>`)
	for _, h := range header {
		fmt.Fprintf(&t.b, "<th>%s</th>", html.EscapeString(h))
	}
	t.b.WriteString("</tr></thead><tbody>")
	return t
}

// row adds a row of already formatted cells; the first is a header cell.
func (t *table) row(cells []string) {
	t.b.WriteString("<tr>")
	for i, c := range cells {
		tag := "td"
		if i == 0 {
			tag = "th"
		}
		fmt.Fprintf(&t.b, "<%s>%s</%s>", tag, html.EscapeString(c), tag)
	}
	t.b.WriteString("</tr>")
	t.rows++
}

func (t *table) end(total int) string {
	t.b.WriteString("</tbody></table>")
	if left := total - t.rows; left > 0 {
		fmt.Fprintf(&t.b, "<p><em>%d more rows not shown (%d in total)</em></p>", left, total)
	}
	return t.b.String()
}

func structRows(v reflect.Value) string {
	st := derefType(v.Type().Elem())
	header := []string{""}
	for i := 0; i < st.NumField(); i++ {
		header = append(header, FieldName(st.Field(i)))
	}
	t := newTable(header)
	for i := 0; i < v.Len() && i < MaxRows; i++ {
		cells := []string{fmt.Sprint(i)}
		e := deref(v.Index(i))
		for f := 0; f < st.NumField(); f++ {
			if !e.IsValid() {
				cells = append(cells, "")
				continue
			}
			cells = append(cells, cellText(e.Field(f)))
		}
		t.row(cells)
	}
	return t.end(v.Len())
}

func mapRows(v reflect.Value) string {
	// Columns are the union of the keys of the maps shown.
	seen := map[string]bool{}
	var cols []string
	n := min(v.Len(), MaxRows)
	for i := 0; i < n; i++ {
		m := deref(v.Index(i))
		if !m.IsValid() {
			continue
		}
		for _, k := range m.MapKeys() {
			name := fmt.Sprint(k.Interface())
			if !seen[name] {
				seen[name] = true
				cols = append(cols, name)
			}
		}
	}
	sort.Strings(cols)
	t := newTable(append([]string{""}, cols...))
	for i := 0; i < n; i++ {
		byName := map[string]string{}
		if m := deref(v.Index(i)); m.IsValid() {
			for it := m.MapRange(); it.Next(); {
				byName[fmt.Sprint(it.Key().Interface())] = cellText(it.Value())
			}
		}
		cells := []string{fmt.Sprint(i)}
		for _, c := range cols {
			cells = append(cells, byName[c])
		}
		t.row(cells)
	}
	return t.end(v.Len())
}

// keyedRows shows a map, one row per key in sorted order; struct values
// get one column per field.
func keyedRows(v reflect.Value) string {
	keys := v.MapKeys()
	sortValues(keys)
	et := derefType(v.Type().Elem())
	header := []string{"key", "value"}
	isStruct := et.Kind() == reflect.Struct
	if isStruct {
		header = []string{"key"}
		for i := 0; i < et.NumField(); i++ {
			header = append(header, FieldName(et.Field(i)))
		}
	}
	t := newTable(header)
	for i := 0; i < len(keys) && i < MaxRows; i++ {
		cells := []string{cellText(keys[i])}
		e := v.MapIndex(keys[i])
		if isStruct {
			e = deref(e)
			for f := 0; f < et.NumField(); f++ {
				if !e.IsValid() {
					cells = append(cells, "")
					continue
				}
				cells = append(cells, cellText(e.Field(f)))
			}
		} else {
			cells = append(cells, cellText(e))
		}
		t.row(cells)
	}
	return t.end(len(keys))
}

// cellText is a value as a table shows it: strings unquoted, others as %v.
func cellText(v reflect.Value) string {
	var s string
	switch {
	case v.Kind() == reflect.String:
		s = v.String()
	case v.CanInterface():
		s = fmt.Sprint(v.Interface())
	default:
		s = fmt.Sprint(v)
	}
	if len(s) > maxCell {
		return truncate(s, maxCell)
	}
	return s
}

// sortValues orders map keys: numbers by value, strings and the rest by
// their printed form.
func sortValues(keys []reflect.Value) {
	sort.SliceStable(keys, func(i, j int) bool {
		a, b := keys[i], keys[j]
		switch {
		case a.CanInt() && b.CanInt():
			return a.Int() < b.Int()
		case a.CanUint() && b.CanUint():
			return a.Uint() < b.Uint()
		case a.CanFloat() && b.CanFloat():
			return a.Float() < b.Float()
		}
		return fmt.Sprint(a) < fmt.Sprint(b)
	})
}

package values

import (
	"fmt"
	"reflect"
	"sort"
	"strings"
	"time"
)

// dump renders v canonically: the same structure, contents, nil-ness and
// sharing give the same text whatever the process or interpreter, so two
// interpreters' values compare by their dumps. Pointers, maps and slices
// are numbered at their first occurrence and referred to by number after.
func dump(v reflect.Value) string {
	d := &dumper{ids: map[refKey]int{}}
	d.value(v)
	return d.b.String()
}

type dumper struct {
	b   strings.Builder
	ids map[refKey]int
}

func (d *dumper) seen(k refKey) bool {
	if id, ok := d.ids[k]; ok {
		fmt.Fprintf(&d.b, "@%d", id)
		return true
	}
	d.ids[k] = len(d.ids)
	fmt.Fprintf(&d.b, "#%d", len(d.ids)-1)
	return false
}

func (d *dumper) value(v reflect.Value) {
	if v.Type() == reflect.TypeFor[time.Time]() {
		t := v.Interface().(time.Time)
		fmt.Fprintf(&d.b, "time(%d %s)", t.UnixNano(), t.Format(time.RFC3339Nano))
		return
	}
	switch v.Kind() {
	case reflect.Pointer:
		if v.IsNil() {
			d.b.WriteString("nilptr")
			return
		}
		d.b.WriteString("&")
		if !d.seen(refKey{p: v.Pointer(), n: -1, t: v.Type()}) {
			d.value(v.Elem())
		}
	case reflect.Interface:
		if v.IsNil() {
			d.b.WriteString("nilif")
			return
		}
		fmt.Fprintf(&d.b, "if(%s:", v.Elem().Kind())
		d.value(v.Elem())
		d.b.WriteString(")")
	case reflect.Slice:
		if v.IsNil() {
			d.b.WriteString("nilslice")
			return
		}
		d.b.WriteString("[")
		if !d.seen(refKey{p: v.Pointer(), n: v.Len(), t: v.Type()}) {
			for i := range v.Len() {
				d.value(v.Index(i))
				d.b.WriteString(" ")
			}
		}
		d.b.WriteString("]")
	case reflect.Array:
		d.b.WriteString("A[")
		for i := range v.Len() {
			d.value(v.Index(i))
			d.b.WriteString(" ")
		}
		d.b.WriteString("]")
	case reflect.Map:
		if v.IsNil() {
			d.b.WriteString("nilmap")
			return
		}
		d.b.WriteString("map")
		if d.seen(refKey{p: v.Pointer(), n: -1, t: v.Type()}) {
			return
		}
		type entry struct {
			key string
			val reflect.Value
		}
		var entries []entry
		for it := v.MapRange(); it.Next(); {
			entries = append(entries, entry{dump(it.Key()), it.Value()})
		}
		// Values are dumped in key order, so that the numbering of what
		// they share does not depend on map iteration order.
		sort.Slice(entries, func(i, j int) bool { return entries[i].key < entries[j].key })
		d.b.WriteString("{")
		for _, e := range entries {
			d.b.WriteString(e.key + ":")
			d.value(e.val)
			d.b.WriteString(", ")
		}
		d.b.WriteString("}")
	case reflect.Struct:
		d.b.WriteString("{")
		for i := range v.NumField() {
			fmt.Fprintf(&d.b, "%s:", v.Type().Field(i).Name)
			d.value(v.Field(i))
			d.b.WriteString(" ")
		}
		d.b.WriteString("}")
	case reflect.Chan, reflect.Func, reflect.UnsafePointer:
		fmt.Fprintf(&d.b, "%s(nil=%v)", v.Kind(), v.IsNil())
	case reflect.Float32, reflect.Float64:
		fmt.Fprintf(&d.b, "%v", v.Float())
	default:
		fmt.Fprintf(&d.b, "%s(%#v)", v.Kind(), v)
	}
}

package interp

import (
	"fmt"
	"reflect"

	"github.com/dmirror/dmirror/display"
	"github.com/dmirror/dmirror/interp/gofmt"
)

// renderResult renders a cell's result. A value of a session type with
// methods held in an interface (`var a any = Level(3); a`, or in a []any)
// reaches compiled code as a record of the interpreter's, whose fields
// are pointers: it is shown as the value under the record, or not at all
// when it is nested, saying why, since its methods cannot be called here.
// (Struct types are shown through their methods by the frontend's
// anyResult.)
func renderResult(v reflect.Value) (data, metadata map[string]any) {
	if !v.IsValid() || !v.CanInterface() {
		return display.Render(v)
	}
	x := v.Interface()
	name, ok := gofmt.Interpreted(x)
	if !ok {
		return display.Render(v)
	}
	inner := gofmt.Unwrapped(x)
	if _, still := gofmt.Interpreted(inner); still {
		return display.Bundle{display.MIMEPlain: fmt.Sprintf("(a value of %s held in an interface, which the interpreter cannot show as Go would: show it with its own static type)", name)}, map[string]any{}
	}
	return display.Bundle{display.MIMEPlain: fmt.Sprintf("%v (a value of %s held in an interface, shown without its methods: the interpreter cannot call them here; show it with its own static type)", inner, name)}, map[string]any{}
}

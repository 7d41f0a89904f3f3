package values

import (
	"fmt"
	"go/token"
	"reflect"

	yaegi "github.com/traefik/yaegi/interp"
)

// KnownTypes returns, for NewDecoder, the types of i's package-level
// variables and of the types i declares under typeNames (the session's type
// declarations; i's globals do not always reach a type that values held in
// interfaces have). Names that do not denote a type i can instantiate,
// such as generic types, are skipped. It evaluates code in i: call it when
// no cell runs there.
func KnownTypes(i *yaegi.Interpreter, typeNames ...string) []reflect.Type {
	var ts []reflect.Type
	for _, g := range i.Globals() {
		if g.IsValid() {
			ts = append(ts, g.Type())
		}
	}
	for _, name := range typeNames {
		if t, ok := declaredType(i, name); ok {
			ts = append(ts, t)
		}
	}
	return ts
}

func declaredType(i *yaegi.Interpreter, name string) (t reflect.Type, ok bool) {
	if !token.IsIdentifier(name) {
		return nil, false
	}
	defer func() {
		// yaegi's compiler can panic; a type it cannot give is not known.
		if recover() != nil {
			t, ok = nil, false
		}
	}()
	v, err := i.Eval(fmt.Sprintf("(*%s)(nil)", name))
	if err != nil || !v.IsValid() || v.Kind() != reflect.Pointer {
		return nil, false
	}
	return v.Type().Elem(), true
}

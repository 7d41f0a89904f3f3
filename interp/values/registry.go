package values

import (
	"errors"
	"reflect"
	"strings"
	"sync"

	yaegi "github.com/traefik/yaegi/interp"
	"github.com/traefik/yaegi/stdlib"
)

// registry knows the binary packages every dmirror process links: their
// named types, so that a type inside an interface can be named on the wire
// and found again, and their variables, so that a pointer held in one
// (io.EOF, os.Stdout) travels by name instead of by contents.
type registry struct {
	once      sync.Once
	mu        sync.RWMutex
	types     map[typeName]reflect.Type
	vars      map[string]reflect.Value // "import/path.Name" → the variable
	sentinels map[refKey]string        // pointer held in a variable → its name
}

type typeName struct{ pkg, name string }

var reg = &registry{}

// RegisterExports makes the binary packages in ex (as given to
// interp.Interpreter.Use) known to the codec, in addition to yaegi's
// standard library. Every process that exchanges values must register the
// same exports.
func RegisterExports(ex yaegi.Exports) {
	reg.init()
	reg.mu.Lock()
	defer reg.mu.Unlock()
	reg.add(ex)
}

func (r *registry) init() {
	r.once.Do(func() {
		r.types = map[typeName]reflect.Type{}
		r.vars = map[string]reflect.Value{}
		r.sentinels = map[refKey]string{}
		r.add(stdlib.Symbols)
		for t := range specials {
			r.types[typeName{t.Elem().PkgPath(), t.Elem().Name()}] = t.Elem()
		}
	})
}

// add records ex; the caller holds r.mu or is inside r.once.
func (r *registry) add(ex yaegi.Exports) {
	for key, syms := range ex {
		path := key
		if i := strings.LastIndexByte(key, '/'); i >= 0 {
			path = key[:i]
		}
		for name, v := range syms {
			switch {
			case v.CanAddr():
				r.addVar(path+"."+name, v)
			case v.Kind() == reflect.Pointer && v.IsNil():
				// Types are exported as nil pointers to them.
				t := v.Type().Elem()
				if t.Name() != "" && t.PkgPath() != "" {
					r.types[typeName{t.PkgPath(), t.Name()}] = t
				}
			}
		}
	}
}

func (r *registry) addVar(name string, v reflect.Value) {
	r.vars[name] = v
	if p, ok := heldPointer(v); ok {
		r.sentinels[refKey{p: p.Pointer(), t: p.Type()}] = name
	}
}

// heldPointer returns the non-nil pointer a variable holds, directly or in
// an interface.
func heldPointer(v reflect.Value) (reflect.Value, bool) {
	if v.Kind() == reflect.Interface {
		v = v.Elem()
	}
	if !v.IsValid() || v.Kind() != reflect.Pointer || v.IsNil() {
		return reflect.Value{}, false
	}
	return v, true
}

func (r *registry) lookupType(pkg, name string) (reflect.Type, bool) {
	r.init()
	r.mu.RLock()
	defer r.mu.RUnlock()
	t, ok := r.types[typeName{pkg, name}]
	return t, ok
}

// sentinel returns the name of the binary package variable holding the
// pointer p, if any.
func (r *registry) sentinel(p reflect.Value) (string, bool) {
	r.init()
	r.mu.RLock()
	defer r.mu.RUnlock()
	name, ok := r.sentinels[refKey{p: p.Pointer(), t: p.Type()}]
	return name, ok
}

// sentinelValue returns the pointer the variable name holds now.
func (r *registry) sentinelValue(name string) (reflect.Value, bool) {
	r.init()
	r.mu.RLock()
	v, ok := r.vars[name]
	r.mu.RUnlock()
	if !ok {
		return reflect.Value{}, false
	}
	return heldPointer(v)
}

// special is a binary pointer type whose state is unexported but that can
// be rebuilt soundly from a payload.
type special struct {
	enc func(p reflect.Value) []byte
	dec func(payload []byte) reflect.Value
}

// specials: an error made by errors.New is its message; rebuilding it with
// errors.New gives an equal error (a distinct pointer, which is why
// sentinel variables such as io.EOF travel by name instead).
var specials = map[reflect.Type]special{
	reflect.TypeOf(errors.New("")): {
		enc: func(p reflect.Value) []byte { return []byte(p.Elem().Field(0).String()) },
		dec: func(b []byte) reflect.Value { return reflect.ValueOf(errors.New(string(b))) },
	},
}

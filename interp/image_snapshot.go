package interp

import (
	"errors"
	"fmt"
	"reflect"
	"sort"

	yaegi "github.com/traefik/yaegi/interp"

	"github.com/dmirror/dmirror/interp/frontend"
	"github.com/dmirror/dmirror/interp/values"
	"github.com/dmirror/dmirror/interp/vm"
)

// saved is a variable's value before a cell: encoded, or, if it cannot be
// encoded, a shallow copy (which still restores what the variable holds).
type saved struct {
	data []byte
	live reflect.Value
}

func snapshot(ip *yaegi.Interpreter, vars []frontend.Var, names []string) map[string]saved {
	globals := globalsOf(ip, vars, names)
	snap := make(map[string]saved, len(names))
	for _, n := range names {
		g, ok := globals[n]
		if !ok || !g.CanSet() {
			continue
		}
		if data, err := values.Encode(g); err == nil {
			snap[n] = saved{data: data}
			continue
		}
		c := reflect.New(g.Type()).Elem()
		c.Set(g)
		snap[n] = saved{live: c}
	}
	return snap
}

func restoreSnapshot(ip *yaegi.Interpreter, decls []string, vars []frontend.Var, snap map[string]saved) []string {
	globals := globalsOf(ip, vars, sortedKeys(snap))
	dec := decoderFor(ip, decls)
	var problems []string
	for _, n := range sortedKeys(snap) {
		g, ok := globals[n]
		if !ok {
			continue
		}
		sv := snap[n]
		var err error
		if sv.data != nil {
			err = setEncoded(g, dec, sv.data)
		} else {
			err = setValue(g, sv.live)
		}
		if err != nil {
			problems = append(problems, fmt.Sprintf("%s: %v", n, err))
		}
	}
	return problems
}

// transfer copies the variables of from (fromVars) into to (vars), by
// name: directly when the types are the same, moved to the current
// generation of compiled declarations when they hold values of its types,
// else through the codec. It returns the variables it had to leave at
// their zero value, and why. decls are the declarations that to holds.
func transfer(from, to *yaegi.Interpreter, decls []string, fromVars, vars []frontend.Var) []string {
	names := make([]string, len(vars))
	for i, v := range vars {
		names[i] = v.Name
	}
	src, dst := globalsOf(from, fromVars, names), globalsOf(to, vars, names)
	var dec *values.Decoder // made when first needed: it evaluates code in to
	var reset []string
	for _, v := range vars {
		old, ok1 := src[v.Name]
		g, ok2 := dst[v.Name]
		if !ok1 || !ok2 {
			continue
		}
		if old.Type() == g.Type() && vm.GenerationOf(from) == vm.GenerationOf(to) {
			g.Set(old)
			continue
		}
		var err error
		if vm.GenerationOf(to) != nil {
			if err = moveValue(g, old); err == nil {
				continue
			}
		}
		data, err := values.Encode(old)
		if err == nil {
			if dec == nil {
				dec = decoderFor(to, decls)
			}
			err = setEncoded(g, dec, data)
		}
		if err != nil {
			reset = append(reset, fmt.Sprintf("%s (now %s): %v", v.Name, v.Type, err))
		}
	}
	return reset
}

// moveValue sets g to old moved to the current generation of compiled
// declarations (values.Convert).
func moveValue(g, old reflect.Value) error {
	v, err := values.Convert(old, g.Type())
	if err != nil {
		return err
	}
	return setValue(g, v)
}

// globalsOf returns the variables named names of ip: its interpreted
// globals, and, through their pointer symbols (Var.Ptr), those that live
// in the compiled declarations ip was built with.
func globalsOf(ip *yaegi.Interpreter, vars []frontend.Var, names []string) map[string]reflect.Value {
	ptr := map[string]string{}
	for _, v := range vars {
		if v.Ptr != "" {
			ptr[v.Name] = v.Ptr
		}
	}
	if len(ptr) == 0 {
		return vm.Globals(ip, names)
	}
	gen := vm.GenerationOf(ip)
	var interpreted []string
	out := map[string]reflect.Value{}
	for _, n := range names {
		key, ok := ptr[n]
		if !ok {
			interpreted = append(interpreted, n)
			continue
		}
		if v, ok := gen.Var(key); ok {
			out[n] = v
		}
	}
	for n, v := range vm.Globals(ip, interpreted) {
		out[n] = v
	}
	return out
}

func resetNote(reset []string) string {
	msg := "note: these variables could not keep their values and were reset:\n"
	for _, r := range reset {
		msg += "  " + r + "\n"
	}
	return msg
}

// collect encodes the variables the cell touched or added (all of them
// after a rebuild, which may have reset some), for the kernel's committed
// snapshot; the second result names those that cannot be encoded.
func collect(ip *yaegi.Interpreter, plan *frontend.Plan, prev []frontend.Var) (map[string][]byte, []string) {
	known := map[string]bool{}
	for _, v := range prev {
		known[v.Name] = true
	}
	names := map[string]bool{}
	for _, n := range plan.Touched {
		names[n] = true
	}
	for _, v := range plan.Vars {
		if plan.Rebuild || !known[v.Name] {
			names[v.Name] = true
		}
	}
	out := map[string][]byte{}
	var live []string
	globals := globalsOf(ip, plan.Vars, sortedKeys(names))
	for _, n := range sortedKeys(names) {
		g, ok := globals[n]
		if !ok {
			continue
		}
		data, err := values.Encode(g)
		if err != nil {
			live = append(live, n)
			continue
		}
		out[n] = data
	}
	return out, live
}

// decoderFor returns the decoder of values restored into ip, which holds
// decls: it knows ip's globals and declared types, because a recursive
// session type held in an interface (a *Node in a []any) is not reachable
// from the globals' types.
func decoderFor(ip *yaegi.Interpreter, decls []string) *values.Decoder {
	return values.NewDecoder(values.KnownTypes(ip, values.TypeNames(decls...)...)...)
}

func setEncoded(g reflect.Value, dec *values.Decoder, data []byte) error {
	v, err := dec.Decode(data, g.Type())
	if err != nil {
		return err
	}
	return setValue(g, v)
}

func setValue(g, v reflect.Value) (err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("cannot set: %v", r)
		}
	}()
	if !g.CanSet() {
		return errors.New("not settable")
	}
	g.Set(v)
	return nil
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

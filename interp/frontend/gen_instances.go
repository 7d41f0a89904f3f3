package frontend

import (
	"crypto/sha256"
	"encoding/hex"
	"go/types"
	"sort"
	"strings"
)

// A generic func or type of a compiled package instantiated with compiled
// session types (slices.SortFunc(people, byAge) with a compiled Person)
// cannot be compiled into the image binary, which cannot name them; the
// generation can, so the instantiation is one of its symbols, I_<hash>.
// A cell that uses a new one makes a new generation, as a new
// instantiation of a package's generic rebuilds the image binary.

// sessionInstance is an instantiation the generation compiles.
type sessionInstance struct {
	symbol string
	// expr is the instantiation as Go source in package main, packages
	// written ⟦import/path⟧ for the generator to name.
	expr   string
	isType bool
	types  []string // the session types it names, which must stay compiled
}

// sessionNameable reports whether t can be named by the generation and
// not by the image binary: it names compiled session types, and nothing
// else compiled code cannot name.
func (c *compiler) sessionNameable(t types.Type) bool {
	if c.comp == nil {
		return false
	}
	names, ok := c.sessionTypeNames(t)
	return ok && len(names) > 0
}

// sessionTypeNames lists the session types t names; ok is false when one
// is not compiled, or t names what no package can (a type declared in a
// func, a type parameter, an internal package's type).
func (c *compiler) sessionTypeNames(t types.Type) (names []string, ok bool) {
	return typeNamesIn(t, c.comp.has)
}

// typeNamesIn is sessionTypeNames with compiled telling which session
// types are compiled.
func typeNamesIn(t types.Type, compiled func(string) bool) (names []string, ok bool) {
	ok = true
	seen := map[types.Type]bool{}
	var walk func(t types.Type)
	walk = func(t types.Type) {
		if seen[t] || !ok {
			return
		}
		seen[t] = true
		switch t := types.Unalias(t).(type) {
		case *types.Named:
			obj := t.Obj()
			switch {
			case obj.Pkg() == nil:
			case obj.Parent() != nil && obj.Parent() != obj.Pkg().Scope():
				ok = false
			case obj.Pkg().Path() == "main":
				if !compiled(obj.Name()) {
					ok = false
				}
				names = append(names, obj.Name())
			case !obj.Exported() || isInternalPath(obj.Pkg().Path()):
				ok = false
			}
			for i := 0; i < t.TypeArgs().Len(); i++ {
				walk(t.TypeArgs().At(i))
			}
		case *types.Pointer:
			walk(t.Elem())
		case *types.Slice:
			walk(t.Elem())
		case *types.Array:
			walk(t.Elem())
		case *types.Map:
			walk(t.Key())
			walk(t.Elem())
		case *types.Chan:
			walk(t.Elem())
		case *types.Signature:
			for i := 0; i < t.Params().Len(); i++ {
				walk(t.Params().At(i).Type())
			}
			for i := 0; i < t.Results().Len(); i++ {
				walk(t.Results().At(i).Type())
			}
		case *types.Struct:
			for i := 0; i < t.NumFields(); i++ {
				walk(t.Field(i).Type())
			}
		case *types.TypeParam:
			ok = false
		}
	}
	walk(t)
	return names, ok
}

// sessionArgs reports whether one of args names compiled session types
// (and nothing compiled code cannot name): the generation instantiates the
// generic then, also one the interpreter has the source of, which yaegi
// fails to instantiate with a compiled type (slices.IndexFunc(users, f):
// "invalid type in assignment").
func (c *compiler) sessionArgs(args *types.TypeList) bool {
	for i := 0; i < args.Len(); i++ {
		if c.sessionNameable(args.At(i)) {
			return true
		}
	}
	return false
}

// sessionInstanceOf returns the session instantiation of obj with args.
func (c *compiler) sessionInstanceOf(obj types.Object, args *types.TypeList, isType bool) Instance {
	texts := make([]string, args.Len())
	var names []string
	for i := range texts {
		texts[i] = types.TypeString(args.At(i), func(p *types.Package) string {
			if p.Path() == "main" {
				return ""
			}
			return "⟦" + p.Path() + "⟧"
		})
		n, _ := c.sessionTypeNames(args.At(i))
		names = append(names, n...)
	}
	expr := "⟦" + obj.Pkg().Path() + "⟧." + obj.Name() + "[" + strings.Join(texts, ", ") + "]"
	h := sha256.Sum256([]byte(expr))
	si := &sessionInstance{symbol: "I_" + obj.Name() + "_" + hex.EncodeToString(h[:6]), expr: expr, isType: isType, types: names}
	return Instance{Path: obj.Pkg().Path(), Name: obj.Name(), TypeArgs: texts, Table: SessionPath, Symbol: si.symbol, Type: isType, session: si}
}

// addSessionInstance records a session instantiation the cell uses.
func (c *compiler) addSessionInstance(si *sessionInstance) {
	if c.sessInsts == nil {
		c.sessInsts = map[string]*sessionInstance{}
	}
	c.sessInsts[si.symbol] = si
}

// instancesAfter returns the session instantiations of the image after
// the cell: the committed ones whose session types are still compiled, and
// the cell's.
func (c *compiler) instancesAfter(names map[string]bool) map[string]*sessionInstance {
	out := map[string]*sessionInstance{}
	if c.base.compiled != nil {
		for k, si := range c.base.compiled.insts {
			keep := true
			for _, n := range si.types {
				keep = keep && names[n]
			}
			if keep {
				out[k] = si
			}
		}
	}
	for k, si := range c.sessInsts {
		out[k] = si
	}
	return out
}

// instancesKey is the instantiations as text, to tell generations apart.
func instancesKey(insts map[string]*sessionInstance) string {
	keys := make([]string, 0, len(insts))
	for k := range insts {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return strings.Join(keys, ",")
}

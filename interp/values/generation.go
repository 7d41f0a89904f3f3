package values

import (
	"fmt"
	"hash/fnv"
	"reflect"
	"strconv"
	"strings"
	"sync"

	yaegi "github.com/traefik/yaegi/interp"
)

// Generations of compiled declarations: each is a Go plugin whose package
// main is built in its own directory (GenerationDir), so its types have
// their own package path (dmirror.session/…/dmsgen3). On the wire, a type
// of any generation is named as a session type with a hash of its layout
// (SessionPkg, "Point#1f…"), resolved to the current generation's type of
// that name and layout: a value encoded in one process decodes in another
// that loaded the same declarations, and a changed layout is refused
// rather than decoded wrong. Values move to a changed layout in process,
// by field name, with Convert.

// SessionPkg is the package path under which session types travel.
const SessionPkg = "dmirror/session"

const generationPrefix = "dmsgen"

// GenerationDir is the directory (the last element of the package path)
// of generation n's plugin package.
func GenerationDir(n int) string { return generationPrefix + strconv.Itoa(n) }

// IsGenerationPath reports whether pkg is the package path of a
// generation of compiled declarations.
func IsGenerationPath(pkg string) bool {
	i := strings.LastIndexByte(pkg, '/')
	if i < 0 || !strings.HasPrefix(pkg, "dmirror.session/") {
		return false
	}
	n, ok := strings.CutPrefix(pkg[i+1:], generationPrefix)
	if !ok || n == "" {
		return false
	}
	_, err := strconv.Atoi(n)
	return err == nil
}

// sessions are the named types of the current generation, by name.
var sessions struct {
	mu     sync.RWMutex
	byName map[string]reflect.Type
}

// RegisterGeneration makes the types of a generation's symbols (ex, as
// given to interp.Interpreter.Use) the session types: values whose types
// are named as session types decode as them, and Convert moves values of
// earlier generations to them.
func RegisterGeneration(ex yaegi.Exports) {
	byName := map[string]reflect.Type{}
	reg.init()
	reg.mu.Lock()
	for _, syms := range ex {
		for _, v := range syms {
			if v.Kind() != reflect.Pointer || !v.IsNil() {
				continue
			}
			t := v.Type().Elem()
			if t.Name() != "" && IsGenerationPath(t.PkgPath()) {
				byName[t.Name()] = t
				reg.types[typeName{SessionPkg, sessionName(t)}] = t
			}
		}
	}
	reg.mu.Unlock()
	sessions.mu.Lock()
	sessions.byName = byName
	sessions.mu.Unlock()
}

// currentSession returns the current generation's type named name.
func currentSession(name string) (reflect.Type, bool) {
	sessions.mu.RLock()
	defer sessions.mu.RUnlock()
	t, ok := sessions.byName[name]
	return t, ok
}

var layouts sync.Map // reflect.Type → string

// sessionName is a generation type's name on the wire: its name and a hash
// of its layout.
func sessionName(t reflect.Type) string {
	if s, ok := layouts.Load(t); ok {
		return s.(string)
	}
	var b strings.Builder
	writeLayout(&b, t, map[reflect.Type]bool{t: true}, true)
	h := fnv.New64a()
	h.Write([]byte(b.String()))
	s := fmt.Sprintf("%s#%016x", t.Name(), h.Sum64())
	layouts.Store(t, s)
	return s
}

// writeLayout describes what the encoding of t depends on: field names and
// kinds, through the generation types it contains (each once).
func writeLayout(b *strings.Builder, t reflect.Type, seen map[reflect.Type]bool, root bool) {
	if !root && t.Name() != "" {
		if !IsGenerationPath(t.PkgPath()) || seen[t] {
			b.WriteString(t.String())
			return
		}
		seen[t] = true
		b.WriteString(t.Name())
	}
	fmt.Fprintf(b, "%d", t.Kind())
	switch t.Kind() {
	case reflect.Pointer, reflect.Slice:
		writeLayout(b, t.Elem(), seen, false)
	case reflect.Array:
		fmt.Fprintf(b, "[%d]", t.Len())
		writeLayout(b, t.Elem(), seen, false)
	case reflect.Map:
		writeLayout(b, t.Key(), seen, false)
		writeLayout(b, t.Elem(), seen, false)
	case reflect.Struct:
		b.WriteString("{")
		for i := range t.NumField() {
			f := t.Field(i)
			fmt.Fprintf(b, "%s %q %v:", f.Name, f.Tag, f.Anonymous)
			writeLayout(b, f.Type, seen, false)
			b.WriteString(";")
		}
		b.WriteString("}")
	case reflect.Func, reflect.Chan, reflect.Interface:
		b.WriteString(t.String())
	}
}

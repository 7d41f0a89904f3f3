package vm

import (
	"errors"
	"fmt"
	"reflect"
	"runtime"
	"sync"
	"weak"

	"github.com/traefik/yaegi/interp"

	"github.com/dmirror/dmirror/interp/values"
)

// A Generation is a loaded generation of compiled declarations: the
// symbols of its plugin, which an interpreter gets through Config.Exports
// and interpreted code imports as "dmirror/session".
type Generation struct {
	Path    string // the plugin file
	Symbols interp.Exports
}

// ErrNoPlugins is returned by LoadGeneration in a binary that cannot load
// plugins (dmirror's own, or a test binary).
var ErrNoPlugins = errors.New("this binary cannot load compiled declarations (it is not a plugin host)")

var (
	loaderMu sync.Mutex
	loader   func(path string) (map[string]map[string]reflect.Value, error)
	loaded   = map[string]*Generation{} // by path: a plugin loads once per process
)

// SetGenerationLoader installs what opens a generation's plugin. Only the
// init func of package interp/native/pluginhost calls it.
func SetGenerationLoader(open func(path string) (map[string]map[string]reflect.Value, error)) {
	loaderMu.Lock()
	defer loaderMu.Unlock()
	loader = open
}

// LoadGeneration loads the plugin at path (once per process: plugins are
// never unloaded) and makes the types of its symbols the codec's session
// types (values.RegisterGeneration).
func LoadGeneration(path string) (*Generation, error) {
	loaderMu.Lock()
	defer loaderMu.Unlock()
	if g, ok := loaded[path]; ok {
		values.RegisterGeneration(g.Symbols)
		return g, nil
	}
	if loader == nil {
		return nil, ErrNoPlugins
	}
	syms, err := loader(path)
	if err != nil {
		return nil, fmt.Errorf("vm: load compiled declarations: %w", err)
	}
	g := &Generation{Path: path, Symbols: interp.Exports(syms)}
	loaded[path] = g
	values.RegisterGeneration(g.Symbols)
	return g, nil
}

// Activate makes g's types the codec's session types again (after a
// later generation was loaded for a cell that failed).
func (g *Generation) Activate() {
	if g != nil {
		values.RegisterGeneration(g.Symbols)
	}
}

// LoadedGenerations is how many generations this process has loaded.
func LoadedGenerations() int {
	loaderMu.Lock()
	defer loaderMu.Unlock()
	return len(loaded)
}

// generationOf maps interpreters (weakly: an interpreter dropped is
// forgotten) to the generation they were built with.
var generationOf sync.Map // weak.Pointer[interp.Interpreter] → *Generation

func setGeneration(i *interp.Interpreter, g *Generation) {
	k := weak.Make(i)
	generationOf.Store(k, g)
	runtime.AddCleanup(i, func(k weak.Pointer[interp.Interpreter]) { generationOf.Delete(k) }, k)
}

// GenerationOf returns the generation i was built with (Config.Generation),
// or nil.
func GenerationOf(i *interp.Interpreter) *Generation {
	if g, ok := generationOf.Load(weak.Make(i)); ok {
		return g.(*Generation)
	}
	return nil
}

// SessionKey is the key of a generation's symbols in its table: the
// import path "dmirror/session" and the package name.
const SessionKey = "dmirror/session/session"

// Var returns the compiled variable a generation exports as a pointer
// under key, settable.
func (g *Generation) Var(key string) (reflect.Value, bool) {
	if g == nil {
		return reflect.Value{}, false
	}
	p, ok := g.Symbols[SessionKey][key]
	if !ok || p.Kind() != reflect.Pointer || p.IsNil() {
		return reflect.Value{}, false
	}
	return p.Elem(), true
}

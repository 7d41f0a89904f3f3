// Package pluginhost makes an image binary able to load generations of
// compiled declarations (Go plugins built by native.Builder.BuildGeneration).
// Only generated plugin-host image binaries import it: it needs cgo, and a
// plugin must be built with exactly the flags of its host, which only the
// Builder knows (dmirror's own binary is never a plugin host).
package pluginhost

import (
	"fmt"
	"plugin"
	"reflect"

	"github.com/dmirror/dmirror/interp/vm"
)

func init() { vm.SetGenerationLoader(open) }

// open loads the plugin at path and returns its symbol table.
func open(path string) (map[string]map[string]reflect.Value, error) {
	p, err := plugin.Open(path)
	if err != nil {
		return nil, err
	}
	sym, err := p.Lookup("Symbols")
	if err != nil {
		return nil, err
	}
	m, ok := sym.(*map[string]map[string]reflect.Value)
	if !ok {
		return nil, fmt.Errorf("plugin %s: Symbols is a %T, not a *map[string]map[string]reflect.Value", path, sym)
	}
	return *m, nil
}

package vm

import (
	"maps"
	"slices"
	"strings"

	"github.com/traefik/yaegi/interp"

	"github.com/dmirror/dmirror/interp/values"
)

// native holds the symbols of packages compiled into this binary for the
// session (see package interp/native). Generated image binaries register
// them from an init func, before main runs, so it is only read afterwards.
var native = interp.Exports{
	// The compiled instantiations of standard generic funcs, imported by
	// cells that use them; empty in dmirror's own binary.
	"dmirror/native/native": {},
}

// RegisterNative adds the symbols of compiled packages, keyed as yaegi's
// stdlib keys them ("import/path/name"). Only init funcs of a generated
// image binary call it.
func RegisterNative(e interp.Exports) {
	for k, v := range e {
		native[k] = v
	}
	// Values of their types held in interfaces travel by name between the
	// image process, the kernel's snapshot and the mirrors.
	values.RegisterExports(e)
}

// NativePackages lists the import paths of the packages compiled into this
// binary for cells, sorted.
func NativePackages() []string {
	var paths []string
	for k := range maps.Keys(native) {
		if i := strings.LastIndex(k, "/"); i > 0 {
			paths = append(paths, k[:i])
		}
	}
	slices.Sort(paths)
	return slices.Compact(paths)
}

package interp

import (
	"errors"
	"path"
	"sort"
	"strings"

	"github.com/traefik/yaegi/stdlib"

	"github.com/dmirror/dmirror/interp/frontend"
)

// stdByName maps the name of a standard package to its import path, for
// the names only one package has (rand is math/rand or crypto/rand: those
// are left to the user).
var stdByName = func() map[string]string {
	paths := map[string][]string{}
	for key := range stdlib.Symbols {
		p := path.Dir(key) // keys are "import/path/name"
		if strings.Contains(p, "internal") {
			continue
		}
		name := path.Base(key)
		paths[name] = append(paths[name], p)
	}
	m := map[string]string{}
	for name, ps := range paths {
		if len(ps) == 1 {
			m[name] = ps[0]
		}
	}
	return m
}()

// compile compiles a cell. A cell that fails because it uses standard
// packages it did not import (undefined: fmt) is compiled again with those
// imports, as notebook users expect of fmt, strings or os; if it still
// fails, its other errors are reported alone. The imports go
// at the end of the cell, so that its line numbers stay the same.
func (s *Session) compile(code string, cell int) (*frontend.Plan, error) {
	plan, err := s.fe.Compile(code, cell)
	var ce *frontend.CompileError
	if err == nil || !errors.As(err, &ce) || len(ce.Errors) == 0 {
		return plan, err
	}
	need := map[string]bool{}
	for _, e := range ce.Errors {
		name, ok := strings.CutPrefix(e.Msg, "undefined: ")
		if p, std := stdByName[name]; ok && std {
			need[p] = true
		}
	}
	if len(need) == 0 {
		return nil, err
	}
	paths := make([]string, 0, len(need))
	for p := range need {
		paths = append(paths, `"`+p+`"`)
	}
	sort.Strings(paths)
	retry, rerr := s.fe.Compile(code+"\nimport ("+strings.Join(paths, "; ")+")", cell)
	var rce *frontend.CompileError
	// As many errors after the import is still better: the cell's own
	// (reflect.TypeOf of a session type) rather than "undefined: reflect".
	if rerr != nil && (!errors.As(rerr, &rce) || len(rce.Errors) > len(ce.Errors)) {
		return nil, err
	}
	if rerr != nil {
		// The cell has other problems too: report those alone, not
		// beside an "undefined: fmt" the import would fix.
		return nil, rerr
	}
	return retry, nil
}

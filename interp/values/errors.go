package values

import (
	"errors"
	"fmt"
	"reflect"
	"strings"
)

// UncopyableError reports a value that cannot be sent to another
// interpreter, with its type and where it sits inside the encoded value.
type UncopyableError struct {
	Type   string // the Go type of the offending value, e.g. "chan int"
	Path   string // the path from the encoded value, e.g. ".Jobs[2]"; empty at the top
	Reason string // why it cannot be copied, if the type does not say it
}

func (e *UncopyableError) Error() string {
	var b strings.Builder
	b.WriteString("cannot copy ")
	b.WriteString(e.Type)
	if e.Path != "" {
		b.WriteString(" at ")
		b.WriteString(e.Path)
	}
	if e.Reason != "" {
		b.WriteString(" (")
		b.WriteString(e.Reason)
		b.WriteString(")")
	}
	return b.String()
}

func uncopyable(t reflect.Type, reason string) error {
	return &UncopyableError{Type: t.String(), Reason: reason}
}

// atPath prefixes the path of an *UncopyableError coming up from a
// component of the value; paths are built only on failure, so the encoder
// pays nothing for them on success.
func atPath(err error, seg func() string) error {
	var u *UncopyableError
	if errors.As(err, &u) {
		u.Path = seg() + u.Path
	}
	return err
}

// errDepth is returned for values nested deeper than maxDepth, which would
// otherwise risk overflowing the stack.
var errDepth = fmt.Errorf("value nested deeper than %d levels", maxDepth)

const maxDepth = 100_000

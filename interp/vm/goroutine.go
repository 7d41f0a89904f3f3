package vm

import (
	"bytes"
	"runtime"
	"strconv"
)

// GoroutineID parses the calling goroutine's id from its stack header
// ("goroutine 42 [running]:"); Go offers no other way to tell goroutines
// apart, and interpreted code cannot carry a context to the writers that
// attribute its output.
func GoroutineID() uint64 {
	var buf [64]byte
	b := buf[:runtime.Stack(buf[:], false)]
	b = bytes.TrimPrefix(b, []byte("goroutine "))
	if i := bytes.IndexByte(b, ' '); i > 0 {
		b = b[:i]
	}
	id, err := strconv.ParseUint(string(b), 10, 64)
	if err != nil {
		return 0
	}
	return id
}

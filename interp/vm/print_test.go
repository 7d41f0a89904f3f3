package vm

import (
	"math"
	"testing"
	"unsafe"

	"github.com/stretchr/testify/assert"
)

func TestFormatPrint(t *testing.T) {
	p := new(int)
	s := make([]byte, 2, 5)
	for _, tc := range []struct {
		ln   bool
		args []any
		want string
	}{
		{true, nil, "\n"},
		{false, nil, ""},
		{true, []any{"a", 1, true}, "a 1 true\n"},
		{false, []any{"a", 1, true}, "a1true"},
		{true, []any{int8(-8), uint64(math.MaxUint64), uintptr(7)}, "-8 18446744073709551615 7\n"},
		{true, []any{1.5, float32(0.1), 1e21, math.Inf(-1), math.NaN()}, "1.5 0.1 1e+21 -Inf NaN\n"},
		{true, []any{complex(1, -2), complex64(complex(0.5, 0))}, "(1-2i) (0.5+0i)\n"},
		{true, []any{p}, "0x" + hex(uintptr(unsafe.Pointer(p))) + "\n"},
		{true, []any{s}, "[2/5]0x" + hex(uintptr(unsafe.Pointer(unsafe.SliceData(s)))) + "\n"},
		{true, []any{ifaceArg{nil}}, "(0x0,0x0)\n"},
	} {
		assert.Equal(t, tc.want, formatPrint(tc.ln, tc.args), "%v", tc.args)
	}
}

func hex(u uintptr) string {
	const dig = "0123456789abcdef"
	if u == 0 {
		return "0"
	}
	var b []byte
	for ; u > 0; u /= 16 {
		b = append([]byte{dig[u%16]}, b...)
	}
	return string(b)
}

package gofmt

import (
	"fmt"
	"strings"
	"unicode/utf8"
)

// fmt prints %T and %p itself, before it asks a Formatter. F turns those
// verbs of wrapped arguments into these, which fmt passes to Value.Format.
const (
	verbT = '\uE000'
	verbP = '\uE001'
)

// F returns format with the %T and %p verbs that print one of the wrapped
// arguments (indices into the arguments after the format) replaced by the
// verbs of Value.
func F(format string, wrapped ...int) string {
	isWrapped := map[int]bool{}
	for _, w := range wrapped {
		isWrapped[w] = true
	}
	var b strings.Builder
	arg := 0
	for i := 0; i < len(format); {
		j := strings.IndexByte(format[i:], '%')
		if j < 0 {
			b.WriteString(format[i:])
			break
		}
		b.WriteString(format[i : i+j+1])
		i += j + 1
		start := i
		// Flags, an argument index, width and precision, as fmt's doPrintf
		// reads them; `*` takes an argument.
		for i < len(format) && strings.IndexByte("#0+- ", format[i]) >= 0 {
			i++
		}
		arg, i = argIndex(format, i, arg)
		if i < len(format) && format[i] == '*' {
			i++
			arg++
			arg, i = argIndex(format, i, arg)
		}
		for i < len(format) && format[i] >= '0' && format[i] <= '9' {
			i++
		}
		if i < len(format) && format[i] == '.' {
			i++
			arg, i = argIndex(format, i, arg)
			if i < len(format) && format[i] == '*' {
				i++
				arg++
				arg, i = argIndex(format, i, arg)
			}
			for i < len(format) && format[i] >= '0' && format[i] <= '9' {
				i++
			}
		}
		if i >= len(format) {
			b.WriteString(format[start:])
			break
		}
		verb, size := utf8.DecodeRuneInString(format[i:])
		b.WriteString(format[start:i])
		i += size
		switch {
		case verb == '%':
		case verb == 'T' && isWrapped[arg]:
			verb = verbT
			arg++
		case verb == 'p' && isWrapped[arg]:
			verb = verbP
			arg++
		default:
			arg++
		}
		b.WriteRune(verb)
	}
	return b.String()
}

// argIndex reads an explicit argument index [n] at i, if there is one.
func argIndex(format string, i, arg int) (int, int) {
	if i >= len(format) || format[i] != '[' {
		return arg, i
	}
	end := strings.IndexByte(format[i:], ']')
	if end < 0 {
		return arg, i
	}
	n := 0
	for _, c := range format[i+1 : i+end] {
		if c < '0' || c > '9' {
			return arg, i
		}
		n = n*10 + int(c-'0')
	}
	if n < 1 {
		return arg, i
	}
	return n - 1, i + end + 1
}

// special prints the verbs of F.
func (w Value) special(s fmt.State, verb rune) bool {
	switch verb {
	case verbT:
		fmt.Fprintf(s, directive(s, 's'), w.t.Name)
	case verbP:
		if !w.v.IsValid() || !w.v.CanInterface() {
			fmt.Fprintf(s, "%%!p(%s)", w.t.Name)
			return true
		}
		fmt.Fprintf(s, directive(s, 'p'), w.v.Interface())
	default:
		return false
	}
	return true
}

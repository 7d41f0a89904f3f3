package gofmt

import (
	"fmt"
	"reflect"
	"slices"
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
	return rewriteVerbs(format, func(arg int, verb rune) rune {
		switch {
		case verb == 'T' && slices.Contains(wrapped, arg):
			return verbT
		case verb == 'p' && slices.Contains(wrapped, arg):
			return verbP
		}
		return verb
	})
}

// FT returns format with the %T verbs that print one of the named
// arguments replaced by %s: TypeName passes those as their type's name.
func FT(format string, named ...int) string {
	return rewriteVerbs(format, func(arg int, verb rune) rune {
		if verb == 'T' && slices.Contains(named, arg) {
			return 's'
		}
		return verb
	})
}

// Verbs returns the verbs of a format by argument index.
func Verbs(format string) map[int][]rune {
	out := map[int][]rune{}
	rewriteVerbs(format, func(arg int, verb rune) rune {
		out[arg] = append(out[arg], verb)
		return verb
	})
	return out
}

// TypeName returns the name of x's type for a %T turned into %s by FT,
// and fails, naming the construct, when x is a value of a session type in
// the interpreter's wrapper, which has no name for it.
func TypeName(x any, what string) string {
	if x == nil {
		return "<nil>"
	}
	if t := reflect.TypeOf(x); !isWrapper(t) {
		return t.String()
	}
	panic(what + ": %T of a value of a session type held in an interface is not supported by the interpreter (it has no name for the type)")
}

// rewriteVerbs walks the directives of format as fmt's doPrintf reads
// them (flags, argument index, width and precision, `*` taking an
// argument) and replaces each verb that takes an argument by what f
// returns for it.
func rewriteVerbs(format string, f func(arg int, verb rune) rune) string {
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
		if verb != '%' {
			verb = f(arg, verb)
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

// Join returns what fmt.Sprint(args...) returns when the arguments marked
// in str are strings: fmt.Print and friends put a space between operands
// when neither is a string, and a Value wrapping a value of a string type
// is not a string to them. Print(Join(...)) then prints as Print(args...).
func Join(str []bool, args ...any) string {
	var b strings.Builder
	prev := false
	for i, a := range args {
		isStr := i < len(str) && str[i] || a != nil && reflect.TypeOf(a).Kind() == reflect.String
		if i > 0 && !isStr && !prev {
			b.WriteByte(' ')
		}
		b.WriteString(fmt.Sprint(a))
		prev = isStr
	}
	return b.String()
}

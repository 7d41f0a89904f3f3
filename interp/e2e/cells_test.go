package e2e

import (
	"strings"
	"testing"

	"github.com/dmirror/dmirror/kernel/kerneltest"
)

// TestMixedCell: imports, types, funcs, methods, consts, vars and
// statements in any order in one cell; later cells see them.
func TestMixedCell(t *testing.T) {
	k := start(t)
	expect(t, k, `n := 2
import "strings"
type word string
func (w word) loud() string { return strings.ToUpper(string(w)) + bang }
const bang = "!"
var greeting word = "hi"
func twice(s string) string { return s + s }
twice(greeting.loud()) + strings.Repeat("?", n)`, `"HI!HI!??"`)
	expect(t, k, "greeting.loud() + twice(bang)", `"HI!!!"`)
}

// TestStatementsOnOneLine: statements and declarations separated by ';'.
func TestStatementsOnOneLine(t *testing.T) {
	k := start(t)
	ok(t, k, "a := 1; b := 2")
	expect(t, k, "a + b", "3")
	expect(t, k, "func f() int { return a }; type u int; c := u(f()); c + 1", "2")
}

// TestRedefinitionReachesEarlierFuncs: a redefined func, type, var or
// const replaces the old one everywhere, including in funcs defined
// earlier that use it.
func TestRedefinitionReachesEarlierFuncs(t *testing.T) {
	k := start(t)
	ok(t, k, `import "fmt"
func g() int { return 1 }
func useG() int { return g() }
type T struct{ A int }
func showT() string { return fmt.Sprintf("%+v", T{}) }
var v = 10
func useV() int { return v }
const c = 100
func useC() int { return c }`)
	expect(t, k, "useG() + useV() + useC()", "111")
	ok(t, k, "func g() int { return 2 }")
	expect(t, k, "useG()", "2")
	ok(t, k, "type T struct{ A, B int }")
	expect(t, k, "showT()", `"{A:0 B:0}"`)
	ok(t, k, "var v = 20")
	expect(t, k, "useV()", "20")
	ok(t, k, "const c = 300")
	expect(t, k, "useC()", "300")
	expect(t, k, "useG() + useV() + useC()", "322")
	// A method, seen through a func and an interface defined earlier.
	ok(t, k, "type dog struct{}\nfunc (dog) Sound() string { return \"woof\" }\nfunc speak(d dog) string { return d.Sound() }\nvar st fmt.Stringer")
	ok(t, k, "func (dog) Sound() string { return \"WOOF\" }\nfunc (dog) String() string { return \"a dog\" }")
	expect(t, k, "st = dog{}\nspeak(dog{}) + \" \" + st.String()", `"WOOF a dog"`)
	// A variable declared again with another type.
	ok(t, k, "w := 5")
	ok(t, k, "w := \"five\"")
	expect(t, k, "w + \"!\"", `"five!"`)
}

// TestFailedCellLeavesTheImage: a cell that fails, at compile time or at
// run time, leaves no half-defined symbol and no partial value.
func TestFailedCellLeavesTheImage(t *testing.T) {
	k := start(t)
	ok(t, k, "x := 1\ns := []int{1, 2, 3}\nm := map[string]int{\"a\": 1}\nfunc f() int { return 1 }")
	fails(t, k, "x = 2\ns[0] = 99\nm[\"b\"] = 2\nfunc f() int { return 5 }\nfunc fresh() int { return 7 }\nvar y = 3\npanic(\"boom\")", "Panic")
	fails(t, k, "x = 3\nfunc f() int { return 6 }\nfunc other() int { return 8 }\nvar z int = \"not an int\"", "CompileError")
	ok(t, k, "type rec struct{ A int }\nr := rec{A: 1}")
	fails(t, k, "type rec struct{ A, B int }\nr = rec{A: 2, B: 3}\nx = 4\npanic(\"after a type change\")", "Panic")
	expect(t, k, "r", "{1}")
	expect(t, k, "rec{A: 5}", "{5}")
	expect(t, k, "x", "1")
	expect(t, k, "s", "[1 2 3]")
	expect(t, k, "len(m)", "1")
	expect(t, k, "f()", "1")
	for _, name := range []string{"fresh()", "y", "other()", "z"} {
		fails(t, k, name, "CompileError")
	}
	// The names the failed cells tried to define are free.
	ok(t, k, "fresh := \"now\"\ny := 4")
	expect(t, k, "fresh + string(rune('0' + y))", `"now4"`)
}

// TestResults: a trailing expression with one value is Out[n]; a
// statement adds nothing; a cell without a result never shows an earlier
// one.
func TestResults(t *testing.T) {
	k := start(t)
	expect(t, k, "1 + 1", "2")
	for _, code := range []string{"import \"fmt\"\nfmt.Println(\"printed\")", "q := 3", "q++", "func noResult() {}\nnoResult()", "func two() (int, int) { return 1, 2 }\ntwo()", "if true {}"} {
		r := ok(t, k, code)
		if n := len(r.Of("execute_result")); n != 0 {
			t.Errorf("%q gave %d results: %v", code, n, result(r))
		}
	}
	r := ok(t, k, "q")
	if got := result(r); got != "4" {
		t.Errorf("q = %q, want 4", got)
	}
	// Out[n]: the result carries the cell's execution count.
	n := kerneltest.Fields(r.Reply)["execution_count"]
	if res := r.Of("execute_result"); len(res) != 1 || kerneltest.Fields(res[0])["execution_count"] != n {
		t.Errorf("execute_result %v, want one with execution_count %v", res, n)
	}
}

// TestModernGo: per-iteration loop variables, range over an int, min,
// max, clear, and generic funcs and types called without explicit type
// arguments.
func TestModernGo(t *testing.T) {
	k := start(t)
	expect(t, k, "var fs []func() int\nfor i := 0; i < 3; i++ {\n\tfs = append(fs, func() int { return i })\n}\nfs[0]()*100 + fs[1]()*10 + fs[2]()", "12")
	expect(t, k, "var gs []*int\nfor _, v := range []int{5, 6} {\n\tgs = append(gs, &v)\n}\n*gs[0] + *gs[1]", "11")
	expect(t, k, "sum := 0\nfor i := range 5 {\n\tsum += i\n}\nsum", "10")
	expect(t, k, "min(3, 1, 2)*10 + max(4, 9, 2)", "19")
	expect(t, k, "min(2.5, 1.5)", "1.5")
	expect(t, k, "mm := map[string]int{\"a\": 1}\nclear(mm)\nlen(mm)", "0")
	expect(t, k, "sl := []int{1, 2}\nclear(sl)\nsl", "[0 0]")
	ok(t, k, `import "fmt"
func Map[T, U any](xs []T, f func(T) U) []U {
	out := make([]U, 0, len(xs))
	for _, x := range xs {
		out = append(out, f(x))
	}
	return out
}
type Number interface{ ~int | ~float64 }
func Sum[N Number](xs ...N) N {
	var s N
	for _, x := range xs {
		s += x
	}
	return s
}
type Stack[T any] struct{ items []T }
func (s *Stack[T]) Push(v T) { s.items = append(s.items, v) }
func (s *Stack[T]) Pop() T {
	v := s.items[len(s.items)-1]
	s.items = s.items[:len(s.items)-1]
	return v
}
func NewStack[T any](xs ...T) *Stack[T] { return &Stack[T]{items: xs} }
type Pair[K comparable, V any] struct {
	Key K
	Val V
}
func MakePair[K comparable, V any](k K, v V) Pair[K, V] { return Pair[K, V]{k, v} }
var _ = fmt.Sprint`)
	expect(t, k, "Map([]int{1, 2, 3}, func(i int) string { return fmt.Sprint(i * i) })", "[1 4 9]")
	expect(t, k, "Sum(1, 2, 3)", "6")
	expect(t, k, "Sum(1.5, 2)", "3.5")
	expect(t, k, "st := NewStack(1, 2)\nst.Push(3)\nst.Pop() + st.Pop()", "5")
	expect(t, k, "p := MakePair(\"k\", 7)\np.Key + fmt.Sprint(p.Val)", `"k7"`)
	expect(t, k, "var ss Stack[string]\nss.Push(\"a\")\nss.Pop()", `"a"`)
}

// TestUnsupportedConstructs: what the interpreter cannot run is refused
// with an error naming the construct, and the kernel goes on.
func TestUnsupportedConstructs(t *testing.T) {
	k := start(t)
	for _, tc := range []struct{ code, names string }{
		{"func seq(yield func(int) bool) {\n\tyield(1)\n}\nfor v := range seq {\n\tdefer println(v)\n}", "range over func with defer"},
		{"func main(args []string) {}", "func main must have no arguments"},
		{"package other", "package other"},
	} {
		r := fails(t, k, tc.code, "CompileError")
		if text := errorText(r); !strings.Contains(text, tc.names) {
			t.Errorf("%q: error does not name %q:\n%s", tc.code, tc.names, text)
		}
	}
	expect(t, k, "1", "1")
}

package e2e

import (
	"strings"
	"testing"
)

// TestGoAsWritten: constructs the interpreter is known to get wrong in
// some versions give Go's values in cells.
func TestGoAsWritten(t *testing.T) {
	k := start(t)
	ok(t, k, "import (\n\t\"encoding/json\"\n\t\"errors\"\n\t\"fmt\"\n\t\"sort\"\n\t\"strings\"\n)")
	for _, tc := range []struct{ code, want string }{
		{"total := 0\nouter:\nfor i := range 5 {\n\tfor j := range 5 {\n\t\tif j > i {\n\t\t\tcontinue outer\n\t\t}\n\t\tif i == 4 {\n\t\t\tbreak outer\n\t\t}\n\t\ttotal += j\n\t}\n}\ntotal", "10"},
		{"var fs []func() string\nfor _, w := range []string{\"a\", \"b\"} {\n\tswitch w {\n\tcase \"a\":\n\t\tfs = append(fs, func() string { return w })\n\tdefault:\n\t\tfs = append(fs, func() string { return w + w })\n\t}\n}\nfs[0]() + fs[1]()", `"abb"`},
		{"cnt := 0\nfor i := range 6 {\n\tswitch {\n\tcase i%2 == 0:\n\t\tcontinue\n\t}\n\tcnt++\n}\ncnt", "3"},
		{"type Speaker interface{ Speak() string }\ntype Loud struct{ Speaker }\ntype quiet struct{}\nfunc (quiet) Speak() string { return \"hi\" }\nLoud{quiet{}}.Speak()", `"hi"`},
		{"var vv any = 3\nkind := \"\"\nswitch vv.(type) {\ncase int, string:\n\tkind = \"int or string\"\ndefault:\n\tkind = \"other\"\n}\nkind", `"int or string"`},
		{"type byLen []string\nfunc (b byLen) Len() int { return len(b) }\nfunc (b byLen) Less(i, j int) bool { return len(b[i]) < len(b[j]) }\nfunc (b byLen) Swap(i, j int) { b[i], b[j] = b[j], b[i] }\nws := byLen{\"ccc\", \"a\", \"bb\"}\nsort.Sort(ws)\nstrings.Join(ws, \",\")", `"a,bb,ccc"`},
		{"type P struct {\n\tName string `json:\"name\"`\n\tAge  int    `json:\"age,omitempty\"`\n}\nbs, _ := json.Marshal(P{Name: \"x\"})\nvar pp P\njson.Unmarshal([]byte(`{\"name\":\"y\",\"age\":3}`), &pp)\nstring(bs) + fmt.Sprint(pp)", `"{\"name\":\"x\"}{y 3}"`},
		{"type Temp float64\nfunc (t Temp) MarshalJSON() ([]byte, error) { return []byte(`\"hot\"`), nil }\nvar anyT any = Temp(3)\nb1, _ := json.Marshal(anyT)\nstring(b1)", `"\"hot\""`},
		{"type stringer struct{ n int }\nfunc (s stringer) String() string { return fmt.Sprint(\"S\", s.n) }\ntype ptrStr struct{ v string }\nfunc (s *ptrStr) String() string { return \"ptr \" + s.v }\nfmt.Sprint(stringer{4}, &ptrStr{\"x\"})", `"S4 ptr x"`},
		{"func safeDiv(a, b int) (q int, err error) {\n\tdefer func() {\n\t\tif r := recover(); r != nil {\n\t\t\terr = fmt.Errorf(\"%v\", r)\n\t\t}\n\t}()\n\treturn a / b, nil\n}\n_, e := safeDiv(1, 0)\ne.Error()", `"runtime error: integer divide by zero"`},
		{"i := 0\nloop:\nif i < 3 {\n\ti++\n\tgoto loop\n}\ni", "3"},
		{"const (\n\tA = iota * 10\n\tB\n\tC\n)\nA + B + C", "30"},
		{"type List[T any] struct{ head *node[T] }\ntype node[T any] struct {\n\tv    T\n\tnext *node[T]\n}\nfunc (l *List[T]) Push(v T) { l.head = &node[T]{v, l.head} }\nvar li List[int]\nli.Push(1)\nli.Push(2)\nli.head.v + li.head.next.v", "3"},
		{"ch := make(chan int, 3)\ngo func() {\n\tfor i := range 3 {\n\t\tch <- i + 1\n\t}\n\tclose(ch)\n}()\nsum := 0\nfor v := range ch {\n\tsum += v\n}\nsum", "6"},
		{"c := complex(1, 2)\nreal(c * c)", "-3"},
		{"type codeErr struct{ code int }\nfunc (e *codeErr) Error() string { return fmt.Sprint(\"code \", e.code) }\nvar ce error = &codeErr{3}\nwrapped := fmt.Errorf(\"outer: %w\", ce)\nvar target *codeErr\nerrors.As(wrapped, &target) && target.code == 3 && errors.Is(wrapped, ce)", "true"},
	} {
		expect(t, k, tc.code, tc.want)
	}
}

// TestInterpreterLimitsAreErrors: where the interpreter would give a value
// compiled Go does not, the cell must fail with an error naming the
// construct instead.
func TestInterpreterLimitsAreErrors(t *testing.T) {
	k := start(t)
	ok(t, k, "import (\n\t\"encoding/json\"\n\t\"errors\"\n\t\"fmt\"\n)")
	for _, tc := range []struct{ code, want, names string }{
		// yaegi nests the fields of an embedded struct: {"In":{"A":1},"B":2}.
		{"type In struct{ A int }\ntype Out struct {\n\tIn\n\tB int\n}\nb, _ := json.Marshal(Out{In{1}, 2})\nstring(b)", `"{\"A\":1,\"B\":2}"`, "embedded"},
		// A value of an interpreted error type passed as any (not as error)
		// reaches fmt without its methods: "wrap: %!w(*struct { Xcode int }=&{3})".
		{"type myErr struct{ code int }\nfunc (e *myErr) Error() string { return fmt.Sprint(\"code \", e.code) }\nfmt.Errorf(\"wrap: %w\", &myErr{3}).Error()", `"wrap: code 3"`, "%w"},
		// A value-receiver error type held in an error variable.
		{"type valErr struct{ s string }\nfunc (e valErr) Error() string { return e.s }\nvar ev error = valErr{\"x\"}\nfmt.Sprint(ev)", `"x"`, "valErr"},
		{"errors.Is(fmt.Errorf(\"w: %w\", ev), ev)", "true", "errors.Is"},
	} {
		r := exec(t, k, tc.code)
		switch {
		case r.Status() == "ok" && result(r) == tc.want:
		case r.Status() == "error" && strings.Contains(errorText(r), tc.names) && kernelEname(r) == "CompileError":
		default:
			t.Errorf("%q: %s result %q, error %s; want %s or a CompileError naming %q", tc.code, r.Status(), result(r), errorText(r), tc.want, tc.names)
		}
	}
}

package nbrun

import (
	"reflect"
	"strings"
	"testing"
)

func TestParameterDeclsInferTypes(t *testing.T) {
	src := `import (
	"fmt"
	"time"
)

a := 3
b, c := 2.5, "s"
var d = 1 << 4
var e, f int64
g := -7.0 * 2
h := 90 * time.Minute
i := time.Second
j := float32(1)
k := 'x'
l := !true
m := 3 > 2
n := []string{"x"}
o := 2 * 1.5
const p = 1
var q time.Duration = 5
fmt.Println(a)
a = 4
`
	got, err := parameterDecls(src)
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]declared{
		"a": {"int", true}, "b": {"float64", true}, "c": {"string", true}, "d": {"int", true},
		"e": {"int64", true}, "f": {"int64", true}, "g": {"float64", true}, "h": {"time.Duration", true},
		"i": {"time.Duration", true}, "j": {"float32", true}, "k": {"rune", true}, "l": {"bool", true},
		"m": {"bool", true}, "n": {"", true}, "o": {"float64", true}, "p": {"int", false},
		"q": {"time.Duration", true},
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("parameterDecls\n got %v\nwant %v", got, want)
	}
	if _, err := parameterDecls("x := (1"); err == nil || !strings.Contains(err.Error(), "cannot read the parameters cell") {
		t.Errorf("a broken parameters cell gave %v", err)
	}
}

func TestLiteral(t *testing.T) {
	ok := []struct{ typ, in, want string }{
		{"int", " 42", "42"}, {"int", "-0x10", "-16"}, {"uint8", "255", "255"}, {"float64", "3", "3.0"},
		{"float64", "1e3", "1000.0"}, {"float64", "0.25", "0.25"}, {"string", "a\nb", `"a\nb"`},
		{"bool", "TRUE", "true"}, {"time.Duration", "1m30s", "time.Duration(90000000000) // 1m30s"},
		{"", "map[string]int{\"a\": 1}", "map[string]int{\"a\": 1}"},
	}
	for _, c := range ok {
		got, err := literal(c.typ, c.in)
		if err != nil || got != c.want {
			t.Errorf("literal(%s, %q) = %q, %v; want %q", c.typ, c.in, got, err, c.want)
		}
	}
	bad := []struct{ typ, in, want string }{
		{"int8", "300", "not an int8"}, {"uint", "-1", "not a uint"}, {"float64", "NaN", "not a float64"},
		{"bool", "yes", "not a bool"}, {"time.Duration", "5", "not a duration"}, {"[]int", "[]int{", "not a Go expression"},
	}
	for _, c := range bad {
		if _, err := literal(c.typ, c.in); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("literal(%s, %q) error %v, want %q", c.typ, c.in, err, c.want)
		}
	}
}

func TestSplitLines(t *testing.T) {
	for in, want := range map[string][]string{"": {}, "a": {"a"}, "a\n": {"a\n"}, "a\nb": {"a\n", "b"}, "\n\n": {"\n", "\n"}} {
		if got := splitLines(in); !reflect.DeepEqual(got, want) {
			t.Errorf("splitLines(%q) = %q, want %q", in, got, want)
		}
	}
}

package modules

import (
	"reflect"
	"testing"
)

func TestImportPaths(t *testing.T) {
	cases := []struct {
		src  string
		want []string
	}{
		{`import "fmt"`, []string{"fmt"}},
		{"import (\n\t\"fmt\"\n\tu \"github.com/google/uuid\"\n\t. \"strings\"\n\t_ \"embed\"\n)\nx := u.New()", []string{"fmt", "github.com/google/uuid", "strings", "embed"}},
		{"// import \"commented/out\"\ns := \"import \\\"not/an/import\\\"\"\nimport \"a.b/c\"", []string{"a.b/c"}},
		{"x := 1", nil},
		{"import (", nil},
	}
	for _, c := range cases {
		if got := ImportPaths(c.src); !reflect.DeepEqual(got, c.want) {
			t.Errorf("ImportPaths(%q) = %q, want %q", c.src, got, c.want)
		}
	}
}

func TestGoGet(t *testing.T) {
	cases := []struct {
		line    string
		want    []string
		ok, err bool
	}{
		{"%go get github.com/google/uuid@v1.6.0", []string{"github.com/google/uuid@v1.6.0"}, true, false},
		{"  %go  get a.b/c@latest d.e/f ", []string{"a.b/c@latest", "d.e/f"}, true, false},
		{"%go get", nil, true, true},
		{"%go get -u a.b/c", nil, true, true},
		{"%go get a.b/c@'x'", nil, true, true},
		{"%go build", nil, false, false},
		{"x := 1", nil, false, false},
	}
	for _, c := range cases {
		got, ok, err := GoGet(c.line)
		if !reflect.DeepEqual(got, c.want) || ok != c.ok || (err != nil) != c.err {
			t.Errorf("GoGet(%q) = %q, %v, %v; want %q, %v, error %v", c.line, got, ok, err, c.want, c.ok, c.err)
		}
	}
}

func TestIsStd(t *testing.T) {
	for p, want := range map[string]bool{"fmt": true, "net/http": true, "C": true, "github.com/google/uuid": false, "example.com": false} {
		if IsStd(p) != want {
			t.Errorf("IsStd(%q) = %v", p, !want)
		}
	}
}

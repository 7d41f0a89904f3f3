package frontend

import "testing"

func TestIsComplete(t *testing.T) {
	tests := []struct {
		code, status, indent string
	}{
		{"x := 1", "complete", ""},
		{"", "complete", ""},
		{"func f() {", "incomplete", "    "},
		{"func f() {\n\tif true {", "incomplete", "        "},
		{"fmt.Println(1,", "incomplete", "    "},
		{"s := `raw\nstring", "incomplete", ""},
		{"x := 1 +", "incomplete", ""},
		{"func ) {", "invalid", ""},
		{"x := 1)", "invalid", ""},
		{"x := \"open\nstring\"", "invalid", ""},
		{"import \"fmt\"\nfmt.Println(1)\nfunc g() int { return 1 }", "complete", ""},
		{"for i := 0; i < 3; i++ {\n}", "complete", ""},
		{"x := := 2", "invalid", ""},
		{"%go get example.com/m@v1.0.0\nx := 1", "complete", ""},
		{"%go get example.com/m\nfunc f() {", "incomplete", "    "},
	}
	for _, tt := range tests {
		status, indent := IsComplete(tt.code)
		if status != tt.status || indent != tt.indent {
			t.Errorf("IsComplete(%q) = %q, %q; want %q, %q", tt.code, status, indent, tt.status, tt.indent)
		}
	}
}

func BenchmarkIsComplete(b *testing.B) {
	code := "import \"fmt\"\ntype P struct{ X, Y int }\nfunc (p P) Sum() int { return p.X + p.Y }\nfor i := range 10 {\n\tfmt.Println(P{i, i}.Sum())\n}\n"
	for i := 0; i < b.N; i++ {
		IsComplete(code)
	}
}

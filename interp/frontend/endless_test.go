package frontend

import "testing"

// TestEndless: the cells the image process may stop as runaways early are
// those with a loop nothing can leave (Plan.Endless); any way out of the
// loop, or a condition, makes a cell ordinary.
func TestEndless(t *testing.T) {
	tests := []struct {
		name, code string
		want       bool
	}{
		{"append forever", "s := []int{}\nfor {\n\ts = append(s, 1)\n}", true},
		{"no condition, a post statement", "var s []int\nfor i := 0; ; i++ {\n\ts = append(s, i)\n}", true},
		{"constant true", "n := 0\nfor true {\n\tn++\n}", true},
		{"in func main", "package main\n\nfunc main() {\n\tvar s []int\n\tfor {\n\t\ts = append(s, 1)\n\t}\n}", true},
		{"break in a nested switch", "n := 0\nfor {\n\tswitch {\n\tcase n > 3:\n\t\tbreak\n\t}\n\tn++\n}", true},
		{"return in a func literal", "for {\n\tf := func() int { return 1 }\n\t_ = f\n}", true},
		{"condition", "n := 0\nfor n < 10 {\n\tn++\n}", false},
		{"break", "n := 0\nfor {\n\tif n > 3 {\n\t\tbreak\n\t}\n\tn++\n}", false},
		{"labelled break from a nested loop", "n := 0\nouter:\nfor {\n\tfor {\n\t\tn++\n\t\tbreak outer\n\t}\n}", false},
		{"return", "func f() {\n\tfor {\n\t\treturn\n\t}\n}\nf()", false},
		{"panic", "n := 0\nfor {\n\tn++\n\tif n > 3 {\n\t\tpanic(n)\n\t}\n}", false},
		{"os.Exit", "import \"os\"\nfor {\n\tos.Exit(0)\n}", false},
		{"log.Fatal", "import \"log\"\nfor {\n\tlog.Fatal(\"x\")\n}", false},
		{"goto", "n := 0\nfor {\n\tn++\n\tif n > 3 {\n\t\tgoto done\n\t}\n}\ndone:\n", false},
		{"range", "for range 10 {\n}", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p, err := newImage(t).Compile(tt.code, 1)
			if err != nil {
				t.Fatal(err)
			}
			if p.Endless != tt.want {
				t.Errorf("Endless = %v, want %v for\n%s", p.Endless, tt.want, tt.code)
			}
		})
	}
}

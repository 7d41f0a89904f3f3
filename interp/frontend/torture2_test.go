package frontend_test

import "testing"

func TestTypicalGo2(t *testing.T) {
	runSteps(t, []step{
		{code: "import (\n\t\"encoding/json\"\n\t\"fmt\"\n\t\"strings\"\n)\ntype Animal struct{ Name string }\nfunc (a Animal) Hello() string { return \"I am \" + a.Name }\ntype Dog struct {\n\tAnimal\n\tBreed string\n}\nd := Dog{Animal{\"rex\"}, \"lab\"}\nd.Hello()", value: "I am rex"},
		{code: "type Plain struct{ Name string; N int }\nb, _ := json.Marshal(Plain{\"p\", 1})\nstring(b)", value: `{"Name":"p","N":1}`},
		{code: "var funcs []func() string\nfor _, w := range []string{\"x\", \"y\"} {\n\tswitch w {\n\tcase \"x\":\n\t\tfuncs = append(funcs, func() string { return w + \"1\" })\n\tdefault:\n\t\tfuncs = append(funcs, func() string { return w + \"2\" })\n\t}\n}\nfuncs[0]() + funcs[1]()", value: "x1y2"},
		{code: "results := make(chan string, 3)\nfor _, name := range []string{\"a\", \"b\", \"c\"} {\n\tgo func(n string) { results <- strings.ToUpper(n) }(name)\n}\ngot := []string{<-results, <-results, <-results}\nlen(got)", value: "3"},
		{code: "hello := d.Hello\nhello()", value: "I am rex"},
		{code: "a, b := 1, 2\na, b = b, a\nfmt.Sprint(a, b)", value: "2 1"},
		{code: "n := 0\nfor _, r := range \"héllo\" { if r > 127 { n++ } }\nn", value: "1"},
		{code: "arr := [3]int{1, 2, 3}\ncp := arr\ncp[0] = 9\narr == [3]int{1, 2, 3}", value: "true"},
		{code: "type Op func(int, int) int\nops := map[string]Op{\"add\": func(a, b int) int { return a + b }}\nops[\"add\"](2, 3)", value: "5"},
		{code: "var fact func(int) int\nfact = func(n int) int { if n == 0 { return 1 }; return n * fact(n-1) }\nfact(5)", value: "120"},
		{code: "type Temp float64\nconst Boiling Temp = 100\nBoiling / 4", value: "25"},
		{code: "if v, err := fmt.Sscanf(\"7\", \"%d\", &n); err == nil { fmt.Println(v, n) }", out: "1 7\n"},
		{code: "type Reader interface{ Read() string }\ntype Closer interface{ Close() string }\ntype RC interface {\n\tReader\n\tCloser\n}\ntype file struct{}\nfunc (file) Read() string { return \"r\" }\nfunc (file) Close() string { return \"c\" }\nvar rc RC = file{}\nrc.Read() + rc.Close()", value: "rc"},
		{code: "type Holder struct{ RC }\nh := Holder{file{}}\nh.Read()", value: "r"},
		{code: "s := []int{1, 2, 3, 4}\nt := s[1:3]\nt = append(t, 9)\ns", value: "[1 2 3 9]"},
		{code: "m := map[string][]int{}\nm[\"a\"] = append(m[\"a\"], 1, 2)\nlen(m[\"a\"])", value: "2"},
		{code: "import \"net/http\"\nreq, _ := http.NewRequest(\"GET\", \"http://example.com/a\", nil)\nu := req.URL\nu.Host", value: "example.com"},
		{code: "type Point struct{ X, Y int }\nfunc (p *Point) Move(dx int) { p.X += dx }\npts := []Point{{1, 2}, {3, 4}}\nfor i := range pts { pts[i].Move(10) }\npts", value: "[{11 2} {13 4}]"},
	})
}

package frontend_test

import "testing"

// TestTypicalGo runs a session of Go as people write it.
func TestTypicalGo(t *testing.T) {
	runSteps(t, []step{
		{code: "import (\n\t\"errors\"\n\t\"fmt\"\n\t\"sort\"\n\t\"strings\"\n\t\"sync\"\n)\nconst (\n\tRed = iota\n\tGreen\n\tBlue\n)\nBlue", value: "2"},
		{code: "type Shape interface{ Area() float64 }\ntype Rect struct{ W, H float64 }\nfunc (r Rect) Area() float64 { return r.W * r.H }\ntype Circle struct{ R float64 }\nfunc (c *Circle) Area() float64 { return 3 * c.R * c.R }\nshapes := []Shape{Rect{2, 3}, &Circle{1}}\ntotal := 0.0\nfor _, s := range shapes { total += s.Area() }\ntotal", value: "9"},
		{code: "words := strings.Fields(\"b a c a\")\nsort.Strings(words)\ncounts := map[string]int{}\nfor _, w := range words { counts[w]++ }\nfmt.Sprint(words, counts)", value: "[a a b c] map[a:2 b:1 c:1]"},
		{code: "var ErrEmpty = errors.New(\"empty\")\nfunc first(xs []int) (int, error) {\n\tif len(xs) == 0 {\n\t\treturn 0, fmt.Errorf(\"first: %w\", ErrEmpty)\n\t}\n\treturn xs[0], nil\n}\n_, err := first(nil)\nerrors.Is(err, ErrEmpty)", value: "true"},
		{code: "func safeDiv(a, b int) (q int, err error) {\n\tdefer func() {\n\t\tif r := recover(); r != nil {\n\t\t\terr = fmt.Errorf(\"%v\", r)\n\t\t}\n\t}()\n\treturn a / b, nil\n}\n_, err = safeDiv(1, 0)\nerr != nil", value: "true"},
		{code: "type Number interface{ ~int | ~float64 }\nfunc Sum[T Number](xs ...T) T { var s T; for _, x := range xs { s += x }; return s }\nSum(1.5, 2.5)", value: "4"},
		{code: "var wg sync.WaitGroup\nvar mu sync.Mutex\nn := 0\nfor i := 0; i < 10; i++ {\n\twg.Add(1)\n\tgo func() {\n\t\tdefer wg.Done()\n\t\tmu.Lock()\n\t\tn += i\n\t\tmu.Unlock()\n\t}()\n}\nwg.Wait()\nn", value: "45"},
		{code: "ch := make(chan int)\ndone := make(chan struct{})\ngo func() { for v := range ch { n += v }; close(done) }()\nfor i := range 3 { ch <- i }\nclose(ch)\n<-done\nn", value: "48"},
		{code: "var b strings.Builder\nouter:\nfor i := 0; i < 3; i++ {\n\tfor j := 0; j < 3; j++ {\n\t\tif j == 2 { continue outer }\n\t\tif i == 2 { break outer }\n\t\tfmt.Fprintf(&b, \"%d%d \", i, j)\n\t}\n}\nb.String()", value: "00 01 10 11 "},
		{code: "pt := struct{ X, Y int }{1, 2}\nfunc variadic(prefix string, xs ...int) string { return fmt.Sprint(prefix, len(xs)) }\nvariadic(\"n\", []int{pt.X, pt.Y}...)", value: "n2"},
		{code: "type Stack[T any] struct{ items []T }\nfunc (s *Stack[T]) Push(x T) { s.items = append(s.items, x) }\nfunc (s *Stack[T]) Pop() T { x := s.items[len(s.items)-1]; s.items = s.items[:len(s.items)-1]; return x }\nvar st Stack[string]\nst.Push(\"a\")\nst.Push(\"b\")\nst.Pop() + st.Pop()", value: "ba"},
		{code: "switch x := 5; {\ncase x > 3:\n\tfmt.Println(\"big\")\n\tfallthrough\ncase x > 1:\n\tfmt.Println(\"medium\")\ndefault:\n\tfmt.Println(\"small\")\n}", out: "big\nmedium\n"},
		{code: "people := []struct{ Name string; Age int }{{\"b\", 30}, {\"a\", 25}}\nsort.Slice(people, func(i, j int) bool { return people[i].Age < people[j].Age })\npeople[0].Name", value: "a"},
		{code: "type Celsius float64\nfunc (c Celsius) String() string { return fmt.Sprintf(\"%.1f°C\", float64(c)) }\ntemps := map[string]Celsius{\"x\": 21.5}\ntemps[\"x\"].String()", value: "21.5°C"},
		{code: "matrix := make([][]int, 3)\nfor i := range matrix { matrix[i] = make([]int, 3); for j := range 3 { matrix[i][j] = i * j } }\nmatrix[2]", value: "[0 2 4]"},
		{code: "func fib(n int) int { if n < 2 { return n }; return fib(n-1) + fib(n-2) }\nfib(15)", value: "610"},
		{code: "select {\ncase v := <-make(chan int):\n\tfmt.Println(v)\ndefault:\n\tfmt.Println(\"none\")\n}", out: "none\n"},
	})
}

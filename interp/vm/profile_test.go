package vm_test

import (
	"io"
	"testing"

	. "github.com/dmirror/dmirror/interp/vm"
)

// interpretedWork is what the dmirror binary is profiled on for
// profile-guided optimization (default.pgo at the repository root): the
// kinds of code notebook cells run most, in the interpreter. Regenerate the
// profile after a change of yaegi or Go with
//
//	go test -run '^$' -bench Interpreted -benchtime 20x -cpuprofile default.pgo ./interp/vm
const interpretedWork = `
import (
	"fmt"
	"sort"
	"strings"
)

type Point struct{ X, Y int }

func (p Point) Add(q Point) Point { return Point{p.X + q.X, p.Y + q.Y} }

type Shape interface{ Area() float64 }

type Rect struct{ W, H float64 }

func (r Rect) Area() float64 { return r.W * r.H }

func fib(n int) int {
	if n < 2 {
		return n
	}
	return fib(n-1) + fib(n-2)
}

func work() int {
	s := fib(22)
	m := map[string]int{}
	for i := 0; i < 5000; i++ {
		m[fmt.Sprint("k", i%300)] += i
	}
	xs := make([]int, 0, 5000)
	for i := 0; i < 5000; i++ {
		xs = append(xs, (i*7919)%10007)
	}
	sort.Ints(xs)
	p := Point{}
	for i := 0; i < 20000; i++ {
		p = p.Add(Point{i, -i})
	}
	var shapes []Shape
	for i := 0; i < 2000; i++ {
		shapes = append(shapes, Rect{float64(i), 2})
	}
	area := 0.0
	for _, sh := range shapes {
		area += sh.Area()
	}
	var b strings.Builder
	for i := 0; i < 2000; i++ {
		b.WriteString(strings.ToUpper("x"))
	}
	words := strings.Fields(strings.Repeat("a bb ccc ", 500))
	counts := map[string]int{}
	for _, w := range words {
		counts[w]++
	}
	return s + len(m) + xs[10] + p.X + int(area) + b.Len() + counts["bb"]
}
`

// BenchmarkInterpreted runs interpretedWork: the workload of default.pgo.
func BenchmarkInterpreted(b *testing.B) {
	i, err := New(Config{Stdout: io.Discard, Stderr: io.Discard, Exports: exports()})
	if err != nil {
		b.Fatal(err)
	}
	if _, err := i.Eval(interpretedWork); err != nil {
		b.Fatal(err)
	}
	v, err := i.Eval("work")
	if err != nil {
		b.Fatal(err)
	}
	work := v.Interface().(func() int)
	want := work()
	b.ResetTimer()
	for b.Loop() {
		if got := work(); got != want {
			b.Fatalf("work() = %d, then %d", want, got)
		}
	}
}

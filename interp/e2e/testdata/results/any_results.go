// Cell results of static type any (README Limits, issue 9): each block of
// main is a cell whose last line, fmt.Println(X), becomes the result X;
// the result's text/plain must be the line Go prints, or, for a block
// whose first line is a "// note: TEXT" comment, that line or TEXT. The
// declarations before main are the first cell.
package main

import "fmt"

type Money struct{ cents int }

func (m Money) String() string { return fmt.Sprintf("$%d.%02d", m.cents/100, m.cents%100) }

type Plain struct {
	A int
	b string
}

type PtrStringer struct{ n int }

func (p *PtrStringer) String() string { return fmt.Sprint("ptr ", p.n) }

type Failure struct{ code int }

func (f Failure) Error() string  { return fmt.Sprint("failure ", f.code) }
func (f Failure) String() string { return "not this one: fmt prefers Error" }

type Level byte

func (l Level) String() string { return fmt.Sprintf("L%d", byte(l)) }

func get() any { return Money{100} }

func main() {
	var a any = Money{250}
	fmt.Println(a)

	var p any = &Money{5}
	fmt.Println(p)

	var b any = Plain{1, "x"}
	fmt.Println(b)

	var s any = PtrStringer{3}
	fmt.Println(s)

	var sp any = &PtrStringer{4}
	fmt.Println(sp)

	var f any = Failure{7}
	fmt.Println(f)

	fmt.Println(get())

	var n any = 5
	fmt.Println(n)

	// note: a value of main.Level held in an interface, shown without its methods
	var l any = Level(3)
	fmt.Println(l)
}

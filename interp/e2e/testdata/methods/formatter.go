package main

import (
	"fmt"
	"strings"
)

type Vec struct{ X, Y float64 }

func (v Vec) Format(f fmt.State, verb rune) {
	switch verb {
	case 'v', 's':
		if f.Flag('+') {
			fmt.Fprintf(f, "Vec(x=%g, y=%g)", v.X, v.Y)
			return
		}
		fmt.Fprintf(f, "(%g, %g)", v.X, v.Y)
	default:
		fmt.Fprintf(f, "%%!%c(Vec)", verb)
	}
}

type Code int

func (c Code) GoString() string { return fmt.Sprintf("Code(%d)", int(c)) }

type Name string

func (n Name) String() string { return strings.ToUpper(string(n)) }

type ptrStr struct{ v string }

func (p *ptrStr) String() string { return "ptr " + p.v }

func main() {
	v := Vec{1, 2.5}
	fmt.Println(v, []Vec{{3, 4}})
	fmt.Printf("%v|%+v|%s|%d\n", v, v, v, v)
	fmt.Printf("%#v %v %d\n", Code(7), Code(7), Code(7))
	fmt.Println(Name("ann"), Name("bob"))
	fmt.Printf("%s|%q|%x|%10s|\n", Name("ann"), Name("ann"), Name("ann"), Name("ann"))
	p := ptrStr{"a"}
	fmt.Println(p, &p)
	fmt.Printf("%v %+v\n", []ptrStr{{"b"}}, []*ptrStr{&p})
	format := "%v is %T\n"
	fmt.Printf(format, v, v)
	fmt.Printf("%[2]v %[1]T %[2]T\n", Code(1), Name("n"))
	fmt.Printf("%*d|%-*v|\n", 5, Code(3), 6, Name("y"))
}

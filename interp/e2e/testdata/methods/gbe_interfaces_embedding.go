package main

import (
	"fmt"
	"math"
	"sort"
	"strings"
)

type geometry interface {
	area() float64
	perim() float64
}

type rect struct{ width, height float64 }
type circle struct{ radius float64 }

func (r rect) area() float64    { return r.width * r.height }
func (r rect) perim() float64   { return 2*r.width + 2*r.height }
func (c circle) area() float64  { return math.Pi * c.radius * c.radius }
func (c circle) perim() float64 { return 2 * math.Pi * c.radius }
func (c circle) String() string { return fmt.Sprintf("circle(r=%g)", c.radius) }

func measure(g geometry) {
	fmt.Printf("%.2f %.2f\n", g.area(), g.perim())
}

type base struct{ num int }

func (b base) describe() string { return fmt.Sprintf("base with num=%v", b.num) }

type container struct {
	base
	str string
}

type byLen []string

func (s byLen) Len() int           { return len(s) }
func (s byLen) Swap(i, j int)      { s[i], s[j] = s[j], s[i] }
func (s byLen) Less(i, j int) bool { return len(s[i]) < len(s[j]) }

type Celsius float64

func (c Celsius) String() string { return fmt.Sprintf("%.1f°C", float64(c)) }

func main() {
	r := rect{width: 3, height: 4}
	c := circle{radius: 5}
	measure(r)
	measure(c)
	fmt.Println(r, c, []circle{c, {1}})
	fmt.Printf("%v %+v %#v\n", r, c, r)
	co := container{base: base{num: 1}, str: "some name"}
	fmt.Printf("co={num: %v, str: %v}\n", co.num, co.str)
	fmt.Println("describe:", co.describe())
	fmt.Printf("%v %+v\n", co, co)
	fruits := byLen{"peach", "banana", "kiwi"}
	sort.Sort(fruits)
	fmt.Println(fruits, strings.Join(fruits, ","))
	temps := map[string]Celsius{"mon": 21.5, "tue": -3}
	fmt.Println(temps)
	fmt.Printf("%6.2f|%v|%s|%x\n", Celsius(1.5), Celsius(2), Celsius(3), Celsius(4))
}

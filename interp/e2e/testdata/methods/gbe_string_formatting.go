package main

import (
	"fmt"
	"os"
)

type point struct {
	x, y int
}

type named struct {
	Label string
	At    point
	Tags  map[string]int
}

func main() {
	p := point{1, 2}
	fmt.Printf("struct1: %v\n", p)
	fmt.Printf("struct2: %+v\n", p)
	fmt.Printf("struct3: %#v\n", p)
	fmt.Printf("type: %T\n", p)
	fmt.Printf("bool: %t\n", true)
	fmt.Printf("int: %d\n", 123)
	fmt.Printf("bin: %b\n", 14)
	fmt.Printf("char: %c\n", 33)
	fmt.Printf("hex: %x\n", 456)
	fmt.Printf("float1: %f\n", 78.9)
	fmt.Printf("float2: %e\n", 123400000.0)
	fmt.Printf("str1: %s\n", "\"string\"")
	fmt.Printf("str2: %q\n", "\"string\"")
	fmt.Printf("width1: |%6d|%6d|\n", 12, 345)
	fmt.Printf("width3: |%6.2f|%6.2f|\n", 1.2, 3.45)
	fmt.Printf("width5: |%6s|%6s|\n", "foo", "b")
	fmt.Printf("width6: |%-6s|%-6s|\n", "foo", "b")
	s := fmt.Sprintf("sprintf: a %s", "string")
	fmt.Println(s)
	fmt.Fprintf(os.Stderr, "io: an %s %v\n", "error", p)
	n := named{"home", point{3, 4}, map[string]int{"b": 2, "a": 1}}
	fmt.Printf("%v\n%+v\n%#v\n%T %T\n", n, n, n, n, &n)
	fmt.Printf("%v %+v\n", &n, []*point{})
	fmt.Printf("%5v|%-5v|%05d\n", p, p, p)
	fmt.Printf("%x %X %o\n", p, p, p)
	fmt.Println(p, &p == nil, [2]point{{5, 6}})
}

package main

import "fmt"

type Name string

func (n Name) String() string { return "<" + string(n) + ">" }

func main() {
	fmt.Print(Name("x"), 3, "\n")
	fmt.Print(Name("a"), Name("b"), "\n")
	fmt.Print(1, Name("c"), 2, 3, "\n")
	s := fmt.Sprint(Name("d"), 4, 5)
	fmt.Println(s, len(fmt.Sprint(Name("e"))))
}

// refused: fmt.Print of main.Name
package main

import "fmt"

type Name string

func (n Name) String() string { return "<" + string(n) + ">" }

func main() {
	fmt.Print(Name("x"), 3, "\n")
	fmt.Print(Name("a"), Name("b"), "\n")
}

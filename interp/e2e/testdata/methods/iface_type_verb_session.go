// fails: %T of a value of a session type held in an interface is not supported
package main

import "fmt"

type Money struct{ cents int }

func (m Money) String() string { return fmt.Sprintf("$%d", m.cents) }

func main() {
	var s fmt.Stringer = Money{250}
	fmt.Println(s)
	fmt.Printf("%T %v\n", s, Money{1})
}

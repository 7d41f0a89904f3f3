// fails: type assertion to main.temporary of a value of type error
package main

import "fmt"

type temporary interface{ Temporary() bool }

type netErr struct{ msg string }

func (e *netErr) Error() string   { return e.msg }
func (e *netErr) Temporary() bool { return true }

func dial() error { return &netErr{"refused"} }

func main() {
	err := dial()
	fmt.Println("dialled:", err)
	t, ok := err.(temporary)
	fmt.Println(ok && t.Temporary())
}

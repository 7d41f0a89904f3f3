// refused: a type assertion or type switch to main.notFound on a value of error
package main

import "fmt"

type notFound struct{ key string }

func (e notFound) Error() string { return "not found: " + e.key }

func find(k string) error { return notFound{k} }

func main() {
	switch e := find("k").(type) {
	case notFound:
		fmt.Println("not found", e.key)
	default:
		fmt.Println("other")
	}
}

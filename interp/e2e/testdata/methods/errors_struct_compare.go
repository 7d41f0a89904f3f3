// refused: comparing error with a value of main.notFound
package main

import "fmt"

type notFound struct{ key string }

func (e notFound) Error() string { return "not found: " + e.key }

func find(k string) error { return notFound{k} }

func main() {
	fmt.Println(find("k") == error(notFound{"k"}))
}

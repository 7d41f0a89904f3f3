// refused: errors.As into main.notFound
package main

import (
	"errors"
	"fmt"
)

type notFound struct{ key string }

func (e notFound) Error() string { return "not found: " + e.key }

func find(k string) error { return fmt.Errorf("find: %w", notFound{k}) }

func main() {
	var nf notFound
	fmt.Println(errors.As(find("k"), &nf), nf.key)
}

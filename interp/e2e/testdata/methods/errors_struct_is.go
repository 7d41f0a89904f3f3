// refused: errors.Is with a target of main.notFound
package main

import (
	"errors"
	"fmt"
)

type notFound struct{ key string }

func (e notFound) Error() string { return "not found: " + e.key }

func main() {
	err := fmt.Errorf("get: %w", notFound{"a"})
	fmt.Println(errors.Is(err, notFound{"a"}), errors.Is(err, notFound{"b"}))
}

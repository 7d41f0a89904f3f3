// refused: errors.Is with a target of main.notFound
package main

import (
	"errors"
	"fmt"
)

type notFound struct{ op, key string }

func (e notFound) Error() string { return "not found: " + e.key }

func main() {
	err := fmt.Errorf("get: %w", notFound{"get", "a"})
	fmt.Println(errors.Is(err, notFound{"get", "a"}), errors.Is(err, notFound{"get", "b"}))
}

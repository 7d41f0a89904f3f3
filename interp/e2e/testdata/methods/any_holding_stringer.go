// fails: a value of type main.Level held in an interface is not supported
package main

import "fmt"

type Level byte

func (l Level) String() string { return fmt.Sprintf("L%d", byte(l)) }

type P struct{ X, Y int }

func main() {
	plain := []any{1, "a", P{3, 4}, nil}
	fmt.Println(plain, map[string]any{"k": P{1, 2}})
	xs := []any{Level(1), P{3, 4}}
	fmt.Println(xs)
}

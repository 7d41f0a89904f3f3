package main

import (
	"errors"
	"fmt"
	"io"
)

type Level byte

func (l Level) String() string { return fmt.Sprintf("L%d", byte(l)) }

type Money struct{ cents int }

func main() {
	var s fmt.Stringer = Level(2)
	err := fmt.Errorf("wrapped: %w", io.EOF)
	var none error
	fmt.Printf("%v %s %d|%6v|\n", s, s, s, s)
	fmt.Printf("%T %T %T %v %T\n", err, errors.New("x"), none, Money{5}, Level(1))
	fmt.Printf("%[2]T %[1]v\n", err, io.EOF)
}

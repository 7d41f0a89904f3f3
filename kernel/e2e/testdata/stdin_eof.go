// A program that reads stdin at its end: run with no input by go run, and
// as a cell whose input request the front end answers with end of input
// (jupyter console's "\x04" for Ctrl-D).
package main

import (
	"errors"
	"fmt"
	"io"
)

func main() {
	var name string
	n, err := fmt.Scanln(&name)
	fmt.Println(n, err, errors.Is(err, io.EOF), len(name))
}

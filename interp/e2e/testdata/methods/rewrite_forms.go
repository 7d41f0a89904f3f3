package main

import (
	"errors"
	"fmt"
	"io"
	"os"
	"strconv"
)

type kind int

func (k kind) String() string { return "kind" + strconv.Itoa(int(k)) }

type opErr struct{ op string }

func (e *opErr) Error() string { return e.op }

var errA = &opErr{"a"}

type holder struct {
	v  int
	ok bool
}

func classify(x any) string {
	if n, ok := x.(int); ok && n > 1 {
		return "big int"
	}
	var h holder
	h.v, h.ok = x.(int)
	var s string
	s, h.ok = x.(string)
	_, isErr := x.(error)
	return fmt.Sprint(h, s, isErr)
}

func check(err error) (out string) {
	defer func() {
		if err == errA {
			out += "!"
		}
	}()
	switch e := err; {
	case e == nil:
		return "nil"
	case errors.Is(e, io.EOF), e == io.ErrUnexpectedEOF:
		return "eof"
	}
	switch err {
	case errA:
		out = "A"
		fallthrough
	case nil:
		out += "+"
	default:
		out = "other"
	}
	switch x := err.(type) {
	case *opErr:
		if x.op == "a" {
			break
		}
		out += x.op
	}
	return out
}

func main() {
	for _, x := range []any{1, 2, "s", errA, nil} {
		fmt.Println(classify(x))
	}
	for _, e := range []error{nil, io.EOF, io.ErrUnexpectedEOF, errA, &opErr{"b"}, os.ErrNotExist} {
		fmt.Println(check(e))
	}
	done := make(chan bool)
	go func() {
		var e error = errA
		done <- e == errA && e != io.EOF
	}()
	fmt.Println(<-done)
	f := func(a, b error) bool { return a == b }
	fmt.Println(f(errA, errA), f(errA, &opErr{"a"}), f(nil, nil))
	var k fmt.Stringer = kind(1)
	var k2 fmt.Stringer = kind(1)
	fmt.Println(k == k2, k != nil, k.String())
}

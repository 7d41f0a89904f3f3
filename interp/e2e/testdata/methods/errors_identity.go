package main

import (
	"errors"
	"fmt"
	"io"
)

type pathErr struct{ path string }

func (e *pathErr) Error() string { return "bad path " + e.path }

type code int

func (c code) Error() string { return fmt.Sprint("code ", int(c)) }

var errGone = &pathErr{"gone"}

func open(p string) error {
	switch p {
	case "gone":
		return errGone
	case "eof":
		return io.EOF
	case "code":
		return code(7)
	case "ok":
		return nil
	}
	return &pathErr{p}
}

func kind(err error) string {
	switch e := err.(type) {
	case nil:
		return "nil"
	case *pathErr:
		return "path " + e.path
	case code:
		return fmt.Sprint("code ", int(e))
	}
	return "other " + err.Error()
}

func main() {
	for _, p := range []string{"gone", "eof", "code", "ok", "x"} {
		err := open(p)
		pe, isPath := err.(*pathErr)
		c, isCode := err.(code)
		fmt.Println(p, err == errGone, err != errGone, err == io.EOF, err == code(7), err == error(code(8)), err == nil,
			isPath, pe != nil, isCode, int(c), kind(err))
		var target *pathErr
		fmt.Println(errors.As(err, &target), target == errGone, errors.Is(err, errGone), errors.Is(err, code(7)))
	}
	e1, e2 := open("code"), open("code")
	fmt.Println(e1 == e2, open("gone") == open("gone"), open("a") == open("a"))
	for _, p := range []string{"gone", "eof", "code", "ok", "x"} {
		switch err := open(p); err {
		case errGone, io.EOF:
			fmt.Println(p, "sentinel")
		case code(7):
			fmt.Println(p, "code 7")
		case nil:
			fmt.Println(p, "nil")
		default:
			fmt.Println(p, "other", err)
		}
	}
	var s fmt.Stringer
	var s2 fmt.Stringer
	fmt.Println(s == s2, s == nil)
}

package main

import (
	"errors"
	"fmt"
	"strings"
)

type Node struct {
	Val  int
	Next *Node
}

func (n *Node) String() string {
	if n == nil {
		return "nil-node"
	}
	return fmt.Sprintf("%d->%v", n.Val, n.Next)
}

type Set map[string]bool

func (s Set) String() string {
	var ks []string
	for k := range s {
		ks = append(ks, k)
	}
	if len(ks) > 1 && ks[0] > ks[1] {
		ks[0], ks[1] = ks[1], ks[0]
	}
	return "{" + strings.Join(ks, ",") + "}"
}

type Grid [2][2]int

func (g Grid) String() string { return fmt.Sprint(g[0][0], g[1][1]) }

type panicky struct{}

func (panicky) String() string { panic("boom") }

type nilStr struct{ s *string }

func (n *nilStr) String() string { return *n.s }

type wrapErr struct {
	op  string
	err error
}

func (w *wrapErr) Error() string { return w.op + ": " + w.err.Error() }
func (w *wrapErr) Unwrap() error { return w.err }

func main() {
	list := &Node{1, &Node{2, nil}}
	fmt.Println(list)
	var empty *Node
	fmt.Println(empty, []*Node{nil})
	fmt.Println(Set{"a": true, "b": true}, Grid{{1, 2}, {3, 4}})
	fmt.Println(panicky{})
	var ns *nilStr
	fmt.Println(ns)
	fmt.Printf("%s|%v|%d\n", ns, []panicky{{}}, Grid{})
	base := errors.New("disk full")
	err := &wrapErr{"write", base}
	fmt.Println(err, errors.Is(err, base), errors.Unwrap(err) == base)
	fmt.Printf("%v %s %q\n", err, err, err)
}

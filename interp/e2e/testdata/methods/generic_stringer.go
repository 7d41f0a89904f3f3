package main

import "fmt"

type Money struct{ cents int }

func (m Money) String() string { return fmt.Sprintf("$%d", m.cents) }

type Pair[K comparable, V any] struct {
	Key K
	Val V
}

func (p Pair[K, V]) String() string { return fmt.Sprintf("%v=%v", p.Key, p.Val) }

func Show[T any](x T) string { return fmt.Sprint(x) }

func main() {
	fmt.Println(Show(Money{5}), Show(3), Show("s"))
	p := Pair[string, Money]{"a", Money{2}}
	fmt.Println(p, []Pair[string, Money]{p})
	fmt.Printf("%v %+v %T\n", p, p, p)
}

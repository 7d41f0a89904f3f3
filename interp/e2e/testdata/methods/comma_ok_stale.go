package main

import "fmt"

type sq struct{ n int }

func main() {
	vals := []any{"a", 1, "b", 2.5, sq{3}, nil}
	for _, v := range vals {
		s, isStr := v.(string)
		n, isInt := v.(int)
		q, isSq := v.(sq)
		fmt.Printf("%q %v %d %v %v %v\n", s, isStr, n, isInt, q, isSq)
	}
	var last string
	for _, v := range vals {
		if s, ok := v.(string); ok {
			last = s
		} else {
			fmt.Printf("[%s]", s)
		}
	}
	fmt.Println(last)
}

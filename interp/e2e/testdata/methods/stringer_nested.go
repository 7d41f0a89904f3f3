package main

import (
	"fmt"
	"log"
	"os"
)

type Level byte

func (l Level) String() string { return [...]string{"debug", "info", "warn"}[l] }

type Money struct{ cents int }

func (m Money) String() string { return fmt.Sprintf("$%d.%02d", m.cents/100, m.cents%100) }

type Item struct {
	Name  string
	price Money
	lvl   Level
	Tags  []string
}

type Cart struct {
	Items []Item
	Total *Money
	ByLvl map[Level][]Money
}

type pt struct{ x, y int }

func main() {
	levels := []Level{2, 0, 1}
	fmt.Println(levels, [2]Level{1, 2})
	fmt.Println(map[Level]Money{2: {5}, 0: {100}, 1: {7}})
	fmt.Println(map[string]Level{"b": 1, "a": 2})
	it := Item{"pen", Money{199}, 1, []string{"a", "b"}}
	fmt.Println(it)
	fmt.Printf("%v\n%+v\n", it, it)
	total := Money{199}
	cart := Cart{Items: []Item{it, {Name: "cap"}}, Total: &total, ByLvl: map[Level][]Money{0: {{1}, {2}}}}
	fmt.Printf("%v\n%+v\n", cart.Items, cart.ByLvl)
	fmt.Println(&it, []*Money{&total}[0])
	fmt.Printf("%v %+v %d\n", pt{1, 2}, pt{1, 2}, pt{3, 4})
	fmt.Printf("%#v %#v %#v\n", pt{1, 2}, []pt{{5, 6}}, map[string]pt{"k": {7, 8}})
	fmt.Printf("%#v %#v\n", levels, Level(2))
	fmt.Printf("[%6v] [%-8v] [%06d]\n", Level(1), total, Level(2))
	var nilCart *Cart
	fmt.Println(nilCart == nil, fmt.Sprint([]Level(nil)), fmt.Sprintf("%#v", []Level(nil)))
	log.SetFlags(0)
	log.Println("level", Level(2), total)
	log.Printf("%v/%s", it.lvl, it.price)
	l := log.New(os.Stdout, "cart: ", 0)
	l.Printf("%v items, total %v (%T)", len(cart.Items), *cart.Total, cart.Total)
}

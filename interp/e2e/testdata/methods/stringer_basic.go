package main

import "fmt"

type Level byte

func (l Level) String() string { return fmt.Sprintf("L%d", l) }

type Money struct{ cents int }

func (m Money) String() string { return fmt.Sprintf("$%d.%02d", m.cents/100, m.cents%100) }

func price() Money { return Money{250} }

func main() {
	fmt.Println(Level(3))
	fmt.Printf("%d %v %s %x %q %T|%5v|%-5s|\n", Level(3), Level(3), Level(3), Level(3), Level(3), Level(3), Level(3), Level(3))
	fmt.Println(price())
	m := price()
	fmt.Println(m, &m)
	fmt.Printf("%v %d %+v %T %T\n", m, m, m, m, &m)
	s := fmt.Sprint(m, Level(1), "x", 2)
	fmt.Println(s, len(fmt.Sprintln(m)))
	err := fmt.Errorf("cost %v at level %d", m, Level(4))
	fmt.Println(err)
}

package main

import (
	"fmt"
	"time"
)

type Level int

func (l Level) String() string { return "lvl" }

type job struct {
	Name    string
	timeout time.Duration
	Every   time.Duration
	level   Level
	Level   Level
	inner   struct{ D time.Duration }
	ptr     *Level
}

func main() {
	j := job{Name: "a", timeout: time.Second, Every: time.Minute, level: 2, Level: 3}
	j.inner.D = time.Hour
	fmt.Println(j)
	fmt.Printf("%+v\n", j)
	fmt.Printf("%v %d\n", []job{j}[0].Level, j.level)
}

package main

import (
	"encoding/json"
	"fmt"
)

type Temp float64

func (t Temp) MarshalJSON() ([]byte, error) { return []byte(fmt.Sprintf(`"%gC"`, float64(t))), nil }

type Doc struct {
	ID   int    `json:"id"`
	Body string `json:"body,omitempty"`
}

func (d *Doc) MarshalJSON() ([]byte, error) { return []byte(fmt.Sprintf(`{"doc":%d}`, d.ID)), nil }

type Level int

func (l Level) MarshalText() ([]byte, error) { return []byte(fmt.Sprint("L", int(l))), nil }

type Plain struct {
	Name string `json:"name"`
	N    []int  `json:"n,omitempty"`
}

func main() {
	b, err := json.Marshal(Temp(21.5))
	fmt.Println(string(b), err)
	b, err = json.Marshal(&Doc{ID: 3})
	fmt.Println(string(b), err)
	b, err = json.Marshal(Level(2))
	fmt.Println(string(b), err)
	b, err = json.Marshal([]Plain{{Name: "a"}, {"b", []int{1}}})
	fmt.Println(string(b), err)
	var ps []Plain
	err = json.Unmarshal([]byte(`[{"name":"x","n":[4]}]`), &ps)
	fmt.Println(ps, err)
}

package main

import (
	"encoding/json"
	"fmt"
	"sync"
)

type account struct {
	mu      sync.Mutex
	Owner   string `json:"owner"`
	balance int
	History []entry `json:"history,omitempty"`
	cache   map[string]int
}

type entry struct {
	Amount int
	note   string
}

func main() {
	a := account{Owner: "ann", balance: 10, History: []entry{{5, "x"}}}
	b, err := json.Marshal(&a)
	fmt.Println(string(b), err)
	var back account
	err = json.Unmarshal([]byte(`{"owner":"bob","balance":99,"Xbalance":7,"history":[{"Amount":1,"note":"n","Xnote":"m"}]}`), &back)
	fmt.Println(back.Owner, back.balance, back.History[0].Amount, back.History[0].note == "", err)
	anon := struct {
		A int
		b int
	}{1, 2}
	b, _ = json.MarshalIndent(anon, "", " ")
	fmt.Println(string(b))
}

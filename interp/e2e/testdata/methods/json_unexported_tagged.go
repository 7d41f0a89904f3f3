// refused: json.Marshal of main.user, which has the unexported field password
package main

import (
	"encoding/json"
	"fmt"
)

type user struct {
	Name     string
	password string `json:"pw"`
}

func main() {
	b, _ := json.Marshal(user{"ann", "secret"})
	fmt.Println(string(b))
}

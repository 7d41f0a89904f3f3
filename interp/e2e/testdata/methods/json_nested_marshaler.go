// refused: json.Marshal of main.Temp, which has a MarshalJSON method
package main

import (
	"encoding/json"
	"fmt"
)

type Temp float64

func (t Temp) MarshalJSON() ([]byte, error) { return []byte(`"hot"`), nil }

func main() {
	b, _ := json.Marshal([]Temp{1, 2})
	fmt.Println(string(b))
}

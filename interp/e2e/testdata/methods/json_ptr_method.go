// refused: json.Marshal of main.Stamp, which has a MarshalJSON method
package main

import (
	"encoding/json"
	"fmt"
)

type Stamp struct{ n int }

func (s *Stamp) MarshalJSON() ([]byte, error) { return []byte(`"stamp"`), nil }

type Event struct{ At Stamp }

func main() {
	b, _ := json.Marshal(&Event{Stamp{1}})
	c, _ := json.Marshal(Event{Stamp{1}})
	fmt.Println(string(b), string(c))
}

// refused: json.Unmarshal of main.Celsius, which has an UnmarshalJSON method
package main

import (
	"encoding/json"
	"fmt"
	"strings"
)

type Celsius float64

func (c *Celsius) UnmarshalJSON(b []byte) error {
	var s string
	if err := json.Unmarshal(b, &s); err != nil {
		return err
	}
	_, err := fmt.Sscanf(strings.TrimSuffix(s, "C"), "%g", (*float64)(c))
	return err
}

func main() {
	var c Celsius
	err := json.Unmarshal([]byte(`"21.5C"`), &c)
	fmt.Println(c, err)
}

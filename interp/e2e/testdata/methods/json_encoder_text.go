// refused: (*json.Encoder).Encode of main.Level, which has a MarshalText method
package main

import (
	"encoding/json"
	"os"
)

type Level int

func (l Level) MarshalText() ([]byte, error) { return []byte([]string{"low", "high"}[l]), nil }

func main() {
	json.NewEncoder(os.Stdout).Encode(map[Level]int{0: 1, 1: 2})
}

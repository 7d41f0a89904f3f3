// require: github.com/google/uuid v1.6.0
// require: github.com/shopspring/decimal v1.6.0
package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"time"

	"github.com/google/uuid"
	"github.com/shopspring/decimal"
)

type Temp float64

func (t Temp) MarshalJSON() ([]byte, error) { return []byte(fmt.Sprintf(`"%gC"`, float64(t))), nil }

type Level int

func (l Level) MarshalText() ([]byte, error) { return []byte([]string{"low", "high"}[l]), nil }

type Stamp struct{ t time.Time }

func (s *Stamp) MarshalJSON() ([]byte, error) {
	if s == nil {
		return []byte(`"none"`), nil
	}
	return json.Marshal(s.t.Format("2006-01-02"))
}

type Bad struct{}

func (Bad) MarshalJSON() ([]byte, error) { return nil, errors.New("bad value") }

type Reading struct {
	Temp    Temp            `json:"temp"`
	Opt     Temp            `json:"opt,omitempty"`
	Level   Level           `json:"level"`
	Levels  []Level         `json:"levels"`
	ByLevel map[Level]int   `json:"by_level"`
	Names   map[string]Temp `json:"names,omitempty"`
	At      *Stamp          `json:"at"`
	Never   *Stamp          `json:"never"`
	Skip    *Stamp          `json:"skip,omitempty"`
	ID      uuid.UUID       `json:"id"`
	Price   decimal.Decimal `json:"price"`
	Plain   []int           `json:"plain"`
	note    string
}

func main() {
	r := Reading{
		Temp: 21.5, Level: 1, Levels: []Level{0, 1}, ByLevel: map[Level]int{1: 3, 0: 2},
		At:    &Stamp{time.Date(2024, 5, 6, 0, 0, 0, 0, time.UTC)},
		ID:    uuid.MustParse("6ba7b810-9dad-11d1-80b4-00c04fd430c8"),
		Price: decimal.RequireFromString("12.50"), Plain: []int{1}, note: "n",
	}
	b, err := json.Marshal(r)
	fmt.Println(string(b), err)
	b, err = json.MarshalIndent([]Temp{1, 2}, "", " ")
	fmt.Println(string(b), err)
	json.NewEncoder(os.Stdout).Encode(map[Level]Temp{1: 3})
	_, err = json.Marshal([]Bad{{}})
	fmt.Println(err != nil)
}

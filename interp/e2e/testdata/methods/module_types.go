// require: github.com/google/uuid v1.6.0
// require: github.com/shopspring/decimal v1.6.0
package main

import (
	"fmt"

	"github.com/google/uuid"
	"github.com/shopspring/decimal"
)

type Order struct {
	ID    uuid.UUID
	Total decimal.Decimal
	note  string
}

func main() {
	d := decimal.NewFromFloat(0.3)
	u := uuid.MustParse("6ba7b810-9dad-11d1-80b4-00c04fd430c8")
	fmt.Println(d, u, u.Version(), u.Variant())
	fmt.Printf("%v %s %d %T %T\n", u.Version(), d, u.Version(), d, u.Version())
	o := Order{u, d.Add(decimal.New(12, -1)), "n"}
	fmt.Printf("%v\n%+v\n", o, o)
	fmt.Println([]decimal.Decimal{d, d.Neg()}, map[string]uuid.Version{"v": 4})
}

// refused: template.Execute with data of main.Item, which has the method
package main

import (
	"fmt"
	"os"
	"text/template"
)

type Money int

func (m Money) String() string { return fmt.Sprintf("$%d", int(m)) }

type Item struct {
	Name  string
	Price Money
}

func (i Item) Title() string { return "The " + i.Name }

func main() {
	t := template.Must(template.New("x").Parse("{{.Title}} costs {{.Price}}\n"))
	t.Execute(os.Stdout, []Item{{"pen", 3}})
}

package main

import (
	"os"
	"text/template"
)

type Item struct {
	Name  string
	Price int
	Tags  []string
}

func main() {
	t := template.Must(template.New("x").Parse("{{range .}}{{.Name}}: {{.Price}} {{.Tags}}\n{{end}}"))
	t.Execute(os.Stdout, []Item{{"pen", 3, []string{"a"}}, {"cap", 5, nil}})
}

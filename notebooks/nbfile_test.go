package notebooks

import (
	"encoding/json"
	"os"
	"strings"
	"testing"
)

// output is one cell output, with multi-line strings joined.
type output struct {
	Type      string            // stream, display_data, execute_result, error
	Name      string            // stream name
	Text      string            // stream text
	Data      map[string]string // text data (JSON data as JSON text)
	Ename     string
	Evalue    string
	Traceback []string
}

// executed is one code cell after a run.
type executed struct {
	Count   int // 0 when it did not run
	Tags    []string
	Outputs []output
}

// readExecuted reads an executed notebook: its code cells by id, with
// consecutive stream outputs of the same name merged (front ends and
// nbclient differ in how they chunk streams).
func readExecuted(t *testing.T, path string) map[string]*executed {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("read executed notebook: %v", err)
	}
	var nb struct {
		Cells []struct {
			ID       string `json:"id"`
			CellType string `json:"cell_type"`
			Count    *int   `json:"execution_count"`
			Metadata struct {
				Tags []string `json:"tags"`
			} `json:"metadata"`
			Outputs []map[string]any `json:"outputs"`
		} `json:"cells"`
	}
	if err := json.Unmarshal(b, &nb); err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	cells := map[string]*executed{}
	for _, c := range nb.Cells {
		if c.CellType != "code" {
			continue
		}
		e := &executed{Tags: c.Metadata.Tags}
		if c.Count != nil {
			e.Count = *c.Count
		}
		for _, raw := range c.Outputs {
			o := toOutput(raw)
			if n := len(e.Outputs); n > 0 && o.Type == "stream" && e.Outputs[n-1].Type == "stream" && e.Outputs[n-1].Name == o.Name {
				e.Outputs[n-1].Text += o.Text
				continue
			}
			e.Outputs = append(e.Outputs, o)
		}
		cells[c.ID] = e
	}
	return cells
}

func toOutput(raw map[string]any) output {
	o := output{Type: str(raw["output_type"]), Name: str(raw["name"]), Text: joined(raw["text"]),
		Ename: str(raw["ename"]), Evalue: str(raw["evalue"])}
	if tb, ok := raw["traceback"].([]any); ok {
		for _, l := range tb {
			o.Traceback = append(o.Traceback, str(l))
		}
	}
	if data, ok := raw["data"].(map[string]any); ok {
		o.Data = map[string]string{}
		for k, v := range data {
			switch v.(type) {
			case string, []any:
				if strings.HasSuffix(k, "json") {
					j, _ := json.Marshal(v)
					o.Data[k] = string(j)
					continue
				}
				o.Data[k] = joined(v)
			default:
				j, _ := json.Marshal(v)
				o.Data[k] = string(j)
			}
		}
	}
	return o
}

func str(v any) string {
	s, _ := v.(string)
	return s
}

// joined is an nbformat multi-line string: a string or a list of lines.
func joined(v any) string {
	switch t := v.(type) {
	case string:
		return t
	case []any:
		var b strings.Builder
		for _, l := range t {
			b.WriteString(str(l))
		}
		return b.String()
	}
	return ""
}

// text is everything a reader of the cell sees as text: streams,
// text/plain, error name, value and traceback.
func (e *executed) text() string {
	var b strings.Builder
	for _, o := range e.Outputs {
		b.WriteString(o.Text)
		b.WriteString(o.Data["text/plain"])
		b.WriteString(o.Ename + " " + o.Evalue + "\n")
		b.WriteString(strings.Join(o.Traceback, "\n"))
		b.WriteString("\n")
	}
	return b.String()
}

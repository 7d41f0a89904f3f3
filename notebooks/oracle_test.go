package notebooks

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"go/parser"
	"go/token"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"time"
)

// The oracle of a notebook is the same code as a Go program, built and run
// in the same test run: sameAsGo compares a cell's stdout (and the PNGs it
// displayed) with what the program printed for that cell.

// cellMarker starts each cell's part of the program's output.
const cellMarker = "\x1ecell "

// oracles holds each notebook's program output per cell id.
var oracles struct {
	sync.Mutex
	out map[string]map[string]string
	err map[string]error
}

// sameAsGo: the cell printed what the notebook's Go program printed for it.
func sameAsGo(notebook, id string) check {
	return func(e *executed) error {
		want, err := oracle(notebook)
		if err != nil {
			return err
		}
		if got := transcript(e); got != want[id] {
			return fmt.Errorf("the cell printed\n%s\nthe Go program printed\n%s", got, want[id])
		}
		return nil
	}
}

// transcript is what a cell showed as the Go program prints it: stdout,
// and a line with the SHA-256 of each PNG it displayed.
func transcript(e *executed) string {
	var b strings.Builder
	for _, o := range e.Outputs {
		switch {
		case o.Type == "stream" && o.Name == "stdout":
			b.WriteString(o.Text)
		case o.Type == "display_data" && o.Data["image/png"] != "":
			raw, err := base64.StdEncoding.DecodeString(strings.TrimSpace(o.Data["image/png"]))
			if err != nil {
				fmt.Fprintf(&b, "[display image/png: %v]\n", err)
				continue
			}
			fmt.Fprintf(&b, "[display image/png %x]\n", sha256.Sum256(raw))
		}
	}
	return b.String()
}

// oracle builds and runs the notebook's program once per test process.
func oracle(notebook string) (map[string]string, error) {
	oracles.Lock()
	defer oracles.Unlock()
	if out, ok := oracles.out[notebook]; ok {
		return out, oracles.err[notebook]
	}
	if oracles.out == nil {
		oracles.out, oracles.err = map[string]map[string]string{}, map[string]error{}
	}
	out, err := runOracle(notebook)
	oracles.out[notebook], oracles.err[notebook] = out, err
	return out, err
}

func runOracle(notebook string) (map[string]string, error) {
	cells, err := codeCells(notebook)
	if err != nil {
		return nil, err
	}
	gomod, main, err := goProgram(cells)
	if err != nil {
		return nil, err
	}
	dir, err := os.MkdirTemp("", "dmirror-oracle-")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(dir)
	for name, data := range map[string]string{"go.mod": gomod, "main.go": main} {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(data), 0o644); err != nil {
			return nil, err
		}
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, "go", "run", "-mod=mod", ".")
	cmd.Dir = dir
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		return nil, fmt.Errorf("the Go program of %s: %v\n%s\n%s", notebook, err, stderr.String(), main)
	}
	parts := map[string]string{}
	for _, part := range strings.Split(stdout.String(), cellMarker)[1:] {
		id, text, _ := strings.Cut(part, "\n")
		parts[id] = text
	}
	return parts, nil
}

type cellSource struct{ id, src string }

func codeCells(notebook string) ([]cellSource, error) {
	data, err := os.ReadFile(notebook)
	if err != nil {
		return nil, err
	}
	var nb struct {
		Cells []struct {
			ID       string `json:"id"`
			CellType string `json:"cell_type"`
			Source   any    `json:"source"`
		} `json:"cells"`
	}
	if err := json.Unmarshal(data, &nb); err != nil {
		return nil, err
	}
	var cells []cellSource
	for _, c := range nb.Cells {
		if c.CellType == "code" {
			cells = append(cells, cellSource{c.ID, joined(c.Source)})
		}
	}
	return cells, nil
}

// goProgram writes the cells as one program: `%go get` lines become
// requirements, imports are merged, top-level types and funcs become
// package declarations, and every other line runs in main in cell order,
// after a marker naming its cell. display and ParallelCollect get
// sequential stand-ins that print what the transcript of a cell shows.
func goProgram(cells []cellSource) (gomod, main string, err error) {
	var requires, imports []string
	var decls, body strings.Builder
	seenImport := map[string]bool{}
	for _, c := range cells {
		fmt.Fprintf(&body, "\t__fmt.Println(%q)\n", cellMarker+c.id)
		var chunk []string
		inDecl := false
		flush := func() error {
			text := strings.Join(chunk, "\n")
			chunk = nil
			if !inDecl {
				return nil
			}
			if strings.HasPrefix(text, "import") {
				f, err := parser.ParseFile(token.NewFileSet(), "", "package p\n"+text, parser.ImportsOnly)
				if err != nil {
					return fmt.Errorf("cell %s: %w", c.id, err)
				}
				for _, s := range f.Imports {
					spec := s.Path.Value
					if s.Name != nil {
						spec = s.Name.Name + " " + spec
					}
					if !seenImport[spec] {
						seenImport[spec] = true
						imports = append(imports, spec)
					}
				}
				return nil
			}
			decls.WriteString(text + "\n\n")
			return nil
		}
		for _, line := range strings.Split(c.src, "\n") {
			if spec, ok := strings.CutPrefix(line, "%go get "); ok {
				for _, s := range strings.Fields(spec) {
					path, version, _ := strings.Cut(s, "@")
					requires = append(requires, path+" "+version)
				}
				continue
			}
			starts := strings.HasPrefix(line, "import") || strings.HasPrefix(line, "type ") || strings.HasPrefix(line, "func ")
			continues := line == "" || strings.HasPrefix(line, "\t") || strings.HasPrefix(line, "}") || strings.HasPrefix(line, ")") || strings.HasPrefix(line, " ")
			switch {
			case starts:
				if err := flush(); err != nil {
					return "", "", err
				}
				inDecl = true
				chunk = append(chunk, line)
			case inDecl && continues:
				chunk = append(chunk, line)
			default:
				if err := flush(); err != nil {
					return "", "", err
				}
				inDecl = false
				body.WriteString("\t" + line + "\n")
			}
		}
		if err := flush(); err != nil {
			return "", "", err
		}
	}
	gomod = "module oracle\n\ngo 1.26\n"
	for _, r := range requires {
		gomod += "require " + r + "\n"
	}
	var m strings.Builder
	m.WriteString("package main\n\nimport (\n")
	for _, i := range imports {
		m.WriteString("\t" + i + "\n")
	}
	m.WriteString("\t__bytes \"bytes\"\n\t__sha256 \"crypto/sha256\"\n\t__fmt \"fmt\"\n\t__image \"image\"\n\t__png \"image/png\"\n)\n\n")
	m.WriteString(oracleShims)
	m.WriteString(decls.String())
	m.WriteString("func main() {\n" + body.String() + "}\n")
	return gomod, m.String(), nil
}

const oracleShims = `type __displayAPI struct{}

func (__displayAPI) PNG(b []byte) { __fmt.Printf("[display image/png %x]\n", __sha256.Sum256(b)) }

func (d __displayAPI) Image(img __image.Image) {
	var buf __bytes.Buffer
	if err := __png.Encode(&buf, img); err != nil {
		panic(err)
	}
	d.PNG(buf.Bytes())
}

var display __displayAPI

func ParallelCollect[T, R any](xs []T, f func(T) R) []R {
	out := make([]R, len(xs))
	for i, x := range xs {
		out[i] = f(x)
	}
	return out
}

`

package nbrun

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
)

// notebook is an nbformat 4 notebook kept as decoded JSON, so that every
// field dmirror does not know about survives the run unchanged. Numbers are
// json.Number, so they are written back as they were read.
type notebook struct {
	raw   map[string]any
	cells []map[string]any
	minor int
}

// maxNotebookSize bounds what readNotebook reads: notebooks with images
// run to tens of megabytes; a path to something far larger is a mistake.
const maxNotebookSize = 256 << 20

// readNotebook reads and checks path: a regular file of at most
// maxNotebookSize bytes, valid JSON, nbformat 4, a Go notebook.
func readNotebook(path string) (*notebook, error) {
	b, err := readRegular(path, maxNotebookSize)
	if err != nil {
		return nil, fmt.Errorf("read notebook: %w", err)
	}
	nb, err := parseNotebook(b)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return nb, nil
}

// readRegular reads the regular file at path, refusing anything else: a
// FIFO would block the open until a writer comes, and a device such as
// /dev/zero never ends. A file larger than limit is refused before it is
// read, and one that grows past limit while it is read.
func readRegular(path string, limit int64) ([]byte, error) {
	// Stat before opening: opening a FIFO for reading blocks.
	fi, err := os.Stat(path)
	if err != nil {
		return nil, err
	}
	if err := checkRegular(path, fi, limit); err != nil {
		return nil, err
	}
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	if fi, err = f.Stat(); err != nil { // the path may have changed since
		return nil, err
	}
	if err := checkRegular(path, fi, limit); err != nil {
		return nil, err
	}
	b, err := io.ReadAll(io.LimitReader(f, limit+1))
	if err != nil {
		return nil, err
	}
	if int64(len(b)) > limit {
		return nil, fmt.Errorf("%s grew past %d MiB while it was read: dmirror run reads notebooks of at most %d MiB", path, limit>>20, limit>>20)
	}
	return b, nil
}

func checkRegular(path string, fi os.FileInfo, limit int64) error {
	switch mode := fi.Mode(); {
	case mode.IsDir():
		return fmt.Errorf("%s is a directory, not a notebook file", path)
	case !mode.IsRegular():
		return fmt.Errorf("%s is not a regular file (%s): dmirror run reads notebooks from regular files only", path, kind(mode))
	case fi.Size() > limit:
		return fmt.Errorf("%s is %d MiB: dmirror run reads notebooks of at most %d MiB", path, fi.Size()>>20, limit>>20)
	}
	return nil
}

// kind names the type of a file that is not regular.
func kind(mode os.FileMode) string {
	switch {
	case mode&os.ModeNamedPipe != 0:
		return "a named pipe"
	case mode&os.ModeSocket != 0:
		return "a socket"
	case mode&os.ModeCharDevice != 0:
		return "a character device"
	case mode&os.ModeDevice != 0:
		return "a device"
	}
	return mode.Type().String()
}

func parseNotebook(b []byte) (*notebook, error) {
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber()
	var raw map[string]any
	if err := dec.Decode(&raw); err != nil {
		return nil, jsonError(b, err)
	}
	if dec.More() {
		return nil, errors.New("not a notebook: invalid JSON: text after the end of the notebook")
	}
	major, _ := intField(raw, "nbformat")
	if major != 4 {
		return nil, fmt.Errorf("not an nbformat 4 notebook (nbformat is %v); convert it with: jupyter nbconvert --to notebook --nbformat 4", raw["nbformat"])
	}
	minor, _ := intField(raw, "nbformat_minor")
	list, ok := raw["cells"].([]any)
	if !ok {
		return nil, errors.New("not a valid notebook: no list of cells")
	}
	nb := &notebook{raw: raw, minor: minor}
	for i, c := range list {
		cell, ok := c.(map[string]any)
		if !ok {
			return nil, fmt.Errorf("not a valid notebook: cell %d is not an object", i+1)
		}
		if err := checkCellType(cell["cell_type"]); err != nil {
			return nil, fmt.Errorf("not a valid notebook: cell %d: %w", i+1, err)
		}
		if _, err := sourceOf(cell); err != nil {
			return nil, fmt.Errorf("not a valid notebook: cell %d: %w", i+1, err)
		}
		nb.cells = append(nb.cells, cell)
	}
	if err := checkLanguage(raw); err != nil {
		return nil, err
	}
	return nb, nil
}

// jsonError says where the JSON is broken, as line and column.
func jsonError(b []byte, err error) error {
	var syn *json.SyntaxError
	if errors.As(err, &syn) {
		line, col := position(b, syn.Offset)
		return fmt.Errorf("not a notebook: invalid JSON at line %d, column %d: %w", line, col, err)
	}
	switch {
	case errors.Is(err, io.EOF):
		return errors.New("not a notebook: the file is empty")
	case errors.Is(err, io.ErrUnexpectedEOF):
		return fmt.Errorf("not a notebook: invalid JSON: the file ends at line %d, in the middle of the JSON", bytes.Count(b, []byte("\n"))+1)
	}
	var typ *json.UnmarshalTypeError
	if errors.As(err, &typ) {
		return fmt.Errorf("not a notebook: the JSON is a %s, not an object", typ.Value)
	}
	return fmt.Errorf("not a notebook: invalid JSON: %w", err)
}

func position(b []byte, offset int64) (line, col int) {
	if offset > int64(len(b)) {
		offset = int64(len(b))
	}
	before := b[:offset]
	line = bytes.Count(before, []byte("\n")) + 1
	col = int(offset) - bytes.LastIndexByte(before, '\n')
	return line, col
}

// checkLanguage refuses notebooks written for another kernel language.
// A notebook without kernel metadata is taken as Go.
func checkLanguage(raw map[string]any) error {
	meta, _ := raw["metadata"].(map[string]any)
	ks, _ := meta["kernelspec"].(map[string]any)
	li, _ := meta["language_info"].(map[string]any)
	lang, _ := ks["language"].(string)
	if lang == "" {
		lang, _ = li["name"].(string)
	}
	name, _ := ks["name"].(string)
	switch {
	case lang != "" && !strings.EqualFold(lang, "go"):
		return fmt.Errorf("this is a %s notebook (kernel %q), not a Go notebook: dmirror runs Go notebooks only", lang, name)
	case lang == "" && name != "" && name != "dmirror" && !strings.Contains(strings.ToLower(name), "go"):
		return fmt.Errorf("this notebook is for the kernel %q, not a Go notebook: dmirror runs Go notebooks only", name)
	}
	return nil
}

func intField(m map[string]any, key string) (int, bool) {
	n, ok := m[key].(json.Number)
	if !ok {
		return 0, false
	}
	i, err := n.Int64()
	return int(i), err == nil
}

// checkCellType accepts the cell types of nbformat 4's schema, which
// rejects any other.
func checkCellType(v any) error {
	switch t := v.(type) {
	case nil:
		return errors.New("no cell_type (nbformat 4 has code, markdown and raw cells)")
	case string:
		if t == "code" || t == "markdown" || t == "raw" {
			return nil
		}
		return fmt.Errorf("unknown cell_type %q (nbformat 4 has code, markdown and raw cells)", t)
	}
	return fmt.Errorf("cell_type is %s, want \"code\", \"markdown\" or \"raw\"", jsonKind(v))
}

// jsonKind names the JSON type of v, as decoded with UseNumber.
func jsonKind(v any) string {
	switch v.(type) {
	case nil:
		return "null"
	case json.Number:
		return "a number"
	case bool:
		return "a boolean"
	case string:
		return "a string"
	case []any:
		return "a list"
	case map[string]any:
		return "an object"
	}
	return fmt.Sprintf("a %T", v)
}

// sourceOf returns a cell's source, a string or a list of strings in
// nbformat; the schema requires it, so null or a missing source is an
// error.
func sourceOf(cell map[string]any) (string, error) {
	v, ok := cell["source"]
	if !ok {
		return "", errors.New("no source (nbformat requires a string or a list of strings)")
	}
	return multiline(v, "source")
}

func multiline(v any, what string) (string, error) {
	switch s := v.(type) {
	case nil:
		return "", fmt.Errorf("%s is null, want a string or a list of strings", what)
	case string:
		return s, nil
	case []any:
		var b strings.Builder
		for _, l := range s {
			ls, ok := l.(string)
			if !ok {
				return "", fmt.Errorf("%s is a list with %s in it, want strings", what, jsonKind(l))
			}
			b.WriteString(ls)
		}
		return b.String(), nil
	}
	return "", fmt.Errorf("%s is %s, want a string or a list of strings", what, jsonKind(v))
}

func tags(cell map[string]any) []string {
	meta, _ := cell["metadata"].(map[string]any)
	list, _ := meta["tags"].([]any)
	var out []string
	for _, t := range list {
		if s, ok := t.(string); ok {
			out = append(out, s)
		}
	}
	return out
}

func hasTag(cell map[string]any, tag string) bool {
	for _, t := range tags(cell) {
		if t == tag {
			return true
		}
	}
	return false
}

// encode returns the notebook as nbformat writes it: keys sorted, one-space
// indent, multi-line text split into lists of lines.
func (nb *notebook) encode() ([]byte, error) {
	cells := make([]any, len(nb.cells))
	for i, c := range nb.cells {
		cells[i] = splitCell(c)
	}
	out := make(map[string]any, len(nb.raw))
	for k, v := range nb.raw {
		out[k] = v
	}
	out["cells"] = cells
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", " ")
	if err := enc.Encode(out); err != nil {
		return nil, fmt.Errorf("encode notebook: %w", err)
	}
	return buf.Bytes(), nil
}

// splitCell returns a copy of cell with its multi-line strings split into
// lines, as nbformat's split_lines does.
func splitCell(cell map[string]any) map[string]any {
	c := make(map[string]any, len(cell))
	for k, v := range cell {
		c[k] = v
	}
	if s, ok := c["source"].(string); ok {
		c["source"] = splitLines(s)
	}
	outs, ok := c["outputs"].([]any)
	if !ok {
		return c
	}
	split := make([]any, len(outs))
	for i, o := range outs {
		out, ok := o.(map[string]any)
		if !ok {
			split[i] = o
			continue
		}
		cp := make(map[string]any, len(out))
		for k, v := range out {
			cp[k] = v
		}
		if s, ok := cp["text"].(string); ok {
			cp["text"] = splitLines(s)
		}
		if data, ok := cp["data"].(map[string]any); ok {
			cp["data"] = splitBundle(data)
		}
		split[i] = cp
	}
	c["outputs"] = split
	return c
}

func splitBundle(data map[string]any) map[string]any {
	out := make(map[string]any, len(data))
	for k, v := range data {
		s, ok := v.(string)
		if ok && (strings.HasPrefix(k, "text/") || k == "image/svg+xml" || k == "application/javascript") {
			out[k] = splitLines(s)
			continue
		}
		out[k] = v
	}
	return out
}

// splitLines splits s after each newline, as Python's splitlines(True).
func splitLines(s string) []string {
	lines := []string{}
	for s != "" {
		i := strings.IndexByte(s, '\n')
		if i < 0 {
			lines = append(lines, s)
			break
		}
		lines = append(lines, s[:i+1])
		s = s[i+1:]
	}
	return lines
}

// writeFile writes b to path through a temporary file in the same
// directory, so that a failed run never leaves half a notebook.
func writeFile(path string, b []byte) error {
	tmp, err := os.CreateTemp(filepath.Dir(path), ".dmirror-run-*.ipynb")
	if err != nil {
		return fmt.Errorf("write notebook: %w", err)
	}
	_, werr := tmp.Write(b)
	merr := tmp.Chmod(0o644) // CreateTemp makes it private

	cerr := tmp.Close()
	if err := errors.Join(werr, merr, cerr); err != nil {
		os.Remove(tmp.Name())
		return fmt.Errorf("write notebook: %w", err)
	}
	if err := os.Rename(tmp.Name(), path); err != nil {
		os.Remove(tmp.Name())
		return fmt.Errorf("write notebook: %w", err)
	}
	return nil
}

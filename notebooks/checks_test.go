package notebooks

import (
	"bytes"
	"encoding/base64"
	"fmt"
	"image/png"
	"regexp"
	"strings"
)

// check is one expectation on an executed cell.
type check func(e *executed) error

// ran: the cell ran and did not fail.
func ran() check {
	return func(e *executed) error {
		if e.Count == 0 {
			return fmt.Errorf("the cell did not run")
		}
		for _, o := range e.Outputs {
			if o.Type == "error" {
				return fmt.Errorf("the cell failed: %s: %s\n%s", o.Ename, o.Evalue, strings.Join(o.Traceback, "\n"))
			}
		}
		return nil
	}
}

// stdout: the cell's standard output contains each of want.
func stdout(want ...string) check {
	return func(e *executed) error {
		var got string
		for _, o := range e.Outputs {
			if o.Type == "stream" && o.Name == "stdout" {
				got += o.Text
			}
		}
		for _, w := range want {
			if !strings.Contains(got, w) {
				return fmt.Errorf("stdout %q lacks %q", got, w)
			}
		}
		return nil
	}
}

// stdoutExactly: the cell's outputs are one stdout stream of exactly want.
func stdoutExactly(want string) check {
	return func(e *executed) error {
		if len(e.Outputs) != 1 || e.Outputs[0].Type != "stream" || e.Outputs[0].Name != "stdout" || e.Outputs[0].Text != want {
			return fmt.Errorf("outputs %+v, want only stdout %q", e.Outputs, want)
		}
		return nil
	}
}

// stdoutMatches: the standard output matches the regular expression.
func stdoutMatches(re string) check {
	r := regexp.MustCompile(re)
	return func(e *executed) error {
		var got string
		for _, o := range e.Outputs {
			if o.Type == "stream" && o.Name == "stdout" {
				got += o.Text
			}
		}
		if !r.MatchString(got) {
			return fmt.Errorf("stdout %q does not match %s", got, re)
		}
		return nil
	}
}

// result: the cell's execute_result has text/plain equal to plain.
func result(plain string) check {
	return func(e *executed) error {
		r, err := theResult(e)
		if err != nil {
			return err
		}
		if r.Data["text/plain"] != plain {
			return fmt.Errorf("result text/plain %q, want %q", r.Data["text/plain"], plain)
		}
		return nil
	}
}

// resultHas: the execute_result has mime data containing each of want.
func resultHas(mime string, want ...string) check {
	return func(e *executed) error {
		r, err := theResult(e)
		if err != nil {
			return err
		}
		return contains(r, mime, want)
	}
}

func theResult(e *executed) (output, error) {
	var found []output
	for _, o := range e.Outputs {
		if o.Type == "execute_result" {
			found = append(found, o)
		}
	}
	if len(found) != 1 {
		return output{}, fmt.Errorf("%d execute_result outputs, want 1 (outputs %+v)", len(found), e.Outputs)
	}
	if found[0].Data["text/plain"] == "" {
		return output{}, fmt.Errorf("the result has no text/plain: %+v", found[0])
	}
	return found[0], nil
}

func contains(o output, mime string, want []string) error {
	d, ok := o.Data[mime]
	if !ok {
		return fmt.Errorf("%s has no %s (has %v)", o.Type, mime, keys(o.Data))
	}
	for _, w := range want {
		if !strings.Contains(d, w) {
			return fmt.Errorf("%s %s %q lacks %q", o.Type, mime, d, w)
		}
	}
	return nil
}

// displays: exactly n display_data outputs have mime.
func displays(mime string, n int) check {
	return func(e *executed) error {
		got := 0
		for _, o := range e.Outputs {
			if o.Type == "display_data" {
				if _, ok := o.Data[mime]; ok {
					got++
				}
				if o.Data["text/plain"] == "" {
					return fmt.Errorf("display_data without text/plain: %v", keys(o.Data))
				}
			}
		}
		if got != n {
			return fmt.Errorf("%d display_data with %s, want %d", got, mime, n)
		}
		return nil
	}
}

// display: some display_data has mime data containing each of want.
func display(mime string, want ...string) check {
	return func(e *executed) error {
		var last error = fmt.Errorf("no display_data with %s", mime)
		for _, o := range e.Outputs {
			if o.Type != "display_data" {
				continue
			}
			if _, ok := o.Data[mime]; !ok {
				continue
			}
			if last = contains(o, mime, want); last == nil {
				return nil
			}
		}
		return last
	}
}

// pngDisplay: a display_data holds a PNG of the given size.
func pngDisplay(w, h int) check {
	return func(e *executed) error {
		for _, o := range e.Outputs {
			s, ok := o.Data["image/png"]
			if o.Type != "display_data" || !ok {
				continue
			}
			raw, err := base64.StdEncoding.DecodeString(strings.TrimSpace(s))
			if err != nil {
				return fmt.Errorf("image/png is not base64: %v", err)
			}
			img, err := png.Decode(bytes.NewReader(raw))
			if err != nil {
				return fmt.Errorf("image/png does not decode: %v", err)
			}
			if b := img.Bounds(); b.Dx() != w || b.Dy() != h {
				return fmt.Errorf("PNG is %dx%d, want %dx%d", b.Dx(), b.Dy(), w, h)
			}
			return nil
		}
		return fmt.Errorf("no image/png display")
	}
}

// fails: the cell ends with one error output named ename, and its text
// (outputs before the error included) contains each of want.
func fails(ename string, want ...string) check {
	return func(e *executed) error {
		var errs []output
		for _, o := range e.Outputs {
			if o.Type == "error" {
				errs = append(errs, o)
			}
		}
		if len(errs) != 1 || errs[0].Ename != ename {
			return fmt.Errorf("error outputs %+v, want one %s", errs, ename)
		}
		text := e.text()
		for _, w := range want {
			if !strings.Contains(text, w) {
				return fmt.Errorf("the failure's output lacks %q:\n%s", w, text)
			}
		}
		return nil
	}
}

func keys(m map[string]string) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	return out
}

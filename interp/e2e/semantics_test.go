package e2e

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/dmirror/dmirror/kernel/kerneltest"
)

// semanticsDir holds cell programs of issue 9 (Go as Go), one session per
// txtar file.
const semanticsDir = "testdata/semantics"

// semFile is one txtar file of semanticsDir. Its sections:
//
//	-- cell --    a cell; the cells run in order in one fresh kernel
//	-- result --  the text/plain execute_result of the cell before it,
//	              exactly ("" = the cell shows no result)
//	-- error --   the cell before it must fail; each line of the section
//	              must be in its error text (a line "!text": must not be)
//	-- go --      a Go program: its stdout, from `go run` in this test run,
//	              is what the cells together must print
//	-- stdout --  what the cells together must print, where there is no
//	              Go equivalent
//	-- env --     NAME=VALUE lines for the kernel, e.g. DMIRROR_NATIVE=0
//	              for a file about the interpreted fallback (with compiled
//	              declarations, the session's own code is Go's)
//	-- needs --   "compiled": the file is about compiled code and skips
//	              when DMIRROR_NATIVE=0 turns it off
//
// Without a go section, a file whose only cell starts with "package main"
// is its own oracle.
type semFile struct {
	name   string
	cells  []semCell
	goProg string
	stdout *string
	env    []string
	// compiled: the file needs compiled code (a needs section).
	compiled bool
}

type semCell struct {
	code   string
	result *string
	errs   []string
}

// parseSemFile parses the txtar format above (the comment before the first
// section is ignored).
func parseSemFile(name string, data []byte) (*semFile, error) {
	f := &semFile{name: name}
	var section string
	var body strings.Builder
	flush := func() error {
		text := body.String()
		body.Reset()
		switch section {
		case "":
		case "cell":
			f.cells = append(f.cells, semCell{code: text})
		case "result", "error":
			if len(f.cells) == 0 {
				return fmt.Errorf("%s: %s section before any cell", name, section)
			}
			c := &f.cells[len(f.cells)-1]
			if section == "result" {
				s := strings.TrimSuffix(text, "\n")
				c.result = &s
			} else {
				c.errs = strings.Split(strings.TrimSpace(text), "\n")
			}
		case "go":
			f.goProg = text
		case "env":
			f.env = strings.Fields(text)
		case "stdout":
			f.stdout = &text
		case "needs":
			if strings.TrimSpace(text) != "compiled" {
				return fmt.Errorf("%s: needs %q, want \"compiled\"", name, strings.TrimSpace(text))
			}
			f.compiled = true
		default:
			return fmt.Errorf("%s: unknown section %q", name, section)
		}
		return nil
	}
	for _, line := range strings.SplitAfter(string(data), "\n") {
		if s, ok := strings.CutPrefix(strings.TrimRight(line, "\n"), "-- "); ok && strings.HasSuffix(s, " --") {
			if err := flush(); err != nil {
				return nil, err
			}
			section = strings.TrimSuffix(s, " --")
			continue
		}
		body.WriteString(line)
	}
	if err := flush(); err != nil {
		return nil, err
	}
	if f.goProg == "" && len(f.cells) == 1 && strings.HasPrefix(strings.TrimSpace(f.cells[0].code), "package main") {
		f.goProg = f.cells[0].code
	}
	if len(f.cells) == 0 {
		return nil, fmt.Errorf("%s: no cell", name)
	}
	return f, nil
}

// TestGoSemantics runs each file of testdata/semantics through the real
// binary and compares what its cells print with the Go program's output
// (or the stdout section), and each cell's result and error with its
// sections.
func TestGoSemantics(t *testing.T) {
	kerneltest.SharedBinary(t)
	for _, f := range semFiles(t, semanticsDir) {
		t.Run(strings.TrimSuffix(f.name, ".txtar"), func(t *testing.T) { runSemFile(t, f) })
	}
}

// semFiles parses the txtar cell programs of dir (the format above).
func semFiles(t *testing.T, dir string) []*semFile {
	t.Helper()
	paths, err := filepath.Glob(filepath.Join(dir, "*.txtar"))
	if err != nil || len(paths) == 0 {
		t.Fatalf("no cell programs in %s (%v)", dir, err)
	}
	var files []*semFile
	for _, path := range paths {
		data, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		f, err := parseSemFile(filepath.Base(path), data)
		if err != nil {
			t.Fatal(err)
		}
		files = append(files, f)
	}
	return files
}

func runSemFile(t *testing.T, f *semFile) {
	if f.compiled {
		needsCompiled(t)
	}
	want := f.stdout
	if f.goProg != "" {
		s := goStdout(t, f.goProg)
		want = &s
	}
	k := start(t, f.env...)
	var got strings.Builder
	for i, c := range f.cells {
		r := exec(t, k, c.code)
		got.WriteString(r.Stream("stdout"))
		switch {
		case len(c.errs) > 0:
			text := errorText(r)
			if r.Status() != "error" {
				t.Errorf("cell %d: status %s, want an error containing %q", i+1, r.Status(), c.errs)
			}
			for _, e := range c.errs {
				if not, ok := strings.CutPrefix(e, "!"); ok {
					if strings.Contains(text, not) {
						t.Errorf("cell %d: error %q contains %q", i+1, text, not)
					}
				} else if !strings.Contains(text, e) {
					t.Errorf("cell %d: error %q does not contain %q", i+1, text, e)
				}
			}
			continue
		case r.Status() != "ok":
			t.Errorf("cell %d failed: %s", i+1, errorText(r))
			continue
		}
		if c.result != nil {
			res := r.Of("execute_result")
			switch {
			case *c.result == "" && len(res) > 0:
				t.Errorf("cell %d shows %q, want no result", i+1, result(r))
			case *c.result != "" && result(r) != *c.result:
				t.Errorf("cell %d result %q, want %q", i+1, result(r), *c.result)
			}
		}
	}
	if want != nil && got.String() != *want {
		t.Errorf("stdout:\n%s\nwant (Go):\n%s", got.String(), *want)
	}
}

package e2e

import (
	"bufio"
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
)

// program is one acceptance program: a txtar file with a main.go section,
// optionally a compare section naming how outputs are compared and a
// notes section for people.
type program struct {
	name    string
	src     []byte
	compare string // "exact" or "sorted-lines"
}

// compareModes maps a compare section's mode to how both outputs are
// normalized before they are compared.
var compareModes = map[string]func(string) string{
	// exact: byte for byte.
	"exact": func(s string) string { return s },
	// sorted-lines: the same lines in any order, for programs whose order
	// of output depends on scheduling.
	"sorted-lines": func(s string) string {
		ls := strings.Split(strings.TrimSuffix(s, "\n"), "\n")
		slices.Sort(ls)
		return strings.Join(ls, "\n")
	},
}

func (p *program) normalize() func(string) string { return compareModes[p.compare] }

// loadPrograms reads every *.txtar file of dir.
func loadPrograms(dir string) ([]*program, error) {
	files, err := filepath.Glob(filepath.Join(dir, "*.txtar"))
	if err != nil {
		return nil, err
	}
	if len(files) == 0 {
		return nil, fmt.Errorf("no programs in %s", dir)
	}
	var progs []*program
	for _, f := range files {
		p, err := loadProgram(f)
		if err != nil {
			return nil, err
		}
		progs = append(progs, p)
	}
	return progs, nil
}

func loadProgram(file string) (*program, error) {
	data, err := os.ReadFile(file)
	if err != nil {
		return nil, err
	}
	name := strings.TrimSuffix(filepath.Base(file), ".txtar")
	sections := parseTxtar(data)
	p := &program{name: name, src: sections["main.go"], compare: "exact"}
	if p.src == nil {
		return nil, fmt.Errorf("%s: no -- main.go -- section", file)
	}
	if c, ok := sections["compare"]; ok {
		p.compare = strings.TrimSpace(string(c))
	}
	if compareModes[p.compare] == nil {
		return nil, fmt.Errorf("%s: unknown compare mode %q", file, p.compare)
	}
	return p, nil
}

var txtarMarker = regexp.MustCompile(`^-- (\S+) --$`)

// parseTxtar splits a txtar archive into its files (the comment before the
// first file is dropped).
func parseTxtar(data []byte) map[string][]byte {
	files := map[string][]byte{}
	var cur string
	for line := range bytes.Lines(data) {
		if m := txtarMarker.FindSubmatch(bytes.TrimRight(line, "\r\n")); m != nil {
			cur = string(m[1])
			files[cur] = []byte{}
			continue
		}
		if cur != "" {
			files[cur] = append(files[cur], line...)
		}
	}
	return files
}

// loadKnownFailures reads KNOWN-FAILURES.txt: one program a line, its name
// then its reason; blank lines and lines starting with # are comments.
func loadKnownFailures(file string) (map[string]string, error) {
	f, err := os.Open(file)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	known := map[string]string{}
	sc := bufio.NewScanner(f)
	for n := 1; sc.Scan(); n++ {
		line := strings.TrimSpace(sc.Text())
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		name, reason, _ := strings.Cut(line, " ")
		if strings.TrimSpace(reason) == "" {
			return nil, fmt.Errorf("%s:%d: %s has no reason", file, n, name)
		}
		if _, dup := known[name]; dup {
			return nil, fmt.Errorf("%s:%d: %s listed twice", file, n, name)
		}
		known[name] = strings.TrimSpace(reason)
	}
	return known, sc.Err()
}

var (
	packageClause = regexp.MustCompile(`(?m)^package main[ \t]*$`)
	funcMainInit  = regexp.MustCompile(`(?m)^func (main|init)\(\) \{`)
)

// unwrap turns a program into what cells accepted before whole programs
// were: no package clause, main and init renamed, and called at the end
// (inits in source order, then main). Diagnostic only.
func unwrap(src string) string {
	src = packageClause.ReplaceAllString(src, "")
	var calls []string
	n := 0
	src = funcMainInit.ReplaceAllStringFunc(src, func(m string) string {
		if strings.Contains(m, "main") {
			return "func programMain() {"
		}
		n++
		calls = append(calls, fmt.Sprintf("programInit%d()", n))
		return fmt.Sprintf("func programInit%d() {", n)
	})
	return src + "\n" + strings.Join(append(calls, "programMain()"), "\n") + "\n"
}

// TestProgramsHarness: the pieces TestPrograms relies on, without a
// kernel: txtar sections, compare modes, the verdicts and the unwrap
// diagnostic.
func TestProgramsHarness(t *testing.T) {
	files := parseTxtar([]byte("comment\n-- main.go --\npackage main\n-- compare --\nsorted-lines\n"))
	if got := string(files["main.go"]); got != "package main\n" {
		t.Errorf("main.go section %q, want %q", got, "package main\n")
	}
	if got := string(files["compare"]); got != "sorted-lines\n" {
		t.Errorf("compare section %q, want %q", got, "sorted-lines\n")
	}
	sorted := &program{name: "p", compare: "sorted-lines"}
	exact := &program{name: "p", compare: "exact"}
	for _, tc := range []struct {
		p         *program
		want, got outcome
		status    string
		silent    bool
	}{
		{exact, outcome{stdout: "a\nb\n"}, outcome{stdout: "a\nb\n"}, "match", false},
		{exact, outcome{stdout: "a\nb\n"}, outcome{stdout: "b\na\n"}, "differs", true},
		{sorted, outcome{stdout: "a\nb\n"}, outcome{stdout: "b\na\n"}, "match", false},
		{sorted, outcome{stdout: "a\nb\n"}, outcome{stdout: "b\nb\n"}, "differs", true},
		{exact, outcome{stderr: "x\n"}, outcome{stdout: "x\n"}, "differs", true},
		{exact, outcome{stdout: "a\n"}, outcome{stdout: "a\n", failed: true, reason: "Panic"}, "error", false},
		{exact, outcome{stdout: "a\n", failed: true}, outcome{stdout: "a\n"}, "differs", true},
		{exact, outcome{stdout: "a\n", failed: true}, outcome{stdout: "a\n", failed: true}, "match", false},
		{exact, outcome{stdout: "a\n", failed: true}, outcome{stdout: "b\n", failed: true}, "differs", false},
		{exact, outcome{stdout: "a\n"}, outcome{stdout: "a\n", reason: "a result"}, "differs", true},
	} {
		if v := compare(tc.p, tc.want, tc.got); v.status != tc.status || v.silent != tc.silent {
			t.Errorf("compare(%s, %+v, %+v) = %s silent %v (%s), want %s silent %v", tc.p.compare, tc.want, tc.got, v.status, v.silent, v.reason, tc.status, tc.silent)
		}
	}
	src := "package main\n\nfunc init() {\n}\n\nfunc main() {\n}\n\nfunc init() {\n}\n"
	want := "\n\nfunc programInit1() {\n}\n\nfunc programMain() {\n}\n\nfunc programInit2() {\n}\n\nprogramInit1()\nprogramInit2()\nprogramMain()\n"
	if got := unwrap(src); got != want {
		t.Errorf("unwrap:\n%s\nwant:\n%s", got, want)
	}
}

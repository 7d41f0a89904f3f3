package e2e

import (
	"os"
	"regexp"
	"strings"
	"testing"
)

// TestAnyResults: a cell's result of static type any shows a value of a
// session type as Go's fmt prints it (testdata/results/any_results.go
// says how its blocks become cells), compared with go run of the file in
// this run.
func TestAnyResults(t *testing.T) {
	src, err := os.ReadFile("testdata/results/any_results.go")
	if err != nil {
		t.Fatal(err)
	}
	want := strings.Split(strings.TrimSuffix(goStdout(t, string(src)), "\n"), "\n")
	decls, blocks := resultCells(t, string(src))
	if len(blocks) != len(want) {
		t.Fatalf("%d blocks in main, %d lines from go run", len(blocks), len(want))
	}
	// With compiled declarations (the default where the go command and a
	// C compiler are there) the session's types are Go's own; the
	// interpreted fallback is what the frontend's helpers are for. A note
	// block may also give Go's line.
	for _, mode := range []struct {
		name string
		env  []string
	}{{"default", nil}, {"interpreted", []string{"DMIRROR_NATIVE=0"}}} {
		t.Run(mode.name, func(t *testing.T) {
			env := mode.env
			k := start(t, env...)
			ok(t, k, decls)
			for i, b := range blocks {
				got := result(ok(t, k, b.cell))
				switch {
				case b.note != "" && !strings.Contains(got, b.note) && got != want[i]:
					t.Errorf("cell\n%s\nshows %q, want a note %q or go run's %q", b.cell, got, b.note, want[i])
				case b.note == "" && got != want[i]:
					t.Errorf("cell\n%s\nshows %q, go run prints %q", b.cell, got, want[i])
				}
			}
		})
	}
}

type resultBlock struct{ cell, note string }

var printlnLine = regexp.MustCompile(`^fmt\.Println\((.*)\)$`)

// resultCells splits the program into its declarations (without package
// clause, imports and main) and main's blank-line separated blocks, the
// last line of each, fmt.Println(X), made X.
func resultCells(t *testing.T, src string) (string, []resultBlock) {
	t.Helper()
	before, body, found := strings.Cut(src, "\nfunc main() {\n")
	if !found {
		t.Fatal("no func main")
	}
	_, decls, _ := strings.Cut(before, "import \"fmt\"\n")
	body = strings.TrimSuffix(strings.TrimSpace(body), "}")
	var blocks []resultBlock
	for _, blk := range strings.Split(body, "\n\n") {
		lines := strings.Split(strings.TrimSpace(blk), "\n")
		for i := range lines {
			lines[i] = strings.TrimSpace(lines[i])
		}
		var b resultBlock
		if note, ok := strings.CutPrefix(lines[0], "// note: "); ok {
			b.note, lines = note, lines[1:]
		}
		m := printlnLine.FindStringSubmatch(lines[len(lines)-1])
		if m == nil {
			t.Fatalf("block %q does not end in fmt.Println(X)", blk)
		}
		lines[len(lines)-1] = m[1]
		b.cell = strings.Join(lines, "\n")
		blocks = append(blocks, b)
	}
	return "import \"fmt\"\n" + decls, blocks
}

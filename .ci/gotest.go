//go:build ignore

// gotest renders the `go test -json` stream on its stdin as go test prints
// without -v (package results, and the whole output of failed tests only)
// and writes the tests that were skipped to the file named by -skipped, one
// "package ^(TestA|TestB)$" line per package, so that .ci/test can run them
// again without -race: some tests skip themselves under -race (yaegi races
// on its own state in interpreted goroutines and in its debugger; the race
// runtime cannot run under a mirror's address-space limit).
//
//	go test -race -json ./... | go run .ci/gotest.go -skipped FILE
//
// It exits 1 if the stream does not decode; go test's own status is the
// pipeline's (set -o pipefail).
package main

import (
	"bufio"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"os"
	"regexp"
	"slices"
	"strings"
)

// event is one line of test2json output.
type event struct {
	Action     string
	Package    string
	ImportPath string // build-output events
	Test       string
	Output     string
}

type key struct{ pkg, test string }

// renderer keeps the output of running tests until they end.
type renderer struct {
	out     io.Writer
	pending map[key][]string
	skipped map[string][]string // package → top-level tests with a skip
}

func main() {
	skippedFile := flag.String("skipped", "", "write the skipped tests to `FILE`")
	flag.Parse()
	r := &renderer{out: os.Stdout, pending: map[key][]string{}, skipped: map[string][]string{}}
	if err := r.read(os.Stdin); err != nil {
		fmt.Fprintln(os.Stderr, "gotest:", err)
		os.Exit(1)
	}
	if *skippedFile != "" {
		if err := os.WriteFile(*skippedFile, []byte(r.skipList()), 0o644); err != nil {
			fmt.Fprintln(os.Stderr, "gotest:", err)
			os.Exit(1)
		}
	}
}

func (r *renderer) read(in io.Reader) error {
	sc := bufio.NewScanner(in)
	sc.Buffer(make([]byte, 1<<20), 64<<20)
	for sc.Scan() {
		line := sc.Bytes()
		var e event
		if err := json.Unmarshal(line, &e); err != nil {
			// go test prints some errors (a package that does not
			// exist) as text, not as events.
			fmt.Fprintf(r.out, "%s\n", line)
			continue
		}
		r.handle(e)
	}
	return sc.Err()
}

func (r *renderer) handle(e event) {
	k := key{e.Package, e.Test}
	switch {
	case e.Action == "build-output":
		fmt.Fprint(r.out, e.Output)
	case e.Test == "" && e.Action == "output":
		if e.Output != "PASS\n" {
			fmt.Fprint(r.out, e.Output)
		}
	case e.Test == "" && e.Action == "fail":
		r.flushPackage(e.Package) // a panic or a timeout ended the test binary
	case e.Action == "output":
		r.pending[k] = append(r.pending[k], e.Output)
	case e.Action == "fail":
		r.flush(k)
	case e.Action == "skip" && e.Test != "": // a package without tests skips too
		top, _, _ := strings.Cut(e.Test, "/")
		if !slices.Contains(r.skipped[e.Package], top) {
			r.skipped[e.Package] = append(r.skipped[e.Package], top)
		}
		delete(r.pending, k)
	case e.Action == "pass" || e.Action == "skip":
		delete(r.pending, k)
	}
}

func (r *renderer) flush(k key) {
	fmt.Fprint(r.out, strings.Join(r.pending[k], ""))
	delete(r.pending, k)
}

func (r *renderer) flushPackage(pkg string) {
	var keys []key
	for k := range r.pending {
		if k.pkg == pkg {
			keys = append(keys, k)
		}
	}
	slices.SortFunc(keys, func(a, b key) int { return strings.Compare(a.test, b.test) })
	for _, k := range keys {
		r.flush(k)
	}
}

// skipList returns one line per package: the package and a -run pattern
// matching its skipped top-level tests exactly.
func (r *renderer) skipList() string {
	var b strings.Builder
	pkgs := make([]string, 0, len(r.skipped))
	for p := range r.skipped {
		pkgs = append(pkgs, p)
	}
	slices.Sort(pkgs)
	for _, p := range pkgs {
		names := slices.Clone(r.skipped[p])
		slices.Sort(names)
		for i, n := range names {
			names[i] = regexp.QuoteMeta(n)
		}
		fmt.Fprintf(&b, "%s ^(%s)$\n", p, strings.Join(names, "|"))
	}
	return b.String()
}

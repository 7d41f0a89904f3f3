package slurme2e

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/dmirror/dmirror/kernel/kerneltest"
	"github.com/dmirror/dmirror/mirror/slurmtest"
)

// outputDecls are compiled declarations (a generation's plugin) that
// write to fd 1 and 2: through os.Stdout and os.Stderr, and directly (the
// builtin println), as C code and the Go runtime do, and that end the
// process (os.Exit would be interpreted: the session catches it).
const outputDecls = `import (
	"fmt"
	"os"
	"runtime/debug"
	"syscall"
)

func say(x int) int {
	fmt.Println("out", x)
	fmt.Fprintln(os.Stderr, "err", x)
	println("raw", x)
	return x * x
}

func exit3(x int) int {
	fmt.Fprintln(os.Stderr, "last words of", x)
	syscall.Exit(3)
	return x
}

func overflow(x int) int {
	fmt.Fprintln(os.Stderr, "overflowing", x)
	debug.SetMaxStack(1 << 20)
	return deep(x)
}

func deep(n int) int {
	var pad [256]byte
	pad[n%len(pad)] = byte(n)
	return deep(n+1) + int(pad[(n+1)%len(pad)])
}
`

// TestSlurmCompiledOutput: what compiled code in a block writes to fd 1
// and 2 on Slurm mirrors reaches the cell tagged with the mirror, every
// line of it, as on local mirrors and as go run prints it, and each
// stream of a mirror in the order written: on stdout, between what the
// block's interpreted code printed before and after; on stderr, through
// os.Stderr then directly, which local mirrors do not keep. A mirror that
// dies in compiled code (syscall.Exit, a stack overflow) is reported by
// mirror and node, with how it ended and its last words on stderr.
func TestSlurmCompiledOutput(t *testing.T) {
	c := slurmtest.Start(t, slurmtest.Options{Nodes: 2, Netns: true})
	elems := []int{1, 2, 3, 4, 5, 6}
	const block = `func(x int) int { fmt.Println("before", x); y := say(x); fmt.Println("after", x); return y }`
	cell := fmt.Sprintf("_ = ParallelCollect(%#v, %s, WithMirrors(2))", elems, block)
	loop := fmt.Sprintf("for _, x := range %#v {\n\tfmt.Println(\"before\", x)\n\tsay(x)\n\tfmt.Println(\"after\", x)\n}\n", elems)
	wantOut, wantErr := goRunStreams(t, outputDecls, loop)

	local := &kern{Kernel: kerneltest.StartShared(t), c: c}
	slurm := startKernel(t, c, "DMIRROR_SLURM_ARGS=--ntasks-per-node=1")
	for _, k := range []*kern{local, slurm} {
		k.run(t, outputDecls)
	}
	lr, sr := local.exec(t, cell), slurm.exec(t, cell)
	for _, stream := range []string{"stdout", "stderr"} {
		got, gotLocal := untagged(t, sr.Stream(stream)), untagged(t, lr.Stream(stream))
		want := strings.Split(strings.TrimSuffix(map[string]string{"stdout": wantOut, "stderr": wantErr}[stream], "\n"), "\n")
		slices.Sort(want)
		if !slices.Equal(got, want) {
			t.Errorf("%s on Slurm mirrors, sorted:\n%q\ngo run's:\n%q", stream, got, want)
		}
		if !slices.Equal(gotLocal, want) {
			t.Errorf("%s on local mirrors, sorted:\n%q\ngo run's:\n%q", stream, gotLocal, want)
		}
	}
	checkOrder(t, sr)

	t.Run("exit", func(t *testing.T) {
		r := slurm.exec(t, `_ = ParallelCollect([]int{1, 2}, func(x int) int { if x == 2 { fmt.Println("exiting on", os.Getenv("SLURMD_NODENAME")); return exit3(x) }; return x }, WithMirrors(2))`)
		checkDeath(t, r, "exiting", "exit code 3", "last words of 2")
	})
	t.Run("fatal error", func(t *testing.T) {
		if raceEnabled {
			// Under the race runtime the compiled line printed to
			// stderr just before the stack overflow was missing from
			// the report once in CI (not seen without -race): CI runs
			// this test again without -race.
			t.Skip("the last line before a stack overflow is not always kept under the race runtime")
		}
		r := slurm.exec(t, `_ = ParallelCollect([]int{1, 2}, func(x int) int { if x == 2 { fmt.Println("overflowing on", os.Getenv("SLURMD_NODENAME")); return overflow(x) }; return x }, WithMirrors(2))`)
		checkDeath(t, r, "overflowing", "fatal error: stack overflow", "fatal error: stack overflow")
		if !strings.Contains(r.Stream("stderr"), "overflowing 2") && !strings.Contains(failureReport(r), "overflowing 2") {
			t.Errorf("stderr %q, want it or the failure's report to show the mirror's last line", r.Stream("stderr"))
		}
	})
	if got := slurm.run(t, "fmt.Println(ParallelCollect([]int{1, 2, 3}, func(x int) int { return say(x) }, WithMirrors(2)))"); !strings.HasSuffix(got, "\n[1 4 9]\n") {
		t.Errorf("the call after the deaths printed %q", got)
	}
}

// untagged returns the lines of text, each tagged by a mirror, without
// their tags, sorted: mirrors take elements in no set order.
func untagged(t *testing.T, text string) []string {
	t.Helper()
	var out []string
	for _, l := range strings.Split(strings.TrimSuffix(text, "\n"), "\n") {
		m := tagged.FindStringSubmatch(l)
		if m == nil {
			t.Errorf("line %q is not tagged with a mirror", l)
			continue
		}
		out = append(out, m[2])
	}
	slices.Sort(out)
	return out
}

var tagged = regexp.MustCompile(`^\[mirror (\d+)\] (.*)$`)

// checkOrder checks, mirror by mirror, that each element's lines come in
// the order say wrote them on each stream (on stderr, through os.Stderr,
// then directly), and that stdout has "before" and "after" around "out".
func checkOrder(t *testing.T, r *kerneltest.Result) {
	t.Helper()
	for _, stream := range []string{"stdout", "stderr"} {
		byMirror := map[string][]string{}
		for _, l := range strings.Split(strings.TrimSuffix(r.Stream(stream), "\n"), "\n") {
			if m := tagged.FindStringSubmatch(l); m != nil {
				byMirror[m[1]] = append(byMirror[m[1]], m[2])
			}
		}
		seq := map[string][]string{"stdout": {"before", "out", "after"}, "stderr": {"err", "raw"}}[stream]
		for mirror, lines := range byMirror {
			if !inTurn(lines, seq) {
				t.Errorf("mirror %s's %s: %q, want each element's %v in turn", mirror, stream, lines, seq)
			}
		}
	}
}

// inTurn says whether lines are, element by element, seq's words each
// followed by the element.
func inTurn(lines, seq []string) bool {
	if len(lines)%len(seq) != 0 {
		return false
	}
	for g := 0; g < len(lines); g += len(seq) {
		_, x, _ := strings.Cut(lines[g], " ")
		for j, word := range seq {
			if lines[g+j] != word+" "+x {
				return false
			}
		}
	}
	return true
}

// checkDeath checks the cell of a call in which one mirror said what it
// does and died: the error names that mirror and its node and says how it
// ended, and the failure's report shows its last words.
func checkDeath(t *testing.T, r *kerneltest.Result, doing, how string, words ...string) {
	t.Helper()
	f := kerneltest.Fields(r.Reply)
	evalue, _ := f["evalue"].(string)
	t.Logf("%v: %s", f["ename"], evalue)
	m := regexp.MustCompile(`\[mirror (\d+)\] ` + doing + ` on (\S+)`).FindStringSubmatch(r.Stream("stdout"))
	if m == nil {
		t.Fatalf("stdout %q, want a mirror saying it is %s", r.Stream("stdout"), doing)
	}
	if named := fmt.Sprintf("mirror %s on node %s", m[1], m[2]); f["ename"] != "MirrorError" || !strings.Contains(evalue, named) || !strings.Contains(evalue, how) {
		t.Errorf("error %v: %s, want a MirrorError naming %q, saying %q", f["ename"], evalue, named, how)
	}
	report := failureReport(r)
	for _, w := range words {
		if !strings.Contains(report, w) {
			t.Errorf("the failure's report:\n%s\nwant it to show %q", report, w)
		}
	}
}

// goRunStreams builds decls and main as a Go program, runs it and returns
// its stdout and stderr: the oracle.
func goRunStreams(t *testing.T, decls, main string) (string, string) {
	t.Helper()
	dir := t.TempDir()
	file := filepath.Join(dir, "main.go")
	if err := os.WriteFile(file, []byte("package main\n\n"+decls+"\nfunc main() {\n"+main+"}\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, "go", "run", file)
	cmd.Dir = dir
	var stderr strings.Builder
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("go run: %v\n%s", err, stderr.String())
	}
	return string(out), stderr.String()
}

// failureReport is the text of the cell's displays: the failures' report.
func failureReport(r *kerneltest.Result) string {
	var report string
	for _, d := range r.Of("display_data") {
		if data, ok := kerneltest.Fields(d)["data"].(map[string]any); ok {
			s, _ := data["text/plain"].(string)
			report += s
		}
	}
	return report
}

package interp

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/dmirror/dmirror/interp/frontend"
)

// Benchmarks of compiled declarations with hand-made generations (issue
// 11). Each prints its figures against a baseline run in the same run;
// run them once: go test ./interp -run '^$' -bench Generation -benchtime 1x

// declsGen returns a generation of n declarations: a type with a method
// for every fourth, funcs for the others, all in the symbol table (in the
// shape the frontend writes it).
func declsGen(n, gen int) *frontend.Generation {
	var src, syms strings.Builder
	src.WriteString("package main\n\nimport (\n\t\"fmt\"\n\t\"reflect\"\n)\n\n")
	for k := range n {
		if k%4 == 0 {
			fmt.Fprintf(&src, "type T%d struct {\n\tA, b int\n\tName string\n}\n\nfunc (t T%d) String() string { return fmt.Sprintf(\"T%d(%%d,%%d,%%s)\", t.A, t.b, t.Name) }\n\n", k, k, k)
			fmt.Fprintf(&syms, "\t{\"T_T%d\", (*T%d)(nil)},\n", k, k)
			continue
		}
		fmt.Fprintf(&src, "func f%d(x int) int {\n\tif x > %d {\n\t\treturn x - %d\n\t}\n\treturn x * %d\n}\n\n", k, k, k, k+1)
		fmt.Fprintf(&syms, "\t{\"F_f%d\", f%d},\n", k, k)
	}
	// The table in the frontend's shape: static entries, a loop makes the map.
	fmt.Fprintf(&src, "var syms = [...]struct {\n\tkey   string\n\tvalue any\n}{\n%s}\n\n", syms.String())
	src.WriteString("var Symbols = map[string]map[string]reflect.Value{\"dmirror/session/session\": table()}\n\n")
	src.WriteString("func table() map[string]reflect.Value {\n\tm := map[string]reflect.Value{}\n\tfor _, s := range syms {\n\t\tm[s.key] = reflect.ValueOf(s.value)\n\t}\n\treturn m\n}\n")
	return &frontend.Generation{N: gen, Files: map[string]string{"decls.go": src.String()}}
}

func lastMicros(b *testing.B, out string) time.Duration {
	b.Helper()
	lines := strings.Split(strings.TrimSpace(out), "\n")
	us, err := strconv.ParseInt(lines[len(lines)-1], 10, 64)
	if err != nil {
		b.Fatalf("no time in %q", out)
	}
	return time.Duration(us) * time.Microsecond
}

// timedCell runs a cell and returns how long Execute took.
func timedCell(b *testing.B, s *Session, n int, code string) (time.Duration, string) {
	b.Helper()
	t0 := time.Now()
	res, out := execCell(b, s, n, code)
	took := time.Since(t0)
	if res.Error != nil {
		b.Fatalf("cell %s: %v", code, res.Error)
	}
	return took, out.Text("stdout")
}

// BenchmarkGenerationBuild measures declaration cells: the first of a
// session (the plugin host from an empty image cache, on a warm Go build
// cache, then the generation), then cells whose generation holds 200 and
// 1,000 declarations, against a trivial cell of the same session; and the
// memory each loaded generation keeps in the image process.
func BenchmarkGenerationBuild(b *testing.B) {
	cells := map[string]cell{"trivial": {body: "_ = 1"}}
	const gens = 20
	for k := 1; k <= gens; k++ {
		cells["small"+strconv.Itoa(k)] = cell{decls: dmsImport, rebuild: true, gen: declsGen(4, k)}
	}
	cells["d200"] = cell{decls: dmsImport, rebuild: true, gen: declsGen(200, gens+1)}
	cells["d1000"] = cell{decls: dmsImport, rebuild: true, gen: declsGen(1000, gens+2)}
	for range b.N {
		s := genSession(b, cells)
		trivial, _ := timedCell(b, s, 1, "trivial")
		first, _ := timedCell(b, s, 2, "small1")
		second, _ := timedCell(b, s, 3, "small2")
		rss0 := rssOf(b, s.process().pid())
		for k := 3; k <= gens; k++ {
			timedCell(b, s, k+1, "small"+strconv.Itoa(k))
		}
		rss1 := rssOf(b, s.process().pid())
		d200, _ := timedCell(b, s, gens+2, "d200")
		d1000, _ := timedCell(b, s, gens+3, "d1000")
		b.Logf("trivial cell %v; first declaration cell (plugin host + generation) %v; next small generation %v", trivial, first, second)
		b.Logf("generation of 200 declarations: %v (%.0fx the trivial cell); of 1,000: %v", d200, d200.Seconds()/trivial.Seconds(), d1000)
		b.Logf("image process RSS: %.1f MiB after 2 generations, %.1f MiB after %d: %.2f MiB per generation",
			float64(rss0)/(1<<20), float64(rss1)/(1<<20), gens, float64(rss1-rss0)/float64(gens-2)/(1<<20))
		b.ReportMetric(d200.Seconds(), "s/200decls")
		b.ReportMetric(d1000.Seconds(), "s/1000decls")
		b.ReportMetric(float64(rss1-rss0)/float64(gens-2)/(1<<20), "MiB/generation")
	}
}

// rssOf is the resident memory of process pid.
func rssOf(b *testing.B, pid int) int64 {
	b.Helper()
	data, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		b.Fatal(err)
	}
	for _, l := range strings.Split(string(data), "\n") {
		if rest, ok := strings.CutPrefix(l, "VmRSS:"); ok {
			kb, _ := strconv.ParseInt(strings.Fields(rest)[0], 10, 64)
			return kb << 10
		}
	}
	b.Fatal("no VmRSS")
	return 0
}

const fibMain = `package main

import (
	"fmt"
	"time"
)

func main() {
	t0 := time.Now()
	fmt.Println(fib(27))
	fmt.Println(time.Since(t0).Microseconds())
	xs := make([]int, 16)
	for i := range xs {
		xs[i] = 30
	}
	ys := make([]int, len(xs))
	t0 = time.Now()
	for i, x := range xs {
		ys[i] = fib(x)
	}
	fmt.Println(ys[0])
	fmt.Println(time.Since(t0).Microseconds())
}
`

// BenchmarkGenerationFib: fib(27) compiled in a generation and called
// from a cell against the same code in a go build program, timed inside
// the cell and inside the program; and 16 × fib(30) with ParallelCollect
// on the mirrors against the same loop in the cell and the Go program's
// sequential loop.
func BenchmarkGenerationFib(b *testing.B) {
	files := readTxtar(b, "testdata/generations/fib.txtar")
	cells, _ := fibCells(b)
	cells["fib27"] = cell{body: "t0 := time.Now()\nfmt.Println(__dms.F_fib(27))\nfmt.Println(time.Since(t0).Microseconds())"}
	cells["setup"] = cell{decls: dmsImport + "import \"time\"\nvar xs []int\nvar ys []int", rebuild: true,
		body: "xs = make([]int, 16)\nfor i := range xs { xs[i] = 30 }\nys = make([]int, len(xs))", touched: []string{"xs", "ys"},
		newVars: []frontend.Var{{Name: "xs", Type: "[]int"}, {Name: "ys", Type: "[]int"}}}
	cells["loop"] = cell{body: "for i, x := range xs { ys[i] = __dms.F_fib(x) }", touched: []string{"ys"}}
	cells["par"] = cell{body: "ys = ParallelCollect[int, int](xs, __dms.F_fib, __dmBlock(1))", touched: []string{"ys"},
		blocks: []frontend.Block{{ID: 1, Expr: "//line cell[9]/_.go:1\n__dms.F_fib", Type: "func(int) int", Pos: "cell[9] line 1", File: "cell[9]/_.go", Line: 1, Col: 1}}}
	for range b.N {
		goTimes := goProgramTimes(b, map[string]string{"decls.go": files["gen/decls.go"], "main.go": fibMain})
		s := genSession(b, cells)
		run(b, s, 1, "gen")
		run(b, s, 2, "setup")
		var inCell time.Duration
		var rtt time.Duration
		for k := range 5 { // the best of 5, as the Go program's single run is on a warm binary
			took, out := timedCell(b, s, 3+k, "fib27")
			c := lastMicros(b, out)
			if k == 0 || c < inCell {
				inCell, rtt = c, took
			}
		}
		b.Logf("fib(27): %v in the cell (round trip %v), %v in the Go program: %.2fx", inCell, rtt, goTimes[0], inCell.Seconds()/goTimes[0].Seconds())
		loop, _ := timedCell(b, s, 10, "loop")
		timedCell(b, s, 11, "par") // starts the mirrors and loads the plugin in them
		par, _ := timedCell(b, s, 12, "par")
		b.Logf("16 × fib(30): ParallelCollect %v, the loop in the cell %v (speedup %.2f), the Go program's loop %v (ParallelCollect/Go %.2f)",
			par, loop, loop.Seconds()/par.Seconds(), goTimes[1], par.Seconds()/goTimes[1].Seconds())
		b.ReportMetric(inCell.Seconds()/goTimes[0].Seconds(), "fib27/go")
		b.ReportMetric(loop.Seconds()/par.Seconds(), "speedup")
		b.ReportMetric(par.Seconds()/goTimes[1].Seconds(), "par/go")
	}
}

// goProgramTimes is goProgramTime for a program printing several
// durations, on every other line after a result.
func goProgramTimes(b *testing.B, files map[string]string) []time.Duration {
	b.Helper()
	dir := b.TempDir()
	for name, src := range files {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(src), 0o644); err != nil {
			b.Fatal(err)
		}
	}
	if err := os.WriteFile(filepath.Join(dir, "go.mod"), []byte("module oracle\n\ngo 1.26\n"), 0o644); err != nil {
		b.Fatal(err)
	}
	build := exec.Command("go", "build", "-o", "prog", ".")
	build.Dir = dir
	if out, err := build.CombinedOutput(); err != nil {
		b.Fatalf("go build: %v\n%s", err, out)
	}
	var out bytes.Buffer
	cmd := exec.Command(filepath.Join(dir, "prog"))
	cmd.Stdout = &out
	if err := cmd.Run(); err != nil {
		b.Fatal(err)
	}
	var ds []time.Duration
	lines := strings.Split(strings.TrimSpace(out.String()), "\n")
	for k := 1; k < len(lines); k += 2 {
		us, err := strconv.ParseInt(lines[k], 10, 64)
		if err != nil {
			b.Fatalf("no time in %q", out.String())
		}
		ds = append(ds, time.Duration(us)*time.Microsecond)
	}
	return ds
}

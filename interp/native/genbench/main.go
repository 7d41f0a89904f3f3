// Command genbench measures compiled declarations (issue 11) through the
// real dmirror binary, each figure against a baseline run in the same run:
// fib(27) declared in a cell and called from a cell against a go build
// program and ipykernel's recursive fib(27); 16 × fib(30) with
// ParallelCollect on the mirrors against the same loop in the cell and the
// Go program's sequential loop, and that loop on a goroutine per core (what
// the machine gave the cores in the same rounds); declaration cells (the first of a fresh
// cache, the same in a second kernel, one in a session of 200 and of 1,000
// declarations) against a trivial cell. It is a measurement, not a test.
//
//	go run ./interp/native/genbench [-dmirror PATH] [-python /usr/bin/python3] [-rounds 5] [-cells-only]
//	go run ./interp/native/genbench -decls 200,1000 [-baseline PATH] [-dmirror PATH] [-rounds 5]
//	go run ./interp/native/genbench -blocks -baseline PATH [-dmirror PATH] [-rounds 5]
//
// With -cells-only it measures only the cells' speed (no declaration cells).
// With -decls it measures only declaration cells: a session of each size
// per binary (-dmirror, and -baseline when given), then -rounds declaration
// cells alternating between the binaries' sessions.
// With -blocks it measures compiled blocks: a ParallelCollect whose block
// literal has a loop, on 2 mirrors, with this dmirror (the block compiled)
// and with -baseline (an earlier dmirror, the block interpreted),
// alternating, against a go build program running the loop sequentially;
// and the first run of the cell, which builds the block, against the later
// ones, which build nothing.
package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/dmirror/dmirror/kernel/kerneltest"
)

const fibDecl = `func fib(n int) int {
	if n < 2 {
		return n
	}
	return fib(n-1) + fib(n-2)
}`

// setupCell declares what the measured cells assign: cells that declare
// nothing new run on the committed image (a redeclared variable would
// rebuild it, and the mirrors, every round).
const setupCell = `var t0 time.Time
var r int
xs := make([]int, 16)
for i := range xs {
	xs[i] = 30
}
ys := make([]int, len(xs))
var zs []int`

// fibCell prints fib(27)'s time in µs; the Go program runs the same code.
const fibCell = `t0 = time.Now()
r = fib(27)
fmt.Println(time.Since(t0).Microseconds(), r)`

const loopCell = `t0 = time.Now()
for i, x := range xs {
	ys[i] = fib(x)
}
fmt.Println(time.Since(t0).Microseconds(), ys[0])`

const parCell = `t0 = time.Now()
zs = ParallelCollect(xs, fib)
fmt.Println(time.Since(t0).Microseconds(), zs[0])`

// goParLoop is the loop on as many goroutines as a call has mirrors by
// default, in the Go program only: what the machine gives that many cores
// in the same round, which bounds ParallelCollect's speedup (on a machine
// shared with other sessions' builds, it is often far below the number of
// cores).
const goParLoop = `t0 = time.Now()
var wg sync.WaitGroup
for g := range runtime.NumCPU() {
	wg.Go(func() {
		for i := g; i < len(xs); i += runtime.NumCPU() {
			ys[i] = fib(xs[i])
		}
	})
}
wg.Wait()
fmt.Println(time.Since(t0).Microseconds(), ys[0])`

const pyFib = `import time
def fib(n):
    return n if n < 2 else fib(n-1) + fib(n-2)
t0 = time.perf_counter()
r = fib(27)
print(int((time.perf_counter()-t0)*1e6), r)`

func main() {
	if err := run(); err != nil {
		fmt.Fprintln(os.Stderr, "genbench:", err)
		os.Exit(1)
	}
}

func run() error {
	dmirror := flag.String("dmirror", "", "the dmirror binary (default: built from this repository)")
	python := flag.String("python", "/usr/bin/python3", "the Python with ipykernel")
	rounds := flag.Int("rounds", 5, "alternating rounds of each comparison")
	decls := flag.String("decls", "", "only declaration cells, in sessions of these sizes (comma-separated)")
	baseline := flag.String("baseline", "", "with -decls or -blocks: a dmirror binary to alternate with")
	cache := flag.String("cache", "", "with -decls: keep the image caches in this directory (default: a temporary one)")
	cellsOnly := flag.Bool("cells-only", false, "measure only the cells' speed, no declaration cells")
	blocks := flag.Bool("blocks", false, "measure compiled blocks (against -baseline)")
	flag.Parse()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Minute)
	defer cancel()
	tmp, err := os.MkdirTemp("", "dmirror-genbench-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(tmp)
	if *dmirror == "" {
		if *dmirror, err = kerneltest.BuildBinary(ctx, tmp); err != nil {
			return err
		}
	}
	if *decls != "" {
		if *cache == "" {
			*cache = tmp
		}
		return declarationRounds(ctx, tmp, *cache, *dmirror, *baseline, *decls, *rounds)
	}
	if *blocks {
		if *baseline == "" {
			return fmt.Errorf("-blocks needs -baseline")
		}
		return blockBench(ctx, tmp, *dmirror, *baseline, *rounds)
	}
	program, err := buildProgram(ctx, tmp)
	if err != nil {
		return err
	}
	env := []string{"DMIRROR_CACHE=" + filepath.Join(tmp, "cache")}
	k, err := start(ctx, tmp, env, *dmirror, "kernel", "{connection_file}")
	if err != nil {
		return err
	}
	defer k.Close()
	trivial, _, err := timed(ctx, k, "_ = 1")
	if err != nil {
		return err
	}
	first, _, err := timed(ctx, k, "import (\n\t\"fmt\"\n\t\"time\"\n)\n\n"+fibDecl)
	if err != nil {
		return err
	}
	if _, _, err := timed(ctx, k, setupCell); err != nil {
		return err
	}
	if _, _, err := timed(ctx, k, parCell); err != nil { // starts the mirrors
		return err
	}
	py, err := start(ctx, tmp, []string{"IPYTHONDIR=" + filepath.Join(tmp, "ipython")}, *python, "-m", "ipykernel_launcher", "-f", "{connection_file}")
	if err != nil {
		return err
	}
	defer py.Close()

	// Each round runs every side once, so that all see the same load.
	var cellFib, goFib, pyFibs, loop, par, goLoop, goPar []float64
	for range *rounds {
		if err := firstNumber(ctx, k, fibCell, &cellFib); err != nil {
			return err
		}
		if err := firstNumber(ctx, py, pyFib, &pyFibs); err != nil {
			return err
		}
		if err := firstNumber(ctx, k, loopCell, &loop); err != nil {
			return err
		}
		if err := firstNumber(ctx, k, parCell, &par); err != nil {
			return err
		}
		out, err := exec.CommandContext(ctx, program).Output()
		if err != nil {
			return fmt.Errorf("the Go program: %w", err)
		}
		f := strings.Fields(string(out))
		goFib, goLoop, goPar = appendNum(goFib, f[0]), appendNum(goLoop, f[2]), appendNum(goPar, f[4])
	}

	mc, mg, mp := median(cellFib), median(goFib), median(pyFibs)
	fmt.Printf("fib(27), median of %d alternating rounds: cell %.2f ms, Go program %.2f ms (cell/Go %.2f, target ≤ 2), ipykernel %.1f ms (ipykernel/cell %.1f)\n",
		*rounds, mc/1000, mg/1000, mc/mg, mp/1000, mp/mc)
	ml, mpar, mgl, mgp := median(loop), median(par), median(goLoop), median(goPar)
	fmt.Printf("16 × fib(30): ParallelCollect %.1f ms, the loop in the cell %.1f ms (speedup %.2f, target ≥ 1.8), the Go program's loop %.1f ms (ParallelCollect/Go %.2f, target ≤ 0.7)\n",
		mpar/1000, ml/1000, ml/mpar, mgl/1000, mpar/mgl)
	fmt.Printf("  what the machine gave: the Go program's loop on %d goroutines %.1f ms, a speedup of %.2f over its sequential loop\n",
		runtime.NumCPU(), mgp/1000, mgl/mgp)
	if *cellsOnly {
		return nil
	}
	k2, err := start(ctx, tmp, env, *dmirror, "kernel", "{connection_file}")
	if err != nil {
		return err
	}
	defer k2.Close()
	second, _, err := timed(ctx, k2, "import (\n\t\"fmt\"\n\t\"time\"\n)\n\n"+fibDecl)
	if err != nil {
		return err
	}
	d200, err := declarationCell(ctx, tmp, env, *dmirror, 200)
	if err != nil {
		return err
	}
	d1000, err := declarationCell(ctx, tmp, env, *dmirror, 1000)
	if err != nil {
		return err
	}
	fmt.Printf("first declaration cell, empty image cache: %.2f s (plugin host and generation; trivial cell %.2f ms)\n", first.Seconds(), ms(trivial))
	fmt.Printf("the same cell in a second kernel (cache warm): %.0f ms\n", ms(second))
	fmt.Printf("a declaration cell in a session of 200 declarations: %.0f ms (target ≤ 1000); of 1,000: %.0f ms\n", ms(d200), ms(d1000))
	return nil
}

// declarationCell starts a kernel, declares n funcs and types over a few
// cells, and returns the time of one more declaration cell.
func declarationCell(ctx context.Context, tmp string, env []string, dmirror string, n int) (time.Duration, error) {
	k, err := declarationSession(ctx, tmp, env, dmirror, n)
	if err != nil {
		return 0, err
	}
	defer k.Close()
	d, _, err := timed(ctx, k, "func one(x int) int { return f1(x) + 1 }")
	return d, err
}

// declarationRounds compares declaration cells of dmirror and baseline (if
// given) in sessions of each size in sizes, alternating cell by cell so
// that both see the same load. Each binary has its own image cache, warmed
// by its session's first cells.
func declarationRounds(ctx context.Context, tmp, cache, dmirror, baseline, sizes string, rounds int) error {
	bins := []string{dmirror}
	if baseline != "" {
		bins = append(bins, baseline)
	}
	for _, f := range strings.Split(sizes, ",") {
		n, err := strconv.Atoi(f)
		if err != nil {
			return fmt.Errorf("-decls: %w", err)
		}
		ks := make([]*kerneltest.Kernel, len(bins))
		for i, bin := range bins {
			env := []string{"DMIRROR_CACHE=" + filepath.Join(cache, fmt.Sprintf("cache-%d", i))}
			if ks[i], err = declarationSession(ctx, tmp, env, bin, n); err != nil {
				return err
			}
			defer ks[i].Close()
		}
		times := make([][]float64, len(bins))
		for r := range rounds {
			for i, k := range ks {
				d, _, err := timed(ctx, k, fmt.Sprintf("func one%d(x int) int { return f1(x) + %d }", r, r))
				if err != nil {
					return err
				}
				times[i] = append(times[i], ms(d))
			}
		}
		fmt.Printf("a declaration cell in a session of %d declarations, %d alternating rounds: %s median %.0f ms %v", n, rounds, bins[0], median(times[0]), times[0])
		if len(bins) > 1 {
			fmt.Printf("; baseline %s median %.0f ms %v (new/baseline %.2f)", bins[1], median(times[1]), times[1], median(times[0])/median(times[1]))
		}
		fmt.Println()
	}
	return nil
}

// declarationSession starts a kernel and declares n funcs and types over a
// few cells.
func declarationSession(ctx context.Context, tmp string, env []string, dmirror string, n int) (*kerneltest.Kernel, error) {
	k, err := start(ctx, tmp, env, dmirror, "kernel", "{connection_file}")
	if err != nil {
		return nil, err
	}
	const perCell = 100
	for c := 0; c < n; c += perCell {
		var b strings.Builder
		if c == 0 {
			b.WriteString("import \"fmt\"\n\n")
		}
		for d := c; d < min(c+perCell, n); d++ {
			if d%4 == 0 {
				fmt.Fprintf(&b, "type T%d struct{ A, b int }\n\nfunc (t T%d) String() string { return fmt.Sprint(t.A, t.b) }\n\n", d, d)
			} else {
				fmt.Fprintf(&b, "func f%d(x int) int { return x*%d + 1 }\n\n", d, d)
			}
		}
		if _, _, err := timed(ctx, k, b.String()); err != nil {
			k.Close()
			return nil, err
		}
	}
	return k, nil
}

func appendNum(xs []float64, s string) []float64 {
	x, _ := strconv.ParseFloat(s, 64)
	return append(xs, x)
}

// firstNumber runs code and appends the first number it printed to xs.
func firstNumber(ctx context.Context, k *kerneltest.Kernel, code string, xs *[]float64) error {
	_, r, err := timed(ctx, k, code)
	if err != nil {
		return err
	}
	f := strings.Fields(r.Stream("stdout"))
	if len(f) == 0 {
		return fmt.Errorf("cell %q printed nothing", code)
	}
	x, err := strconv.ParseFloat(f[0], 64)
	if err != nil {
		return fmt.Errorf("cell %q: %w", code, err)
	}
	*xs = append(*xs, x)
	return nil
}

func start(ctx context.Context, tmp string, env []string, argv ...string) (*kerneltest.Kernel, error) {
	dir, err := os.MkdirTemp(tmp, "k-")
	if err != nil {
		return nil, err
	}
	return kerneltest.Start(ctx, kerneltest.Options{Dir: dir, Env: env, Stderr: io.Discard, ReadyTimeout: time.Minute}, argv...)
}

// timed runs a cell to idle and returns how long that took.
func timed(ctx context.Context, k *kerneltest.Kernel, code string) (time.Duration, *kerneltest.Result, error) {
	t0 := time.Now()
	r, err := k.Execute(ctx, code)
	d := time.Since(t0)
	if err != nil {
		return 0, nil, err
	}
	if st := kerneltest.Fields(r.Reply)["status"]; st != "ok" {
		return 0, nil, fmt.Errorf("cell %q: %v", code, kerneltest.Fields(r.Reply))
	}
	return d, r, nil
}

// buildProgram builds the cells' code as a Go program: fib(27), then the
// loop, then the loop on a goroutine per core, each printing its time in µs
// and a result.
func buildProgram(ctx context.Context, tmp string) (string, error) {
	src := "package main\n\nimport (\n\t\"fmt\"\n\t\"runtime\"\n\t\"sync\"\n\t\"time\"\n)\n\n" + fibDecl + "\n\nfunc main() {\n" + setupCell + "\n_ = zs\n" + fibCell +
		"\n" + loopCell + "\n" + goParLoop + "\n}\n"
	return goBuild(ctx, filepath.Join(tmp, "native"), src)
}

// goBuild builds src as a Go program in dir.
func goBuild(ctx context.Context, dir, src string) (string, error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return "", err
	}
	files := map[string]string{"go.mod": "module bench\n\ngo 1.26\n", "main.go": src}
	for name, data := range files {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(data), 0o644); err != nil {
			return "", err
		}
	}
	cmd := exec.CommandContext(ctx, "go", "build", "-o", "fib", ".")
	cmd.Dir = dir
	if out, err := cmd.CombinedOutput(); err != nil {
		return "", fmt.Errorf("go build: %w\n%s", err, out)
	}
	return filepath.Join(dir, "fib"), nil
}

func ms(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }

func median(xs []float64) float64 {
	s := slices.Clone(xs)
	slices.Sort(s)
	return s[len(s)/2]
}

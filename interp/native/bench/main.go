// Command bench measures compiled packages in dmirror against baselines run
// in the same run: a 300×300 gonum matrix multiply in a cell against the
// same in a compiled Go program, the first import of gonum with an empty
// image cache (cold), the same import in a second kernel (warm), a cell
// importing nothing new, and a trivial cell's round trip against
// ipykernel's. It is a measurement, not a test.
//
//	go run ./interp/native/bench [-dmirror PATH] [-python /usr/bin/python3] [-reps 11] [-rounds 5] [-rtt 200] [-coldgo]
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/dmirror/dmirror/kernel/kerneltest"
)

const gonum = "gonum.org/v1/gonum v0.17.0"

// matmul multiplies two 300×300 matrices reps times and prints each
// multiply's time in µs, one per line: the same code runs as a cell and as
// a Go program.
const matmulSetup = `a := mat.NewDense(300, 300, nil)
b := mat.NewDense(300, 300, nil)
for i := 0; i < 300; i++ {
	for j := 0; j < 300; j++ {
		a.Set(i, j, float64(i*j%7))
		b.Set(i, j, float64((i+j)%5))
	}
}
var c mat.Dense`

const matmulLoop = `for r := 0; r < REPS; r++ {
	t0 := time.Now()
	c.Mul(a, b)
	fmt.Println(time.Since(t0).Microseconds())
}`

func main() {
	if err := run(); err != nil {
		fmt.Fprintln(os.Stderr, "bench:", err)
		os.Exit(1)
	}
}

func run() error {
	dmirror := flag.String("dmirror", "", "the dmirror binary (default: built from this repository)")
	python := flag.String("python", "/usr/bin/python3", "the Python with ipykernel")
	reps := flag.Int("reps", 11, "matrix multiplies per side")
	rtts := flag.Int("rtt", 200, "trivial cells per kernel")
	rounds := flag.Int("rounds", 5, "alternating rounds of the multiply, cell and program")
	coldGo := flag.Bool("coldgo", false, "the first kernel builds with an empty Go build cache too (as on a fresh machine)")
	flag.Parse()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Minute)
	defer cancel()
	tmp, err := os.MkdirTemp("", "dmirror-native-bench-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(tmp)
	if *dmirror == "" {
		if *dmirror, err = kerneltest.BuildBinary(ctx, tmp); err != nil {
			return err
		}
	}
	loop := strings.Replace(matmulLoop, "REPS", strconv.Itoa(*reps), 1)

	program, err := buildProgram(ctx, tmp, loop)
	if err != nil {
		return err
	}
	cache := filepath.Join(tmp, "cache")
	env := []string{"DMIRROR_CACHE=" + cache}
	firstEnv := env
	if *coldGo {
		firstEnv = append(firstEnv, "GOCACHE="+filepath.Join(tmp, "gocache"))
	}
	k, err := start(ctx, tmp, firstEnv, *dmirror, "kernel", "{connection_file}")
	if err != nil {
		return err
	}
	defer k.Close()
	cold, _, err := timed(ctx, k, "import (\n\t\"fmt\"\n\t\"time\"\n\n\t\"gonum.org/v1/gonum/mat\"\n)\n\n"+matmulSetup)
	if err != nil {
		return err
	}
	// The cell and the program alternate, so that both see the same load.
	var cell, native []float64
	for range *rounds {
		_, r, err := timed(ctx, k, loop)
		if err != nil {
			return err
		}
		xs, err := numbers(r.Stream("stdout"))
		if err != nil {
			return err
		}
		cell = append(cell, xs...)
		out, err := exec.CommandContext(ctx, program).Output()
		if err != nil {
			return fmt.Errorf("the Go program: %w", err)
		}
		if xs, err = numbers(string(out)); err != nil {
			return err
		}
		native = append(native, xs...)
	}
	nothingNew, _, err := timed(ctx, k, "d := c.At(1, 1)\nfmt.Println(d)")
	if err != nil {
		return err
	}
	trivial, err := rtt(ctx, k, "x := 1", *rtts)
	if err != nil {
		return err
	}

	k2, err := start(ctx, tmp, env, *dmirror, "kernel", "{connection_file}")
	if err != nil {
		return err
	}
	defer k2.Close()
	warm, _, err := timed(ctx, k2, "import \"gonum.org/v1/gonum/mat\"\nm := mat.NewDense(2, 2, nil)\nm.Set(0, 0, 1)")
	if err != nil {
		return err
	}

	py, err := start(ctx, tmp, []string{"IPYTHONDIR=" + filepath.Join(tmp, "ipython")}, *python, "-m", "ipykernel_launcher", "-f", "{connection_file}")
	if err != nil {
		return err
	}
	defer py.Close()
	pyTrivial, err := rtt(ctx, py, "x = 1", *rtts)
	if err != nil {
		return err
	}

	mc, mn := median(cell), median(native)
	fmt.Printf("300×300 gonum multiply, median of %d×%d alternating: cell %.2f ms, compiled Go program %.2f ms: ratio %.2f (target ≤ 1.5)\n",
		*rounds, *reps, mc/1000, mn/1000, mc/mn)
	goCache := "as found"
	if *coldGo {
		goCache = "empty"
	}
	fmt.Printf("first import of gonum/mat, empty image cache, Go build cache %s: %.2f s\n", goCache, cold.Seconds())
	fmt.Printf("the same import in a second kernel (image cache warm): %.0f ms\n", ms(warm))
	fmt.Printf("a cell importing nothing new: %.2f ms\n", ms(nothingNew))
	td, tp := median(trivial), median(pyTrivial)
	fmt.Printf("trivial cell round trip, median of %d: dmirror %.2f ms, ipykernel %.2f ms: ratio %.2f (target ≤ 0.5)\n",
		*rtts, td, tp, td/tp)
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

func rtt(ctx context.Context, k *kerneltest.Kernel, code string, n int) ([]float64, error) {
	var out []float64
	for i := 0; i < n+5; i++ {
		d, _, err := timed(ctx, k, code)
		if err != nil {
			return nil, err
		}
		if i >= 5 { // the first are warm-up
			out = append(out, ms(d))
		}
	}
	return out, nil
}

// buildProgram builds the multiply as a compiled Go program.
func buildProgram(ctx context.Context, tmp, loop string) (string, error) {
	dir := filepath.Join(tmp, "native")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return "", err
	}
	src := "package main\n\nimport (\n\t\"fmt\"\n\t\"time\"\n\n\t\"gonum.org/v1/gonum/mat\"\n)\n\nfunc main() {\n" + matmulSetup + "\n" + loop + "\n}\n"
	files := map[string]string{"go.mod": "module bench\n\ngo 1.26\n\nrequire " + gonum + "\n", "main.go": src}
	for name, data := range files {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(data), 0o644); err != nil {
			return "", err
		}
	}
	cmd := exec.CommandContext(ctx, "go", "build", "-mod=mod", "-o", "matmul", ".")
	cmd.Dir = dir
	if out, err := cmd.CombinedOutput(); err != nil {
		return "", fmt.Errorf("go build: %w\n%s", err, out)
	}
	return filepath.Join(dir, "matmul"), nil
}

func numbers(s string) ([]float64, error) {
	var xs []float64
	for _, f := range strings.Fields(s) {
		x, err := strconv.ParseFloat(f, 64)
		if err != nil {
			return nil, fmt.Errorf("not a number: %q", f)
		}
		xs = append(xs, x)
	}
	if len(xs) == 0 {
		return nil, errors.New("no figures")
	}
	return xs, nil
}

func ms(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }

func median(xs []float64) float64 {
	s := slices.Clone(xs)
	slices.Sort(s)
	return s[len(s)/2]
}

package mirror

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"reflect"
	"strconv"
	"strings"
	"testing"
	"time"

	yaegi "github.com/traefik/yaegi/interp"

	"github.com/dmirror/dmirror/display"
	"github.com/dmirror/dmirror/interp/vm"
)

const fibDecl = "\n//line cell[1]:1\nfunc fib(n int) int {\n\tif n < 2 {\n\t\treturn n\n\t}\n\treturn fib(n-1) + fib(n-2)\n}"

// BenchmarkMirrors measures, in one run: the speedup of a collect of 16
// fib(24) over the same loop in one interpreter; a warm collect of 1,000
// x*10 against ipyparallel's map_sync on 2 engines (when /usr/bin/python3
// has ipyparallel); and the first call after a 100-cell session. Run with
// go test -run '^$' -bench Mirrors -benchtime 1x ./mirror.
func BenchmarkMirrors(b *testing.B) {
	for i := 0; i < b.N; i++ {
		speedup(b)
		warmTrivial(b)
		coldAfter100Cells(b)
	}
}

func benchPool(b *testing.B) *Pool {
	exe, err := os.Executable()
	if err != nil {
		b.Fatal(err)
	}
	return NewPool(PoolOptions{Exe: exe, Args: []string{"-test.run=^$"}})
}

func benchRun(b *testing.B, p *Pool, decls Decls, job *Job) time.Duration {
	t0 := time.Now()
	out, err := p.Run(context.Background(), decls, job, nil)
	if err != nil || len(out.Failures) > 0 {
		b.Fatalf("run: %v %+v", err, out)
	}
	return time.Since(t0)
}

func ints(b *testing.B, xs []int) [][]byte {
	out := make([][]byte, len(xs))
	for k, x := range xs {
		data, err := encodeValue(reflect.ValueOf(x))
		if err != nil {
			b.Fatal(err)
		}
		out[k] = data
	}
	return out
}

func repeat(x, n int) []int {
	xs := make([]int, n)
	for i := range xs {
		xs[i] = x
	}
	return xs
}

func speedup(b *testing.B) {
	i, err := vm.New(vm.Config{Exports: []yaegi.Exports{WorkerExports(), display.Exports(nil)}})
	if err != nil {
		b.Fatal(err)
	}
	if _, err := i.Eval(fibDecl); err != nil {
		b.Fatal(err)
	}
	t0 := time.Now()
	if _, err := i.Eval("func() int { s := 0; for k := 0; k < 16; k++ { s += fib(24) }; return s }()"); err != nil {
		b.Fatal(err)
	}
	sequential := time.Since(t0)

	p := benchPool(b)
	defer p.Close()
	decls := Decls{Generation: 1, Chunks: []string{fibDecl}}
	job := &Job{Op: OpCollect, Blocks: []JobBlock{intBlock("fib")}, Elements: ints(b, repeat(24, 16)), Mirrors: 2}
	benchRun(b, p, decls, &Job{Op: OpCollect, Blocks: job.Blocks, Elements: ints(b, []int{1, 2}), Mirrors: 2}) // start the mirrors
	parallel := benchRun(b, p, decls, job)
	ratio := sequential.Seconds() / parallel.Seconds()
	b.ReportMetric(ratio, "speedup")
	fmt.Printf("fib(24) x16: sequential loop %v, ParallelCollect on 2 mirrors %v: speedup %.2f (target >= 1.8)\n",
		sequential.Round(time.Millisecond), parallel.Round(time.Millisecond), ratio)
}

func warmTrivial(b *testing.B) {
	p := benchPool(b)
	defer p.Close()
	decls := Decls{Generation: 1, Chunks: []string{fibDecl}}
	block := JobBlock{ID: 1, Expr: "func(x int) int { return x * 10 }", Type: "func(int) int", Pos: "cell[2] line 1"}
	job := &Job{Op: OpCollect, Blocks: []JobBlock{block}, Elements: ints(b, seq(1000)), Mirrors: 2}
	benchRun(b, p, decls, job) // cold
	var times []time.Duration
	for k := 0; k < 5; k++ {
		times = append(times, benchRun(b, p, decls, job))
	}
	warm := median(times)
	line := fmt.Sprintf("1,000 x*10, warm: ParallelCollect %v", warm.Round(10*time.Microsecond))
	if ipp, err := ipyparallelMap(); err == nil {
		ratio := warm.Seconds() / ipp.Seconds()
		b.ReportMetric(ratio, "warm/ipp")
		line += fmt.Sprintf(", ipyparallel map_sync %v: ratio %.3f (target < 0.2)", ipp.Round(10*time.Microsecond), ratio)
	} else {
		line += fmt.Sprintf(" (ipyparallel baseline unavailable: %v)", err)
	}
	fmt.Println(line)
}

func ipyparallelMap() (time.Duration, error) {
	out, err := exec.Command("/usr/bin/python3", "testdata/ipp_map.py").Output()
	if err != nil {
		return 0, err
	}
	fields := strings.Fields(string(out))
	if len(fields) == 0 {
		return 0, fmt.Errorf("no output")
	}
	secs, err := strconv.ParseFloat(fields[len(fields)-1], 64)
	return time.Duration(secs * float64(time.Second)), err
}

func coldAfter100Cells(b *testing.B) {
	var chunks []string
	for k := 1; k <= 100; k++ {
		if k%2 == 0 {
			chunks = append(chunks, fmt.Sprintf("\n//line cell[%d]:1\nfunc f%d(x int) int { return x + %d }", k, k, k))
		} else {
			chunks = append(chunks, fmt.Sprintf("\n//line cell[%d]:1\ntype T%d struct { A, B int }\nvar v%d T%d", k, k, k, k))
		}
	}
	p := benchPool(b)
	defer p.Close()
	block := JobBlock{ID: 1, Expr: "func(x int) int { return f100(x) }", Type: "func(int) int", Pos: "cell[101] line 1"}
	job := &Job{Op: OpCollect, Blocks: []JobBlock{block}, Elements: ints(b, seq(1000)), Mirrors: 2}
	cold := benchRun(b, p, Decls{Generation: 1, Chunks: chunks}, job)
	warm := benchRun(b, p, Decls{Generation: 1, Chunks: chunks}, job)
	b.ReportMetric(cold.Seconds()*1000, "cold-ms")
	fmt.Printf("first call after a 100-cell session: cold %v (the next, warm: %v)\n", cold.Round(time.Millisecond), warm.Round(100*time.Microsecond))
}

func median(ds []time.Duration) time.Duration {
	s := append([]time.Duration(nil), ds...)
	for i := range s {
		for j := i + 1; j < len(s); j++ {
			if s[j] < s[i] {
				s[i], s[j] = s[j], s[i]
			}
		}
	}
	return s[len(s)/2]
}

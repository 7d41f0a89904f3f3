package e2e

import (
	"fmt"
	"os/exec"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"
)

// BenchmarkMirrors measures, in one run and through a real Session (cells
// compiled by the frontend, run in the image process, Parallel calls on the
// kernel's pool): the speedup of ParallelCollect of 16 fib(24) over the
// same loop run sequentially in the same session; a warm ParallelCollect of
// 1,000 x*10 against ipyparallel's map_sync on 2 engines started by this
// run; and the first call after a 100-cell session. Times are taken inside
// the cells, around the call, as ipyparallel's are taken around map_sync.
// Run with go test -run '^$' -bench Mirrors -benchtime 1x ./mirror/e2e.
func BenchmarkMirrors(b *testing.B) {
	for i := 0; i < b.N; i++ {
		benchSpeedup(b)
		benchWarm(b)
		benchCold(b)
	}
}

// nanos parses the integers a cell printed, one per line.
func nanos(b *testing.B, out string) []time.Duration {
	b.Helper()
	var ds []time.Duration
	for _, f := range strings.Fields(out) {
		n, err := strconv.ParseInt(f, 10, 64)
		if err != nil {
			b.Fatalf("cell printed %q: %v", out, err)
		}
		ds = append(ds, time.Duration(n))
	}
	return ds
}

func benchSpeedup(b *testing.B) {
	s := newSession(b)
	s.run(b, "import (\n\t\"fmt\"\n\t\"slices\"\n\t\"time\"\n)\nfunc fib(n int) int {\n\tif n < 2 {\n\t\treturn n\n\t}\n\treturn fib(n-1) + fib(n-2)\n}")
	// Both mirrors start and replay the declarations before the timing.
	s.run(b, "xs := make([]int, 16)\nfor i := range xs { xs[i] = 24 }\n_ = ParallelCollect([]int{1, 2}, fib, WithMirrors(2))")
	seqCell := "t0 := time.Now()\nseq := make([]int, len(xs))\nfor i, x := range xs { seq[i] = fib(x) }\nfmt.Println(time.Since(t0).Nanoseconds())"
	parCell := "t1 := time.Now()\npar := ParallelCollect(xs, fib, WithMirrors(%d))\nd := time.Since(t1)\nif !slices.Equal(par, seq) { panic(\"different results\") }\nfmt.Println(d.Nanoseconds())"
	// The runs are alternated over five rounds: the machine is shared, so
	// each round compares runs made close together, and the median round
	// is reported. The run on one mirror splits the speedup into the
	// scaling from 1 to 2 mirrors and the speed of a mirror against the
	// kernel's loop (mirrors are tuned for throughput: see tuneRuntime).
	// The cores the work got, from the CPU time of the image process (the
	// loop) and of the mirrors, say how busy the machine was. The reference
	// is what the machine gives the same split without dmirror's machinery:
	// the same work in plain yaegi interpreters (no kernel, image or mirror
	// code), one process set up as the image process against two set up as
	// mirrors, started together, each with half the elements.
	image, mirrors := childPids(b, "__image"), mirrorPids(b)
	var seq, one, par, refSeq, refPar []time.Duration
	var speedup, scaling, perMirror, seqCores, parCores, refSpeedup []float64
	for k := 0; k < 5; k++ {
		c0 := cpuTime(b, image)
		seq = append(seq, nanos(b, s.run(b, seqCell))...)
		seqCores = append(seqCores, (cpuTime(b, image)-c0).Seconds()/seq[k].Seconds())
		one = append(one, nanos(b, s.run(b, fmt.Sprintf(parCell, 1)))...)
		c1 := cpuTime(b, mirrors)
		par = append(par, nanos(b, s.run(b, fmt.Sprintf(parCell, 2)))...)
		parCores = append(parCores, (cpuTime(b, mirrors)-c1).Seconds()/par[k].Seconds())
		refSeq = append(refSeq, reference(b, 16, "image"))
		refPar = append(refPar, reference(b, 8, "mirror", "mirror"))
		speedup = append(speedup, seq[k].Seconds()/par[k].Seconds())
		scaling = append(scaling, one[k].Seconds()/par[k].Seconds())
		perMirror = append(perMirror, seq[k].Seconds()/one[k].Seconds())
		refSpeedup = append(refSpeedup, refSeq[k].Seconds()/refPar[k].Seconds())
	}
	b.ReportMetric(medianOf(speedup), "speedup")
	b.ReportMetric(medianOf(refSpeedup), "ref-speedup")
	fmt.Printf("fib(24) x16: speedup of ParallelCollect on 2 mirrors over the sequential loop %.2f (target >= 1.8), rounds %.2f\n", medianOf(speedup), speedup)
	fmt.Printf("  = scaling from 1 to 2 mirrors %.2f (rounds %.2f) x a mirror's speed against the kernel's loop %.2f (rounds %.2f)\n", medianOf(scaling), scaling, medianOf(perMirror), perMirror)
	fmt.Printf("  sequential %v on %.1f cores, 1 mirror %v, 2 mirrors %v on %.1f cores\n",
		rounded(seq, time.Millisecond), seqCores, rounded(one, time.Millisecond), rounded(par, time.Millisecond), parCores)
	fmt.Printf("  reference, plain yaegi processes: speedup %.2f (rounds %.2f): 1 process %v, 2 processes %v\n",
		medianOf(refSpeedup), refSpeedup, rounded(refSeq, time.Millisecond), rounded(refPar, time.Millisecond))
}

func medianOf(xs []float64) float64 {
	s := slices.Clone(xs)
	slices.Sort(s)
	return s[len(s)/2]
}

func benchWarm(b *testing.B) {
	s := newSession(b)
	s.run(b, "import (\n\t\"fmt\"\n\t\"time\"\n)\nys := make([]int, 1000)\nfor i := range ys { ys[i] = i }\n_ = ParallelCollect(ys, func(x int) int { return x * 10 }, WithMirrors(2))")
	out := s.run(b, "for k := 0; k < 21; k++ {\n\tt0 := time.Now()\n\tr := ParallelCollect(ys, func(x int) int { return x * 10 }, WithMirrors(2))\n\td := time.Since(t0)\n\tif len(r) != 1000 || r[999] != 9990 { panic(\"wrong result\") }\n\tfmt.Println(d.Nanoseconds())\n}")
	times := nanos(b, out)
	warm := median(times)
	sorted := slices.Clone(times)
	slices.Sort(sorted)
	line := fmt.Sprintf("1,000 x*10, warm: ParallelCollect median %v of %d (p10 %v, p90 %v)", warm.Round(10*time.Microsecond), len(times),
		sorted[len(sorted)/10].Round(10*time.Microsecond), sorted[len(sorted)*9/10].Round(10*time.Microsecond))
	if ipp, err := ipyparallelMap(); err == nil {
		ratio := warm.Seconds() / ipp.Seconds()
		b.ReportMetric(ratio, "warm/ipp")
		line += fmt.Sprintf(", ipyparallel map_sync %v: ratio %.3f (target < 0.2)", ipp.Round(10*time.Microsecond), ratio)
	} else {
		line += fmt.Sprintf(" (ipyparallel baseline unavailable: %v)", err)
	}
	fmt.Println(line)
}

// ipyparallelMap starts 2 ipyparallel engines and returns the median time
// of warm map_sync calls of the same workload.
func ipyparallelMap() (time.Duration, error) {
	out, err := exec.Command("/usr/bin/python3", "testdata/ipp_map.py").Output()
	if err != nil {
		return 0, fmt.Errorf("ipp_map.py: %w", err)
	}
	fields := strings.Fields(string(out))
	if len(fields) == 0 {
		return 0, fmt.Errorf("ipp_map.py printed nothing")
	}
	secs, err := strconv.ParseFloat(fields[len(fields)-1], 64)
	return time.Duration(secs * float64(time.Second)), err
}

func benchCold(b *testing.B) {
	s := newSession(b)
	s.run(b, "import (\n\t\"fmt\"\n\t\"time\"\n)")
	for k := 2; k <= 100; k++ {
		if k%2 == 0 {
			s.run(b, fmt.Sprintf("func f%d(x int) int { return x + %d }", k, k))
		} else {
			s.run(b, fmt.Sprintf("type T%d struct{ A, B int }\nvar v%d T%d", k, k, k))
		}
	}
	call := "t0 := time.Now()\n_ = ParallelCollect(make([]int, 1000), func(x int) int { return f100(x) }, WithMirrors(2))\nfmt.Println(time.Since(t0).Nanoseconds())"
	cold := nanos(b, s.run(b, call))[0]
	warm := nanos(b, s.run(b, strings.ReplaceAll(call, ":=", "=")))[0]
	b.ReportMetric(cold.Seconds()*1000, "cold-ms")
	fmt.Printf("first call after a 100-cell session: cold %v (the next, warm: %v)\n", cold.Round(time.Millisecond), warm.Round(100*time.Microsecond))
}

func median(ds []time.Duration) time.Duration {
	s := slices.Clone(ds)
	slices.Sort(s)
	return s[len(s)/2]
}

func rounded(ds []time.Duration, unit time.Duration) []time.Duration {
	out := make([]time.Duration, len(ds))
	for k, d := range ds {
		out[k] = d.Round(unit)
	}
	return out
}

package main

import (
	"context"
	"fmt"
	"os/exec"
	"path/filepath"
	"strings"
)

// blockSetup declares a func (so that both kernels have built their plugin
// host before the measured cells) and the data.
const blockSetup = `import (
	"fmt"
	"time"
)

func sq(x int) int { return x * x }

var t0 time.Time
var zs []int
xs := make([]int, 16)
for i := range xs {
	xs[i] = 2_000_000
}`

// blockCell is the measured cell: its block does its work inline, in a
// loop; it prints its time in µs and a result.
const blockCell = `t0 = time.Now()
zs = ParallelCollect(xs, func(n int) int {
	s := 0
	for i := 0; i < n; i++ {
		s += i % 7
	}
	return s
})
fmt.Println(time.Since(t0).Microseconds(), zs[0])`

// blockProgram is blockCell's loop as a Go program, sequential.
const blockProgram = `package main

import (
	"fmt"
	"time"
)

func main() {
	xs := make([]int, 16)
	for i := range xs {
		xs[i] = 2_000_000
	}
	t0 := time.Now()
	zs := make([]int, len(xs))
	for k, n := range xs {
		s := 0
		for i := 0; i < n; i++ {
			s += i % 7
		}
		zs[k] = s
	}
	fmt.Println(time.Since(t0).Microseconds(), zs[0])
}
`

func blockBench(ctx context.Context, tmp, dmirror, old string, rounds int) error {
	program, err := goBuild(ctx, filepath.Join(tmp, "blocks"), blockProgram)
	if err != nil {
		return err
	}
	kNew, err := start(ctx, tmp, []string{"DMIRROR_CACHE=" + filepath.Join(tmp, "cache-new")}, dmirror, "kernel", "{connection_file}")
	if err != nil {
		return err
	}
	defer kNew.Close()
	kOld, err := start(ctx, tmp, []string{"DMIRROR_CACHE=" + filepath.Join(tmp, "cache-old")}, old, "kernel", "{connection_file}")
	if err != nil {
		return err
	}
	defer kOld.Close()
	if _, _, err := timed(ctx, kNew, blockSetup); err != nil {
		return err
	}
	if _, _, err := timed(ctx, kOld, blockSetup); err != nil {
		return err
	}
	// The first run of the cell: the new kernel builds the block (a
	// generation) before it runs, the old one interprets it; both start
	// their mirrors.
	firstNew, rNew, err := timed(ctx, kNew, blockCell)
	if err != nil {
		return err
	}
	firstOld, rOld, err := timed(ctx, kOld, blockCell)
	if err != nil {
		return err
	}
	if a, b := lastField(rNew.Stream("stdout")), lastField(rOld.Stream("stdout")); a != b {
		return fmt.Errorf("results differ: %s (compiled block) against %s (interpreted)", a, b)
	}
	var cellNew, cellOld, wallNew, goSeq []float64
	for range rounds {
		d, r, err := timed(ctx, kNew, blockCell)
		if err != nil {
			return err
		}
		wallNew = append(wallNew, float64(d.Microseconds()))
		cellNew = appendNum(cellNew, strings.Fields(r.Stream("stdout"))[0])
		if err := firstNumber(ctx, kOld, blockCell, &cellOld); err != nil {
			return err
		}
		out, err := exec.CommandContext(ctx, program).Output()
		if err != nil {
			return fmt.Errorf("the Go program: %w", err)
		}
		goSeq = appendNum(goSeq, strings.Fields(string(out))[0])
	}
	mn, mo, mg := median(cellNew), median(cellOld), median(goSeq)
	fmt.Printf("16 × a 2,000,000-iteration loop in a ParallelCollect block literal on 2 mirrors, median of %d alternating rounds:\n", rounds)
	fmt.Printf("  compiled block %.1f ms, interpreted block (old binary) %.1f ms (%.1f× faster), Go program's sequential loop %.1f ms (compiled block/Go %.2f)\n",
		mn/1000, mo/1000, mo/mn, mg/1000, mn/mg)
	fmt.Printf("  first run of the cell: %.2f s with its build (warm runs %.0f ms: the build about %.2f s); old binary %.2f s\n",
		firstNew.Seconds(), median(wallNew)/1000, firstNew.Seconds()-median(wallNew)/1e6, firstOld.Seconds())
	return nil
}

func lastField(s string) string {
	f := strings.Fields(s)
	if len(f) == 0 {
		return ""
	}
	return f[len(f)-1]
}

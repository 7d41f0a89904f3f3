package frontend

import (
	"fmt"
	"testing"
	"time"
)

// sessionCell is cell i of a typical notebook session: a type, a func, a
// method, variables, a loop and a result.
func sessionCell(i int) string {
	return fmt.Sprintf(`import "strings"
type T%[1]d struct{ N int; S string }
func (t T%[1]d) Describe() string { return strings.Repeat(t.S, t.N) }
func f%[1]d(x int) int { return x*%[1]d + len(T%[1]d{}.Describe()) }
v%[1]d := f%[1]d(%[1]d)
var xs%[1]d []int
for i := range 5 { xs%[1]d = append(xs%[1]d, min(i, v%[1]d)) }
len(xs%[1]d) + v%[1]d`, i)
}

// BenchmarkCompile measures compiling a cell at the end of a 100-cell
// session against compiling the same cell in an empty session, measured in
// the same run; ratio is their quotient.
func BenchmarkCompile(b *testing.B) {
	empty := NewImage(Options{})
	defer empty.Close()
	full := NewImage(Options{})
	defer full.Close()
	start := time.Now()
	for i := 1; i <= 100; i++ {
		p, err := full.Compile(sessionCell(i), i)
		if err != nil {
			b.Fatal(err)
		}
		full.Commit(p)
	}
	b.ReportMetric(float64(time.Since(start).Microseconds())/1000/100, "ms/cell-building-100")
	cell := sessionCell(101)
	if _, err := empty.Compile(cell, 1); err != nil { // warm the importer
		b.Fatal(err)
	}
	redefine := "func f1(x int) int { return x * 2 }\nf1(3)"
	var base, at100, rebuild time.Duration
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		t2 := time.Now()
		if p, err := full.Compile(redefine, 101); err != nil || !p.Rebuild {
			b.Fatal(err)
		}
		rebuild += time.Since(t2)
		t0 := time.Now()
		if _, err := empty.Compile(cell, 1); err != nil {
			b.Fatal(err)
		}
		t1 := time.Now()
		if _, err := full.Compile(cell, 101); err != nil {
			b.Fatal(err)
		}
		base += t1.Sub(t0)
		at100 += time.Since(t1)
	}
	b.ReportMetric(float64(base.Microseconds())/1000/float64(b.N), "ms/empty")
	b.ReportMetric(float64(at100.Microseconds())/1000/float64(b.N), "ms/at-100")
	b.ReportMetric(float64(at100)/float64(base), "ratio")
	b.ReportMetric(float64(rebuild.Microseconds())/1000/float64(b.N), "ms/rebuild-at-100")
}

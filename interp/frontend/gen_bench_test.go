package frontend

import (
	"fmt"
	"strings"
	"testing"
	"time"
)

// declCell is a cell of k declarations numbered from i: a struct type with
// an unexported field, a method, a func calling the previous one, a const
// and a variable a func reads (which moves into compiled code).
func declCell(i, k int) string {
	var b strings.Builder
	b.WriteString("import \"strings\"\n")
	for j := i; j < i+k; j += 5 {
		fmt.Fprintf(&b, "type T%[1]d struct{ n int; S string }\n", j)
		fmt.Fprintf(&b, "func (t *T%[1]d) Grow() string { t.n++; return strings.Repeat(t.S, t.n) }\n", j)
		prev := "0"
		if j > 0 {
			prev = fmt.Sprintf("f%d(x - 1)", j-5)
		}
		fmt.Fprintf(&b, "func f%[1]d(x int) int { if x <= 0 { return c%[1]d }; return x + v%[1]d + %[2]s }\n", j, prev)
		fmt.Fprintf(&b, "const c%[1]d = %[1]d\n", j)
		fmt.Fprintf(&b, "v%[1]d := %[1]d\n", j)
	}
	return b.String()
}

// sessionOf builds an image of n declarations in cells of 50.
func sessionOf(b *testing.B, compiled bool, n int) *Image {
	im := NewImage(Options{Compiled: true, CompiledDecls: compiled})
	b.Cleanup(im.Close)
	cell := 0
	for i := 0; i < n; i += 50 {
		cell++
		p, err := im.Compile(declCell(i, min(50, n-i)), cell)
		if err != nil {
			b.Fatal(err)
		}
		im.Commit(p)
	}
	return im
}

// BenchmarkCompileDecls measures compiling, at the end of a session of 200
// and of 1,000 declarations, a declaration cell (which makes a generation)
// and a statement-only cell, with compiled declarations and without them
// (the baseline, the same session built in the same run); ratio is their
// quotient.
func BenchmarkCompileDecls(b *testing.B) {
	for _, n := range []int{200, 1000} {
		b.Run(fmt.Sprintf("decls=%d", n), func(b *testing.B) {
			on, off := sessionOf(b, true, n), sessionOf(b, false, n)
			next := 1000
			decl := fmt.Sprintf("func g(x int) int { return f%d(x) * 2 }", n-5)
			stmt := fmt.Sprintf("y := f%d(3) + v0\ny", n-5)
			var dOn, dOff, sOn, sOff time.Duration
			measure := func(im *Image, code string, wantGen bool, into *time.Duration) {
				t0 := time.Now()
				p, err := im.Compile(code, next)
				*into += time.Since(t0)
				if err != nil {
					b.Fatal(err)
				}
				if im.opts.CompiledDecls && (p.Generation != nil) != wantGen {
					b.Fatalf("generation %v, want %v", p.Generation != nil, wantGen)
				}
			}
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				measure(on, decl, true, &dOn)
				measure(off, decl, false, &dOff)
				measure(on, stmt, false, &sOn)
				measure(off, stmt, false, &sOff)
			}
			ms := func(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 / float64(b.N) }
			b.ReportMetric(ms(dOn), "ms/decl-cell")
			b.ReportMetric(ms(dOff), "ms/decl-cell-interpreted")
			b.ReportMetric(float64(dOn)/float64(dOff), "ratio-decl")
			b.ReportMetric(ms(sOn), "ms/stmt-cell")
			b.ReportMetric(ms(sOff), "ms/stmt-cell-interpreted")
			b.ReportMetric(float64(sOn)/float64(sOff), "ratio-stmt")
		})
	}
}

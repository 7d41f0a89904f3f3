package interp

import (
	"context"
	"fmt"
	"io"
	"strings"
	"testing"
	"time"

	yaegi "github.com/traefik/yaegi/interp"

	"github.com/dmirror/dmirror/interp/frontend"
	"github.com/dmirror/dmirror/interp/vm"
	"github.com/dmirror/dmirror/kernel/engine"
	"github.com/dmirror/dmirror/mirror"
)

// discard is a Sink that drops everything.
type discard struct{}

func (discard) Stream(string, string)                              {}
func (discard) Display(engine.Bundle, engine.Bundle, string, bool) {}
func (discard) ClearOutput(bool)                                   {}
func (discard) Input(context.Context, string, bool) (string, error) {
	return "", engine.ErrNoStdin
}

// timeIt returns the mean duration of n calls of f.
func timeIt(n int, f func()) time.Duration {
	start := time.Now()
	for i := 0; i < n; i++ {
		f()
	}
	return time.Since(start) / time.Duration(n)
}

// BenchmarkTrivialCell measures a trivial cell through Session.Execute
// (frontend, frame round trip to the image process, result rendering)
// against the same cell evaluated by yaegi in this process.
func BenchmarkTrivialCell(b *testing.B) {
	eng, err := NewSession(context.Background(), SessionOptions{})
	if err != nil {
		b.Fatal(err)
	}
	defer eng.Close()
	ip, err := vm.New(vm.Config{Stdout: io.Discard, Stderr: io.Discard, Exports: []yaegi.Exports{mirror.WorkerExports()}})
	if err != nil {
		b.Fatal(err)
	}
	n := 0
	throughFrontend := func() {
		n++
		if res := eng.Execute(context.Background(), engine.ExecuteRequest{Code: "1 + 1", Count: n}, discard{}); res.Error != nil {
			b.Fatal(res.Error)
		}
	}
	base := func() {
		n++
		if _, err := ip.Eval(fmt.Sprintf("func __b%d() any { return 1 + 1 }", n)); err != nil {
			b.Fatal(err)
		}
		if _, err := ip.Eval(fmt.Sprintf("__b%d()", n)); err != nil {
			b.Fatal(err)
		}
	}
	fake, err := newSession(context.Background(), SessionOptions{}, &fakeFrontend{plans: map[string]func(int, *fakeFrontend) *frontend.Plan{
		"1 + 1": cell{body: "1 + 1", result: true}.plan,
	}})
	if err != nil {
		b.Fatal(err)
	}
	defer fake.Close()
	planned := func() {
		n++
		if res := fake.Execute(context.Background(), engine.ExecuteRequest{Code: "1 + 1", Count: n}, discard{}); res.Error != nil {
			b.Fatal(res.Error)
		}
	}
	throughFrontend() // warm the frontend's importer
	b.ResetTimer()
	session := timeIt(b.N, throughFrontend)
	roundTrip := timeIt(b.N, planned)
	baseline := timeIt(b.N, base)
	b.ReportMetric(float64(session.Microseconds()), "µs/cell")
	b.ReportMetric(float64(roundTrip.Microseconds()), "µs/planned-cell")
	b.ReportMetric(float64(baseline.Microseconds()), "µs/in-process-eval")
	b.ReportMetric(float64(session)/float64(baseline), "ratio")
}

// hundredCells is a session of 100 cells: funcs and variables set from them.
func hundredCells() []string {
	cells := []string{"import \"fmt\"\nvar _ = fmt.Sprint"}
	for i := 1; i < 100; i++ {
		if i%2 == 1 {
			cells = append(cells, fmt.Sprintf("func f%d(x int) int { return x + %d }", i, i))
		} else {
			cells = append(cells, fmt.Sprintf("v%d := f%d(%d)", i, i-1, i))
		}
	}
	return cells
}

// BenchmarkRebuildAndRestart measures, after a 100-cell session: a cell
// that redefines a func (the image process rebuilds its interpreter and
// moves every value), and a restart of the image process with the image
// restored, against starting an image process with an empty image.
func BenchmarkRebuildAndRestart(b *testing.B) {
	eng, err := NewSession(context.Background(), SessionOptions{})
	if err != nil {
		b.Fatal(err)
	}
	s := eng.(*Session)
	defer s.Close()
	cells := hundredCells()
	cells[0] = "import \"fmt\""
	for i, c := range cells {
		if res := s.Execute(context.Background(), engine.ExecuteRequest{Code: c, Count: i + 1}, discard{}); res.Error != nil {
			b.Fatalf("cell %d %q: %v", i+1, c, res.Error)
		}
	}
	n := len(cells)
	redefine := func() {
		n++
		code := fmt.Sprintf("func f1(x int) int { return x + %d }", n)
		if res := s.Execute(context.Background(), engine.ExecuteRequest{Code: code, Count: n}, discard{}); res.Error != nil {
			b.Fatal(res.Error)
		}
	}
	restart := func() {
		s.process().kill()
		if _, err := s.start(context.Background()); err != nil {
			b.Fatal(err)
		}
	}
	empty := func() {
		e, err := newSession(context.Background(), SessionOptions{}, &fakeFrontend{})
		if err != nil {
			b.Fatal(err)
		}
		e.Close()
	}
	b.ResetTimer()
	rebuild := timeIt(b.N, redefine)
	restored := timeIt(b.N, restart)
	baseline := timeIt(b.N, empty)
	if !strings.Contains(s.fe.Source(), "v98") {
		b.Fatal("the image lost its variables")
	}
	b.ReportMetric(float64(rebuild.Microseconds()), "µs/rebuild-100")
	b.ReportMetric(float64(restored.Microseconds()), "µs/restart+restore-100")
	b.ReportMetric(float64(baseline.Microseconds()), "µs/start-empty")
	b.ReportMetric(float64(restored)/float64(baseline), "restart-ratio")
}

// BenchmarkOutput measures a cell printing 100,000 lines through the
// Session (captured, coalesced, framed, delivered) against the same loop
// printing to io.Discard in an interpreter in this process.
func BenchmarkOutput(b *testing.B) {
	const loop = "for i := 0; i < 100000; i++ { fmt.Println(i) }"
	eng, err := NewSession(context.Background(), SessionOptions{})
	if err != nil {
		b.Fatal(err)
	}
	defer eng.Close()
	ip, err := vm.New(vm.Config{Stdout: io.Discard, Stderr: io.Discard, Exports: []yaegi.Exports{mirror.WorkerExports()}})
	if err != nil {
		b.Fatal(err)
	}
	if _, err := ip.Eval("import \"fmt\"\nfunc printLines() { " + loop + " }"); err != nil {
		b.Fatal(err)
	}
	n := 0
	session := timeIt(b.N, func() {
		n++
		if res := eng.Execute(context.Background(), engine.ExecuteRequest{Code: loop, Count: n}, discard{}); res.Error != nil {
			b.Fatal(res.Error)
		}
	})
	baseline := timeIt(b.N, func() {
		if _, err := ip.Eval("printLines()"); err != nil {
			b.Fatal(err)
		}
	})
	b.ReportMetric(float64(session.Milliseconds()), "ms/cell")
	b.ReportMetric(float64(baseline.Milliseconds()), "ms/in-process")
	b.ReportMetric(float64(session)/float64(baseline), "ratio")
}

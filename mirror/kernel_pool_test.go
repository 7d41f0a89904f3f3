package mirror

import (
	"context"
	"errors"
	"fmt"
	"os"
	"reflect"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// recorder collects a Run's events.
type recorder struct {
	mu       sync.Mutex
	outputs  map[int]string
	displays []map[string]any // metadata of each display
	progress []int
	lines    chan string
}

func newRecorder() *recorder {
	return &recorder{outputs: map[int]string{}, lines: make(chan string, 100)}
}

func (r *recorder) Progress(done, total int) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.progress = append(r.progress, done)
}

func (r *recorder) Display(mirror int, data, metadata map[string]any, id string, update bool) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.displays = append(r.displays, map[string]any{"mirror": mirror, "data": data, "id": id, "update": update})
}

func (r *recorder) Output(mirror int, stream, text string) {
	r.mu.Lock()
	r.outputs[mirror] += text
	r.mu.Unlock()
	select {
	case r.lines <- text:
	default:
	}
}

func testPool(t *testing.T) *Pool {
	t.Helper()
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	p := NewPool(PoolOptions{Exe: exe, Args: []string{"-test.run=^$"}})
	t.Cleanup(func() { p.Close() })
	return p
}

// withInts gives job the workload xs, chunked as the image process
// chunks it.
func withInts(t *testing.T, job *Job, xs ...int) *Job {
	t.Helper()
	job.N = len(xs)
	v := reflect.ValueOf(xs)
	for _, sp := range chunks(len(xs), job.Mirrors, job.PerElement) {
		data, err := encodeValue(v.Slice(sp.lo, sp.hi))
		if err != nil {
			t.Fatal(err)
		}
		job.Chunks = append(job.Chunks, JobChunk{Lo: sp.lo, Hi: sp.hi, Data: data})
	}
	return job
}

// decodeInts returns the outputs of a job whose outputs are ints.
func decodeInts(t *testing.T, out *Outcome) []int {
	t.Helper()
	var got []int
	for _, ch := range out.Chunks {
		v, err := decodeValue(nil, ch.Outputs, reflect.TypeOf([]int(nil)))
		if err != nil {
			t.Fatal(err)
		}
		got = append(got, v.Interface().([]int)...)
	}
	return got
}

func intBlock(expr string) JobBlock {
	return JobBlock{ID: 1, Expr: expr, Type: "func(int) int", Pos: "cell[2] line 1"}
}

func run(t *testing.T, p *Pool, decls Decls, job *Job, ev Events) *Outcome {
	t.Helper()
	out, err := p.Run(context.Background(), decls, job, ev)
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func seq(n int) []int {
	xs := make([]int, n)
	for i := range xs {
		xs[i] = i
	}
	return xs
}

// pids returns the pids the mirrors printed, by mirror.
func pids(t *testing.T, r *recorder) map[int]int {
	t.Helper()
	r.mu.Lock()
	defer r.mu.Unlock()
	out := map[int]int{}
	for m, text := range r.outputs {
		for _, line := range strings.Fields(text) {
			if pid, err := strconv.Atoi(strings.TrimPrefix(line, "pid=")); err == nil && strings.HasPrefix(line, "pid=") {
				out[m] = pid
			}
		}
	}
	return out
}

const pidDecl = "\n//line cell[1]:1\nimport \"os\"\nimport \"fmt\"\nfunc tenfold(x int) int {\n\tfmt.Println(\"pid=\" + fmt.Sprint(os.Getpid()))\n\treturn x * 10\n}"

func TestPoolChunksInOrder(t *testing.T) {
	p := testPool(t)
	decls := Decls{Generation: 1, Chunks: []string{pidDecl}}
	rec := newRecorder()
	out := run(t, p, decls, withInts(t, &Job{Op: OpCollect, Blocks: []JobBlock{intBlock("tenfold")}, Mirrors: 3}, seq(10)...), rec)
	got := decodeInts(t, out)
	for i, v := range got {
		if v != i*10 {
			t.Fatalf("got %v, want 0, 10, ..., 90", got)
		}
	}
	if len(got) != 10 || out.Mirrors != 3 {
		t.Fatalf("got %d outputs from %d mirrors, want 10 from 3", len(got), out.Mirrors)
	}
	ps := pids(t, rec)
	if len(ps) != 3 || ps[1] == ps[2] || ps[2] == ps[3] || ps[1] == ps[3] {
		t.Fatalf("mirrors printed pids %v, want 3 distinct", ps)
	}
	// Each mirror starts its own chunk (4, 3 and 3 elements) and runs at
	// least its first element; one that finishes early may take the rest
	// of another's (see share.go).
	rec.mu.Lock()
	defer rec.mu.Unlock()
	total := 0
	for m := 1; m <= 3; m++ {
		n := strings.Count(rec.outputs[m], "pid=")
		if n == 0 {
			t.Fatalf("mirror %d ran no element", m)
		}
		total += n
	}
	if total != 10 {
		t.Fatalf("the mirrors ran %d elements, want 10", total)
	}
}

func TestPoolWarmDeltaAndRebuild(t *testing.T) {
	p := testPool(t)
	decls := Decls{Generation: 1, Chunks: []string{pidDecl}}
	rec1 := newRecorder()
	run(t, p, decls, withInts(t, &Job{Op: OpCollect, Blocks: []JobBlock{intBlock("tenfold")}, Mirrors: 2}, 1, 2), rec1)

	// A new cell declares plus; the warm mirrors receive only that chunk.
	decls.Chunks = append(decls.Chunks, "\n//line cell[3]:1\nfunc plus(x int) int { return tenfold(x) + 1 }")
	rec2 := newRecorder()
	out := run(t, p, decls, withInts(t, &Job{Op: OpCollect, Blocks: []JobBlock{intBlock("plus")}, Mirrors: 2}, 1, 2), rec2)
	if got := decodeInts(t, out); !reflect.DeepEqual(got, []int{11, 21}) {
		t.Fatalf("after a delta got %v, want [11 21]", got)
	}
	if a, b := pids(t, rec1), pids(t, rec2); !samePids(a, b) {
		t.Fatalf("mirrors %v then %v, want the same warm processes", a, b)
	}

	// plus is redefined: a new generation; the mirrors rebuild.
	decls = Decls{Generation: 2, Chunks: []string{pidDecl, "\n//line cell[4]:1\nfunc plus(x int) int { return tenfold(x) + 2 }"}}
	rec3 := newRecorder()
	out = run(t, p, decls, withInts(t, &Job{Op: OpCollect, Blocks: []JobBlock{intBlock("plus")}, Mirrors: 2}, 1, 2), rec3)
	if got := decodeInts(t, out); !reflect.DeepEqual(got, []int{12, 22}) {
		t.Fatalf("after a rebuild got %v, want [12 22]", got)
	}
	if a, b := pids(t, rec1), pids(t, rec3); !samePids(a, b) {
		t.Fatalf("mirrors %v then %v, want the same processes", a, b)
	}
}

func samePids(a, b map[int]int) bool {
	set := map[int]bool{}
	for _, p := range a {
		set[p] = true
	}
	for _, p := range b {
		if !set[p] {
			return false
		}
	}
	return len(a) == len(b)
}

func TestPoolEmptyAndFewElements(t *testing.T) {
	p := testPool(t)
	decls := Decls{Generation: 1, Chunks: []string{pidDecl}}
	out := run(t, p, decls, &Job{Op: OpCollect, Blocks: []JobBlock{intBlock("tenfold")}, Mirrors: 4}, nil)
	if len(out.Chunks) != 0 || p.liveCount() != 0 {
		t.Fatalf("empty input: %d chunks, %d mirrors started; want none", len(out.Chunks), p.liveCount())
	}
	out = run(t, p, decls, withInts(t, &Job{Op: OpCollect, Blocks: []JobBlock{intBlock("tenfold")}, Mirrors: 4}, 5, 6), nil)
	if got := decodeInts(t, out); !reflect.DeepEqual(got, []int{50, 60}) || p.liveCount() != 2 || out.Mirrors != 2 {
		t.Fatalf("2 elements on 4 mirrors: got %v with %d mirrors started; want [50 60] and 2", got, p.liveCount())
	}
}

func (p *Pool) liveCount() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return len(p.live)
}

func (p *Pool) livePids() []int {
	p.mu.Lock()
	defer p.mu.Unlock()
	var out []int
	for q := range p.live {
		out = append(out, q.Pid())
	}
	return out
}

// sleeper prints its pid, then blocks.
const sleeperDecl = "\n//line cell[1]:1\nimport \"os\"\nimport \"fmt\"\nimport \"time\"\nfunc sleeper(x int) int {\n\tfmt.Println(\"pid=\" + fmt.Sprint(os.Getpid()))\n\tif x == 1 {\n\t\ttime.Sleep(time.Hour)\n\t}\n\treturn x\n}\nfunc spin(x int) int {\n\tfmt.Println(\"spinning\")\n\tfor {\n\t\tx++\n\t}\n\treturn x\n}"

func TestPoolKilledMirrorThenNextCallWorks(t *testing.T) {
	p := testPool(t)
	decls := Decls{Generation: 1, Chunks: []string{sleeperDecl}}
	rec := newRecorder()
	go func() {
		for line := range rec.lines {
			if strings.HasPrefix(line, "pid=") {
				pid, _ := strconv.Atoi(strings.TrimSpace(strings.TrimPrefix(line, "pid=")))
				syscall.Kill(pid, syscall.SIGKILL)
				return
			}
		}
	}()
	out := run(t, p, decls, withInts(t, &Job{Op: OpCollect, Blocks: []JobBlock{intBlock("sleeper")}, Mirrors: 1}, 1), rec)
	if len(out.Failures) != 1 || out.Failures[0].Kind != KindKilled || out.Failures[0].Mirror != 1 {
		t.Fatalf("failures %+v, want mirror 1 killed", out.Failures)
	}
	close(rec.lines)
	out = run(t, p, decls, withInts(t, &Job{Op: OpCollect, Blocks: []JobBlock{intBlock("sleeper")}, Mirrors: 1}, 2, 3), nil)
	if got := decodeInts(t, out); !reflect.DeepEqual(got, []int{2, 3}) {
		t.Fatalf("next call got %v %+v, want [2 3]", got, out.Failures)
	}
}

func TestPoolCrashedMirror(t *testing.T) {
	p := testPool(t)
	decls := Decls{Generation: 1, Chunks: []string{sleeperDecl}}
	block := intBlock("func(x int) int {\n\tgo func() { panic(\"lost goroutine\") }()\n\ttime.Sleep(time.Hour)\n\treturn x\n}")
	out := run(t, p, decls, withInts(t, &Job{Op: OpCollect, Blocks: []JobBlock{block}, Mirrors: 2}, 1, 2), nil)
	// The first crash stops the other mirror, which may crash first or
	// not start its block at all.
	if len(out.Failures) == 0 || out.Failures[0].Kind != KindCrash || !strings.Contains(out.Failures[0].Output, "lost goroutine") {
		t.Fatalf("failures %+v, want crashes showing the panic", out.Failures)
	}
	err := newError(OpCollect, out)
	if want := fmt.Sprintf("%d of 2 mirrors failed in ParallelCollect: mirror %d: crash", len(out.Failures), out.Failures[0].Mirror); !strings.HasPrefix(err.Error(), want) {
		t.Fatalf("error %q, want %q...", err, want)
	}
	out = run(t, p, decls, withInts(t, &Job{Op: OpCollect, Blocks: []JobBlock{intBlock("sleeper")}, Mirrors: 2}, 2, 3), nil)
	if got := decodeInts(t, out); !reflect.DeepEqual(got, []int{2, 3}) {
		t.Fatalf("next call got %v %+v, want [2 3]", got, out.Failures)
	}
}

func TestPoolInterrupt(t *testing.T) {
	p := testPool(t)
	decls := Decls{Generation: 1, Chunks: []string{sleeperDecl}}
	for _, tc := range []struct{ name, block string }{
		{"endless interpreted loop", "spin"},    // stops in the mirror
		{"blocked in compiled code", "sleeper"}, // the mirror is killed and replaced
	} {
		t.Run(tc.name, func(t *testing.T) {
			rec := newRecorder()
			ctx, cancel := context.WithCancel(context.Background())
			var cancelled time.Time
			go func() {
				<-rec.lines // the block runs
				cancelled = time.Now()
				cancel()
			}()
			_, err := p.Run(ctx, decls, withInts(t, &Job{Op: OpCollect, Blocks: []JobBlock{intBlock(tc.block)}, Mirrors: 1}, 1), rec)
			stopped := time.Since(cancelled)
			if !errors.Is(err, context.Canceled) {
				t.Fatalf("err %v, want context.Canceled", err)
			}
			t.Logf("stopped %v after the interrupt", stopped)
			if stopped > time.Second {
				t.Fatalf("stopped %v after the interrupt, want within 1s", stopped)
			}
			out := run(t, p, decls, withInts(t, &Job{Op: OpCollect, Blocks: []JobBlock{intBlock("sleeper")}, Mirrors: 1}, 4), nil)
			if len(out.Failures) > 0 {
				t.Fatalf("next call failed: %+v", out.Failures)
			}
		})
	}
}

func TestPoolTimeout(t *testing.T) {
	p := testPool(t)
	decls := Decls{Generation: 1, Chunks: []string{sleeperDecl}}
	out := run(t, p, decls, withInts(t, &Job{Op: OpCollect, Blocks: []JobBlock{intBlock("spin")}, Mirrors: 2, Timeout: 200 * time.Millisecond}, 1, 2), nil)
	if len(out.Failures) != 2 || out.Failures[0].Kind != KindTimeout {
		t.Fatalf("failures %+v, want 2 timeouts", out.Failures)
	}
}

func TestPoolAnySatisfyStopsOthers(t *testing.T) {
	p := testPool(t)
	decls := Decls{Generation: 1, Chunks: []string{sleeperDecl}}
	// Element 0 settles the answer at once; element 1 would spin forever.
	block := JobBlock{ID: 1, Expr: "func(x int) bool { if x == 1 { spin(x) }; return x == 0 }", Type: "func(int) bool", Pos: "cell[2] line 1"}
	out := run(t, p, decls, withInts(t, &Job{Op: OpAnySatisfy, Blocks: []JobBlock{block}, Mirrors: 2}, 0, 1), nil)
	if !out.Decided || len(out.Failures) > 0 {
		t.Fatalf("outcome %+v, want decided", out)
	}
}

func TestPoolFailureFramesAndLocals(t *testing.T) {
	p := testPool(t)
	decls := Decls{Generation: 1, Chunks: []string{"\n//line cell[1]:1\ntype Acc struct {\n\tName string\n\tN    int\n}\nfunc ratio(a Acc, b int) int {\n\tq := a.N * 2\n\treturn q / b\n}"}}
	block := JobBlock{ID: 3, Expr: "func(x int) int {\n\tacc := Acc{Name: name, N: x}\n\treturn ratio(acc, x-2)\n}", Type: "func(int) int", Pos: "cell[2] line 1",
		Captures: []Capture{{Name: "name", Type: "string", Value: mustEncode(t, "acc")}}}
	out := run(t, p, decls, withInts(t, &Job{Op: OpCollect, Blocks: []JobBlock{block}, Mirrors: 2}, 0, 1, 2, 3), nil)
	if len(out.Failures) != 1 {
		t.Fatalf("failures %+v, want 1", out.Failures)
	}
	f := out.Failures[0]
	t.Log(RenderFailures(out.Failures)["text/plain"])
	if f.Mirror != 2 || f.Index != 2 || f.Element != "2" || f.Kind != KindPanic || !strings.Contains(f.Message, "divide by zero") {
		t.Fatalf("failure %+v", f)
	}
	if len(f.Frames) != 2 || f.Frames[0].Func != "ratio" || f.Frames[0].Pos != "cell[1] line 7" || f.Frames[1].Pos != "cell[2] line 3" {
		t.Fatalf("frames %+v", f.Frames)
	}
	want := []Local{{"a", "Acc", "{Name:acc N:2}"}, {"b", "int", "0"}, {"q", "int", "4"}}
	if !reflect.DeepEqual(f.Frames[0].Locals, want) {
		t.Fatalf("locals of ratio %+v, want %+v", f.Frames[0].Locals, want)
	}
}

func mustEncode(t *testing.T, v any) []byte {
	t.Helper()
	data, err := encodeValue(reflect.ValueOf(v))
	if err != nil {
		t.Fatal(err)
	}
	return data
}

func TestPoolCloseLeavesNoProcess(t *testing.T) {
	p := testPool(t)
	decls := Decls{Generation: 1, Chunks: []string{pidDecl}}
	run(t, p, decls, withInts(t, &Job{Op: OpCollect, Blocks: []JobBlock{intBlock("tenfold")}, Mirrors: 3}, 1, 2, 3), nil)
	pids := p.livePids()
	if len(pids) != 3 {
		t.Fatalf("%d mirrors live, want 3", len(pids))
	}
	if err := p.Close(); err != nil {
		t.Fatal(err)
	}
	for _, pid := range pids {
		if err := syscall.Kill(pid, 0); !errors.Is(err, syscall.ESRCH) {
			t.Fatalf("mirror %d still exists after Close (kill 0: %v)", pid, err)
		}
	}
	if _, err := p.Run(context.Background(), decls, withInts(t, &Job{Op: OpCollect, Blocks: []JobBlock{intBlock("tenfold")}}, 1), nil); !errors.Is(err, errClosed) {
		t.Fatalf("Run after Close: %v, want errClosed", err)
	}
}

func TestPoolDisplayForwarded(t *testing.T) {
	p := testPool(t)
	decls := Decls{Generation: 1, Chunks: []string{pidDecl}}
	rec := newRecorder()
	block := intBlock("func(x int) int {\n\tdisplay.HTML(fmt.Sprint(\"<b>\", x, \"</b>\"))\n\treturn x\n}")
	out := run(t, p, decls, withInts(t, &Job{Op: OpCollect, Blocks: []JobBlock{block}, Mirrors: 2}, 1, 2), rec)
	if len(out.Failures) > 0 {
		t.Fatalf("failures %+v", out.Failures)
	}
	rec.mu.Lock()
	defer rec.mu.Unlock()
	got := map[int]string{}
	for _, d := range rec.displays {
		data := d["data"].(map[string]any)
		html, _ := data["text/html"].(string)
		got[d["mirror"].(int)] = html
	}
	if want := map[int]string{1: "<b>1</b>", 2: "<b>2</b>"}; !reflect.DeepEqual(got, want) {
		t.Fatalf("displays by mirror %v, want %v", got, want)
	}
}

func TestTailWriterFatalLineInPieces(t *testing.T) {
	w := &tailWriter{max: 16}
	for _, p := range []string{"noise\nfatal error: ", "out of ", "memory", "\n\ngoroutine 1 [running]:\n", "fatal error: again\n"} {
		w.Write([]byte(p))
	}
	if got := w.fatalLine(); got != "fatal error: out of memory" {
		t.Fatalf("fatal line %q", got)
	}
}

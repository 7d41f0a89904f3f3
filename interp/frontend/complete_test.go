package frontend

import (
	"fmt"
	"slices"
	"strings"
	"testing"
)

func commit(t *testing.T, im *Image, cells ...string) {
	t.Helper()
	for i, c := range cells {
		p, err := im.Compile(c, i+1)
		if err != nil {
			t.Fatalf("cell %q: %v", c, err)
		}
		im.Commit(p)
	}
}

func TestComplete(t *testing.T) {
	im := NewImage(Options{})
	defer im.Close()
	commit(t, im, "import \"strings\"\ntype Point struct{ X, Y int }\nfunc (p Point) Norm1() int { return p.X + p.Y }\nfunc (p *Point) Scale(k int) { p.X *= k }\npt := Point{1, 2}\ncounter := 0")
	tests := []struct {
		code       string
		cursor     int // -1: end
		want       []string
		start, end int
	}{
		{"strings.ToU", -1, []string{"ToUpper", "ToUpperSpecial"}, 8, 11},
		{"pt.", -1, []string{"Norm1", "Scale", "X", "Y"}, 3, 3},
		{"pt.N", -1, []string{"Norm1"}, 3, 4},
		{"coun", -1, []string{"counter"}, 0, 4},
		{"Poi", -1, []string{"Point"}, 0, 3},
		{"ParallelCol", -1, []string{"ParallelCollect", "ParallelCollectThenReject", "ParallelCollectThenSelect"}, 0, 11},
		{"q := Point{}\nq.Sc", -1, []string{"Scale"}, 15, 17},
		{"import \"container/ri", -1, []string{"container/ring"}, 8, 20},
		{"import (\n\t\"net/ht", -1, []string{"net/http", "net/http/cgi", "net/http/cookiejar", "net/http/fcgi", "net/http/httptest", "net/http/httptrace", "net/http/httputil", "net/http/pprof"}, 11, 17},
		{"fmt.Sprin", -1, []string{"Sprint", "Sprintf", "Sprintln"}, 4, 9},
		{"for", -1, []string{"for"}, 0, 3},
		{"func g(p *Point) {\n\tp.", -1, []string{"Norm1", "Scale", "X", "Y"}, 22, 22},
		{"for _, w := range []string{} {\n\tw.", -1, nil, 34, 34},
		{"for _, q := range []Point{} {\n\tq.N", -1, []string{"Norm1"}, 33, 34},
		{"appe", -1, []string{"append"}, 0, 4},
	}
	for _, tt := range tests {
		cur := tt.cursor
		if cur < 0 {
			cur = len(tt.code)
		}
		got, start, end := im.Complete(tt.code, cur)
		if !slices.Equal(got, tt.want) || start != tt.start || end != tt.end {
			t.Errorf("Complete(%q) = %v [%d,%d); want %v [%d,%d)", tt.code, got, start, end, tt.want, tt.start, tt.end)
		}
	}
}

func TestInspect(t *testing.T) {
	im := NewImage(Options{})
	defer im.Close()
	commit(t, im, "import \"fmt\"\n// Double doubles.\nfunc Double(x int) int { return 2 * x }\ntotal := 3\ntype V struct{ N int }\n// Twice is 2N.\nfunc (v V) Twice() int { return 2 * v.N }\nv := V{1}")
	tests := []struct {
		code  string
		want  []string
		found bool
	}{
		{"fmt.Println", []string{"func Println(a ...any) (n int, err error)", "Println formats using the default formats"}, true},
		{"Double", []string{"func Double(x int) int", "// Double doubles.", "cell[1] line 2"}, true},
		{"total", []string{"var total int"}, true},
		{"ParallelCollect", []string{"func ParallelCollect[T, R any]", "returns f applied"}, true},
		{"len", []string{"func len(v Type) int"}, true},
		{"strings", []string{"package strings"}, true},
		{"nothingHere", nil, false},
		{"v.Twice", []string{"// Twice is 2N.", "func (v V) Twice() int"}, true},
		{"v.N", []string{"field N int"}, true},
	}
	for _, tt := range tests {
		got, found := im.Inspect(tt.code, len(tt.code))
		if found != tt.found {
			t.Errorf("Inspect(%q) found = %v, want %v", tt.code, found, tt.found)
		}
		for _, w := range tt.want {
			if !strings.Contains(got, w) {
				t.Errorf("Inspect(%q) = %q, want it to contain %q", tt.code, got, w)
			}
		}
	}
}

// TestConcurrentUse runs completion and inspection while cells compile and
// commit, as the kernel does while a cell runs (run it with -race).
func TestConcurrentUse(t *testing.T) {
	im := NewImage(Options{})
	defer im.Close()
	done := make(chan struct{})
	go func() {
		defer close(done)
		for i := 1; i <= 20; i++ {
			p, err := im.Compile(fmt.Sprintf("import \"strings\"\nv%d := strings.Repeat(\"a\", %d)\nfunc f%d() int { return len(v%d) }", i, i, i, i), i)
			if err != nil {
				t.Error(err)
				return
			}
			im.Commit(p)
		}
	}()
	for n := 0; ; n++ {
		select {
		case <-done:
			if got, _, _ := im.Complete("v2", 2); !slices.Contains(got, "v20") {
				t.Errorf("completions of v2 after the cells: %v", got)
			}
			return
		default:
		}
		im.Complete("strings.Re", 10)
		im.Inspect("f1", 2)
		im.Source()
		im.Chunks()
	}
}

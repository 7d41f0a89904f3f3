package mirror

import (
	"fmt"
	"math/rand"
	"reflect"
	"testing"

	"github.com/dmirror/dmirror/interp/frontend"
)

// opCase is a Parallel call in the image, the blocks the frontend would
// describe for it, and its sequential equivalent in Go.
type opCase struct {
	name   string
	result string // Go type of the call's result
	call   string // the call, with xs and the captured k in scope
	blocks []frontend.Block
	seq    func(xs []int, k, limit int) any
}

func blk(id int, expr, typ string, caps bool, globals ...string) frontend.Block {
	b := frontend.Block{ID: id, Expr: expr, Type: typ, Pos: fmt.Sprintf("cell[9] line %d", id), Globals: globals}
	if caps {
		b.Captures = []frontend.Var{{Name: "k", Type: "int"}}
	}
	return b
}

var opCases = []opCase{
	{"collect", "[]int", `ParallelCollect[int, int](xs, func(x int) int { return x*3 - k }, __dmBlock(1, k))`,
		[]frontend.Block{blk(1, "func(x int) int { return x*3 - k }", "func(int) int", true)},
		func(xs []int, k, _ int) any {
			out := []int{}
			for _, x := range xs {
				out = append(out, x*3-k)
			}
			return out
		}},
	{"select", "[]int", `ParallelSelect[int](xs, func(x int) bool { return x > limit }, __dmBlock(2))`,
		[]frontend.Block{blk(2, "func(x int) bool { return x > limit }", "func(int) bool", false, "limit")},
		func(xs []int, _, limit int) any { return filter(xs, func(x int) bool { return x > limit }) }},
	{"reject", "[]int", `ParallelReject[int](xs, func(x int) bool { return x > limit }, __dmBlock(3))`,
		[]frontend.Block{blk(3, "func(x int) bool { return x > limit }", "func(int) bool", false, "limit")},
		func(xs []int, _, limit int) any { return filter(xs, func(x int) bool { return x <= limit }) }},
	{"collectThenSelect", "[]int", `ParallelCollectThenSelect[int, int](xs, func(x int) int { return x * x }, func(r int) bool { return r%2 == 0 }, __dmBlock(4), __dmBlock(5))`,
		[]frontend.Block{blk(4, "func(x int) int { return x * x }", "func(int) int", false), blk(5, "func(r int) bool { return r%2 == 0 }", "func(int) bool", false)},
		func(xs []int, _, _ int) any {
			out := []int{}
			for _, x := range xs {
				if x*x%2 == 0 {
					out = append(out, x*x)
				}
			}
			return out
		}},
	{"collectThenReject", "[]int", `ParallelCollectThenReject[int, int](xs, func(x int) int { return x * x }, func(r int) bool { return r%2 == 0 }, __dmBlock(4), __dmBlock(5))`,
		[]frontend.Block{blk(4, "func(x int) int { return x * x }", "func(int) int", false), blk(5, "func(r int) bool { return r%2 == 0 }", "func(int) bool", false)},
		func(xs []int, _, _ int) any {
			out := []int{}
			for _, x := range xs {
				if x*x%2 != 0 {
					out = append(out, x*x)
				}
			}
			return out
		}},
	{"selectThenCollect", "[]string", `ParallelSelectThenCollect[int, string](xs, func(x int) bool { return x > k }, func(x int) string { return fmt.Sprint("#", x) }, __dmBlock(6, k), __dmBlock(7))`,
		[]frontend.Block{blk(6, "func(x int) bool { return x > k }", "func(int) bool", true), blk(7, `func(x int) string { return fmt.Sprint("#", x) }`, "func(int) string", false)},
		func(xs []int, k, _ int) any {
			out := []string{}
			for _, x := range xs {
				if x > k {
					out = append(out, fmt.Sprint("#", x))
				}
			}
			return out
		}},
	{"rejectThenCollect", "[]string", `ParallelRejectThenCollect[int, string](xs, func(x int) bool { return x > k }, func(x int) string { return fmt.Sprint("#", x) }, __dmBlock(6, k), __dmBlock(7))`,
		[]frontend.Block{blk(6, "func(x int) bool { return x > k }", "func(int) bool", true), blk(7, `func(x int) string { return fmt.Sprint("#", x) }`, "func(int) string", false)},
		func(xs []int, k, _ int) any {
			out := []string{}
			for _, x := range xs {
				if x <= k {
					out = append(out, fmt.Sprint("#", x))
				}
			}
			return out
		}},
	{"flatCollect", "[]int", `ParallelFlatCollect[int, int](xs, func(x int) []int { return []int{x, -x} }, __dmBlock(8))`,
		[]frontend.Block{blk(8, "func(x int) []int { return []int{x, -x} }", "func(int) []int", false)},
		func(xs []int, _, _ int) any {
			out := []int{}
			for _, x := range xs {
				out = append(out, x, -x)
			}
			return out
		}},
	{"groupedBy", "map[int][]int", `ParallelGroupedBy[int, int](xs, func(x int) int { return x % 4 }, __dmBlock(9))`,
		[]frontend.Block{blk(9, "func(x int) int { return x % 4 }", "func(int) int", false)},
		func(xs []int, _, _ int) any {
			out := map[int][]int{}
			for _, x := range xs {
				out[x%4] = append(out[x%4], x)
			}
			return out
		}},
	{"anySatisfy", "bool", `ParallelAnySatisfy[int](xs, func(x int) bool { return x > limit }, __dmBlock(2))`,
		[]frontend.Block{blk(2, "func(x int) bool { return x > limit }", "func(int) bool", false, "limit")},
		func(xs []int, _, limit int) any { return len(filter(xs, func(x int) bool { return x > limit })) > 0 }},
	{"allSatisfy", "bool", `ParallelAllSatisfy[int](xs, func(x int) bool { return x > limit }, __dmBlock(2))`,
		[]frontend.Block{blk(2, "func(x int) bool { return x > limit }", "func(int) bool", false, "limit")},
		func(xs []int, _, limit int) any {
			return len(filter(xs, func(x int) bool { return x > limit })) == len(xs)
		}},
	{"noneSatisfy", "bool", `ParallelNoneSatisfy[int](xs, func(x int) bool { return x > limit }, __dmBlock(2))`,
		[]frontend.Block{blk(2, "func(x int) bool { return x > limit }", "func(int) bool", false, "limit")},
		func(xs []int, _, limit int) any { return len(filter(xs, func(x int) bool { return x > limit })) == 0 }},
	{"createMirror", "[]string", `CreateMirrorWithID[int, string](func(x int, id int) string { return fmt.Sprint(id, ":", x+k) }, xs, __dmBlock(10, k)).Run()`,
		[]frontend.Block{blk(10, `func(x int, id int) string { return fmt.Sprint(id, ":", x+k) }`, "func(int, int) string", true)},
		func(xs []int, k, _ int) any {
			out := []string{}
			for i, x := range xs {
				out = append(out, fmt.Sprint(i, ":", x+k))
			}
			return out
		}},
}

func filter(xs []int, keep func(int) bool) []int {
	out := []int{}
	for _, x := range xs {
		if keep(x) {
			out = append(out, x)
		}
	}
	return out
}

// TestOpsMatchSequential checks every op against its sequential equivalent
// on random workloads, including empty ones, with a captured local and a
// global the blocks read.
func TestOpsMatchSequential(t *testing.T) {
	rng := rand.New(rand.NewSource(1))
	s := newSession(t)
	s.decl(`import "fmt"`)
	s.decl(`var xs []int`)
	s.decl(`var limit int`)
	for _, oc := range opCases {
		t.Run(oc.name, func(t *testing.T) {
			for _, b := range oc.blocks {
				s.blocks[b.ID] = b
			}
			s.decl(fmt.Sprintf("var res_%s %s", oc.name, oc.result))
			for trial := 0; trial < 8; trial++ {
				xs := make([]int, rng.Intn(12))
				if trial == 0 {
					xs = []int{}
				}
				for i := range xs {
					xs[i] = rng.Intn(100)
				}
				k, limit := rng.Intn(100), rng.Intn(100)
				g := s.i.Globals()
				g["xs"].Set(reflect.ValueOf(xs))
				g["limit"].SetInt(int64(limit))
				if _, err := s.eval(fmt.Sprintf("func() { k := %d; res_%s = %s }()", k, oc.name, oc.call)); err != nil {
					t.Fatalf("xs=%v: %v", xs, err)
				}
				got := s.i.Globals()["res_"+oc.name].Interface()
				want := oc.seq(xs, k, limit)
				if !reflect.DeepEqual(got, want) {
					t.Fatalf("xs=%v k=%d limit=%d: got %#v, want %#v", xs, k, limit, got, want)
				}
			}
		})
	}
	if n := len(s.jobs); n == 0 {
		t.Fatal("no job reached the Run hook")
	}
	for _, j := range s.jobs {
		if j.N == 0 || len(j.Chunks) == 0 {
			t.Fatalf("a %s job with no elements reached the Run hook: empty input must not start mirrors", j.Op)
		}
	}
}

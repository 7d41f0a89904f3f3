package e2e

import (
	"fmt"
	"math/rand"
	"strings"
	"testing"
)

// opsDecls declares a session struct type (nested, with a map, a slice, a
// pointer and a time.Time), a generator of random workloads, and check,
// which runs every Parallel built-in and its sequential loop on the same
// input and panics on the first difference. The blocks capture locals of
// check (k, suffix), read a global (limit) and call a method using a const.
const opsDecls = `import (
	"fmt"
	"math/rand"
	"reflect"
	"time"
)

type Part struct {
	ID     int
	Weight float64
}

type Item struct {
	ID    int
	Name  string
	Tags  map[string]int
	Parts []Part
	Next  *Item
	When  time.Time
}

var limit int

const bonus = 3

func (it Item) Score() int { return it.ID*2 + bonus + len(it.Parts) }

func mkItems(r *rand.Rand, n int) []Item {
	items := make([]Item, n)
	for i := range items {
		it := Item{ID: r.Intn(1000), Name: fmt.Sprint("item-", r.Intn(100)), When: time.Unix(r.Int63n(1<<31), 0).UTC()}
		if r.Intn(2) == 0 {
			it.Tags = map[string]int{"a": r.Intn(5), "b": r.Intn(5)}
		}
		for j := r.Intn(4); j > 0; j-- {
			it.Parts = append(it.Parts, Part{ID: j, Weight: float64(r.Intn(100)) / 4})
		}
		if r.Intn(3) == 0 {
			it.Next = &Item{ID: -it.ID, Name: "next"}
		}
		items[i] = it
	}
	return items
}

func weight(it Item) float64 {
	w := 0.0
	for _, p := range it.Parts {
		w += p.Weight
	}
	return w
}

func same(what string, got, want any) {
	if !reflect.DeepEqual(got, want) {
		panic(fmt.Sprintf("%s: got %#v, want %#v", what, got, want))
	}
}

func check(seed int64, n int) {
	r := rand.New(rand.NewSource(seed))
	items := mkItems(r, n)
	k := r.Intn(1000)
	suffix := fmt.Sprint("/", r.Intn(10))
	limit = r.Intn(1000)

	got := ParallelCollect(items, func(it Item) Item {
		it.Name += suffix
		if it.Next != nil {
			it.Next.ID += k
		}
		return it
	})
	want := []Item{}
	for _, it := range mkItems(rand.New(rand.NewSource(seed)), n) {
		it.Name += suffix
		if it.Next != nil {
			it.Next.ID += k
		}
		want = append(want, it)
	}
	same("ParallelCollect", got, want)

	sel, rej := []Item{}, []Item{}
	for _, it := range items {
		if it.ID > limit {
			sel = append(sel, it)
		} else {
			rej = append(rej, it)
		}
	}
	same("ParallelSelect", ParallelSelect(items, func(it Item) bool { return it.ID > limit }), sel)
	same("ParallelReject", ParallelReject(items, func(it Item) bool { return it.ID > limit }), rej)

	ws, wr := []float64{}, []float64{}
	for _, it := range items {
		if w := weight(it) + float64(k); int(w)%2 == 0 {
			ws = append(ws, w)
		} else {
			wr = append(wr, w)
		}
	}
	same("ParallelCollectThenSelect", ParallelCollectThenSelect(items, func(it Item) float64 { return weight(it) + float64(k) }, func(w float64) bool { return int(w)%2 == 0 }), ws)
	same("ParallelCollectThenReject", ParallelCollectThenReject(items, func(it Item) float64 { return weight(it) + float64(k) }, func(w float64) bool { return int(w)%2 == 0 }), wr)

	ns, nr := []string{}, []string{}
	for _, it := range items {
		if len(it.Parts) > 1 {
			ns = append(ns, it.Name+suffix)
		} else {
			nr = append(nr, it.Name+suffix)
		}
	}
	same("ParallelSelectThenCollect", ParallelSelectThenCollect(items, func(it Item) bool { return len(it.Parts) > 1 }, func(it Item) string { return it.Name + suffix }), ns)
	same("ParallelRejectThenCollect", ParallelRejectThenCollect(items, func(it Item) bool { return len(it.Parts) > 1 }, func(it Item) string { return it.Name + suffix }), nr)

	flat := []Part{}
	groups := map[int][]Item{}
	for _, it := range items {
		flat = append(flat, it.Parts...)
		groups[len(it.Parts)] = append(groups[len(it.Parts)], it)
	}
	same("ParallelFlatCollect", ParallelFlatCollect(items, func(it Item) []Part { return it.Parts }), flat)
	same("ParallelGroupedBy", ParallelGroupedBy(items, func(it Item) int { return len(it.Parts) }), groups)

	anyOver, allOver := false, true
	for _, it := range items {
		anyOver = anyOver || it.ID > limit
		allOver = allOver && it.ID > limit
	}
	same("ParallelAnySatisfy", ParallelAnySatisfy(items, func(it Item) bool { return it.ID > limit }), anyOver)
	same("ParallelAllSatisfy", ParallelAllSatisfy(items, func(it Item) bool { return it.ID > limit }), allOver)
	same("ParallelNoneSatisfy", ParallelNoneSatisfy(items, func(it Item) bool { return it.ID > limit }), !anyOver)

	scores := []int{}
	for _, it := range items {
		scores = append(scores, it.Score())
	}
	same("ParallelCollect of a method", ParallelCollect(items, func(it Item) int { return it.Score() }), scores)

	ids, pos := []int{}, []string{}
	for i, it := range items {
		ids = append(ids, it.ID*2)
		pos = append(pos, fmt.Sprint(i, ":", it.Name))
	}
	same("CreateMirror", CreateMirror(func(it Item) int { return it.ID * 2 }, items).Run(), ids)
	same("CreateMirrorWithID", CreateMirror(func(it Item, id int) string { return fmt.Sprint(id, ":", it.Name) }, items).Run(), pos)
	fmt.Println("checked", n)
}`

// TestOpsMatchSequential runs every Parallel built-in and its sequential
// loop on random workloads of session-defined structs, in cells: empty
// input, fewer elements than mirrors, and more; with blocks that capture
// locals and read a global; on 2 and on 3 mirrors.
func TestOpsMatchSequential(t *testing.T) {
	s := newSession(t)
	s.run(t, opsDecls)
	rng := rand.New(rand.NewSource(rand.Int63()))
	sizes := []int{0, 1, 2, 3, 7, 40}
	for _, cores := range []int{2, 3} {
		s.run(t, fmt.Sprintf("SetDefaultCores(%d)", cores))
		for _, n := range sizes {
			seed := rng.Int63()
			out := s.run(t, fmt.Sprintf("check(%d, %d)", seed, n))
			if !strings.Contains(out, fmt.Sprint("checked ", n)) {
				t.Fatalf("cores %d, n %d, seed %d: cell printed %q", cores, n, seed, out)
			}
		}
	}
}

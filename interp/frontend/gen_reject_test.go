package frontend

import (
	"os/exec"
	"slices"
	"strings"
	"testing"
)

// TestRejectCompiled: declarations go/types accepts and Go's compiler or
// linker rejects are named by the failed build of their generation (built
// as the kernel builds it: a plugin whose package path ends in dmsgenN).
// Compiled again, the cell leaves them and what uses them interpreted and
// the rest compiled, and that generation builds; a later cell keeps them
// interpreted without a failed build, until their text, or that of a
// declaration they depend on, changes.
func TestRejectCompiled(t *testing.T) {
	if testing.Short() {
		t.Skip("runs the go command")
	}
	if _, err := exec.LookPath("gcc"); err != nil {
		t.Skip("plugins need a C compiler (gcc)")
	}
	for _, tc := range []struct {
		name     string
		before   string // a cell compiled and built first
		cell     string
		rejected string // the declaration the build names
		why      string // in the compiler's message
		compiled []string
		later    []string // compiled after a later cell declaring thrice
		fixed    string   // a cell declaring it again, compilable
	}{
		{
			name:     "type larger than the address space",
			cell:     "type Big [1 << 51]byte\n\nfunc size(b *Big) int { return len(b) }\n\nfunc twice(x int) int { return 2 * x }",
			rejected: "Big", why: "cell[1]/_.go:1:6: type [2251799813685248]byte larger than address space",
			compiled: []string{"twice"}, later: []string{"thrice", "twice"},
			fixed: "type Big [1 << 10]byte",
		},
		{
			// The linker names the symbol at the line of a func it was
			// inlined into.
			name:     "symbol too large",
			cell:     "var table [1 << 31]byte\n\nfunc touch(i int) int { table[i]++; return int(table[i]) }\n\nfunc other() int { return touch(3) }\n\nfunc twice(x int) int { return 2 * x }",
			rejected: "table", why: "/dmsgen1.table: symbol too large",
			compiled: []string{"twice"}, later: []string{"thrice", "twice"},
			fixed: "var table [1 << 10]byte",
		},
		{
			// The compiler names the type, declared in an earlier cell;
			// the constant that makes it too large changes back.
			name:     "rejected for a dependency",
			before:   "const N = 8\n\ntype Grid [N]byte\n\nfunc cells(g *Grid) int { return len(g) }",
			cell:     "const N = 1 << 51\n\nfunc twice(x int) int { return 2 * x }",
			rejected: "Grid", why: "cell[1]/_.go:3:6: type [2251799813685248]byte larger than address space",
			compiled: []string{"N", "twice"}, later: []string{"N", "thrice", "twice"},
			fixed: "const N = 4",
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			im := newGenImage(t)
			n := 1
			if tc.before != "" {
				plan, err := im.Compile(tc.before, n)
				if err != nil {
					t.Fatal(err)
				}
				goBuildGeneration(t, plan.Generation)
				im.Commit(plan)
				n++
			}
			plan, err := im.Compile(tc.cell, n)
			if err != nil || plan.Generation == nil {
				t.Fatalf("compile: %v, generation %v", err, plan != nil && plan.Generation != nil)
			}
			out, err := goBuildOutput(t, plan.Generation, "dmirror.session/build-test/dmsgen1", "-buildmode=plugin")
			if err == nil {
				t.Fatalf("the compiler accepted the generation; the test needs a declaration it rejects\n%s", genDump(plan))
			}
			got := im.RejectCompiled(plan, out)
			if len(got) != 1 || got[0].Name != tc.rejected || !strings.Contains(got[0].Why, tc.why) {
				t.Fatalf("rejected %+v, want %s for %q; the build said\n%s", got, tc.rejected, tc.why, out)
			}
			if again := im.RejectCompiled(plan, out); len(again) != 0 {
				t.Errorf("the same output rejected %+v again, want nothing new", again)
			}
			plan, err = im.Compile(tc.cell, n)
			if err != nil || plan.Generation == nil {
				t.Fatalf("compile again: %v, generation %v", err, plan != nil && plan.Generation != nil)
			}
			if names := compiledNames(plan.next); !slices.Equal(names, tc.compiled) {
				t.Errorf("compiled %v, want %v", names, tc.compiled)
			}
			goBuildGeneration(t, plan.Generation)
			im.Commit(plan)
			checkInterpreted(t, im, plan)

			plan, err = im.Compile("func thrice(x int) int { return twice(x) + x }", n+1)
			if err != nil || plan.Generation == nil {
				t.Fatalf("a later declaration cell: %v, generation %v", err, plan != nil && plan.Generation != nil)
			}
			if names := compiledNames(plan.next); !slices.Equal(names, tc.later) {
				t.Errorf("after a later cell compiled %v, want %v", names, tc.later)
			}
			goBuildGeneration(t, plan.Generation)
			im.Commit(plan)
			checkInterpreted(t, im, plan)

			plan, err = im.Compile(tc.fixed, n+2)
			if err != nil {
				t.Fatal(err)
			}
			if names := compiledNames(plan.next); !slices.Contains(names, tc.rejected) {
				t.Errorf("declared again, compilable: compiled %v, want %s among them", names, tc.rejected)
			}
			goBuildGeneration(t, plan.Generation)
			im.Commit(plan)
			checkInterpreted(t, im, plan)
		})
	}
}

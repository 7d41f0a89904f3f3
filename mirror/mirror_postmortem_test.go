package mirror

import (
	"context"
	"runtime"
	"strings"
	"testing"

	yaegi "github.com/traefik/yaegi/interp"
)

// TestPostMortemLeavesNoStepper: re-running failing elements under the
// debugger leaves no goroutine behind (a stepper blocked in yaegi's Step
// used to stay, and hold its caller for stepperGrace).
func TestPostMortemLeavesNoStepper(t *testing.T) {
	if raceEnabled {
		t.Skip("yaegi's debugger races on its own step state; TestPoolFailureFramesAndLocals covers post-mortems in a mirror process")
	}
	for _, body := range []string{`panic("boom")`, `return 10 / x`, `var m map[int]int; m[x] = 1`} {
		for range 5 {
			i := yaegi.New(yaegi.Options{})
			if _, err := i.Eval("func f(x int) int {\n\tif x == 0 {\n\t\t" + body + "\n\t}\n\treturn x\n}"); err != nil {
				t.Fatal(err)
			}
			prog, err := i.Compile("f(0)")
			if err != nil {
				t.Fatal(err)
			}
			ev, err := recordLast(context.Background(), i, prog)
			if err != nil || ev == nil {
				t.Fatalf("%s: event %v, error %v, want the last event", body, ev, err)
			}
			buf := make([]byte, 1<<20)
			if stacks := string(buf[:runtime.Stack(buf, true)]); strings.Contains(stacks, "mirror.recordLast.func") {
				t.Fatalf("%s: a post-mortem goroutine is left:\n%s", body, stacks)
			}
		}
	}
}

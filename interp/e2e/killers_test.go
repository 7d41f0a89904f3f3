package e2e

import (
	"strings"
	"testing"
	"time"

	"github.com/dmirror/dmirror/kernel"
	"github.com/dmirror/dmirror/kernel/kerneltest"
)

// TestKillers: infinite recursion, a panic in a goroutine, os.Exit and
// runaway memory fail their cell with a clear error that says what was
// restored; the kernel stays up and the image is as it was before.
func TestKillers(t *testing.T) {
	k := start(t, "DMIRROR_IMAGE_MEMORY=268435456")
	ok(t, k, "import (\n\t\"os\"\n\t\"time\"\n)\nkept := []int{7}\nfunc id(x int) int { return x }")
	for _, tc := range []struct{ name, code, ename, says string }{
		{"os.Exit", "os.Exit(3)", "Exit", "os.Exit(3)"},
		{"recursion", "func down(n int) int { return down(n+1) + 1 }\ndown(0)", "", "stack"},
		{"goroutine panic", "go func() { panic(\"in a goroutine\") }()\ntime.Sleep(time.Hour)", "GoroutinePanic", "in a goroutine"},
		{"goroutine panic after the cell", "go func() {\n\ttime.Sleep(50 * time.Millisecond)\n\tpanic(\"late\")\n}()", "", ""},
		{"slow memory", "var hog [][]byte\nfor {\n\thog = append(hog, make([]byte, 1<<20))\n}", "OutOfMemory", "limit"},
		{"one huge allocation", "big := make([]byte, 1<<40)\n_ = big", "", ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			code := "kept[0] = 99\nfunc id(x int) int { return -x }\n" + tc.code
			r := exec(t, k, code)
			f := kerneltest.Fields(r.Reply)
			t.Logf("%s:\n%s%s", tc.name, errorText(r), r.Stream("stderr"))
			switch {
			case tc.ename == "" && tc.says == "":
				// The cell may end before its goroutine fails or the
				// allocation is refused: what matters is the image after.
			case f["status"] != "error":
				t.Errorf("status %v, want error", f["status"])
			case tc.ename != "" && f["ename"] != tc.ename:
				t.Errorf("ename %v, want %s", f["ename"], tc.ename)
			}
			text := errorText(r) + r.Stream("stderr")
			if tc.says != "" && !strings.Contains(text, tc.says) {
				t.Errorf("the error does not say %q", tc.says)
			}
			if f["status"] == "error" && !strings.Contains(text, "restored") {
				t.Errorf("the error does not say what was restored")
			}
			if tc.name == "goroutine panic after the cell" {
				// The report reaches the cell that started the goroutine.
				id := r.Request.Header.MsgID
				if _, err := k.WaitFor(ctxT(t), kerneltest.IOPub, func(m *kernel.Message) bool {
					text, _ := kerneltest.Fields(m)["text"].(string)
					return m.ParentID() == id && strings.Contains(text, "panic in a goroutine") && strings.Contains(text, "late")
				}); err != nil {
					t.Error(err)
				}
			}
			if f["status"] == "ok" {
				// The cell succeeded: its changes stand. Undo them for
				// the next killer.
				ok(t, k, "kept[0] = 7\nfunc id(x int) int { return x }")
			}
			expect(t, k, "kept[0] + id(1)", "8")
		})
	}
	if k.Exited() {
		t.Fatal("the kernel process exited")
	}
}

// TestInterruptBlockingCalls: a loop, a sleep, a channel receive and
// wg.Wait are ended by interrupt_request; the image keeps its values and
// the next cell works. How fast is measured by kernel/bench.
func TestInterruptBlockingCalls(t *testing.T) {
	k := start(t)
	ok(t, k, "import (\n\t\"sync\"\n\t\"time\"\n)\nn := 0\nvar wg sync.WaitGroup")
	for _, code := range []string{
		"for {\n\tn++\n}",
		"n++\ntime.Sleep(time.Hour)",
		"n++\n<-make(chan int)",
		"n++\nwg.Add(1)\nwg.Wait()",
		"n++\nvar mu sync.Mutex\nmu.Lock()\nmu.Lock()",
		"n++\nselect {}",
	} {
		ctx := ctxT(t)
		cell, err := k.NewRequest("execute_request", kerneltest.ExecuteContent(code))
		if err != nil {
			t.Fatal(err)
		}
		if err := k.SendMessage(kerneltest.Shell, cell); err != nil {
			t.Fatal(err)
		}
		if _, err := k.WaitFor(ctx, kerneltest.IOPub, func(m *kernel.Message) bool {
			return m.Header.MsgType == "execute_input" && m.ParentID() == cell.Header.MsgID
		}); err != nil {
			t.Fatal(err)
		}
		t0 := time.Now()
		if _, err := k.Interrupt(ctx); err != nil {
			t.Fatal(err)
		}
		r, err := k.Await(ctx, kerneltest.Shell, cell)
		if err != nil {
			t.Fatal(err)
		}
		t.Logf("%q ended %v after the interrupt: %s", code, time.Since(t0), strings.TrimSpace(errorText(r)))
		if f := kerneltest.Fields(r.Reply); f["ename"] != "Interrupted" {
			t.Errorf("%q: reply %v, want Interrupted", code, f)
		}
		expect(t, k, "n >= 0", "true")
	}
	expect(t, k, "n", "0")
}

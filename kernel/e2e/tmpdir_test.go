package e2e

import (
	"os"
	"strings"
	"syscall"
	"testing"

	"github.com/dmirror/dmirror/kernel/kerneltest"
)

// tmpdirCell type-checks net from source (a cgo package), imports a
// module, so the session makes a private module in TMPDIR, and starts
// mirrors.
const tmpdirCell = "import (\n\t\"fmt\"\n\t\"net\"\n\n\t\"github.com/google/uuid\"\n)\n\n" +
	"fmt.Println(net.ParseIP(\"10.0.0.1\"), len(uuid.NewString()), ParallelCollect([]int{1, 2}, func(x int) int { return x * 10 }))"

// TestNothingLeftInTMPDIR: a session leaves nothing in TMPDIR after its
// shutdown (type-checking net left 7 srcimporter*_cgo_*.o files), and what
// a kernel killed with SIGKILL leaves (its private module) is removed by the
// next kernel when it starts.
func TestNothingLeftInTMPDIR(t *testing.T) {
	tmp := t.TempDir()
	ctx := ctxT(t)
	session := func() *kerneltest.Kernel {
		k := kerneltest.StartShared(t, "TMPDIR="+tmp)
		if got := run(t, k, tmpdirCell).Stream("stdout"); got != "10.0.0.1 36 [10 20]\n" {
			t.Fatalf("stdout %q, want \"10.0.0.1 36 [10 20]\\n\"", got)
		}
		return k
	}

	k := session()
	if _, err := k.Shutdown(ctx, kerneltest.Control, false); err != nil {
		t.Fatal(err)
	}
	if err := k.Wait(ctx); err != nil {
		t.Fatalf("kernel exit: %v", err)
	}
	if left := entries(t, tmp); len(left) > 0 {
		t.Errorf("after shutdown, TMPDIR holds %q, want nothing", left)
	}

	k = session()
	if err := k.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	k.Wait(ctx) // killed: its exit error says so
	stale := entries(t, tmp)
	if len(stale) != 1 || !strings.HasPrefix(stale[0], "dmirror-modules-") {
		t.Fatalf("after kill -9, TMPDIR holds %q, want the dead kernel's private module", stale)
	}

	k = kerneltest.StartShared(t, "TMPDIR="+tmp)
	run(t, k, "1") // the session has started
	if left := entries(t, tmp); len(left) > 0 {
		t.Errorf("a new kernel left the dead kernel's %q in TMPDIR", left)
	}
}

func entries(t *testing.T, dir string) []string {
	t.Helper()
	es, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, e := range es {
		names = append(names, e.Name())
	}
	return names
}

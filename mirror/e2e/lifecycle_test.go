package e2e

import (
	"context"
	"errors"
	"fmt"
	"os"
	"strings"
	"syscall"
	"testing"
	"time"
)

// cells reads the sections of a txtar file of cells ("-- name --" lines
// start them).
func cells(t *testing.T, path string) map[string]string {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]string{}
	name := ""
	for _, line := range strings.SplitAfter(string(data), "\n") {
		if strings.HasPrefix(line, "-- ") && strings.HasSuffix(strings.TrimSpace(line), " --") {
			name = strings.TrimSuffix(strings.TrimPrefix(strings.TrimSpace(line), "-- "), " --")
			continue
		}
		if name != "" {
			out[name] += line
		}
	}
	return out
}

// sameAsSequential checks what the "parallel and sequential" cell printed:
// the Parallel call's result, then the sequential loop's.
func sameAsSequential(t *testing.T, stdout string) {
	t.Helper()
	lines := strings.Split(strings.TrimSuffix(stdout, "\n"), "\n")
	if len(lines) != 2 || lines[0] != lines[1] || lines[0] == "[]" {
		t.Fatalf("the cell printed %q, want the same result twice, parallel then sequential", stdout)
	}
}

// TestIdleMirrorKilledThenCallWorks: a mirror killed between calls (a
// zombie or already reaped when the next call comes) is replaced before
// that call: the call succeeds and shows nothing about it.
func TestIdleMirrorKilledThenCallWorks(t *testing.T) {
	c := cells(t, "testdata/lifecycle.txtar")
	s := newSession(t)
	s.run(t, c["decls"])
	for round := 0; round < 2; round++ {
		var pid int
		for _, line := range strings.Split(s.run(t, c["pids"]), "\n") {
			if n, _ := fmt.Sscanf(line, "[mirror 1] pid %d", &pid); n == 1 {
				break
			}
		}
		if pid == 0 {
			t.Fatal("mirror 1 printed no pid")
		}
		if err := syscall.Kill(pid, syscall.SIGKILL); err != nil {
			t.Fatal(err)
		}
		if gone, err := waitExit(pid, 10*time.Second); err != nil || !gone {
			t.Fatalf("mirror %d did not end: %v", pid, err)
		}
		res, out := s.exec(t.Context(), c["parallel and sequential"])
		if res.Error != nil {
			t.Fatalf("round %d: the call after killing idle mirror %d failed: %v", round, pid, res.Error)
		}
		sameAsSequential(t, out.Text("stdout"))
		if text := out.Text("stderr"); text != "" || len(out.Displays()) > 0 {
			t.Errorf("round %d: the cell showed %q and %d displays, want nothing about the dead mirror", round, text, len(out.Displays()))
		}
	}
}

// TestFailingMirrorStopsSpinningOthers: when a mirror fails, the call
// ends at once with its report, although the other mirror's blocks spin
// forever (without the stop the cell would never end); the next call
// works.
func TestFailingMirrorStopsSpinningOthers(t *testing.T) {
	c := cells(t, "testdata/lifecycle.txtar")
	s := newSession(t)
	s.run(t, c["decls"])
	ctx, cancel := context.WithTimeout(t.Context(), time.Minute)
	defer cancel()
	began := time.Now()
	res, out := s.exec(ctx, c["failing among spinning"])
	t.Logf("the failing call took %v", time.Since(began))
	if errors.Is(ctx.Err(), context.DeadlineExceeded) {
		t.Fatal("the call waited for the spinning mirror after the other failed")
	}
	if res.Error == nil || res.Error.Name != "MirrorError" ||
		!strings.HasPrefix(res.Error.Value, "1 of 2 mirrors failed in ParallelCollect: mirror 1 at element 0: panic: boom") {
		t.Fatalf("error %v, want mirror 1's panic only", res.Error)
	}
	ds := reports(out)
	if len(ds) != 1 {
		t.Fatalf("%d reports, want mirror 1's", len(ds))
	}
	report, _ := ds[0].Data["text/plain"].(string)
	if want := "── mirror 1 failed (panic) ──\nelement 0: 0\npanic: boom\n  at func literal (cell[2] line 3)\n      x int = 0\n"; report != want {
		t.Fatalf("report\n%s\nwant mirror 1's post-mortem", report)
	}
	sameAsSequential(t, s.run(t, c["parallel and sequential"]))
}

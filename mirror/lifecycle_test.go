package mirror

import (
	"context"
	"errors"
	"reflect"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"
)

// waitEnded waits until process pid, a child of this process, has ended:
// a zombie, or already reaped. A pidfd (pidfd_open is system call 434 on
// every Linux architecture) turns readable when the process ends.
func waitEnded(t *testing.T, pid int) {
	t.Helper()
	fd, _, errno := syscall.Syscall(434, uintptr(pid), 0, 0)
	if errno == syscall.ESRCH {
		return // reaped
	}
	if errno != 0 {
		t.Fatalf("pidfd_open %d: %v", pid, errno)
	}
	defer syscall.Close(int(fd))
	var set syscall.FdSet
	set.Bits[fd/64] |= 1 << (fd % 64)
	tv := syscall.NsecToTimeval((10 * time.Second).Nanoseconds())
	if n, err := syscall.Select(int(fd)+1, &set, nil, nil, &tv); err != nil || n != 1 {
		t.Fatalf("process %d did not end: %v", pid, err)
	}
}

// TestPoolIdleMirrorThatDiedIsReplaced: a mirror killed while idle (then a
// zombie, or already reaped by the pool) is replaced before a call uses
// it: the call succeeds on the surviving mirror and a fresh one.
func TestPoolIdleMirrorThatDiedIsReplaced(t *testing.T) {
	p := testPool(t)
	decls := Decls{Generation: 1, Chunks: []string{pidDecl}}
	var killed []int
	for round := 0; round < 4; round++ {
		out := run(t, p, decls, withInts(t, &Job{Op: OpCollect, Blocks: []JobBlock{intBlock("tenfold")}, Mirrors: 2}, 1, 2, 3), nil)
		if len(out.Failures) > 0 {
			t.Fatalf("round %d: the call after killing mirrors %v failed: %+v", round, killed, out.Failures)
		}
		if got := decodeInts(t, out); !reflect.DeepEqual(got, []int{10, 20, 30}) {
			t.Fatalf("round %d: got %v, want [10 20 30]", round, got)
		}
		live := p.livePids()
		for _, pid := range killed {
			if slices.Contains(live, pid) {
				t.Fatalf("round %d: the killed mirror %d is still in the pool", round, pid)
			}
		}
		if len(live) != 2 {
			t.Fatalf("round %d: %d mirrors live, want 2", round, len(live))
		}
		victim := live[round%2]
		if err := syscall.Kill(victim, syscall.SIGKILL); err != nil {
			t.Fatal(err)
		}
		waitEnded(t, victim)
		killed = append(killed, victim)
	}
}

// TestPoolFailureStopsTheOthers: when one mirror fails, the others, whose
// blocks would run forever, are stopped at once (a spinning one stops, one
// blocked in compiled code is killed after cancelGrace); the failure is
// reported (the panic with its frames, or the crash) and the next call
// works.
func TestPoolFailureStopsTheOthers(t *testing.T) {
	p := testPool(t)
	decls := Decls{Generation: 1, Chunks: []string{sleeperDecl}}
	const spinning, blocked = "return spin(x)", "time.Sleep(time.Hour)\n\treturn x"
	for _, tc := range []struct {
		name, fail, others string
		kind               string
	}{
		{"panic", "panic(\"boom\")", spinning, KindPanic},
		{"crash", "go func() { panic(\"lost goroutine\") }()\n\t\ttime.Sleep(time.Hour)", spinning, KindCrash},
		{"panic, others blocked in compiled code", "panic(\"boom\")", blocked, KindPanic},
	} {
		t.Run(tc.name, func(t *testing.T) {
			block := intBlock("func(x int) int {\n\tif x == 0 {\n\t\t" + tc.fail + "\n\t}\n\t" + tc.others + "\n}")
			// The others never return: without the stop, the call would not end.
			ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
			defer cancel()
			out, err := p.Run(ctx, decls, withInts(t, &Job{Op: OpCollect, Blocks: []JobBlock{block}, Mirrors: 2}, 0, 1, 2, 3), nil)
			if errors.Is(err, context.DeadlineExceeded) {
				t.Fatal("the call waited for the spinning mirror after the other failed")
			}
			if err != nil {
				t.Fatal(err)
			}
			if len(out.Failures) != 1 || out.Failures[0].Mirror != 1 || out.Failures[0].Kind != tc.kind {
				t.Fatalf("failures %+v, want mirror 1's %s only", out.Failures, tc.kind)
			}
			if f := out.Failures[0]; tc.kind == KindPanic && (f.Index != 0 || len(f.Frames) == 0 || !strings.Contains(f.Message, "boom")) {
				t.Fatalf("failure %+v, want element 0's panic with its frames", f)
			}
			out = run(t, p, decls, withInts(t, &Job{Op: OpCollect, Blocks: []JobBlock{intBlock("func(x int) int { return -x }")}, Mirrors: 2}, 1, 2), nil)
			if got := decodeInts(t, out); !reflect.DeepEqual(got, []int{-1, -2}) {
				t.Fatalf("next call got %v %+v, want [-1 -2]", got, out.Failures)
			}
		})
	}
}

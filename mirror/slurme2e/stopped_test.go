package slurme2e

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/dmirror/dmirror/kernel/kerneltest"
	"github.com/dmirror/dmirror/mirror/slurmtest"
)

// TestSlurmStoppedMirror: a mirror whose process is stopped (SIGSTOP) is
// not a dead node. The call it holds up fails when it times out, with an
// error naming that mirror and its node, or is interrupted; a stopped idle
// mirror that the pool closes (moving to an image binary) does not exit.
// Either way its step is cancelled, and the next calls place a new mirror
// on the same node (the allocation holds one task per node, so there is
// no other), with results equal to the sequential loop of the same Go
// program.
func TestSlurmStoppedMirror(t *testing.T) {
	c := slurmtest.Start(t, slurmtest.Options{Nodes: 2, Netns: true})
	proxy := t.TempDir()
	writeModule(t, proxy, "example.com/square", "v1.0.0", map[string]string{
		"go.mod":    "module example.com/square\n\ngo 1.21\n",
		"square.go": "package square\n\n// Of returns x*x + 1, compiled.\nfunc Of(x int) int { return x*x + 1 }\n",
	})
	k := startKernel(t, c, "DMIRROR_SLURM_ARGS=--ntasks-per-node=1", "GOPROXY=file://"+filepath.ToSlash(proxy), "GONOSUMDB=example.com")
	p := program{decls: "import \"fmt\"\n", main: "var out []int\nfor x := 1; x <= 8; x++ {\n\tout = append(out, x*x+1)\n}\nfmt.Println(out)\n"}
	want := goRun(t, p)
	next := "fmt.Println(ParallelCollect([]int{1, 2, 3, 4, 5, 6, 7, 8}, func(x int) int { return x*x + 1 }))"
	// after checks the calls that follow a stop: their results, and that
	// the mirrors are on both nodes again, one of them in a new step.
	after := func(t *testing.T, before []string) {
		t.Helper()
		if got := k.run(t, next); got != want {
			t.Errorf("the next call printed %q, the sequential loop %q", got, want)
		}
		now := k.mirrors(t)
		if nodes := nodesOf(now); !slices.Equal(nodes, []string{"n1", "n2"}) {
			t.Errorf("mirrors %s after the stop, want one on n1 and one on n2 as before", sprintNodes(now))
		}
		if steps := stepsOf(now); len(slices.DeleteFunc(steps, func(s string) bool { return slices.Contains(before, s) })) != 1 {
			t.Errorf("steps %v after the stop, want one new beside the one of %v that was not stopped", stepsOf(now), before)
		}
		if got := k.run(t, next); got != want {
			t.Errorf("the call after the next printed %q, the sequential loop %q", got, want)
		}
	}

	// syscall.Tgkill, Gettid and SIGSTOP are compiled for the session
	// before the warm mirrors are recorded (see testInterrupt).
	k.run(t, "import (\n\t\"fmt\"\n\t\"os\"\n\t\"runtime\"\n\t\"syscall\"\n\t\"time\"\n)\nSetDefaultCores(2)\n_, _, _ = syscall.Tgkill, syscall.Gettid, syscall.SIGSTOP\n_ = ParallelCollect([]int{1, 2}, func(x int) int { return x })")
	t.Run("idle", func(t *testing.T) {
		// Stopped from outside while idle: the next call gives it work
		// it does not do, and times out.
		before := k.mirrors(t)
		stopProcess(t, strings.TrimPrefix(before[0].process, "step "))
		_, evalue := k.errorOf(t, "ParallelCollect([]int{1, 2}, func(x int) int { return x }, WithTimeout(2*time.Second))")
		t.Log(evalue)
		if want := "on node " + before[0].node + ": timeout"; !strings.Contains(evalue, want) {
			t.Errorf("error %q, want it to say %q", evalue, want)
		}
		after(t, stepsOf(before))
	})

	t.Run("idle, then replaced", func(t *testing.T) {
		// Stopped while idle; a cell that imports a module moves the pool
		// to an image binary, which closes the idle mirrors (Pool.SetExe):
		// the stopped one does not exit, and its step is cancelled.
		before := k.mirrors(t)
		stopProcess(t, strings.TrimPrefix(before[0].process, "step "))
		k.run(t, "import \"example.com/square\"")
		if got := k.run(t, "fmt.Println(ParallelCollect([]int{1, 2, 3}, func(x int) int { return square.Of(x) }))"); got != "[2 5 10]\n" {
			t.Errorf("the call after the move printed %q", got)
		}
		if nodes := nodesOf(k.mirrors(t)); !slices.Equal(nodes, []string{"n1", "n2"}) {
			t.Errorf("mirrors on %v after the move, want n1 and n2", nodes)
		}
		if got := k.run(t, next); got != want {
			t.Errorf("the next call printed %q, the sequential loop %q", got, want)
		}
	})

	// The mirror that takes element 0 says where it runs, then stops the
	// thread that runs the block (see testInterrupt): the process stops.
	const stop = `if x == 1 { fmt.Println("stopping on", os.Getenv("SLURMD_NODENAME")); runtime.LockOSThread(); syscall.Tgkill(syscall.Getpid(), syscall.Gettid(), syscall.SIGSTOP) }; return x`
	for _, how := range []string{"timeout", "interrupt"} {
		t.Run(how, func(t *testing.T) {
			before := stepsOf(k.mirrors(t))
			var r *kerneltest.Result
			if how == "timeout" {
				r = k.exec(t, "ParallelCollect([]int{1, 2}, func(x int) int { "+stop+" }, WithTimeout(2*time.Second))")
			} else {
				r = stopAndInterrupt(t, k, "ParallelCollect([]int{1, 2}, func(x int) int { "+stop+" })")
			}
			f := kerneltest.Fields(r.Reply)
			evalue, _ := f["evalue"].(string)
			t.Logf("%s: %v: %s", how, f["ename"], evalue)
			m := stoppedLine.FindStringSubmatch(r.Stream("stdout"))
			if m == nil {
				t.Fatalf("stdout %q, want a mirror saying it stops", r.Stream("stdout"))
			}
			// A timeout is the mirror's failure; an interrupt is the
			// user's, which the cell reports as such.
			if named := fmt.Sprintf("mirror %s on node %s", m[1], m[2]); how == "timeout" && (f["ename"] != "MirrorError" || !strings.Contains(evalue, named)) {
				t.Errorf("error %v: %s, want a MirrorError naming %q", f["ename"], evalue, named)
			}
			if how == "interrupt" && f["ename"] != "Interrupted" {
				t.Errorf("error %v: %s, want Interrupted", f["ename"], evalue)
			}
			after(t, before)
		})
	}
}

// stoppedLine is what the stopped mirror printed: its number and node.
var stoppedLine = regexp.MustCompile(`\[mirror (\d+)\] stopping on (\S+)`)

// stopAndInterrupt runs code, interrupts it once a mirror said it stops,
// and returns the cell's result.
func stopAndInterrupt(t *testing.T, k *kern, code string) *kerneltest.Result {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	cell := send(t, k, code)
	waitStdout(t, k, cell, "stopping on")
	if _, err := k.Interrupt(ctx); err != nil {
		t.Fatal(err)
	}
	r, err := k.Await(ctx, kerneltest.Shell, cell)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

// stopProcess stops the mirror process of a Slurm step with SIGSTOP. The
// nodes have pid namespaces of their own: the process is found by its
// environment in /proc, which the test sees whole.
func stopProcess(t *testing.T, step string) {
	t.Helper()
	job, id, _ := strings.Cut(step, ".")
	want := []string{"DMIRROR_CHILD=__mirror", "SLURM_JOB_ID=" + job, "SLURM_STEP_ID=" + id}
	dirs, err := os.ReadDir("/proc")
	if err != nil {
		t.Fatal(err)
	}
	for _, d := range dirs {
		pid, err := strconv.Atoi(d.Name())
		if err != nil {
			continue
		}
		env, err := os.ReadFile(filepath.Join("/proc", d.Name(), "environ"))
		if err != nil {
			continue // it ended, or is not ours to read
		}
		vars := strings.Split(string(env), "\x00")
		if slices.ContainsFunc(want, func(w string) bool { return !slices.Contains(vars, w) }) {
			continue
		}
		if err := syscall.Kill(pid, syscall.SIGSTOP); err != nil {
			t.Fatal(err)
		}
		t.Logf("stopped pid %d, the mirror of step %s", pid, step)
		return
	}
	t.Fatalf("no mirror process of step %s in /proc", step)
}

// nodesOf lists the nodes of ms, sorted.
func nodesOf(ms []mirrorLine) []string {
	var nodes []string
	for _, m := range ms {
		nodes = append(nodes, m.node)
	}
	slices.Sort(nodes)
	return nodes
}

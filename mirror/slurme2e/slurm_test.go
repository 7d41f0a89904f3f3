package slurme2e

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/dmirror/dmirror/kernel"
	"github.com/dmirror/dmirror/kernel/kerneltest"
	"github.com/dmirror/dmirror/mirror/slurmtest"
)

// TestSlurmMirrors runs the mirror suite with the Slurm launcher on one
// node and on two nodes in network namespaces, each test in a kernel of
// its own (the real binary), which the test ends with SIGKILL, as a front
// end kills a kernel that does not shut down: the cluster's Close fails the
// test if anything of it is left running.
func TestSlurmMirrors(t *testing.T) {
	for _, topo := range topologies {
		t.Run(topo.name, func(t *testing.T) {
			c := slurmtest.Start(t, topo.opts)
			env := "DMIRROR_SLURM_ARGS=" + topo.args
			t.Run("results", func(t *testing.T) { testResults(t, startKernel(t, c, env), topo.nodes) })
			t.Run("progress names nodes", func(t *testing.T) { testProgress(t, startKernel(t, c, env), topo.nodes) })
			t.Run("interrupt", func(t *testing.T) { testInterrupt(t, startKernel(t, c, env)) })
			t.Run("cancelled step", func(t *testing.T) { testCancelledStep(t, startKernel(t, c, env)) })
			t.Run("shutdown", func(t *testing.T) { testShutdown(t, startKernel(t, c, env), false) })
			t.Run("restart", func(t *testing.T) { testShutdown(t, startKernel(t, c, env), true) })
			t.Run("kill -9", func(t *testing.T) { testKilled(t, startKernel(t, c, env)) })
		})
	}
}

// testResults: every Parallel built-in gives what the sequential loops of
// the same program built by go run print, and Mirrors() names the nodes.
func testResults(t *testing.T, k *kern, nodes []string) {
	p := readProgram(t, "results.txtar")
	want := goRun(t, p)
	k.run(t, p.decls)
	k.run(t, "SetDefaultCores(2)")
	if got := k.run(t, p.cell); got != want {
		t.Errorf("the cell printed\n%s\ngo run printed\n%s", got, want)
	}
	ms := k.mirrors(t)
	var seen []string
	for _, m := range ms {
		if m.launcher != "slurm" || m.state != "idle" || !strings.HasPrefix(m.process, "step ") {
			t.Errorf("Mirrors(): %+v, want an idle Slurm step", m)
		}
		if !slices.Contains(seen, m.node) {
			seen = append(seen, m.node)
		}
	}
	slices.Sort(seen)
	if len(ms) != 2 || !slices.Equal(seen, nodes) {
		t.Errorf("Mirrors() = %s, want 2 mirrors on %v", sprintNodes(ms), nodes)
	}
}

// testProgress: a call that runs longer than a second shows a progress
// bar naming the nodes, replaced by a summary that names them too.
func testProgress(t *testing.T, k *kern, nodes []string) {
	k.run(t, "import \"time\"")
	r := k.exec(t, "_ = ParallelCollect([]int{1, 2, 3, 4, 5, 6}, func(x int) int { time.Sleep(400 * time.Millisecond); return x }, WithMirrors(2))")
	if r.Status() != "ok" {
		t.Fatalf("cell failed: %v", kerneltest.Fields(r.Reply)["evalue"])
	}
	var texts []string
	for _, m := range r.Outputs() {
		if d, ok := kerneltest.Fields(m)["data"].(map[string]any); ok {
			s, _ := d["text/plain"].(string)
			texts = append(texts, s)
		}
	}
	if len(texts) < 2 {
		t.Fatalf("outputs %q, want a progress bar and its summary", texts)
	}
	where := strings.Join(nodes, ", ")
	if len(nodes) == 1 {
		where = nodes[0] + " ×2"
	}
	if !strings.Contains(texts[0], "ParallelCollect on "+where) {
		t.Errorf("progress bar %q, want it to say %q", texts[0], "on "+where)
	}
	if last := texts[len(texts)-1]; !strings.Contains(last, "6 elements on 2 mirrors") || !strings.HasSuffix(last, "("+where+")") {
		t.Errorf("summary %q, want the elements, mirrors and (%s)", last, where)
	}
}

// testInterrupt: interrupting a call whose blocks sleep in compiled code
// ends the cell within a second and leaves the mirrors warm (a cancelled
// chunk's goroutine may go on, as in local mirrors); a mirror that does
// not answer at all (stopped) is cancelled: its step leaves the queue
// within seconds, and the next call places a new one.
func testInterrupt(t *testing.T, k *kern) {
	// syscall.Tgkill, Gettid and SIGSTOP are compiled for the session
	// (the interpreter lacks them): the setup uses them, so that the image
	// binary is built and the pool moved to it before the warm steps are
	// recorded, not by the cell that stops its mirrors.
	k.run(t, "import (\n\t\"fmt\"\n\t\"runtime\"\n\t\"syscall\"\n\t\"time\"\n)\nSetDefaultCores(2)\n_, _, _ = syscall.Tgkill, syscall.Gettid, syscall.SIGSTOP\n_ = ParallelCollect([]int{1, 2}, func(x int) int { return x })")
	// The calls run on the warm mirrors (Mirrors() cannot run while a
	// cell does: cells run one at a time).
	warm := stepsOf(k.mirrors(t))
	interrupt(t, k, "ParallelCollect([]int{1, 2}, func(x int) int { fmt.Println(\"sleeping\"); time.Sleep(time.Hour); return x })", "sleeping")
	if got := k.run(t, "fmt.Println(ParallelCollect([]int{1, 2}, func(x int) int { return -x }))"); got != "[-1 -2]\n" {
		t.Fatalf("next call printed %q", got)
	}
	if now := stepsOf(k.mirrors(t)); !slices.Equal(now, warm) {
		t.Errorf("steps %v after the interrupt, want the warm %v", now, warm)
	}

	// Each mirror stops the thread that runs the block (SIGSTOP sent to
	// that thread, which stops before the block can return): kill(2) to
	// the process would wake another of its threads to start the stop,
	// and the block's thread could send its result first, leaving a
	// stopped mirror in the pool as idle, its step in squeue.
	took := interrupt(t, k, "ParallelCollect([]int{1, 2}, func(x int) int { fmt.Println(\"stopping\"); runtime.LockOSThread(); syscall.Tgkill(syscall.Getpid(), syscall.Gettid(), syscall.SIGSTOP); return x })", "stopping")
	gone := waitStepsGone(t, k.c, warm, 5*time.Second)
	t.Logf("the stopped mirrors' steps left the queue %v after the interrupt", took+gone)
	if got := k.run(t, "fmt.Println(ParallelCollect([]int{1, 2}, func(x int) int { return x * 5 }))"); got != "[5 10]\n" {
		t.Fatalf("next call printed %q", got)
	}
	now := stepsOf(k.mirrors(t))
	if len(now) != 2 || slices.Contains(now, warm[0]) || slices.Contains(now, warm[1]) {
		t.Errorf("steps %v after the interrupt, want 2 new ones (not %v)", now, warm)
	}
}

// interrupt runs code, waits until both mirrors printed what, interrupts
// the cell and checks that it ended within a second; it returns how long
// that took.
func interrupt(t *testing.T, k *kern, code, what string) time.Duration {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	cell := send(t, k, code)
	waitStdout(t, k, cell, "[mirror 1] "+what, "[mirror 2] "+what)
	t0 := time.Now()
	if _, err := k.Interrupt(ctx); err != nil {
		t.Fatal(err)
	}
	r, err := k.Await(ctx, kerneltest.Shell, cell)
	if err != nil {
		t.Fatal(err)
	}
	took := time.Since(t0)
	t.Logf("the cell ended %v after the interrupt: %v", took, kerneltest.Fields(r.Reply)["evalue"])
	if r.Status() != "error" {
		t.Fatalf("the interrupted cell succeeded")
	}
	if took > time.Second {
		t.Errorf("the cell ended %v after the interrupt, want within 1s", took)
	}
	return took
}

// testCancelledStep: a step cancelled while its mirror is idle is listed
// as ended and replaced by the next call; one cancelled during a call
// fails the call with an error naming its node and step.
func testCancelledStep(t *testing.T, k *kern) {
	k.run(t, "import (\n\t\"fmt\"\n\t\"time\"\n)\nSetDefaultCores(2)\n_ = ParallelCollect([]int{1, 2}, func(x int) int { return x })")
	ms := k.mirrors(t)
	first := strings.TrimPrefix(ms[0].process, "step ")
	scancel(t, k.c, first)
	waitStepsGone(t, k.c, []string{first}, 10*time.Second)
	waitMirrorState(t, k, first, "ended", 10*time.Second)
	if got := k.run(t, "fmt.Println(ParallelCollect([]int{3, 4}, func(x int) int { return x * x }))"); got != "[9 16]\n" {
		t.Fatalf("the call after the cancel printed %q", got)
	}
	ms = k.mirrors(t)
	if now := stepsOf(ms); len(now) != 2 || slices.Contains(now, first) {
		t.Fatalf("mirrors' steps %v: want 2, without the cancelled %s", now, first)
	}

	// The next call runs on these warm mirrors; the one listed first is
	// mirror 1 or 2 of the call.
	victim := ms[0]
	cell := send(t, k, "ParallelCollect([]int{1, 2}, func(x int) int { fmt.Println(\"working\"); time.Sleep(time.Hour); return x })")
	waitStdout(t, k, cell, "[mirror 1] working", "[mirror 2] working")
	scancel(t, k.c, strings.TrimPrefix(victim.process, "step "))
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	r, err := k.Await(ctx, kerneltest.Shell, cell)
	if err != nil {
		t.Fatal(err)
	}
	f := kerneltest.Fields(r.Reply)
	evalue, _ := f["evalue"].(string)
	want := fmt.Sprintf("on node %s (Slurm step %s)", victim.node, strings.TrimPrefix(victim.process, "step "))
	if f["ename"] != "MirrorError" || !strings.Contains(evalue, want) {
		t.Fatalf("error %v: %s, want a MirrorError naming %q", f["ename"], evalue, want)
	}
	if got := k.run(t, "fmt.Println(ParallelCollect([]int{5, 6}, func(x int) int { return x + 1 }))"); got != "[6 7]\n" {
		t.Fatalf("the call after the failure printed %q", got)
	}
}

// testShutdown: shutdown_request, for good or to restart (the front end
// then starts a new kernel), releases the allocation: squeue is empty
// within seconds.
func testShutdown(t *testing.T, k *kern, restart bool) {
	k.run(t, "_ = ParallelCollect([]int{1, 2}, func(x int) int { return x }, WithMirrors(2))")
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	if _, err := k.Shutdown(ctx, kerneltest.Control, restart); err != nil {
		t.Fatal(err)
	}
	if err := k.Wait(ctx); err != nil {
		t.Fatalf("kernel exit: %v", err)
	}
	t.Logf("squeue empty %v after the kernel exited", waitNoJobs(t, k.c, 5*time.Second))
}

// testKilled: SIGKILL of the kernel leaves no job: the salloc holding the
// allocation and the steps' sruns die with it (Pdeathsig) and Slurm
// releases everything.
func testKilled(t *testing.T, k *kern) {
	k.run(t, "_ = ParallelCollect([]int{1, 2}, func(x int) int { return x }, WithMirrors(2))")
	if len(steps(t, k.c)) == 0 {
		t.Fatal("squeue shows no step while the mirrors are warm")
	}
	k.Close() // SIGKILL
	t.Logf("squeue empty %v after SIGKILL of the kernel", waitNoJobs(t, k.c, 5*time.Second))
}

// send starts a cell without waiting for it.
func send(t *testing.T, k *kern, code string) *kernel.Message {
	t.Helper()
	m, err := k.NewRequest("execute_request", kerneltest.ExecuteContent(code))
	if err != nil {
		t.Fatal(err)
	}
	if err := k.SendMessage(kerneltest.Shell, m); err != nil {
		t.Fatal(err)
	}
	return m
}

// waitStdout waits until cell's stdout holds every line of want.
func waitStdout(t *testing.T, k *kern, cell *kernel.Message, want ...string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	text := ""
	_, err := k.WaitFor(ctx, kerneltest.IOPub, func(m *kernel.Message) bool {
		if m.ParentID() != cell.Header.MsgID || m.Header.MsgType != "stream" {
			return false
		}
		s, _ := kerneltest.Fields(m)["text"].(string)
		text += s
		for _, w := range want {
			if !strings.Contains(text, w) {
				return false
			}
		}
		return true
	})
	if err != nil {
		t.Fatalf("stdout %q, want %q: %v", text, want, err)
	}
}

func stepsOf(ms []mirrorLine) []string {
	var out []string
	for _, m := range ms {
		out = append(out, strings.TrimPrefix(m.process, "step "))
	}
	return out
}

func scancel(t *testing.T, c *slurmtest.Cluster, step string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if _, err := c.Run(ctx, "scancel", step); err != nil {
		t.Fatal(err)
	}
}

// waitMirrorState polls Mirrors() until the mirror of step is in state.
func waitMirrorState(t *testing.T, k *kern, step, state string, d time.Duration) {
	t.Helper()
	deadline := time.Now().Add(d)
	tick := time.NewTicker(50 * time.Millisecond)
	defer tick.Stop()
	for {
		ms := k.mirrors(t)
		for _, m := range ms {
			if m.process == "step "+step && m.state == state {
				return
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("Mirrors() = %s after %v, want step %s %s", sprintNodes(ms), d, step, state)
		}
		<-tick.C
	}
}

// waitStepsGone waits until squeue shows none of steps, and returns how
// long that took.
func waitStepsGone(t *testing.T, c *slurmtest.Cluster, gone []string, d time.Duration) time.Duration {
	t.Helper()
	t0 := time.Now()
	deadline := time.NewTimer(d)
	defer deadline.Stop()
	tick := time.NewTicker(20 * time.Millisecond)
	defer tick.Stop()
	for {
		left := slices.DeleteFunc(steps(t, c), func(s string) bool { return !slices.Contains(gone, s) })
		if len(left) == 0 {
			return time.Since(t0)
		}
		select {
		case <-deadline.C:
			t.Fatalf("steps %v still in squeue after %v", left, d)
		case <-tick.C:
		}
	}
}

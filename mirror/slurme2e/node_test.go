package slurme2e

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/dmirror/dmirror/kernel/kerneltest"
	"github.com/dmirror/dmirror/mirror/slurmtest"
)

// TestSlurmNodeDies: a node that dies during a call (power lost: slurmd,
// the steps and the mirrors end at once) fails the call with an error
// naming the node; since Slurm ends a job that lost a node, the next call
// places its mirrors in a new allocation without it.
func TestSlurmNodeDies(t *testing.T) {
	c := slurmtest.Start(t, slurmtest.Options{Nodes: 2, Netns: true, Config: []string{"SlurmdTimeout=5"}})
	k := startKernel(t, c)
	k.run(t, "import (\n\t\"fmt\"\n\t\"time\"\n)\nSetDefaultCores(2)\n_ = ParallelCollect([]int{1, 2}, func(x int) int { return x })")
	ms := k.mirrors(t)
	dead, other := ms[0].node, "n1"
	if dead == "n1" {
		other = "n2"
	}
	t.Logf("mirrors: %s; killing %s", sprintNodes(ms), dead)
	cell := send(t, k, "ParallelCollect([]int{1, 2}, func(x int) int { fmt.Println(\"working\"); time.Sleep(time.Hour); return x })")
	waitStdout(t, k, cell, "[mirror 1] working", "[mirror 2] working")
	if err := c.KillNode(dead); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	t0 := time.Now()
	r, err := k.Await(ctx, kerneltest.Shell, cell)
	if err != nil {
		t.Fatal(err)
	}
	f := kerneltest.Fields(r.Reply)
	evalue, _ := f["evalue"].(string)
	t.Logf("the call failed %v after the node died: %v: %s", time.Since(t0), f["ename"], evalue)
	if f["ename"] != "MirrorError" || !strings.Contains(evalue, "on node "+dead) || !strings.Contains(evalue, "was lost") {
		t.Fatalf("error %v: %s, want a MirrorError saying the mirror on node %s was lost", f["ename"], evalue, dead)
	}
	t1 := time.Now()
	if got := k.run(t, "fmt.Println(ParallelCollect([]int{1, 2, 3}, func(x int) int { return x * 2 }))"); got != "[2 4 6]\n" {
		t.Fatalf("the next call printed %q", got)
	}
	t.Logf("the next call took %v", time.Since(t1))
	for _, m := range k.mirrors(t) {
		if m.node != other {
			t.Errorf("mirror %+v, want it on %s", m, other)
		}
	}
	// The old job stays in the queue until slurmctld has declared the node
	// down (SlurmdTimeout) and ended the job, which is Slurm's business:
	// the kernel released it already.
	waitStepsGone(t, k.c, stepsOf(ms), time.Minute)
}

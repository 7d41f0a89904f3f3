package slurme2e

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/dmirror/dmirror/kernel/kerneltest"
	"github.com/dmirror/dmirror/mirror/slurmtest"
)

// topologies are the clusters every placement test runs on. On two nodes
// the allocation holds one task per node, so that a call's two mirrors run
// on different machines.
var topologies = []struct {
	name  string
	opts  slurmtest.Options
	args  string // DMIRROR_SLURM_ARGS
	nodes []string
}{
	{"one node", slurmtest.Options{}, "", []string{"n1"}},
	{"two nodes in netns", slurmtest.Options{Nodes: 2, Netns: true}, "--ntasks-per-node=1", []string{"n1", "n2"}},
}

// kern is a dmirror kernel whose mirrors are Slurm steps of cluster c.
type kern struct {
	*kerneltest.Kernel
	c *slurmtest.Cluster
}

// startKernel starts the real binary as a kernel with the cluster's
// environment, DMIRROR_MIRRORS=slurm and env. When the test ends, the
// kernel is killed (SIGKILL, kerneltest's Close) and the queue must be
// empty within seconds: nothing of it stays allocated.
func startKernel(t testing.TB, c *slurmtest.Cluster, env ...string) *kern {
	t.Helper()
	// Cleanups run last first: this one after the kernel's.
	t.Cleanup(func() { waitNoJobs(t, c, 10*time.Second) })
	all := append(c.Env(), "DMIRROR_MIRRORS=slurm")
	k := kerneltest.StartShared(t, append(all, env...)...)
	return &kern{Kernel: k, c: c}
}

// exec runs a cell and returns its result.
func (k *kern) exec(t testing.TB, code string) *kerneltest.Result {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	r, err := k.Execute(ctx, code)
	if err != nil {
		// A kernel that does not answer shows where it is stuck: SIGQUIT
		// makes it print its goroutines, which the failed test logs.
		k.Signal(syscall.SIGQUIT)
		k.Wait(context.Background())
		t.Fatal(err)
	}
	return r
}

// run runs a cell that must succeed and returns what it printed.
func (k *kern) run(t testing.TB, code string) string {
	t.Helper()
	r := k.exec(t, code)
	if r.Status() != "ok" {
		t.Fatalf("cell failed: %v\ncell:\n%s", kerneltest.Fields(r.Reply)["evalue"], code)
	}
	return r.Stream("stdout")
}

// errorOf runs a cell that must fail and returns its ename and evalue.
func (k *kern) errorOf(t *testing.T, code string) (string, string) {
	t.Helper()
	r := k.exec(t, code)
	f := kerneltest.Fields(r.Reply)
	if r.Status() != "error" {
		t.Fatalf("cell succeeded, want an error\ncell:\n%s", code)
	}
	name, _ := f["ename"].(string)
	value, _ := f["evalue"].(string)
	return name, value
}

// mirror is one line of Mirrors() as the cells below print it.
type mirrorLine struct{ node, launcher, process, state string }

const printMirrors = `for _, m := range Mirrors() { fmt.Println(m.Node, m.Launcher, m.Process, m.State) }`

func (k *kern) mirrors(t *testing.T) []mirrorLine {
	t.Helper()
	var out []mirrorLine
	for _, l := range strings.Split(strings.TrimSpace(k.run(t, printMirrors)), "\n") {
		f := strings.Fields(l)
		if len(f) == 0 {
			continue
		}
		if len(f) != 5 {
			t.Fatalf("Mirrors() printed %q", l)
		}
		out = append(out, mirrorLine{f[0], f[1], f[2] + " " + f[3], f[4]})
	}
	return out
}

// steps lists the steps squeue shows (JOB.STEP).
func steps(t *testing.T, c *slurmtest.Cluster) []string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	out, err := c.Run(ctx, "squeue", "-h", "-s", "-o", "%i")
	if err != nil {
		t.Fatal(err)
	}
	return strings.Fields(out)
}

// waitNoJobs fails the test unless squeue is empty within d.
func waitNoJobs(t testing.TB, c *slurmtest.Cluster, d time.Duration) time.Duration {
	t.Helper()
	t0 := time.Now()
	ctx, cancel := context.WithTimeout(context.Background(), d)
	defer cancel()
	if err := c.WaitNoJobs(ctx); err != nil {
		t.Fatalf("after %v: %v", d, err)
	}
	return time.Since(t0)
}

// program is a txtar of testdata: a cell and the Go program it matches.
type program struct{ decls, cell, main string }

func readProgram(t *testing.T, name string) program {
	t.Helper()
	data, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	files := map[string]string{}
	cur := ""
	for _, line := range strings.SplitAfter(string(data), "\n") {
		if m := marker.FindStringSubmatch(strings.TrimRight(line, "\n")); m != nil {
			cur = m[1]
			continue
		}
		if cur != "" {
			files[cur] += line
		}
	}
	return program{decls: files["decls"], cell: files["cell"], main: files["main"]}
}

// marker opens a file of a txtar archive.
var marker = regexp.MustCompile(`^-- (\S+) --$`)

// goRun builds and runs p as a Go program and returns its stdout: the
// oracle.
func goRun(t *testing.T, p program) string {
	t.Helper()
	out, _ := goRunStreams(t, p.decls, p.main)
	return out
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

func sprintNodes(ms []mirrorLine) string {
	var b strings.Builder
	for _, m := range ms {
		fmt.Fprintf(&b, "%s/%s/%s/%s ", m.node, m.launcher, m.process, m.state)
	}
	return b.String()
}

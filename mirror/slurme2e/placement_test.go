package slurme2e

import (
	"context"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/dmirror/dmirror/kernel/kerneltest"
	"github.com/dmirror/dmirror/mirror/slurmtest"
)

// TestSlurmNoAllocation: a kernel that cannot get an allocation fails the
// Parallel call with Slurm's own message and a hint, after the timeout
// the user set, and the session goes on; nothing stays queued.
func TestSlurmNoAllocation(t *testing.T) {
	c := slurmtest.Start(t, slurmtest.Options{})
	const call = "ParallelCollect([]int{1, 2}, func(x int) int { return x }, WithMirrors(2))"
	t.Run("bad partition", func(t *testing.T) {
		k := startKernel(t, c, "DMIRROR_SLURM_ARGS=--partition=nosuch")
		name, value := k.errorOf(t, call)
		t.Logf("%s: %s", name, value)
		for _, want := range []string{"invalid partition", "DMIRROR_SLURM_ARGS"} {
			if !strings.Contains(value, want) {
				t.Errorf("error %q, want it to say %q", value, want)
			}
		}
		if got := k.run(t, "fmt.Println(1 + 1)"); got != "2\n" {
			t.Errorf("the next cell printed %q", got)
		}
	})
	t.Run("queue full", func(t *testing.T) {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		// Another user's job holds every CPU of the cluster.
		if _, err := c.Run(ctx, "salloc", "--no-shell", "--job-name=other", "--ntasks=2"); err != nil {
			t.Fatal(err)
		}
		k := startKernel(t, c, "DMIRROR_SLURM_TIMEOUT=1s")
		t0 := time.Now()
		name, value := k.errorOf(t, call)
		took := time.Since(t0)
		t.Logf("after %v: %s: %s", took, name, value)
		for _, want := range []string{"no Slurm allocation within 1s", "queued and waiting for resources", "DMIRROR_SLURM_TIMEOUT"} {
			if !strings.Contains(value, want) {
				t.Errorf("error %q, want it to say %q", value, want)
			}
		}
		// The error names the 1s timeout; the bound only tells it from
		// the default of 60s (the call itself has a cell's and salloc's
		// start-up costs, which a loaded machine stretches).
		if took > 30*time.Second {
			t.Errorf("the call failed after %v, want the 1s timeout, not the default", took)
		}
		out, err := c.Run(ctx, "squeue", "-h", "-o", "%j")
		if err != nil {
			t.Fatal(err)
		}
		if strings.Fields(out)[0] != "other" || len(strings.Fields(out)) != 1 {
			t.Errorf("squeue shows %q, want only the other job: the kernel's request was withdrawn", out)
		}
		if _, err := c.Run(ctx, "scancel", "--name=other"); err != nil {
			t.Fatal(err)
		}
		if got := k.run(t, "fmt.Println(len(os.Args))"); got != "1\n" {
			t.Errorf("the next cell printed %q", got)
		}
	})
	t.Run("more mirrors than the allocation", func(t *testing.T) {
		// The allocation holds the first call's 2 tasks; a call that wants
		// 3 fails at once rather than wait for CPUs its own mirrors hold.
		k := startKernel(t, c)
		k.run(t, call)
		t0 := time.Now()
		_, value := k.errorOf(t, "ParallelCollect([]int{1, 2, 3}, func(x int) int { return x }, WithMirrors(3))")
		t.Logf("after %v: %s", time.Since(t0), value)
		if !strings.Contains(value, "holds 2 tasks and runs 2 mirrors") || !strings.Contains(value, "--ntasks=N") {
			t.Errorf("error %q, want the allocation's size and the remedy", value)
		}
		if got := k.run(t, "fmt.Println(ParallelCollect([]int{1, 2, 3}, func(x int) int { return -x }, WithMirrors(2)))"); got != "[-1 -2 -3]\n" {
			t.Errorf("the next call printed %q", got)
		}
	})
	t.Run("no cluster", func(t *testing.T) {
		// salloc retries reading a missing configuration for a minute:
		// the timeout ends the wait.
		k := startKernel(t, c, "SLURM_CONF="+filepath.Join(t.TempDir(), "missing.conf"), "DMIRROR_SLURM_TIMEOUT=2s")
		_, value := k.errorOf(t, call)
		t.Log(value)
		for _, want := range []string{"no Slurm allocation within 2s", "missing.conf: No such file", "DMIRROR_MIRRORS"} {
			if !strings.Contains(value, want) {
				t.Errorf("error %q, want it to say %q", value, want)
			}
		}
	})
}

// TestSlurmBinaryOnNodes: the nodes run the binary at its path (a shared
// filesystem); DMIRROR_SLURM_BCAST copies it to node-local storage first;
// a binary the nodes cannot run fails the call saying what to do.
func TestSlurmBinaryOnNodes(t *testing.T) {
	c := slurmtest.Start(t, slurmtest.Options{Nodes: 2, Netns: true})
	const where = "fmt.Println(ParallelCollect([]int{1, 2}, func(x int) string { exe, _ := os.Executable(); return filepath.Dir(exe) }, WithMirrors(2)))"
	t.Run("broadcast", func(t *testing.T) {
		dir := t.TempDir()
		k := startKernel(t, c, "DMIRROR_SLURM_ARGS=--ntasks-per-node=1", "DMIRROR_SLURM_BCAST="+dir)
		k.run(t, "import \"path/filepath\"")
		if got, want := k.run(t, where), "["+dir+" "+dir+"]\n"; got != want {
			t.Errorf("the mirrors ran from %q, want %q", got, want)
		}
	})
	t.Run("missing on the nodes", func(t *testing.T) {
		// A binary that no longer exists at its path: the kernel runs, the
		// nodes cannot start it, as when it is not on a shared filesystem.
		dir := t.TempDir()
		bin := filepath.Join(dir, "dmirror")
		copyFile(t, kerneltest.SharedBinary(t), bin)
		all := append(c.Env(), "DMIRROR_MIRRORS=slurm")
		t.Cleanup(func() { waitNoJobs(t, c, 10*time.Second) })
		kk := startBinary(t, bin, all)
		k := &kern{Kernel: kk, c: c}
		if err := os.Remove(bin); err != nil {
			t.Fatal(err)
		}
		_, value := k.errorOf(t, "ParallelCollect([]int{1, 2}, func(x int) int { return x }, WithMirrors(2))")
		t.Log(value)
		for _, want := range []string{"ended before it connected", bin, "DMIRROR_SLURM_BCAST"} {
			if !strings.Contains(value, want) {
				t.Errorf("error %q, want it to say %q", value, want)
			}
		}
	})
}

// TestSlurmRunNotebook: dmirror run --mirrors slurm runs a notebook's
// Parallel calls on Slurm steps; when it ends, squeue is empty within
// seconds.
func TestSlurmRunNotebook(t *testing.T) {
	c := slurmtest.Start(t, slurmtest.Options{Nodes: 2, Netns: true})
	nb := writeNotebook(t, "SetDefaultCores(2)\nfmt.Println(ParallelCollect([]int{1, 2, 3}, func(x int) int { return x * x }))",
		printMirrors)
	out := filepath.Join(t.TempDir(), "out.ipynb")
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, kerneltest.SharedBinary(t), "run", "--mirrors", "slurm", nb, "-o", out)
	cmd.Env = append(c.Env(), "DMIRROR_SLURM_ARGS=--ntasks-per-node=1")
	if b, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("dmirror run: %v\n%s", err, b)
	}
	t.Logf("squeue empty %v after dmirror run ended", waitNoJobs(t, c, 5*time.Second))
	text := notebookStdout(t, out)
	if !strings.Contains(text, "[1 4 9]\n") || !strings.Contains(text, "n1 slurm step") || !strings.Contains(text, "n2 slurm step") {
		t.Errorf("the notebook printed %q, want the results and mirrors on n1 and n2", text)
	}
}

// TestSlurmKernelInAJob: a kernel that runs inside a Slurm job (as under a
// batch spawner) places its mirrors as steps of that job rather than
// asking for an allocation of its own.
func TestSlurmKernelInAJob(t *testing.T) {
	c := slurmtest.Start(t, slurmtest.Options{})
	nb := writeNotebook(t, "fmt.Println(os.Getenv(\"SLURM_JOB_ID\"))\n_ = ParallelCollect([]int{1, 2}, func(x int) int { return x }, WithMirrors(2))",
		printMirrors)
	out := filepath.Join(t.TempDir(), "out.ipynb")
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	// The kernel is the job's command, which salloc runs on this machine,
	// outside the job's tasks; its mirrors take the 2 tasks.
	cmd := c.Command(ctx, "salloc", "--ntasks=2", "--job-name=notebook", "--", kerneltest.SharedBinary(t), "run", "--mirrors", "slurm", nb, "-o", out)
	if b, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("salloc dmirror run: %v\n%s", err, b)
	}
	waitNoJobs(t, c, 5*time.Second)
	lines := strings.Split(strings.TrimSpace(notebookStdout(t, out)), "\n")
	if len(lines) != 3 {
		t.Fatalf("the notebook printed %q, want the job and 2 mirrors", lines)
	}
	job := lines[0]
	for _, l := range lines[1:] {
		if !strings.Contains(l, "slurm step "+job+".") {
			t.Errorf("mirror %q, want a step of the kernel's job %s", l, job)
		}
	}
}

// startBinary starts bin as a kernel with env (the whole environment).
func startBinary(t *testing.T, bin string, env []string) *kerneltest.Kernel {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	var stderr kerneltest.LockedBuffer
	k, err := kerneltest.Start(ctx, kerneltest.Options{Dir: t.TempDir(), Stderr: &stderr, Env: env}, bin, "kernel", "{connection_file}")
	if err != nil {
		t.Fatalf("%v\n%s", err, stderr.String())
	}
	t.Cleanup(func() {
		k.Close()
		if t.Failed() {
			t.Logf("kernel stderr:\n%s", stderr.String())
		}
	})
	return k
}

func copyFile(t *testing.T, from, to string) {
	t.Helper()
	data, err := os.ReadFile(from)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(to, data, 0o755); err != nil {
		t.Fatal(err)
	}
}

// writeNotebook writes a notebook of code cells and returns its path.
func writeNotebook(t *testing.T, cells ...string) string {
	t.Helper()
	var cs []map[string]any
	for _, src := range cells {
		cs = append(cs, map[string]any{"cell_type": "code", "metadata": map[string]any{}, "source": src, "outputs": []any{}, "execution_count": nil})
	}
	nb := map[string]any{"cells": cs, "nbformat": 4, "nbformat_minor": 5,
		"metadata": map[string]any{"kernelspec": map[string]any{"name": "dmirror", "display_name": "Go (dmirror)", "language": "go"}}}
	data, err := json.Marshal(nb)
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "nb.ipynb")
	if err := os.WriteFile(path, data, 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

// notebookStdout returns the stdout streams of an executed notebook.
func notebookStdout(t *testing.T, path string) string {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var nb struct {
		Cells []struct {
			Outputs []struct {
				Name string `json:"name"`
				Text any    `json:"text"`
			} `json:"outputs"`
		} `json:"cells"`
	}
	if err := json.Unmarshal(data, &nb); err != nil {
		t.Fatal(err)
	}
	var b strings.Builder
	for _, c := range nb.Cells {
		for _, o := range c.Outputs {
			if o.Name != "stdout" {
				continue
			}
			switch v := o.Text.(type) {
			case string:
				b.WriteString(v)
			case []any:
				for _, s := range v {
					b.WriteString(s.(string))
				}
			}
		}
	}
	return b.String()
}

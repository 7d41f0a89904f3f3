package slurmtest

import (
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"testing"
)

// TestCloseLeavesNothing closes a two-node cluster with a job running on
// each node and a process the test left running with the cluster's
// environment: Close names that process, and afterwards no process of the
// cluster, its directory or its bridge is left.
func TestCloseLeavesNothing(t *testing.T) {
	if err := Check(Options{Netns: true}); err != nil && Optional() {
		t.Skipf("%v (%s=optional)", err, OptionalEnv)
	}
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	c, err := New(ctx, Options{Nodes: 2, Netns: true})
	if err != nil {
		t.Fatal(err)
	}
	closed := false
	defer func() {
		if !closed {
			c.Close()
		}
	}()
	for _, n := range c.Nodes {
		run(t, ctx, c, "sbatch", "--chdir=/", "-o", "/dev/null", "-w", n.Name, "--wrap", "sleep 600")
	}
	left := c.Command(ctx, "sleep", "600")
	if err := left.Start(); err != nil {
		t.Fatal(err)
	}
	// Both jobs run (a batch shell and its sleep each): they carry the
	// cluster's SLURM_CONF, as the process left running does.
	err = poll(ctx, func() (bool, error) { return len(withConf(c.Conf)) >= 5, nil })
	if err != nil {
		t.Fatalf("processes with the cluster's SLURM_CONF: %v, want the 2 jobs' and the test's: %v", withConf(c.Conf), err)
	}
	var pid1s []int
	for _, d := range c.daemons() {
		if d.pid1 == 0 {
			t.Errorf("%s: the namespace's first process is unknown", d.name)
		}
		pid1s = append(pid1s, d.pid1)
	}

	err = c.Close()
	closed = true
	if err == nil || !strings.Contains(err.Error(), "process "+strconv.Itoa(left.Process.Pid)+" (") {
		t.Errorf("Close: got %v, want an error naming the process left running (%d)", err, left.Process.Pid)
	}
	if err := left.Wait(); err == nil {
		t.Error("the process left running was not killed")
	}
	if again := c.Close(); !errors.Is(again, err) && again.Error() != err.Error() {
		t.Errorf("second Close: got %v, want the first's %v", again, err)
	}
	for _, pid := range pid1s {
		if exists(pid) {
			t.Errorf("process %d (%s) still runs", pid, cmdline(pid))
		}
	}
	if pids := withConf(c.Conf); len(pids) > 0 {
		t.Errorf("processes with the cluster's SLURM_CONF still run: %v", pids)
	}
	if _, err := os.Stat(c.Dir); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("%s: got %v, want it removed", c.Dir, err)
	}
	ifs, _ := net.Interfaces()
	for _, i := range ifs {
		if strings.HasPrefix(i.Name, c.bridge) {
			t.Errorf("interface %s left", i.Name)
		}
	}
	for _, p := range pids() {
		if cwd, err := os.Readlink(filepathJoinProc(p, "cwd")); err == nil && strings.HasPrefix(cwd, c.Dir) {
			t.Errorf("process %d (%s) still works in %s", p, cmdline(p), cwd)
		}
	}
}

// withConf lists the live processes whose environment holds SLURM_CONF=conf.
func withConf(conf string) []int {
	var out []int
	for _, pid := range pids() {
		env, err := os.ReadFile(filepathJoinProc(pid, "environ"))
		if err == nil && exists(pid) && strings.Contains("\x00"+string(env), "\x00SLURM_CONF="+conf+"\x00") && pid != os.Getpid() {
			out = append(out, pid)
		}
	}
	return out
}

func filepathJoinProc(pid int, name string) string {
	return filepath.Join("/proc", strconv.Itoa(pid), name)
}

// TestKillNode kills a node running a job: every process on it ends at
// once, and the other node still runs steps.
func TestKillNode(t *testing.T) {
	c := Start(t, Options{Nodes: 2, Netns: true})
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	run(t, ctx, c, "sbatch", "--chdir=/", "-o", "/dev/null", "-w", "n2", "--wrap", "srun sleep 600")
	ns, err := os.Readlink(filepathJoinProc(c.slurmds["n2"].pid1, "ns/pid"))
	if err != nil {
		t.Fatal(err)
	}
	// slurmd, the batch job's slurmstepd, shell and srun, the step's
	// slurmstepd and sleep: 6 processes besides the namespace's shell.
	err = poll(ctx, func() (bool, error) { return len(inNamespace(ns)) >= 7, nil })
	if err != nil {
		t.Fatalf("processes on n2: %v: %v", inNamespace(ns), err)
	}
	if err := c.KillNode("n2"); err != nil {
		t.Fatal(err)
	}
	if left := inNamespace(ns); len(left) > 0 {
		t.Errorf("processes left on the killed node: %v", left)
	}
	if out := run(t, ctx, c, "srun", "--immediate=10", "-w", "n1", "-n1", "hostname"); out != "n1\n" {
		t.Errorf("srun on n1: got %q, want n1", out)
	}
}

// inNamespace lists the live processes in a PID namespace.
func inNamespace(ns string) []string {
	var out []string
	for _, pid := range pids() {
		if l, err := os.Readlink(filepathJoinProc(pid, "ns/pid")); err == nil && l == ns && exists(pid) {
			out = append(out, strconv.Itoa(pid)+" "+cmdline(pid))
		}
	}
	return out
}

// dieEnv makes the test binary start a cluster and a process with its
// environment, print what they are, and die without closing them.
const dieEnv = "SLURMTEST_HELPER_DIE"

func startAndDie() {
	c, err := New(context.Background(), Options{Netns: true})
	if err != nil {
		fmt.Println(err)
		os.Exit(1)
	}
	// Started as a test might start it, without PR_SET_PDEATHSIG.
	cmd := exec.Command("sleep", "600")
	cmd.Env = c.Env()
	if err := cmd.Start(); err != nil {
		fmt.Println(err)
		os.Exit(1)
	}
	fmt.Println(c.Dir, c.Conf, c.bridge, cmd.Process.Pid)
	syscall.Kill(os.Getpid(), syscall.SIGKILL)
}

// TestDeadTestProcess kills a test process that runs a cluster: its
// daemons die with it, and the next cluster removes what remains (a
// process it started, its directory, its bridge).
func TestDeadTestProcess(t *testing.T) {
	if err := Check(Options{Netns: true}); err != nil && Optional() {
		t.Skipf("%v (%s=optional)", err, OptionalEnv)
	}
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, exe)
	cmd.Env = append(os.Environ(), dieEnv+"=1")
	out, err := cmd.Output()
	f := strings.Fields(string(out))
	if len(f) != 4 {
		t.Fatalf("helper: %v: %s", err, out)
	}
	dir, conf, bridge := f[0], f[1], f[2]
	orphan, _ := strconv.Atoi(f[3])
	defer syscall.Kill(orphan, syscall.SIGKILL) // should be gone

	// The daemons died with the helper: only the orphan carries the
	// cluster's SLURM_CONF.
	err = poll(ctx, func() (bool, error) { return slices.Equal(withConf(conf), []int{orphan}), nil })
	if err != nil {
		t.Errorf("processes with the dead cluster's SLURM_CONF: got %v, want only %d: %v", withConf(conf), orphan, err)
	}
	Start(t, Options{}) // sweeps
	if pids := withConf(conf); len(pids) > 0 {
		t.Errorf("processes with the dead cluster's SLURM_CONF still run: %v", pids)
	}
	if _, err := os.Stat(dir); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("%s: got %v, want it removed", dir, err)
	}
	if _, err := net.InterfaceByName(bridge); err == nil {
		t.Errorf("bridge %s left", bridge)
	}
}

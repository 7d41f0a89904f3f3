package slurmtest

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// cancelTimeout bounds the polite part of Close: scancel and the wait for
// the jobs to leave the queue, so that the sruns a test left running end
// as on a real cluster.
const cancelTimeout = 3 * time.Second

// Close stops the cluster and removes everything it made: jobs, daemons
// with every process on the nodes, the bridge, the directory. It kills any
// process still carrying this cluster's SLURM_CONF (an srun or a kernel a
// test left running) and returns an error naming it, and an error naming
// anything it could not remove. Calls after the first return the first's
// result.
func (c *Cluster) Close() error {
	c.closeOnce.Do(func() { c.closeErr = c.close() })
	return c.closeErr
}

func (c *Cluster) close() error {
	var errs []error
	if c.ctld != nil && c.ctld.exited() == nil {
		c.cancelJobs()
	}
	for _, d := range c.daemons() {
		d.kill()
	}
	c.spawn.stop()
	errs = append(errs, c.killLeftovers())
	if c.bridge != "" {
		errs = append(errs, c.deleteLinks())
	}
	if err := os.RemoveAll(c.Dir); err != nil {
		errs = append(errs, fmt.Errorf("slurmtest: %w", err))
	}
	if err := errors.Join(errs...); err != nil {
		return fmt.Errorf("slurmtest: close the cluster: %w", err)
	}
	return nil
}

// cancelJobs cancels every job and waits, briefly, for the queue to empty.
func (c *Cluster) cancelJobs() {
	ctx, cancel := context.WithTimeout(context.Background(), cancelTimeout)
	defer cancel()
	jobs, err := c.Jobs(ctx)
	if err != nil || len(jobs) == 0 {
		return
	}
	if _, err := c.Run(ctx, "scancel", jobs...); err != nil {
		return
	}
	_ = c.WaitNoJobs(ctx) // what remains ends with the nodes
}

// killLeftovers kills the processes outside the cluster's namespaces that
// carry its SLURM_CONF (they got it from Env), and names those that were
// not already dying.
func (c *Cluster) killLeftovers() error {
	var errs []error
	for _, p := range killWithConf(c.Conf) {
		errs = append(errs, fmt.Errorf("process %d (%s) still ran with this cluster's SLURM_CONF: killed", p.pid, p.cmdline))
	}
	return errors.Join(errs...)
}

// leftover is a process killWithConf killed.
type leftover struct {
	pid     int
	cmdline string
}

// killWithConf kills the processes other than this one that carry
// SLURM_CONF=conf, waits until they are gone, and lists those that were
// not already dying.
func killWithConf(conf string) []leftover {
	marker := []byte("\x00SLURM_CONF=" + conf + "\x00")
	var named []leftover
	var killed []int
	for _, pid := range pids() {
		if pid == os.Getpid() {
			continue
		}
		env, err := os.ReadFile(fmt.Sprintf("/proc/%d/environ", pid))
		if err != nil || !bytes.Contains(append([]byte{0}, env...), marker) {
			continue
		}
		if !dying(pid) {
			named = append(named, leftover{pid, cmdline(pid)})
		}
		_ = syscall.Kill(pid, syscall.SIGKILL) // gone already, or going
		killed = append(killed, pid)
	}
	ctx, cancel := context.WithTimeout(context.Background(), killTimeout)
	defer cancel()
	for _, pid := range killed {
		_ = poll(ctx, func() (bool, error) { return !exists(pid), nil }) // a zombie's parent reaps it
	}
	return named
}

// pids lists the machine's processes.
func pids() []int {
	ents, _ := os.ReadDir("/proc")
	var out []int
	for _, e := range ents {
		if pid, err := strconv.Atoi(e.Name()); err == nil {
			out = append(out, pid)
		}
	}
	return out
}

// dying reports whether a process is a zombie or has SIGKILL pending.
func dying(pid int) bool {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return true
	}
	for _, l := range strings.Split(string(b), "\n") {
		k, v, _ := strings.Cut(l, ":")
		v = strings.TrimSpace(v)
		switch k {
		case "State":
			if strings.HasPrefix(v, "Z") || strings.HasPrefix(v, "X") {
				return true
			}
		case "SigPnd", "ShdPnd":
			if m, err := strconv.ParseUint(v, 16, 64); err == nil && m&(1<<(syscall.SIGKILL-1)) != 0 {
				return true
			}
		}
	}
	return false
}

// exists reports whether a process exists and is not a zombie.
func exists(pid int) bool {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return false
	}
	_, after, _ := bytes.Cut(b, []byte(") "))
	return len(after) > 0 && after[0] != 'Z' && after[0] != 'X'
}

func cmdline(pid int) string {
	b, _ := os.ReadFile(fmt.Sprintf("/proc/%d/cmdline", pid))
	s := strings.TrimSpace(strings.ReplaceAll(string(b), "\x00", " "))
	if len(s) > 80 {
		s = s[:80] + "…"
	}
	if s == "" {
		s = filepath.Base(fmt.Sprintf("/proc/%d", pid))
	}
	return s
}

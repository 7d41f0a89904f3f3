package slurmtest

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"
)

// Options says what cluster to start. The zero value is one node sharing
// the machine's network.
type Options struct {
	// Nodes is the number of nodes (n1, n2, …); 0 means 1. With Netns, at
	// most 9.
	Nodes int
	// Netns puts each node in its own network namespace: 127.0.0.1 on a
	// node is not the machine's, and tasks reach the machine at HostAddr.
	Netns bool
	// CPUs is the number of CPUs each node declares; 0 means the machine's
	// (what slurmd -C reports). More than the machine has drains the node.
	CPUs int
	// Config holds extra slurm.conf lines (e.g. "SlurmdTimeout=5"), added
	// after the generated ones: a later line overrides an earlier one.
	Config []string
	// Private are existing directories (absolute, without spaces) that
	// each node covers with its own empty tmpfs: what the test process
	// writes there the nodes do not see, and what a node writes there
	// (sbcast) only that node sees, as with node-local storage.
	Private []string
}

// Node is one node of a Cluster.
type Node struct {
	// Name is the node's Slurm name and its tasks' hostname (n1, n2, …).
	Name string
	// Addr is the address slurmd listens at: 127.0.0.1, or the node's own
	// address with Options.Netns.
	Addr string
}

// Cluster is a running private Slurm cluster. Its fields are read-only.
// Its methods are safe for concurrent use; Close must be called once the
// cluster is no longer needed (Start does it at the end of the test).
type Cluster struct {
	// Dir holds everything the cluster writes (see the package doc).
	Dir string
	// Conf is slurm.conf's path, the SLURM_CONF a client needs.
	Conf string
	// HostAddr is the machine's address as tasks on the nodes see it,
	// which Slurm gives them as SLURM_LAUNCH_NODE_IPADDR: 127.0.0.1, or
	// the bridge's address with Options.Netns.
	HostAddr string
	// Nodes are the nodes, in order.
	Nodes []Node

	tools   tools
	spawn   *spawner
	bridge  string // "" without Options.Netns
	munged  *daemon
	ctld    *daemon
	slurmds map[string]*daemon

	closeOnce sync.Once
	closeErr  error
}

// startTimeout bounds New when its context has no deadline: a cluster
// starts in under half a second on a 2-core machine, or ten seconds when
// slurmctld finds its port taken and New starts it again.
const startTimeout = 60 * time.Second

// clusters numbers the clusters this process starts (bridge names).
var clusters atomic.Int32

// New starts a cluster and waits until every node is idle. On error it has
// stopped and removed what it started. See Start for tests.
func New(ctx context.Context, opts Options) (*Cluster, error) {
	if opts.Nodes == 0 {
		opts.Nodes = 1
	}
	if err := Check(opts); err != nil {
		return nil, err
	}
	if _, ok := ctx.Deadline(); !ok {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, startTimeout)
		defer cancel()
	}
	sweepDead()
	for attempt := 1; ; attempt++ {
		c, err := layout(ctx, opts)
		if err != nil {
			return nil, err
		}
		err = c.start(ctx, opts)
		if err == nil {
			return c, nil
		}
		err = errors.Join(fmt.Errorf("slurmtest: start the cluster in %s: %w", c.Dir, err), c.Close())
		// Another process took a port freePorts picked, between its pick
		// and the daemon's bind: pick again, once.
		if attempt > 1 || !strings.Contains(err.Error(), "Address already in use") {
			return nil, err
		}
	}
}

// layout makes the directory, the configuration and, with Netns, the
// bridge, and picks ports and addresses; no daemon runs yet.
func layout(ctx context.Context, opts Options) (*Cluster, error) {
	t, err := findTools(opts)
	if err != nil {
		return nil, err
	}
	hw, err := hardware(ctx, t)
	if err != nil {
		return nil, err
	}
	if opts.CPUs == 0 {
		opts.CPUs = hw.cpus
	}
	dir, err := os.MkdirTemp("", dirPrefix+strconv.Itoa(os.Getpid())+"-")
	if err != nil {
		return nil, fmt.Errorf("slurmtest: %w", err)
	}
	c := &Cluster{Dir: dir, Conf: filepath.Join(dir, "etc", "slurm.conf"), HostAddr: "127.0.0.1", tools: t, slurmds: map[string]*daemon{}}
	if err := c.configure(opts, hw); err != nil {
		return nil, errors.Join(err, c.Close())
	}
	return c, nil
}

// Env is the environment a Slurm client (srun, sbatch, a kernel using the
// Slurm launcher) needs for this cluster: the test process's, without any
// SLURM_ variable it may have inherited from a job it runs in, with
// SLURM_CONF and a PATH that finds the Slurm commands.
func (c *Cluster) Env() []string {
	var env []string
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "SLURM_") && !strings.HasPrefix(kv, "PATH=") {
			env = append(env, kv)
		}
	}
	return append(env, "SLURM_CONF="+c.Conf, "PATH="+c.tools.path)
}

// Command is exec.CommandContext with this cluster's Env: Command(ctx,
// "srun", "-n1", "hostname"). The command dies with the test process
// (PR_SET_PDEATHSIG), so that a test killed by its timeout leaves no srun.
func (c *Cluster) Command(ctx context.Context, name string, args ...string) *exec.Cmd {
	cmd := exec.CommandContext(ctx, name, args...)
	if filepath.Base(name) == name {
		if p, ok := c.tools.bin[name]; ok {
			cmd.Path = p
		}
	}
	cmd.Env = c.Env()
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
	return cmd
}

// Run runs a Slurm command and returns its standard output; its error
// holds the command's standard error.
func (c *Cluster) Run(ctx context.Context, name string, args ...string) (string, error) {
	cmd := c.Command(ctx, name, args...)
	var stderr strings.Builder
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		return string(out), fmt.Errorf("%s %s: %w: %s", name, strings.Join(args, " "), err, strings.TrimSpace(stderr.String()))
	}
	return string(out), nil
}

// Jobs lists the ids of the jobs squeue shows (pending, running or
// completing).
func (c *Cluster) Jobs(ctx context.Context) ([]string, error) {
	out, err := c.Run(ctx, "squeue", "-h", "-o", "%i")
	return strings.Fields(out), err
}

// WaitNoJobs waits until squeue shows no job, or ctx ends: a job that ended
// stays "completing" for a moment while its nodes clean up.
func (c *Cluster) WaitNoJobs(ctx context.Context) error {
	var jobs []string
	err := poll(ctx, func() (bool, error) {
		var err error
		jobs, err = c.Jobs(ctx)
		return err == nil && len(jobs) == 0, nil
	})
	if err != nil {
		return fmt.Errorf("slurmtest: jobs still queued: %v: %w", jobs, err)
	}
	return nil
}

// KillNode kills a node with everything running on it, as a node that
// loses power: slurmd, the steps and the tasks end at once, their sockets
// close. Slurm itself notices only when the node misses slurmctld's pings:
// after SlurmdTimeout (300 s unless Options.Config sets it; with
// SlurmdTimeout=5, about 12 s) the node is down and its jobs end ("Node
// failure on n2"; salloc --no-kill keeps an allocation that loses a node).
// Until then an srun of a step on the node keeps running.
func (c *Cluster) KillNode(name string) error {
	d, ok := c.slurmds[name]
	if !ok {
		return fmt.Errorf("slurmtest: no node %q", name)
	}
	d.kill()
	return nil
}

// pollInterval is how often readiness is polled: sinfo answers in a few
// milliseconds.
const pollInterval = 50 * time.Millisecond

// poll calls ready until it reports true or an error, or ctx ends.
func poll(ctx context.Context, ready func() (bool, error)) error {
	tick := time.NewTicker(pollInterval)
	defer tick.Stop()
	for {
		ok, err := ready()
		if err != nil || ok {
			return err
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-tick.C:
		}
	}
}

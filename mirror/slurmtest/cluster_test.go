package slurmtest

import (
	"bufio"
	"context"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

// helperEnv makes the test binary, run as a task on a node, report where it
// runs instead of running the tests.
const helperEnv = "SLURMTEST_HELPER_PORT"

func TestMain(m *testing.M) {
	if port := os.Getenv(helperEnv); port != "" {
		whereAmI(port)
		return
	}
	if os.Getenv(dieEnv) != "" {
		startAndDie()
		return
	}
	os.Exit(m.Run())
}

// whereAmI prints, for a task: its node, the address Slurm gives for the
// launch host, and whether the port answers at 127.0.0.1 and at that
// address.
func whereAmI(port string) {
	host, _ := os.Hostname()
	launch := os.Getenv("SLURM_LAUNCH_NODE_IPADDR")
	fmt.Printf("node=%s launch=%s loopback=%s launchdial=%s\n", host, launch,
		dial(net.JoinHostPort("127.0.0.1", port), host), dial(net.JoinHostPort(launch, port), host))
}

func dial(addr, host string) string {
	conn, err := net.DialTimeout("tcp", addr, 5*time.Second)
	if err != nil {
		return "failed"
	}
	defer conn.Close()
	fmt.Fprintln(conn, host)
	return "connected"
}

// timeout bounds each Slurm command of a test: srun and sbatch --wait wait
// forever on a cluster that cannot run them.
const timeout = 30 * time.Second

// TestWhereTasksRun runs a task on each node and a batch job over all of
// them. Each task dials a listener of the test at 127.0.0.1 and at
// SLURM_LAUNCH_NODE_IPADDR: on nodes in network namespaces only the
// second is the test's machine.
func TestWhereTasksRun(t *testing.T) {
	for _, tc := range []struct {
		name     string
		opts     Options
		loopback string // what dialing 127.0.0.1 gives on a node
	}{
		{"one node", Options{}, "connected"},
		{"two nodes", Options{Nodes: 2}, "connected"},
		{"two nodes in network namespaces", Options{Nodes: 2, Netns: true}, "failed"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := Start(t, tc.opts)
			ctx, cancel := context.WithTimeout(context.Background(), timeout)
			defer cancel()
			tasksReport(t, ctx, c, tc.loopback)

			k := strconv.Itoa(len(c.Nodes))
			batch := sbatchWait(t, ctx, c, "-N"+k, "-n"+k, "--wrap", "srun -l hostname | sort")
			var want strings.Builder
			for i, n := range c.Nodes {
				fmt.Fprintf(&want, "%d: %s\n", i, n.Name)
			}
			if batch != want.String() {
				t.Errorf("sbatch output: got %q, want %q", batch, want.String())
			}
			if err := c.WaitNoJobs(ctx); err != nil {
				t.Error(err)
			}
		})
	}
}

// tasksReport runs the test binary as a task on each node (whereAmI) and
// checks what the tasks report and where their connections came from.
func tasksReport(t *testing.T, ctx context.Context, c *Cluster, loopback string) {
	t.Helper()
	l, err := net.Listen("tcp", ":0") // every address of this machine
	if err != nil {
		t.Fatal(err)
	}
	from := acceptAll(t, l)
	_, port, _ := net.SplitHostPort(l.Addr().String())
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	k := strconv.Itoa(len(c.Nodes))
	cmd := c.Command(ctx, "srun", "--immediate=10", "-N"+k, "-n"+k, "--ntasks-per-node=1", exe)
	cmd.Env = append(cmd.Env, helperEnv+"="+port)
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("srun: %v", err)
	}
	lines := strings.Split(strings.TrimSpace(string(out)), "\n")
	slices.Sort(lines)
	var want, wantFrom []string
	for _, n := range c.Nodes {
		want = append(want, fmt.Sprintf("node=%s launch=%s loopback=%s launchdial=connected", n.Name, c.HostAddr, loopback))
		wantFrom = append(wantFrom, n.Addr+" "+n.Name)
		if loopback == "connected" {
			wantFrom = append(wantFrom, n.Addr+" "+n.Name)
		}
	}
	if !slices.Equal(lines, want) {
		t.Errorf("tasks report:\n%s\nwant:\n%s", strings.Join(lines, "\n"), strings.Join(want, "\n"))
	}
	l.Close()
	slices.Sort(wantFrom)
	if got := from(); !slices.Equal(got, wantFrom) {
		t.Errorf("connections came from %q, want %q", got, wantFrom)
	}
}

// acceptAll accepts connections until l is closed; the func it returns
// waits for that and lists "address line" for each, sorted.
func acceptAll(t *testing.T, l net.Listener) func() []string {
	var mu sync.Mutex
	var got []string
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		for {
			conn, err := l.Accept()
			if err != nil {
				return
			}
			wg.Add(1)
			go func() {
				defer wg.Done()
				defer conn.Close()
				line, _ := bufio.NewReader(conn).ReadString('\n')
				host, _, _ := net.SplitHostPort(conn.RemoteAddr().String())
				mu.Lock()
				got = append(got, host+" "+strings.TrimSpace(line))
				mu.Unlock()
			}()
		}
	}()
	t.Cleanup(func() { l.Close(); wg.Wait() })
	return func() []string {
		wg.Wait()
		slices.Sort(got)
		return got
	}
}

func run(t *testing.T, ctx context.Context, c *Cluster, name string, args ...string) string {
	t.Helper()
	out, err := c.Run(ctx, name, args...)
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// sbatchWait submits a batch job, waits for its end and returns its output.
// It polls squeue rather than use sbatch --wait, which polls at 2, 4, 8 s.
func sbatchWait(t *testing.T, ctx context.Context, c *Cluster, args ...string) string {
	t.Helper()
	out := filepath.Join(t.TempDir(), "job.out")
	id := strings.TrimSpace(run(t, ctx, c, "sbatch", append([]string{"--parsable", "--chdir=/", "-o", out}, args...)...))
	err := poll(ctx, func() (bool, error) {
		jobs, err := c.Jobs(ctx)
		return !slices.Contains(jobs, id), err
	})
	if err != nil {
		t.Fatalf("job %s: %v", id, err)
	}
	b, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

package slurmtest

import (
	"context"
	_ "embed"
	"encoding/json"
	"fmt"
	"os"
	"strconv"
	"strings"
	"time"
)

// ippScript is the ipyparallel side of the benchmark; see its doc string.
//
//go:embed ipp_slurm.py
var ippScript string

// Python is the interpreter that has Debian's python3-ipyparallel; the
// python3 first on PATH may be another.
const Python = "/usr/bin/python3"

// Ipyparallel is what IpyparallelSlurm measured.
type Ipyparallel struct {
	// Start is the time from creating the ipyparallel Cluster until every
	// engine is registered: the controller's start, ipyparallel's default
	// 1 s delay before it submits the engines, sbatch, scheduling, and the
	// engines' start-up.
	Start time.Duration
	// Controller and Submitted are the times, within Start, when the
	// controller's process was launched (start_controller does not wait
	// until it is ready) and when sbatch had returned (after the delay).
	Controller, Submitted time.Duration
	// MapSync is the median of 21 warm DirectView.map_sync calls of x*10
	// over 1,000 ints (mirror/e2e's benchmark workload).
	MapSync time.Duration
	// Stop is the time stop_cluster_sync took.
	Stop time.Duration
	// Nodes are the engines' hostnames, sorted.
	Nodes []string
}

// IpyparallelSlurm runs ipyparallel's Slurm engine launcher on the cluster:
// the controller on this machine at HostAddr, the engines as one sbatch job
// of the given number of tasks (sbatchArgs are more #SBATCH options, such
// as "--ntasks-per-node=1"); it waits until the job has left the queue.
func IpyparallelSlurm(ctx context.Context, c *Cluster, engines int, sbatchArgs ...string) (Ipyparallel, error) {
	home, err := os.MkdirTemp("", "dmirror-ipp-")
	if err != nil {
		return Ipyparallel{}, fmt.Errorf("ipyparallel: %w", err)
	}
	defer os.RemoveAll(home)
	args := append([]string{"-", strconv.Itoa(engines), c.HostAddr}, sbatchArgs...)
	cmd := c.Command(ctx, Python, args...)
	cmd.Dir = home // the batch script is written here
	cmd.Env = append(cmd.Env, "IPYTHONDIR="+home)
	cmd.Stdin = strings.NewReader(ippScript)
	var stderr strings.Builder
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		return Ipyparallel{}, fmt.Errorf("ipyparallel on Slurm: %w: %s", err, lastLines(stderr.String(), 15))
	}
	var r struct {
		StartS      float64  `json:"start_s"`
		ControllerS float64  `json:"controller_s"`
		SubmittedS  float64  `json:"submitted_s"`
		MapSyncS    float64  `json:"map_sync_s"`
		StopS       float64  `json:"stop_s"`
		Nodes       []string `json:"nodes"`
	}
	if err := json.Unmarshal(out, &r); err != nil {
		return Ipyparallel{}, fmt.Errorf("ipyparallel on Slurm printed %q: %w", out, err)
	}
	if err := c.WaitNoJobs(ctx); err != nil {
		return Ipyparallel{}, fmt.Errorf("ipyparallel on Slurm: %w", err)
	}
	return Ipyparallel{Start: seconds(r.StartS), Controller: seconds(r.ControllerS), Submitted: seconds(r.SubmittedS), MapSync: seconds(r.MapSyncS), Stop: seconds(r.StopS), Nodes: r.Nodes}, nil
}

func seconds(s float64) time.Duration { return time.Duration(s * float64(time.Second)) }

func lastLines(s string, n int) string {
	lines := strings.Split(strings.TrimSpace(s), "\n")
	return strings.Join(lines[max(0, len(lines)-n):], "\n")
}

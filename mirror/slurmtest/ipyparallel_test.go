package slurmtest

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"slices"
	"testing"
	"time"
)

// needIpyparallel skips when Debian's python3-ipyparallel is missing and
// the Slurm tests are optional, and fails otherwise.
func needIpyparallel(tb testing.TB) {
	tb.Helper()
	if err := exec.Command(Python, "-c", "import ipyparallel").Run(); err != nil {
		if Optional() {
			tb.Skipf("%s cannot import ipyparallel (%v) (%s=optional)", Python, err, OptionalEnv)
		}
		tb.Fatalf("%s cannot import ipyparallel: %v (apt-get install python3-ipyparallel)", Python, err)
	}
}

// TestIpyparallelSlurm runs the baseline on two nodes in network
// namespaces, one engine on each: the script checks map_sync's results.
func TestIpyparallelSlurm(t *testing.T) {
	needIpyparallel(t)
	c := Start(t, Options{Nodes: 2, Netns: true})
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	r, err := IpyparallelSlurm(ctx, c, 2, "--ntasks-per-node=1")
	if err != nil {
		t.Fatal(err)
	}
	if want := []string{"n1", "n2"}; !slices.Equal(r.Nodes, want) {
		t.Errorf("engines ran on %v, want %v", r.Nodes, want)
	}
	if !(0 < r.Controller && r.Controller < r.Submitted && r.Submitted < r.Start) || r.MapSync <= 0 {
		t.Errorf("figures out of order: %+v", r)
	}
	t.Logf("ipyparallel on Slurm: start %v, warm map_sync %v, stop %v", r.Start, r.MapSync, r.Stop)
}

// BenchmarkIpyparallelSlurm prints the baseline of the Slurm benchmark:
// ipyparallel's cluster start (engines registered) and warm map_sync with
// 2 engines, on one node and on two nodes in network namespaces (one
// engine each). Run it with -benchtime 1x: each round starts a cluster.
//
//	go test -run '^$' -bench IpyparallelSlurm -benchtime 1x ./mirror/slurmtest
func BenchmarkIpyparallelSlurm(b *testing.B) {
	needIpyparallel(b)
	layouts := []struct {
		name  string
		opts  Options
		extra []string
	}{
		{"1node", Options{}, nil},
		{"2nodes-netns", Options{Nodes: 2, Netns: true}, []string{"--ntasks-per-node=1"}},
	}
	for _, l := range layouts {
		b.Run(l.name, func(b *testing.B) {
			c := Start(b, l.opts)
			ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
			defer cancel()
			for range b.N {
				r, err := IpyparallelSlurm(ctx, c, 2, l.extra...)
				if err != nil {
					b.Fatal(err)
				}
				b.ReportMetric(r.Start.Seconds(), "start-s")
				b.ReportMetric(float64(r.MapSync.Microseconds())/1000, "map-ms")
				fmt.Fprintf(os.Stdout, "ipyparallel on Slurm, %s, 2 engines on %v: cluster start %v (controller launched %v, sbatch returned %v), warm map_sync %v\n",
					l.name, r.Nodes, r.Start.Round(time.Millisecond), r.Controller.Round(time.Millisecond), r.Submitted.Round(time.Millisecond), r.MapSync.Round(10*time.Microsecond))
			}
		})
	}
}

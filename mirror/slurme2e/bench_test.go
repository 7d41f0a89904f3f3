package slurme2e

import (
	"context"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/dmirror/dmirror/mirror/slurmtest"
)

// BenchmarkSlurm measures in one run, on one node and on two nodes in
// network namespaces: the first Parallel call of a kernel whose mirrors
// are Slurm steps (the allocation, two steps, their connection and the
// replay of the session), and a warm call (ParallelCollect of 1,000 x*10
// on 2 mirrors, the median of 21); the same two for local mirrors; and
// ipyparallel's Slurm engine launcher on the same cluster (2 engines as an
// sbatch job, slurmtest.IpyparallelSlurm): its cluster start and its warm
// map_sync of the same workload. Times are taken inside the cells, around
// the call, as ipyparallel's are around map_sync; warm calls alternate
// between the Slurm and the local kernel over five rounds. Targets: cold at most
// 0.2 of ipyparallel's start, warm at most 0.2 of its map_sync.
// Run with go test -run '^$' -bench Slurm -benchtime 1x ./mirror/slurme2e.
func BenchmarkSlurm(b *testing.B) {
	for i := 0; i < b.N; i++ {
		for _, topo := range topologies {
			benchTopology(b, topo.name, topo.opts, topo.args)
		}
	}
}

const (
	benchSetup = "import (\n\t\"fmt\"\n\t\"time\"\n)\nys := make([]int, 1000)\nfor i := range ys { ys[i] = i }"
	benchCold  = "t0 := time.Now()\nr := ParallelCollect(ys, func(x int) int { return x * 10 }, WithMirrors(2))\nd := time.Since(t0)\nif len(r) != 1000 || r[999] != 9990 { panic(\"wrong result\") }\nfmt.Println(d.Nanoseconds())"
	benchWarm  = "for k := 0; k < 21; k++ {\n\tt0 := time.Now()\n\tr := ParallelCollect(ys, func(x int) int { return x * 10 }, WithMirrors(2))\n\td := time.Since(t0)\n\tif len(r) != 1000 || r[999] != 9990 { panic(\"wrong result\") }\n\tfmt.Println(d.Nanoseconds())\n}"
)

func benchTopology(b *testing.B, name string, opts slurmtest.Options, args string) {
	c := slurmtest.Start(b, opts)
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	var sbatch []string
	if args != "" {
		sbatch = strings.Fields(args)
	}
	// ipyparallel's engines hold the cluster's CPUs: it runs first, and
	// has left the queue when it returns.
	ipp, err := slurmtest.IpyparallelSlurm(ctx, c, 2, sbatch...)
	if err != nil {
		b.Fatal(err)
	}
	slurm := startKernel(b, c, "DMIRROR_SLURM_ARGS="+args)
	local := startKernel(b, c, "DMIRROR_MIRRORS=local")
	slurm.run(b, benchSetup)
	local.run(b, benchSetup)
	slurmCold := nanos(b, slurm.run(b, benchCold))[0]
	localCold := nanos(b, local.run(b, benchCold))[0]
	// The machine is shared: warm calls alternate between the two kernels
	// over five rounds, and the median round is reported.
	var slurmWarm, localWarm []time.Duration
	for round := 0; round < 5; round++ {
		slurmWarm = append(slurmWarm, median(nanos(b, slurm.run(b, benchWarm))))
		localWarm = append(localWarm, median(nanos(b, local.run(b, benchWarm))))
	}
	// Both end before their cleanups wait for an empty queue.
	slurm.Close()
	local.Close()
	sw, lw := median(slurmWarm), median(localWarm)
	coldRatio := slurmCold.Seconds() / ipp.Start.Seconds()
	warmRatio := sw.Seconds() / ipp.MapSync.Seconds()
	unit := strings.ReplaceAll(name, " ", "-")
	b.ReportMetric(coldRatio, unit+"-cold/ipp-start")
	b.ReportMetric(warmRatio, unit+"-warm/ipp-map")
	fmt.Printf("%s: first call (allocation + 2 steps): Slurm %v, local %v; ipyparallel's Slurm cluster start %v (engines on %v): ratio %.3f (target <= 0.2)\n",
		name, slurmCold.Round(time.Millisecond), localCold.Round(time.Millisecond), ipp.Start.Round(time.Millisecond), ipp.Nodes, coldRatio)
	fmt.Printf("%s: warm ParallelCollect of 1,000 x*10 on 2 mirrors, median of 21, rounds %v: Slurm %v, local %v (rounds %v); ipyparallel map_sync %v: ratio %.3f (target <= 0.2)\n",
		name, rounded(slurmWarm), sw.Round(10*time.Microsecond), lw.Round(10*time.Microsecond), rounded(localWarm), ipp.MapSync.Round(10*time.Microsecond), warmRatio)
}

func median(ds []time.Duration) time.Duration {
	s := slices.Clone(ds)
	slices.Sort(s)
	return s[len(s)/2]
}

func rounded(ds []time.Duration) []time.Duration {
	out := make([]time.Duration, len(ds))
	for k, d := range ds {
		out[k] = d.Round(10 * time.Microsecond)
	}
	return out
}

func nanos(b *testing.B, out string) []time.Duration {
	b.Helper()
	var ds []time.Duration
	for _, f := range strings.Fields(out) {
		n, err := strconv.ParseInt(f, 10, 64)
		if err != nil {
			b.Fatalf("cell printed %q: %v", out, err)
		}
		ds = append(ds, time.Duration(n))
	}
	return ds
}

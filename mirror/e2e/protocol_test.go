package e2e

import (
	"context"
	"fmt"
	"math/rand"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/dmirror/dmirror/kernel/kerneltest"
)

// TestOpsOverTheKernelProtocol runs the property check of
// TestOpsMatchSequential through the real dmirror binary over ZeroMQ, as a
// notebook does: every Parallel built-in against its sequential loop on
// random workloads, then a failing call, whose failure report (a
// display_data with HTML and text) comes before the MirrorError reply.
func TestOpsOverTheKernelProtocol(t *testing.T) {
	k := kerneltest.StartShared(t)
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	execute := func(code string) *kerneltest.Result {
		t.Helper()
		r, err := k.Execute(ctx, code)
		require.NoError(t, err, code)
		return r
	}
	require.Equal(t, "ok", execute(opsDecls).Status())
	rng := rand.New(rand.NewSource(rand.Int63()))
	for _, n := range []int{0, 1, 5, 33} {
		seed := rng.Int63()
		r := execute(fmt.Sprintf("check(%d, %d)", seed, n))
		require.Equal(t, "ok", r.Status(), "seed %d n %d: %v", seed, n, kerneltest.Fields(r.Reply))
		assert.Contains(t, r.Stream("stdout"), fmt.Sprint("checked ", n), "seed %d", seed)
	}

	r := execute("ParallelCollect([]int{1, 0, 3}, func(x int) int { return 6 / x }, WithMirrors(3))")
	f := kerneltest.Fields(r.Reply)
	require.Equal(t, "error", f["status"])
	assert.Equal(t, "MirrorError", f["ename"])
	ds := r.Of("display_data")
	require.Len(t, ds, 1, "one failure report")
	data, _ := kerneltest.Fields(ds[0])["data"].(map[string]any)
	text, _ := data["text/plain"].(string)
	assert.True(t, strings.HasPrefix(text, "── mirror 2 failed (panic) ──\nelement 1: 0\n"), "report %q", text)
	assert.Contains(t, data["text/html"], "integer divide by zero")
}

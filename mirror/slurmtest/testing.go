package slurmtest

import (
	"context"
	"os"
	"testing"
)

// OptionalEnv names the variable that makes the Slurm tests optional:
// with OptionalEnv=optional, Start skips a test on a machine that cannot run
// a private cluster (not root, Slurm not installed) instead of failing it.
const OptionalEnv = "DMIRROR_SLURM_TESTS"

// Optional reports whether OptionalEnv says the Slurm tests are optional.
func Optional() bool { return os.Getenv(OptionalEnv) == "optional" }

// Start starts a cluster for a test and closes it when the test and its
// subtests end, failing the test if Close finds something left running;
// when the test failed, it logs the end of the daemons' logs first.
// On a machine that cannot run one, it fails the test, or skips it when
// Optional.
func Start(t testing.TB, opts Options) *Cluster {
	t.Helper()
	if err := Check(opts); err != nil {
		if Optional() {
			t.Skipf("%v (%s=optional)", err, OptionalEnv)
		}
		t.Fatalf("%v (set %s=optional to skip the Slurm tests)", err, OptionalEnv)
	}
	c, err := New(context.Background(), opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if t.Failed() {
			t.Logf("the Slurm cluster's logs end with:\n%s", c.logs())
		}
		if err := c.Close(); err != nil {
			t.Error(err)
		}
	})
	return c
}

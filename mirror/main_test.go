package mirror

import (
	"context"
	"fmt"
	"os"
	"testing"

	"github.com/dmirror/dmirror/interp/childproc"
)

// TestMain lets the pool tests re-execute the test binary as a mirror.
func TestMain(m *testing.M) {
	if childproc.Mode() == WorkerMode {
		if err := ServeWorker(context.Background()); err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(1)
		}
		os.Exit(0)
	}
	os.Exit(m.Run())
}

package e2e

import (
	"context"
	"fmt"
	"os"
	"testing"

	"github.com/dmirror/dmirror/interp"
	"github.com/dmirror/dmirror/interp/childproc"
	"github.com/dmirror/dmirror/kernel/kerneltest"
	"github.com/dmirror/dmirror/mirror"
)

// TestMain lets the test binary be the image process and the mirrors: the
// Session and its pool start it again with DMIRROR_CHILD set.
func TestMain(m *testing.M) {
	serve := map[string]func(context.Context) error{interp.ImageMode: interp.ServeImage, mirror.WorkerMode: mirror.ServeWorker}
	if f, ok := serve[childproc.Mode()]; ok {
		if err := f(context.Background()); err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(1)
		}
		os.Exit(0)
	}
	if spec := os.Getenv(referenceEnv); spec != "" {
		if err := runReference(spec, os.Stdin, os.Stdout); err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(1)
		}
		os.Exit(0)
	}
	if os.Getenv(kernelRole) != "" {
		if err := serveKernel(); err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(1)
		}
	}
	os.Exit(kerneltest.RunTests(m)) // removes the binary that TestOpsOverTheKernelProtocol built
}

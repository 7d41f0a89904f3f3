package kernel_test

import (
	"context"
	"io"
	"log/slog"
	"testing"

	"github.com/dmirror/dmirror/kernel"
	"github.com/dmirror/dmirror/kernel/kerneltest"
)

// BenchmarkExecuteRoundTrip is the protocol layer's share of a trivial
// cell: execute_request to idle over loopback ZeroMQ, with an engine that
// does nothing. kernel/bench compares the whole kernel with a baseline.
func BenchmarkExecuteRoundTrip(b *testing.B) {
	k, err := kerneltest.StartFunc(context.Background(), kerneltest.Options{Dir: b.TempDir()}, func(ctx context.Context, connFile string) error {
		return kernel.Serve(ctx, connFile, newFakeEngine(), slog.New(slog.NewTextHandler(io.Discard, nil)))
	})
	if err != nil {
		b.Fatal(err)
	}
	defer k.Close()
	ctx := context.Background()
	for b.Loop() {
		if _, err := k.Execute(ctx, "result 1"); err != nil {
			b.Fatal(err)
		}
	}
}

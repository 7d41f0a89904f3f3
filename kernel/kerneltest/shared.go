package kerneltest

import (
	"bytes"
	"context"
	"os"
	"sync"
	"testing"
	"time"
)

// shared is the dmirror binary built once per test process by
// SharedBinary and removed by RunTests.
var shared struct {
	once sync.Once
	dir  string
	bin  string
	err  error
}

// RunTests runs a package's tests and then removes the binary that
// SharedBinary built. Call it from TestMain: os.Exit(kerneltest.RunTests(m)).
func RunTests(m *testing.M) int {
	code := m.Run()
	if shared.dir != "" {
		os.RemoveAll(shared.dir)
	}
	return code
}

// SharedBinary builds dmirror once per test process and returns its path.
// Tests that use it are skipped in -short mode.
func SharedBinary(t testing.TB) string {
	t.Helper()
	if testing.Short() {
		t.Skip("builds and runs the dmirror binary")
	}
	shared.once.Do(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
		defer cancel()
		if shared.dir, shared.err = os.MkdirTemp("", "dmirror-test-"); shared.err == nil {
			shared.bin, shared.err = BuildBinary(ctx, shared.dir)
		}
	})
	if shared.err != nil {
		t.Fatal(shared.err)
	}
	return shared.bin
}

// StartShared starts the shared dmirror binary as a kernel, with env added
// to its environment, and closes it when the test ends, logging the
// kernel's stderr if the test failed.
func StartShared(t testing.TB, env ...string) *Kernel {
	t.Helper()
	bin := SharedBinary(t)
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	var stderr LockedBuffer
	k, err := Start(ctx, Options{Dir: t.TempDir(), Stderr: &stderr, Env: env}, bin, "kernel", "{connection_file}")
	if err != nil {
		t.Fatalf("%v\nkernel stderr:\n%s", err, stderr.String())
	}
	t.Cleanup(func() {
		k.Close()
		if t.Failed() {
			t.Logf("kernel stderr:\n%s", stderr.String())
		}
	})
	return k
}

// LockedBuffer is a bytes.Buffer safe for concurrent use, for the output
// of processes under test.
type LockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *LockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *LockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

package stdpipe

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
)

const childEnv = "STDPIPE_TEST_CHILD"

// TestMain runs the child of TestDrainKeepsOrder when childEnv names a
// file: Redirect changes the process's os.Stdout and os.Stderr.
func TestMain(m *testing.M) {
	if out := os.Getenv(childEnv); out != "" {
		if err := child(out); err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(1)
		}
		os.Exit(0)
	}
	os.Exit(m.Run())
}

// child interleaves writes through os.Stdout and os.Stderr (as compiled
// code makes them) with writes of its own (as interpreted code makes
// them, after a drain), and writes what it collected to out.
func child(out string) error {
	pipes, err := Redirect()
	if err != nil {
		return err
	}
	var mu sync.Mutex
	var got strings.Builder
	emit := func(name string) func([]byte) {
		return func(b []byte) {
			mu.Lock()
			defer mu.Unlock()
			fmt.Fprintf(&got, "%s:%s|", name, b)
		}
	}
	var wg sync.WaitGroup
	for _, p := range pipes {
		wg.Add(1)
		go func() { defer wg.Done(); p.Run(emit(p.Name)) }()
	}
	direct := func(s string) {
		for _, p := range pipes {
			p.Drain(true, emit(p.Name))
		}
		mu.Lock()
		fmt.Fprintf(&got, "direct:%s|", s)
		mu.Unlock()
	}
	for i := range 100 {
		fmt.Fprint(os.Stdout, "a", i)
		direct(fmt.Sprint("b", i))
		fmt.Fprint(os.Stderr, "c", i)
		direct(fmt.Sprint("d", i))
	}
	for _, p := range pipes {
		p.Close()
	}
	wg.Wait()
	return os.WriteFile(out, []byte(got.String()), 0o644)
}

// TestDrainKeepsOrder: what goes through the pipes comes out before what
// the process writes after a drain, in order.
func TestDrainKeepsOrder(t *testing.T) {
	out := filepath.Join(t.TempDir(), "out")
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), childEnv+"="+out)
	if msg, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("child: %v\n%s", err, msg)
	}
	data, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	var want strings.Builder
	for i := range 100 {
		fmt.Fprintf(&want, "stdout:a%d|direct:b%d|stderr:c%d|direct:d%d|", i, i, i, i)
	}
	if string(data) != want.String() {
		t.Errorf("got\n%s\nwant\n%s", data, want.String())
	}
}

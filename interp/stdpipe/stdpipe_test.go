package stdpipe

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
)

const (
	childEnv   = "STDPIPE_TEST_CHILD"
	inheritEnv = "STDPIPE_TEST_INHERIT"
	journalEnv = "STDPIPE_TEST_JOURNAL"
)

// TestMain runs the child of TestDrainKeepsOrder when childEnv names a
// file (Redirect changes the process's os.Stdout and os.Stderr), and the
// child of TestInheritKeepsOrderAndLeftover when inheritEnv does.
func TestMain(m *testing.M) {
	if out := os.Getenv(childEnv); out != "" {
		if err := child(out); err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(1)
		}
		os.Exit(0)
	}
	if out := os.Getenv(inheritEnv); out != "" {
		pipes, err := Inherit(3)
		if err == nil && os.Getenv(journalEnv) != "" {
			// Read, and the child dies before it passed them on.
			syscall.Write(2, []byte("last words\n"))
			pipes[1].Drain(true, func([]byte) { os.Exit(3) })
			os.Exit(1)
		}
		if err == nil {
			err = interleave(pipes, out)
		}
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(1)
		}
		// Unread by the child, which no longer reads: its relay's.
		syscall.Write(2, []byte("last words\n"))
		os.Exit(3)
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
	return interleave(pipes, out)
}

func interleave(pipes []*Pipe, out string) error {
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

// TestInheritKeepsOrderAndLeftover: a child whose fd 1 and 2 are the
// pipes of ChildPipes reads them itself (Inherit) in order with its own
// writes, as through Redirect (here os.Stdout and os.Stderr are fd 1 and
// 2); what it wrote there last and did not pass on, the parent gets once
// it exited (Leftover).
func TestInheritKeepsOrderAndLeftover(t *testing.T) {
	t.Run("unread", func(t *testing.T) { testInherit(t) })
	// The last words were read, and the child died as it passed them on:
	// they are in its journal.
	t.Run("read", func(t *testing.T) { testInherit(t, journalEnv+"=1") })
}

func testInherit(t *testing.T, env ...string) {
	out := filepath.Join(t.TempDir(), "out")
	c, err := NewChildPipes()
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(append(os.Environ(), inheritEnv+"="+out), env...)
	cmd.Stdout, cmd.Stderr, cmd.ExtraFiles = c.Stdout(), c.Stderr(), c.ExtraFiles()
	err = cmd.Start()
	c.Started()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Wait(); cmd.ProcessState.ExitCode() != 3 {
		t.Fatalf("child: %v, want exit status 3", err)
	}
	var stdout, stderr bytes.Buffer
	if err := c.Leftover(&stdout, &stderr); err != nil {
		t.Fatal(err)
	}
	if stdout.String() != "" || stderr.String() != "last words\n" {
		t.Errorf("left %q and %q, want nothing on stdout and the last words on stderr", stdout.String(), stderr.String())
	}
	if len(env) > 0 {
		return // the child wrote nothing else
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

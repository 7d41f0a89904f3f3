package e2e

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"os"
	"os/exec"
	"runtime"
	"runtime/debug"
	"strconv"
	"strings"
	"testing"
	"time"

	yaegi "github.com/traefik/yaegi/interp"
	"github.com/traefik/yaegi/stdlib"

	"github.com/dmirror/dmirror/interp/vm"
)

// referenceEnv makes the test binary a reference process of the speedup
// benchmark instead of running tests: "n,role" runs fib(24) n times in a
// plain yaegi interpreter, with no kernel, image or mirror code around it,
// with the Go runtime set as the image process sets it (role "image": all
// Ps, GOGC=400) or as a mirror does (role "mirror": 2 Ps, the allocation
// budget), and prints the time the loop took in nanoseconds. It waits for
// a line on stdin before the loop, so that two references start together.
const referenceEnv = "DMIRROR_BENCH_REFERENCE"

func runReference(spec string, in io.Reader, out io.Writer) error {
	n, role, ok := strings.Cut(spec, ",")
	count, err := strconv.Atoi(n)
	if !ok || err != nil {
		return fmt.Errorf("%s=%q: want count,role", referenceEnv, spec)
	}
	switch role {
	case "image":
		debug.SetGCPercent(400) // as interp.imageGCPercent
	case "mirror":
		runtime.GOMAXPROCS(min(2, runtime.NumCPU())) // as mirror.tuneRuntime for a collecting chunk
		vm.TuneGC(64 << 20)
	default:
		return fmt.Errorf("%s=%q: role %q is neither image nor mirror", referenceEnv, spec, role)
	}
	i := yaegi.New(yaegi.Options{})
	if err := i.Use(stdlib.Symbols); err != nil {
		return err
	}
	if _, err := i.Eval("func fib(n int) int {\n\tif n < 2 {\n\t\treturn n\n\t}\n\treturn fib(n-1) + fib(n-2)\n}\nfunc loop(k int) int {\n\ts := 0\n\tfor j := 0; j < k; j++ {\n\t\ts += fib(24)\n\t}\n\treturn s\n}"); err != nil {
		return err
	}
	v, err := i.Eval("loop")
	if err != nil {
		return err
	}
	loop := v.Interface().(func(int) int)
	fmt.Fprintln(out, "ready")
	if _, err := bufio.NewReader(in).ReadString('\n'); err != nil {
		return err
	}
	t0 := time.Now()
	loop(count)
	fmt.Fprintln(out, time.Since(t0).Nanoseconds())
	return nil
}

// reference runs fib(24) n times in each of len(roles) reference processes
// (see referenceEnv), started together, and returns the longest loop time.
func reference(b *testing.B, n int, roles ...string) time.Duration {
	b.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	type ref struct {
		cmd   *exec.Cmd
		stdin io.WriteCloser
		out   *bufio.Reader
	}
	refs := make([]ref, len(roles))
	for k, role := range roles {
		cmd := exec.CommandContext(ctx, os.Args[0])
		cmd.Env = append(os.Environ(), fmt.Sprintf("%s=%d,%s", referenceEnv, n, role))
		cmd.Stderr = os.Stderr
		stdin, err := cmd.StdinPipe()
		if err != nil {
			b.Fatal(err)
		}
		stdout, err := cmd.StdoutPipe()
		if err != nil {
			b.Fatal(err)
		}
		if err := cmd.Start(); err != nil {
			b.Fatal(err)
		}
		refs[k] = ref{cmd, stdin, bufio.NewReader(stdout)}
		defer cmd.Wait()
		defer stdin.Close()
	}
	readLine := func(r ref) string {
		line, err := r.out.ReadString('\n')
		if err != nil {
			b.Fatalf("reference process: %v", err)
		}
		return strings.TrimSpace(line)
	}
	for _, r := range refs {
		if got := readLine(r); got != "ready" {
			b.Fatalf("reference process said %q", got)
		}
	}
	for _, r := range refs {
		fmt.Fprintln(r.stdin, "go")
	}
	var longest time.Duration
	for _, r := range refs {
		ns, err := strconv.ParseInt(readLine(r), 10, 64)
		if err != nil {
			b.Fatal(err)
		}
		longest = max(longest, time.Duration(ns))
	}
	return longest
}

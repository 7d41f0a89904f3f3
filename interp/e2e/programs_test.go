package e2e

import (
	"bytes"
	"context"
	"errors"
	"flag"
	"fmt"
	"os"
	osexec "os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/dmirror/dmirror/interp"
	"github.com/dmirror/dmirror/interp/native"
	"github.com/dmirror/dmirror/kernel"
	"github.com/dmirror/dmirror/kernel/kerneltest"
)

// programsDir holds the acceptance programs: whole Go programs, one per
// txtar file, each pasted as one cell (issue 9, "Tests").
const programsDir = "../../testdata/programs"

// unwrapPrograms is a diagnostic, not the acceptance test: it pastes each
// program with its package clause removed and main and init renamed and
// called at the end, to see what would differ once whole programs are
// accepted. It only logs.
var unwrapPrograms = flag.Bool("programs.unwrap", false, "diagnostic: paste programs without package clause, func main and func init, and only log the table")

const programTimeout = 90 * time.Second

// outcome is what one program gave: compiled by go build and run, or
// pasted into a fresh dmirror kernel as one cell.
type outcome struct {
	stdout, stderr string
	failed         bool   // the Go program exited non-zero, or the cell failed
	reason         string // why it failed, or extra output; "" if none
}

// verdict compares a cell's outcome with Go's.
type verdict struct {
	name, status, reason string // status: match, differs, error
	// silent: the output differs and the cell succeeded, the worst case
	// (a different result without an error).
	silent bool
}

// TestPrograms runs every program of testdata/programs as one pasted cell
// through the real dmirror binary over ZeroMQ, each in its own kernel, and
// compares the cell's stdout and stderr with the same file built by go
// build in this run. It runs in the mode of declarations the environment
// gives (see declMode) and fails for programs that do not match and are
// not listed in that mode's known failures.
func TestPrograms(t *testing.T) {
	t.Logf("dmirror binary: %s", programsBinary(t))
	mode := declMode(t)
	progs, err := loadPrograms(programsDir)
	if err != nil {
		t.Fatal(err)
	}
	knownFile := knownFailuresFile[mode]
	known, err := loadKnownFailures(filepath.Join(programsDir, knownFile))
	if err != nil {
		t.Fatal(err)
	}
	for name := range known {
		if !slices.ContainsFunc(progs, func(p *program) bool { return p.name == name }) {
			t.Errorf("%s lists %s, which is not a program", knownFile, name)
		}
	}
	oracle, err := buildPrograms(ctxT(t), t.TempDir(), progs)
	if err != nil {
		t.Fatal(err)
	}
	var (
		mu       sync.Mutex
		verdicts []verdict
	)
	t.Run("each", func(t *testing.T) {
		for _, p := range progs {
			t.Run(p.name, func(t *testing.T) {
				t.Parallel()
				want, err := runBuilt(t, oracle[p.name])
				if err != nil {
					t.Fatalf("go build of %s: %v", p.name, err)
				}
				if want.stdout == "" && want.stderr == "" {
					t.Fatalf("%s prints nothing under Go: it would match anything that prints nothing", p.name)
				}
				got := runCell(t, p, mode)
				v := compare(p, want, got)
				if v.status == "differs" {
					t.Logf("go run:\n%s\ncell:\n%s", sideBySide(want), sideBySide(got))
				}
				mu.Lock()
				verdicts = append(verdicts, v)
				mu.Unlock()
				if _, ok := known[p.name]; v.status != "match" && !ok && !*unwrapPrograms {
					t.Errorf("%s: %s: %s (not in %s)", p.name, v.status, v.reason, knownFile)
				}
			})
		}
	})
	report(t, verdicts, known, mode)
}

// The two modes of declarations: compiled into Go plugins (the default
// where a C compiler and the go command are there) or interpreted
// (DMIRROR_NATIVE=0, the fallback). Each has its own known failures.
const (
	modeCompiled    = "compiled"
	modeInterpreted = "interpreted"
)

var knownFailuresFile = map[string]string{
	modeCompiled:    "KNOWN-FAILURES.txt",
	modeInterpreted: "KNOWN-FAILURES-interpreted.txt",
}

// declMode is the mode the kernels of this test process run declarations
// in: interpreted with DMIRROR_NATIVE=0, else compiled. Without a C
// compiler the compiled mode cannot be tested: the test skips, saying so.
func declMode(t *testing.T) string {
	if os.Getenv(interp.NativeEnv) == "0" {
		return modeInterpreted
	}
	if why := native.CgoMissing(os.Environ()); why != "" {
		t.Skipf("compiled declarations cannot be built (%s); %s=0 runs the interpreted mode", why, interp.NativeEnv)
	}
	return modeCompiled
}

// report logs one line per program and the counts, and names the known
// failures that now match so the list can shrink.
func report(t *testing.T, vs []verdict, known map[string]string, mode string) {
	slices.SortFunc(vs, func(a, b verdict) int { return strings.Compare(a.name, b.name) })
	counts := map[string]int{}
	var b strings.Builder
	var fixed []string
	for _, v := range vs {
		counts[v.status]++
		if v.silent {
			counts["silent"]++
		}
		mark := ""
		if _, ok := known[v.name]; ok {
			mark = " (known)"
			if v.status == "match" {
				fixed = append(fixed, v.name)
			}
		}
		fmt.Fprintf(&b, "%-28s %-7s%s %s\n", v.name, v.status, mark, v.reason)
	}
	t.Logf("programs (declarations %s, unwrap=%v):\n%s", mode, *unwrapPrograms, b.String())
	t.Logf("%d programs, declarations %s: %d match, %d differ (%d of them with the cell succeeding), %d error; %d listed as known failures",
		len(vs), mode, counts["match"], counts["differs"], counts["silent"], counts["error"], len(known))
	if len(fixed) > 0 {
		t.Logf("now match, remove from %s: %s", knownFailuresFile[mode], strings.Join(fixed, " "))
	}
}

// compare gives the verdict of a cell's outcome against Go's, in the
// program's compare mode.
func compare(p *program, want, got outcome) verdict {
	v := verdict{name: p.name, status: "match"}
	switch {
	case got.failed && !want.failed:
		v.status, v.reason = "error", got.reason
	case want.failed && !got.failed:
		v.status, v.reason = "differs", "the Go program failed ("+want.reason+"), the cell did not"
	case got.reason != "" && !got.failed:
		v.status, v.reason = "differs", got.reason
	default:
		norm := p.normalize()
		if d := diff("stdout", norm(want.stdout), norm(got.stdout)); d != "" {
			v.status, v.reason = "differs", d
		} else if d := diff("stderr", norm(want.stderr), norm(got.stderr)); d != "" {
			v.status, v.reason = "differs", d
		}
		if v.status != "match" && got.failed {
			v.reason += " (the cell failed: " + got.reason + ")"
		}
	}
	v.silent = v.status == "differs" && !got.failed
	return v
}

// diff describes the first line where got differs from want, or "".
func diff(stream, want, got string) string {
	if want == got {
		return ""
	}
	wl, gl := strings.Split(want, "\n"), strings.Split(got, "\n")
	for i := 0; ; i++ {
		w, g := lineAt(wl, i), lineAt(gl, i)
		if w != g {
			return fmt.Sprintf("%s line %d: got %s, want %s", stream, i+1, g, w)
		}
	}
}

func lineAt(ls []string, i int) string {
	if i >= len(ls) {
		return "(end)"
	}
	return fmt.Sprintf("%q", ls[i])
}

// buildPrograms writes every program into one temporary module and builds
// them all with one go build (which runs the compilers in parallel,
// bounded by the CPU count), returning the path of each binary.
func buildPrograms(ctx context.Context, dir string, progs []*program) (map[string]string, error) {
	mod := filepath.Join(dir, "mod")
	if err := os.MkdirAll(mod, 0o755); err != nil {
		return nil, err
	}
	if err := os.WriteFile(filepath.Join(mod, "go.mod"), []byte("module programs\n\ngo 1.26\n"), 0o644); err != nil {
		return nil, err
	}
	bins := filepath.Join(dir, "bin")
	paths := map[string]string{}
	for _, p := range progs {
		pdir := filepath.Join(mod, p.name)
		if err := os.MkdirAll(pdir, 0o755); err != nil {
			return nil, err
		}
		if err := os.WriteFile(filepath.Join(pdir, "main.go"), p.src, 0o644); err != nil {
			return nil, err
		}
		paths[p.name] = filepath.Join(bins, p.name)
	}
	build := osexec.CommandContext(ctx, "go", "build", "-o", bins+string(filepath.Separator), "./...")
	build.Dir = mod
	// The programs use the standard library only: no flags or workspace
	// of the caller's apply to their module.
	build.Env = append(os.Environ(), "GOFLAGS=", "GOWORK=off")
	if out, err := build.CombinedOutput(); err != nil {
		return nil, fmt.Errorf("go build the programs: %w\n%s", err, out)
	}
	return paths, nil
}

// runBuilt runs a program built by go build, with no arguments, in a
// fresh directory.
func runBuilt(t *testing.T, bin string) (outcome, error) {
	ctx, cancel := context.WithTimeout(context.Background(), programTimeout)
	defer cancel()
	var stdout, stderr bytes.Buffer
	cmd := osexec.CommandContext(ctx, bin)
	cmd.Dir = t.TempDir()
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	o := outcome{stdout: stdout.String(), stderr: stderr.String()}
	var exit *osexec.ExitError
	switch {
	case errors.As(err, &exit):
		o.failed, o.reason = true, exit.String()
	case err != nil:
		return o, err
	}
	return o, nil
}

// runCell pastes the program as one cell into a fresh kernel whose
// declarations run in mode.
func runCell(t *testing.T, p *program, mode string) outcome {
	code := string(p.src)
	if *unwrapPrograms {
		code = unwrap(code)
	}
	ctx, cancel := context.WithTimeout(context.Background(), programTimeout)
	defer cancel()
	k := startIPC(ctx, t)
	r, err := k.Execute(ctx, code)
	if err != nil {
		return outcome{failed: true, reason: fmt.Sprintf("no reply within %v: %v", programTimeout, err)}
	}
	o := outcome{stdout: r.Stream("stdout"), stderr: r.Stream("stderr")}
	notice := interpretedNotice.FindString(o.stderr)
	o.stderr = strings.TrimPrefix(o.stderr, notice)
	if r.Status() != "ok" {
		o.failed, o.reason = true, firstLine(errorText(r))
	}
	if notice != "" && mode == modeCompiled {
		// Not the mode under test: the program's verdict would be the
		// interpreter's.
		o.failed, o.reason = true, "declarations ran interpreted in the compiled mode: "+strings.TrimSpace(notice)
	}
	for _, m := range r.Of("execute_result") {
		o.reason = "the cell shows a result a program does not: " + firstLine(fmt.Sprint(kerneltest.Fields(m)["data"]))
	}
	for _, m := range r.Of("display_data") {
		if isBuildProgress(m) {
			continue // dmirror compiling a package the program imports
		}
		o.reason = "the cell displays what a program does not: " + firstLine(fmt.Sprint(kerneltest.Fields(m)["data"]))
	}
	return o
}

// programsBinary is the dmirror binary the programs run in: the one named
// by $DMIRROR_PROGRAMS_BINARY, to measure another build (another branch's)
// with this suite, else this module's, built once (skipped in -short mode).
func programsBinary(t *testing.T) string {
	if testing.Short() {
		t.Skip("builds and runs the dmirror binary")
	}
	if bin := os.Getenv("DMIRROR_PROGRAMS_BINARY"); bin != "" {
		return bin
	}
	return kerneltest.SharedBinary(t)
}

// startIPC starts the shared dmirror binary as a kernel on ipc sockets in
// the test's own directory, so that many kernels started at once never
// race for the same free tcp port, and closes it when the test ends.
func startIPC(ctx context.Context, t *testing.T) *kerneltest.Kernel {
	t.Helper()
	var stderr kerneltest.LockedBuffer
	opts := kerneltest.Options{Dir: t.TempDir(), Transport: "ipc", Stderr: &stderr}
	k, err := kerneltest.Start(ctx, opts, programsBinary(t), "kernel", "{connection_file}")
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

// interpretedNotice is the line with which the kernel says, at the
// start of the first cell that declares code, that declarations run
// interpreted and why (DMIRROR_NATIVE=0, no C compiler, a generation that
// does not build): dmirror's note, not the program's output.
var interpretedNotice = regexp.MustCompile(`\Anote: declarations run interpreted, not compiled: [^\n]*\n`)

// sideBySide shows an outcome's two streams for a failure log.
func sideBySide(o outcome) string {
	return fmt.Sprintf("--- stdout\n%s--- stderr\n%s", o.stdout, o.stderr)
}

func firstLine(s string) string {
	s, _, _ = strings.Cut(strings.TrimSpace(s), "\n")
	return s
}

// isBuildProgress reports the display in which dmirror says that it
// compiles the packages a cell imports (its id starts "dmirror-build-").
func isBuildProgress(m *kernel.Message) bool {
	transient, _ := kerneltest.Fields(m)["transient"].(map[string]any)
	id, _ := transient["display_id"].(string)
	return strings.HasPrefix(id, "dmirror-build-")
}

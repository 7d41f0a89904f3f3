package kernel_test

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/dmirror/dmirror/kernel"
	"github.com/dmirror/dmirror/kernel/engine"
)

// fakeKernelEnv makes the test binary serve the protocol with jktEngine
// instead of running tests: the kernelspec of TestJupyterKernelTestSuite
// starts it that way.
const fakeKernelEnv = "DMIRROR_TEST_FAKE_KERNEL"

func TestMain(m *testing.M) {
	if os.Getenv(fakeKernelEnv) == "1" {
		os.Exit(serveFakeKernel(os.Args[len(os.Args)-1]))
	}
	os.Exit(m.Run())
}

func serveFakeKernel(connFile string) int {
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM)
	defer stop()
	log := slog.New(slog.NewTextHandler(os.Stderr, nil))
	if err := kernel.Serve(ctx, connFile, jktEngine{}, log); err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	return 0
}

// TestJupyterKernelTestSuite runs the conformance suite of testdata/jkt
// against the protocol layer with jktEngine, which answers the suite's Go
// samples as the real engine would. Every message is checked against the
// suite's schemas; the suite against the real engine is testdata/jkt/run.sh.
func TestJupyterKernelTestSuite(t *testing.T) {
	if testing.Short() {
		t.Skip("starts Python")
	}
	const python = "/usr/bin/python3"
	if err := exec.Command(python, "-c", "import jupyter_kernel_test").Run(); err != nil {
		t.Skipf("jupyter_kernel_test is not installed for %s: %v", python, err)
	}
	self, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	tmp := t.TempDir()
	specDir := filepath.Join(tmp, "share", "jupyter", "kernels", "dmirror-fake")
	if err := os.MkdirAll(specDir, 0o755); err != nil {
		t.Fatal(err)
	}
	spec, _ := json.Marshal(map[string]any{
		"argv":           []string{self, "{connection_file}"},
		"display_name":   "dmirror protocol with a fake engine",
		"language":       "go",
		"interrupt_mode": "message",
		"env":            map[string]string{fakeKernelEnv: "1"},
	})
	if err := os.WriteFile(filepath.Join(specDir, "kernel.json"), spec, 0o644); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, python, "-m", "unittest", "-v", "test_dmirror")
	cmd.Dir = filepath.Join("..", "testdata", "jkt")
	cmd.Env = append(os.Environ(),
		"DMIRROR_KERNEL_NAME=dmirror-fake",
		"JUPYTER_PATH="+filepath.Join(tmp, "share", "jupyter"),
		"JUPYTER_DATA_DIR="+filepath.Join(tmp, "data"),
		"JUPYTER_RUNTIME_DIR="+filepath.Join(tmp, "runtime"),
		"JUPYTER_CONFIG_DIR="+filepath.Join(tmp, "config"),
		"IPYTHONDIR="+filepath.Join(tmp, "ipython"),
	)
	out, err := cmd.CombinedOutput()
	if err != nil || !strings.Contains(string(out), "\nOK") {
		t.Fatalf("suite failed: %v\n%s", err, out)
	}
	if strings.Contains(string(out), "skipped") {
		t.Errorf("the suite skipped checks; every attribute should be set:\n%s", out)
	}
	t.Logf("%s", out)
}

// jktEngine answers the samples of testdata/jkt/test_dmirror.py.
type jktEngine struct{}

func (jktEngine) Execute(ctx context.Context, req engine.ExecuteRequest, out engine.Sink) engine.Result {
	code := strings.TrimSpace(req.Code)
	switch {
	case strings.HasPrefix(code, "import ("):
	case code == `fmt.Println("hello, world")`:
		out.Stream("stdout", "hello, world\n")
	case strings.HasPrefix(code, "fmt.Fprintln(os.Stderr"):
		out.Stream("stderr", "to stderr\n")
	case code == `panic("boom")`:
		return engine.Result{Error: &engine.Error{Name: "Panic", Value: "boom", Traceback: []string{"cell[1] line 1: panic: boom"}}}
	case code == "1+2+3":
		return engine.Result{Data: engine.Bundle{"text/plain": "6"}}
	case code == `"go" + "pher"`:
		return engine.Result{Data: engine.Bundle{"text/plain": `"gopher"`}}
	case code == "len([]int{7, 8, 9})":
		return engine.Result{Data: engine.Bundle{"text/plain": "3"}}
	case strings.HasPrefix(code, "display.HTML("):
		out.Display(engine.Bundle{"text/html": "<b>bold</b>", "text/plain": "HTML"}, nil, "", false)
	case strings.HasPrefix(code, "display.Markdown("):
		out.Display(engine.Bundle{"text/markdown": "# title", "text/plain": "# title"}, nil, "", false)
	case strings.HasPrefix(code, "display.SVG("):
		out.Display(engine.Bundle{"image/svg+xml": "<svg/>", "text/plain": "SVG"}, nil, "", false)
	case strings.HasPrefix(code, "display.JSON("):
		out.Display(engine.Bundle{"application/json": map[string]any{"a": 1}, "text/plain": `{"a":1}`}, nil, "", false)
	case code == "display.Clear(false)":
		out.ClearOutput(false)
	case code == "fmt.Println?":
		return engine.Result{Payload: []map[string]any{{"source": "page", "data": map[string]any{"text/plain": "func fmt.Println(a ...any) (n int, err error)"}, "start": 0}}}
	default:
		return engine.Result{Error: &engine.Error{Name: "CompileError", Value: "the fake engine does not know this cell", Traceback: []string{code}}}
	}
	return engine.Result{}
}

// Complete completes package members from the dot, as the real engine does.
func (jktEngine) Complete(code string, cursor int) engine.Completion {
	word := code[strings.LastIndexAny(code[:cursor], " \t\n(")+1 : cursor]
	pkg, prefix, ok := strings.Cut(word, ".")
	if !ok {
		return engine.Completion{CursorStart: cursor, CursorEnd: cursor}
	}
	members := map[string][]string{"fmt": {"Print", "Printf", "Println", "Sprint"}, "strings": {"ToUpper", "ToUpperSpecial", "ToLower"}}
	var matches []string
	for _, name := range members[pkg] {
		if strings.HasPrefix(name, prefix) {
			matches = append(matches, name)
		}
	}
	return engine.Completion{Matches: matches, CursorStart: cursor - len(prefix), CursorEnd: cursor}
}

func (jktEngine) Inspect(code string, cursor, detail int) engine.Inspection {
	if strings.Contains(code, "fmt.Println") {
		return engine.Inspection{Found: true, Data: engine.Bundle{"text/plain": "func fmt.Println(a ...any) (n int, err error)"}}
	}
	return engine.Inspection{}
}

// IsComplete counts open brackets, enough for the suite's samples.
func (jktEngine) IsComplete(code string) engine.Completeness {
	if strings.Contains(code, "func )") || strings.Contains(code, ":= :=") {
		return engine.Completeness{Status: "invalid"}
	}
	open := 0
	for _, r := range code {
		switch r {
		case '{', '(', '[':
			open++
		case '}', ')', ']':
			open--
		}
	}
	if open > 0 {
		return engine.Completeness{Status: "incomplete", Indent: "\t"}
	}
	return engine.Completeness{Status: "complete"}
}

func (jktEngine) Close() error { return nil }

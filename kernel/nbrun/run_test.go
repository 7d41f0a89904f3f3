package nbrun_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/dmirror/dmirror/kernel/engine"
	"github.com/dmirror/dmirror/kernel/nbrun"
)

// cell is a cell of a test notebook.
type cell struct {
	kind   string // code by default
	source string
	tags   []string
}

func goNotebook(cells ...cell) map[string]any {
	var list []any
	for i, c := range cells {
		kind := c.kind
		if kind == "" {
			kind = "code"
		}
		tags := []any{}
		for _, t := range c.tags {
			tags = append(tags, t)
		}
		m := map[string]any{"cell_type": kind, "id": "c" + string(rune('a'+i)), "metadata": map[string]any{"tags": tags},
			"source": strings.SplitAfter(c.source, "\n")}
		if kind == "code" {
			m["outputs"] = []any{map[string]any{"output_type": "stream", "name": "stdout", "text": "stale\n"}}
			m["execution_count"] = 99
		}
		list = append(list, m)
	}
	return map[string]any{
		"nbformat": 4, "nbformat_minor": 5, "cells": list,
		"metadata": map[string]any{
			"kernelspec":    map[string]any{"name": "dmirror", "display_name": "Go (dmirror)", "language": "go"},
			"language_info": map[string]any{"name": "go"},
			"custom":        map[string]any{"kept": true},
		},
	}
}

func writeJSON(t *testing.T, path string, v any) {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, b, 0o644); err != nil {
		t.Fatal(err)
	}
}

// result of one run.
type result struct {
	code           int
	err            error
	stdout, stderr string
	nb             map[string]any // the written notebook, nil if none
}

func run(t *testing.T, eng *fakeEngine, nb any, args ...string) result {
	t.Helper()
	dir := t.TempDir()
	in := filepath.Join(dir, "nb.ipynb")
	if s, ok := nb.(string); ok {
		if err := os.WriteFile(in, []byte(s), 0o644); err != nil {
			t.Fatal(err)
		}
	} else if nb != nil {
		writeJSON(t, in, nb)
	}
	var stdout, stderr bytes.Buffer
	code, err := nbrun.Main(context.Background(), append([]string{in}, args...), &stdout, &stderr, eng.new)
	r := result{code: code, err: err, stdout: stdout.String(), stderr: stderr.String()}
	if b, err := os.ReadFile(filepath.Join(dir, "nb.out.ipynb")); err == nil {
		if err := json.Unmarshal(b, &r.nb); err != nil {
			t.Fatalf("the written notebook is not JSON: %v", err)
		}
		validate(t, filepath.Join(dir, "nb.out.ipynb"))
	}
	return r
}

// validate checks a notebook with nbformat's own validator when the
// Debian Jupyter packages are installed.
func validate(t *testing.T, path string) {
	t.Helper()
	py := "/usr/bin/python3"
	if _, err := os.Stat(py); err != nil {
		return
	}
	out, err := exec.Command(py, "-c", "import sys, nbformat; nbformat.validate(nbformat.read(sys.argv[1], as_version=nbformat.NO_CONVERT))", path).CombinedOutput()
	if err != nil && !strings.Contains(string(out), "No module named") {
		t.Errorf("nbformat.validate: %v\n%s", err, out)
	}
}

func cells(r result) []map[string]any {
	var out []map[string]any
	for _, c := range r.nb["cells"].([]any) {
		out = append(out, c.(map[string]any))
	}
	return out
}

func outputs(c map[string]any) []map[string]any {
	var out []map[string]any
	for _, o := range c["outputs"].([]any) {
		out = append(out, o.(map[string]any))
	}
	return out
}

func lines(v any) string {
	var b strings.Builder
	for _, l := range v.([]any) {
		b.WriteString(l.(string))
	}
	return b.String()
}

func TestOutputStructure(t *testing.T) {
	eng := &fakeEngine{cells: map[string]func(context.Context, engine.Sink) engine.Result{
		"// prints": func(_ context.Context, out engine.Sink) engine.Result {
			out.Stream("stdout", "a\n")
			out.Stream("stdout", "b\n")
			out.Stream("stderr", "warn\n")
			out.Stream("stdout", "c")
			return engine.Result{Data: engine.Bundle{"text/plain": "42"}, Metadata: engine.Bundle{}}
		},
		"// shows": func(_ context.Context, out engine.Sink) engine.Result {
			out.Display(engine.Bundle{"text/plain": "bar 0/2", "text/html": "<div>0</div>"}, nil, "bar", false)
			out.Display(engine.Bundle{"text/plain": "plain"}, nil, "", false)
			return engine.Result{}
		},
		"// updates": func(_ context.Context, out engine.Sink) engine.Result {
			out.Display(engine.Bundle{"text/plain": "bar 2/2"}, nil, "bar", true)
			out.Stream("stdout", "gone\n")
			out.ClearOutput(true)
			out.Display(engine.Bundle{"image/png": "AQI="}, engine.Bundle{"image/png": map[string]any{"width": 1}}, "", false)
			return engine.Result{}
		},
		"// asks": func(ctx context.Context, out engine.Sink) engine.Result {
			if _, err := out.Input(ctx, "name? ", false); !errors.Is(err, engine.ErrNoStdin) {
				return fail("Test", "Input did not fail with ErrNoStdin")
			}
			return engine.Result{}
		},
	}}
	r := run(t, eng, goNotebook(
		cell{kind: "markdown", source: "# Title"},
		cell{source: "// prints\nx := 42\nx"},
		cell{source: "  \n"},
		cell{source: "// shows"},
		cell{source: "// updates"},
		cell{source: "// asks"},
	))
	if r.code != 0 || r.err != nil {
		t.Fatalf("run: %d %v\n%s", r.code, r.err, r.stderr)
	}
	c := cells(r)
	exec1, _ := c[1]["metadata"].(map[string]any)["execution"].(map[string]any)
	if reply, _ := exec1["shell.execute_reply"].(string); !strings.HasSuffix(reply, "Z") || len(reply) != len("2006-01-02T15:04:05.000000Z") {
		t.Errorf("execution timing metadata %v", exec1)
	}
	if _, ok := c[0]["outputs"]; ok {
		t.Error("a markdown cell got outputs")
	}
	if lines(c[0]["source"]) != "# Title" || r.nb["metadata"].(map[string]any)["custom"] == nil {
		t.Error("the markdown cell or the notebook metadata changed")
	}
	out := outputs(c[1])
	want := []map[string]any{
		{"output_type": "stream", "name": "stdout", "text": []any{"a\n", "b\n"}},
		{"output_type": "stream", "name": "stderr", "text": []any{"warn\n"}},
		{"output_type": "stream", "name": "stdout", "text": []any{"c"}},
		{"output_type": "execute_result", "execution_count": 1.0, "data": map[string]any{"text/plain": []any{"42"}}, "metadata": map[string]any{}},
	}
	if !reflect.DeepEqual(out, want) {
		t.Errorf("outputs of the printing cell\n got %v\nwant %v", out, want)
	}
	if c[1]["execution_count"] != 1.0 || c[2]["execution_count"] != nil || len(outputs(c[2])) != 0 || c[3]["execution_count"] != 2.0 {
		t.Errorf("execution counts %v %v %v, want 1, null (empty cell), 2", c[1]["execution_count"], c[2]["execution_count"], c[3]["execution_count"])
	}
	shows := outputs(c[3])
	if len(shows) != 2 || shows[0]["output_type"] != "display_data" || lines(shows[0]["data"].(map[string]any)["text/plain"]) != "bar 2/2" {
		t.Errorf("the display of the earlier cell was not updated by id: %v", shows)
	}
	if _, ok := shows[0]["data"].(map[string]any)["text/html"]; ok {
		t.Error("an update kept the old bundle's text/html")
	}
	upd := outputs(c[4])
	if len(upd) != 1 || upd[0]["data"].(map[string]any)["image/png"] != "AQI=" {
		t.Errorf("clear_output(wait) then a display: outputs %v, want only the image", upd)
	}
	for _, want := range []string{"cell 1/5 (In[1]) ok", "cell 5/5 (In[4]) ok", "4 of 5 code cells run", "wrote "} {
		if !strings.Contains(r.stderr, want) {
			t.Errorf("stderr lacks %q:\n%s", want, r.stderr)
		}
	}
	for _, req := range eng.reqs {
		if req.AllowStdin || !req.StoreHistory {
			t.Errorf("request %+v: want AllowStdin false, StoreHistory true", req)
		}
	}
	if !eng.closed {
		t.Error("the engine was not closed")
	}
}

func TestFailingCellStopsTheRun(t *testing.T) {
	eng := &fakeEngine{cells: map[string]func(context.Context, engine.Sink) engine.Result{
		"// boom": func(_ context.Context, out engine.Sink) engine.Result {
			out.Stream("stdout", "before\n")
			return fail("Panic", "boom", "cell[2] line 1: panic: boom")
		},
	}}
	nb := goNotebook(cell{source: "// ok"}, cell{source: "// boom"}, cell{source: "// never"})
	r := run(t, eng, nb)
	if r.code != 1 || r.err != nil {
		t.Fatalf("got %d %v, want status 1 and no error", r.code, r.err)
	}
	if !strings.Contains(r.stderr, "dmirror run: cell 2/3 (In[2]) failed:\nPanic: boom\ncell[2] line 1: panic: boom") {
		t.Errorf("stderr does not show the failing cell's error:\n%s", r.stderr)
	}
	c := cells(r)
	errOut := outputs(c[1])[1]
	want := map[string]any{"output_type": "error", "ename": "Panic", "evalue": "boom", "traceback": []any{"cell[2] line 1: panic: boom"}}
	if !reflect.DeepEqual(errOut, want) {
		t.Errorf("error output %v, want %v", errOut, want)
	}
	if len(outputs(c[2])) != 0 || c[2]["execution_count"] != nil {
		t.Errorf("the cell after the failure kept outputs: %v", c[2])
	}
	if got := len(eng.codes()); got != 2 {
		t.Errorf("%d cells executed, want 2", got)
	}

	// --allow-errors runs everything and exits 0.
	eng.reqs = nil
	r = run(t, eng, nb, "--allow-errors")
	if r.code != 0 || len(eng.codes()) != 3 || !strings.Contains(r.stderr, "--allow-errors: going on") {
		t.Errorf("--allow-errors: status %d, %d cells run\n%s", r.code, len(eng.codes()), r.stderr)
	}
}

func TestRaisesExceptionTag(t *testing.T) {
	eng := &fakeEngine{cells: map[string]func(context.Context, engine.Sink) engine.Result{
		"// boom": func(context.Context, engine.Sink) engine.Result { return fail("MirrorError", "1 of 2 mirrors failed") },
	}}
	r := run(t, eng, goNotebook(cell{source: "// boom", tags: []string{"raises-exception"}}, cell{source: "// after"}))
	if r.code != 0 || r.err != nil || len(eng.codes()) != 2 {
		t.Fatalf("got %d %v after %d cells:\n%s", r.code, r.err, len(eng.codes()), r.stderr)
	}
	if !strings.Contains(r.stderr, "failed as expected (raises-exception)") {
		t.Errorf("stderr: %s", r.stderr)
	}
	if e := outputs(cells(r)[0])[0]; e["ename"] != "MirrorError" {
		t.Errorf("the expected failure's output: %v", e)
	}
}

func TestTimeoutInterruptsTheCell(t *testing.T) {
	eng := &fakeEngine{cells: map[string]func(context.Context, engine.Sink) engine.Result{
		"// forever": func(ctx context.Context, _ engine.Sink) engine.Result {
			<-ctx.Done()
			return fail("Interrupted", "the cell was interrupted")
		},
	}}
	t0 := time.Now()
	r := run(t, eng, goNotebook(cell{source: "// forever"}), "--timeout", "50ms")
	if r.code != 1 || !strings.Contains(r.stderr, "timed out after 50ms") {
		t.Errorf("got status %d\n%s", r.code, r.stderr)
	}
	if d := time.Since(t0); d > 10*time.Second {
		t.Errorf("the run took %s", d)
	}
}

func TestParameters(t *testing.T) {
	eng := &fakeEngine{}
	params := "import \"time\"\n\nn := 10\nvar rate = 0.5\nname := \"world\"\nverbose := false\nd := 2 * time.Second\nvar big int64\nxs := []int{1}\nconst k = 3"
	nb := goNotebook(cell{source: "// first"}, cell{source: params, tags: []string{"parameters"}},
		cell{source: "old", tags: []string{"injected-parameters"}}, cell{source: "// last"})
	r := run(t, eng, nb, "-p", "n=7", "-p", "rate=2", "-p", "name=a \"b\"", "-p", "verbose=true",
		"-p", "d=1.5s", "-p", "big=0x10", "-p", "xs=[]int{4, 5}", "-p", "n=8")
	if r.code != 0 || r.err != nil {
		t.Fatalf("run: %d %v\n%s", r.code, r.err, r.stderr)
	}
	c := cells(r)
	if len(c) != 4 {
		t.Fatalf("%d cells, want 4 (the old injected cell replaced)", len(c))
	}
	want := "// Parameters injected by dmirror run -p\nn = 8\nrate = 2.0\nname = \"a \\\"b\\\"\"\nverbose = true\n" +
		"d = time.Duration(1500000000) // 1.5s\nbig = 16\nxs = []int{4, 5}\n"
	if got := lines(c[2]["source"]); got != want {
		t.Errorf("injected cell\n got %q\nwant %q", got, want)
	}
	if tags := c[2]["metadata"].(map[string]any)["tags"]; !reflect.DeepEqual(tags, []any{"injected-parameters"}) || c[2]["id"] != "injected-parameters" {
		t.Errorf("injected cell tags %v id %v", tags, c[2]["id"])
	}
	if codes := eng.codes(); len(codes) != 4 || codes[2] != want {
		t.Errorf("executed %q", codes)
	}
}

func TestBadInput(t *testing.T) {
	params := goNotebook(cell{source: "n := 1\nconst k = 2", tags: []string{"parameters"}})
	python := goNotebook(cell{source: "print(1)"})
	python["metadata"] = map[string]any{"kernelspec": map[string]any{"name": "python3", "language": "python"}}
	pythonByName := goNotebook(cell{source: "print(1)"})
	pythonByName["metadata"] = map[string]any{"kernelspec": map[string]any{"name": "python3"}}
	v3 := goNotebook()
	v3["nbformat"] = 3
	cases := []struct {
		name string
		nb   any
		args []string
		want string
	}{
		{"missing file", nil, nil, "no such file or directory"},
		{"invalid JSON", "{\n \"cells\": [,]\n}", nil, "invalid JSON at line 2, column 13"},
		{"not an object", "[1]", nil, "the JSON is a array, not an object"},
		{"truncated JSON", "{\n \"cells\": [", nil, "the file ends at line 2, in the middle of the JSON"},
		{"empty file", "", nil, "the file is empty"},
		{"another language", python, nil, "this is a python notebook (kernel \"python3\"), not a Go notebook"},
		{"another kernel", pythonByName, nil, "for the kernel \"python3\", not a Go notebook"},
		{"nbformat 3", v3, nil, "not an nbformat 4 notebook"},
		{"unknown parameter", params, []string{"-p", "m=3"}, `unknown parameter "m": the parameters cell declares k, n`},
		{"constant parameter", params, []string{"-p", "k=3"}, `parameter "k" is a constant`},
		{"bad int", params, []string{"-p", "n=ten"}, `parameter "n": "ten" is not an int`},
		{"no parameters cell", goNotebook(cell{source: "x := 1"}), []string{"-p", "x=2"}, `no code cell is tagged "parameters"`},
	}
	for _, c := range cases {
		eng := &fakeEngine{}
		r := run(t, eng, c.nb, c.args...)
		if r.err == nil || !strings.Contains(r.err.Error(), c.want) || r.code == 0 {
			t.Errorf("%s: got %d %v, want an error with %q", c.name, r.code, r.err, c.want)
		}
		if len(eng.reqs) != 0 || r.nb != nil {
			t.Errorf("%s: cells ran or a notebook was written", c.name)
		}
	}
}

func TestUsage(t *testing.T) {
	var out, errb bytes.Buffer
	eng := &fakeEngine{}
	code, err := nbrun.Main(context.Background(), []string{"--help"}, &out, &errb, eng.new)
	if code != 0 || err != nil || !strings.Contains(out.String(), "NOTEBOOK.out.ipynb") || !strings.Contains(out.String(), "-timeout D") {
		t.Errorf("--help: %d %v\n%s", code, err, out.String())
	}
	for _, args := range [][]string{{}, {"a.ipynb", "b.ipynb"}, {"a.ipynb", "--bogus"}, {"a.ipynb", "-o", "x", "--inplace"}} {
		errb.Reset()
		code, err := nbrun.Main(context.Background(), args, &out, &errb, eng.new)
		if code != 2 || err != nil || !strings.Contains(errb.String(), "dmirror run: ") {
			t.Errorf("%q: got %d %v, stderr %q; want status 2 and a message", args, code, err, errb.String())
		}
	}
}

func TestOutputToStdoutAndFlagsAfterNotebook(t *testing.T) {
	eng := &fakeEngine{cells: map[string]func(context.Context, engine.Sink) engine.Result{
		"// hi": func(_ context.Context, out engine.Sink) engine.Result {
			out.Stream("stdout", "hi\n")
			return engine.Result{}
		},
	}}
	r := run(t, eng, goNotebook(cell{source: "// hi"}), "-o", "-")
	var nb map[string]any
	if err := json.Unmarshal([]byte(r.stdout), &nb); err != nil || r.nb != nil {
		t.Fatalf("-o - did not write the notebook to stdout only: %v", err)
	}
	if !strings.Contains(r.stdout, "\"text\": [\n      \"hi\\n\"\n     ]") {
		t.Errorf("not written as nbformat writes (indent 1, split lines):\n%s", r.stdout)
	}
}

func TestLateOutputOfAnEarlierCellIsDropped(t *testing.T) {
	var first engine.Sink
	eng := &fakeEngine{cells: map[string]func(context.Context, engine.Sink) engine.Result{
		"// one": func(_ context.Context, out engine.Sink) engine.Result { first = out; return engine.Result{} },
		"// two": func(_ context.Context, out engine.Sink) engine.Result {
			first.Stream("stdout", "late\n")
			first.Display(engine.Bundle{"text/plain": "late"}, nil, "", false)
			out.Stream("stdout", "mine\n")
			return engine.Result{}
		},
	}}
	r := run(t, eng, goNotebook(cell{source: "// one"}, cell{source: "// two"}))
	c := cells(r)
	if len(outputs(c[0])) != 0 || len(outputs(c[1])) != 1 || lines(outputs(c[1])[0]["text"]) != "mine\n" {
		t.Errorf("outputs %v / %v, want the late output dropped", c[0]["outputs"], c[1]["outputs"])
	}
}

func TestCancelEndsTheRunAndWritesTheNotebook(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	eng := &fakeEngine{cells: map[string]func(context.Context, engine.Sink) engine.Result{
		"// ctrl-c": func(cellCtx context.Context, _ engine.Sink) engine.Result {
			cancel()
			<-cellCtx.Done()
			return fail("Interrupted", "the cell was interrupted")
		},
	}}
	dir := t.TempDir()
	in := filepath.Join(dir, "nb.ipynb")
	writeJSON(t, in, goNotebook(cell{source: "// one"}, cell{source: "// ctrl-c"}, cell{source: "// never"}))
	var stdout, stderr bytes.Buffer
	code, err := nbrun.Main(ctx, []string{in}, &stdout, &stderr, eng.new)
	if code != 1 || err == nil || !strings.Contains(err.Error(), "run interrupted") {
		t.Errorf("got %d %v, want status 1 and the interruption", code, err)
	}
	if len(eng.codes()) != 2 || !eng.closed {
		t.Errorf("%d cells ran, engine closed %v; want 2 and closed", len(eng.codes()), eng.closed)
	}
	if _, err := os.Stat(filepath.Join(dir, "nb.out.ipynb")); err != nil {
		t.Errorf("the notebook was not written: %v", err)
	}
}

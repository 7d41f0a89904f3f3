package kernel_test

import (
	"context"
	"io"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/dmirror/dmirror/kernel"
	"github.com/dmirror/dmirror/kernel/kerneltest"
)

// testTimeout bounds every wait of a test; waits end on the awaited event.
const testTimeout = 30 * time.Second

// startKernel serves the protocol in-process with a fake engine.
func startKernel(t *testing.T, opts kerneltest.Options) (*kerneltest.Kernel, *fakeEngine) {
	t.Helper()
	eng := newFakeEngine()
	opts.Dir = t.TempDir()
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	if testing.Verbose() {
		log = slog.New(slog.NewTextHandler(testWriter{t}, nil))
	}
	ctx, cancel := context.WithTimeout(context.Background(), testTimeout)
	defer cancel()
	k, err := kerneltest.StartFunc(ctx, opts, func(ctx context.Context, connFile string) error {
		return kernel.Serve(ctx, connFile, eng, log)
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := k.Close(); err != nil {
			t.Errorf("close: %v", err)
		}
		eng.Close()
	})
	return k, eng
}

type testWriter struct{ t *testing.T }

func (w testWriter) Write(p []byte) (int, error) {
	w.t.Log(strings.TrimSpace(string(p)))
	return len(p), nil
}

func ctxT(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), testTimeout)
	t.Cleanup(cancel)
	return ctx
}

// checkEnvelope checks that a request got exactly one reply, on ch only,
// and iopub messages that start with busy and end with idle.
func checkEnvelope(t *testing.T, k *kerneltest.Kernel, ch kerneltest.Channel, r *kerneltest.Result, replyType string) {
	t.Helper()
	id := r.Request.Header.MsgID
	for _, c := range []kerneltest.Channel{kerneltest.Shell, kerneltest.Control, kerneltest.Stdin} {
		want := 0
		if c == ch {
			want = 1
		}
		if got := len(k.Replies(c, id)); got != want {
			t.Errorf("%s: %d replies on %s, want %d", r.Request.Header.MsgType, got, c, want)
		}
	}
	if r.Reply.Header.MsgType != replyType {
		t.Errorf("reply type %q, want %q", r.Reply.Header.MsgType, replyType)
	}
	if r.Reply.Header.Session == k.Session() || r.Reply.Header.Session == "" {
		t.Errorf("reply session %q: want the kernel's own session", r.Reply.Header.Session)
	}
	if n := len(r.IOPub); n < 2 || !kerneltest.IsStatus(r.IOPub[0], "busy") || !kerneltest.IsStatus(r.IOPub[n-1], "idle") {
		t.Errorf("iopub of %s = %v, want busy ... idle", r.Request.Header.MsgType, types(r.IOPub))
	}
	statuses := 0
	for _, m := range r.IOPub {
		if m.Header.MsgType == "status" {
			statuses++
		}
	}
	if statuses != 2 {
		t.Errorf("%d status messages for %s, want 2", statuses, r.Request.Header.MsgType)
	}
}

func types(ms []*kernel.Message) []string {
	var out []string
	for _, m := range ms {
		out = append(out, m.Header.MsgType)
	}
	return out
}

func TestKernelInfoOnShellAndControl(t *testing.T) {
	k, _ := startKernel(t, kerneltest.Options{})
	for _, ch := range []kerneltest.Channel{kerneltest.Shell, kerneltest.Control} {
		r, err := k.KernelInfo(ctxT(t), ch)
		if err != nil {
			t.Fatal(err)
		}
		checkEnvelope(t, k, ch, r, "kernel_info_reply")
		var info struct {
			Status                string              `json:"status"`
			ProtocolVersion       string              `json:"protocol_version"`
			Implementation        string              `json:"implementation"`
			ImplementationVersion string              `json:"implementation_version"`
			Banner                string              `json:"banner"`
			LanguageInfo          map[string]string   `json:"language_info"`
			HelpLinks             []map[string]string `json:"help_links"`
		}
		if err := kerneltest.Content(r.Reply, &info); err != nil {
			t.Fatal(err)
		}
		if info.Status != "ok" || info.ProtocolVersion != "5.3" || info.Implementation != "dmirror" || info.Banner == "" ||
			info.ImplementationVersion == "" || len(info.HelpLinks) == 0 {
			t.Errorf("kernel_info_reply %+v", info)
		}
		li := info.LanguageInfo
		if li["name"] != "go" || li["mimetype"] != "text/x-go" || li["file_extension"] != ".go" || li["pygments_lexer"] != "go" ||
			li["codemirror_mode"] != "go" || li["nbconvert_exporter"] != "script" || li["version"] == "" || strings.HasPrefix(li["version"], "go") {
			t.Errorf("language_info %v", li)
		}
	}
}

func TestExecuteMessageOrder(t *testing.T) {
	k, _ := startKernel(t, kerneltest.Options{})
	ctx := ctxT(t)
	r, err := k.Execute(ctx, "out hello\nerr oops\nresult 6")
	if err != nil {
		t.Fatal(err)
	}
	checkEnvelope(t, k, kerneltest.Shell, r, "execute_reply")
	want := []string{"status", "execute_input", "stream", "stream", "execute_result", "status"}
	if got := types(r.IOPub); strings.Join(got, " ") != strings.Join(want, " ") {
		t.Errorf("iopub %v, want %v", got, want)
	}
	if r.Stream("stdout") != "hello\n" || r.Stream("stderr") != "oops\n" {
		t.Errorf("stdout %q stderr %q", r.Stream("stdout"), r.Stream("stderr"))
	}
	reply := kerneltest.Fields(r.Reply)
	if reply["status"] != "ok" || reply["execution_count"] != 1.0 {
		t.Errorf("reply %v", reply)
	}
	res := kerneltest.Fields(r.Of("execute_result")[0])
	if res["execution_count"] != 1.0 || res["data"].(map[string]any)["text/plain"] != "6" {
		t.Errorf("execute_result %v", res)
	}
	if in := kerneltest.Fields(r.Of("execute_input")[0]); in["code"] != "out hello\nerr oops\nresult 6" || in["execution_count"] != 1.0 {
		t.Errorf("execute_input %v", in)
	}
}

func TestExecutionCount(t *testing.T) {
	k, _ := startKernel(t, kerneltest.Options{})
	ctx := ctxT(t)
	count := func(content map[string]any) (float64, *kerneltest.Result) {
		t.Helper()
		r, err := k.ExecuteWith(ctx, content)
		if err != nil {
			t.Fatal(err)
		}
		return kerneltest.Fields(r.Reply)["execution_count"].(float64), r
	}
	if n, _ := count(kerneltest.ExecuteContent("result 1")); n != 1 {
		t.Errorf("first count %v, want 1", n)
	}
	noStore := kerneltest.ExecuteContent("result 2")
	noStore["store_history"] = false
	if n, _ := count(noStore); n != 1 {
		t.Errorf("count without store_history %v, want 1", n)
	}
	silent := kerneltest.ExecuteContent("out quiet\nresult 3")
	silent["silent"] = true
	n, r := count(silent)
	if n != 1 {
		t.Errorf("silent count %v, want 1", n)
	}
	if got := types(r.IOPub); strings.Join(got, " ") != "status status" {
		t.Errorf("silent cell published %v, want only busy and idle", got)
	}
	if n, _ := count(kerneltest.ExecuteContent("fail Panic boom")); n != 2 {
		t.Errorf("count of a failed cell %v, want 2", n)
	}
	if n, _ := count(kerneltest.ExecuteContent("result 4")); n != 3 {
		t.Errorf("count after a failed cell %v, want 3", n)
	}
}

func TestExecuteError(t *testing.T) {
	k, _ := startKernel(t, kerneltest.Options{})
	r, err := k.Execute(ctxT(t), "fail Panic boom")
	if err != nil {
		t.Fatal(err)
	}
	checkEnvelope(t, k, kerneltest.Shell, r, "execute_reply")
	outs := r.Outputs()
	if len(outs) != 1 || outs[0].Header.MsgType != "error" {
		t.Fatalf("outputs %v, want exactly one error", types(outs))
	}
	e := kerneltest.Fields(outs[0])
	reply := kerneltest.Fields(r.Reply)
	if reply["status"] != "error" || reply["ename"] != "Panic" || reply["evalue"] != "boom" {
		t.Errorf("reply %v", reply)
	}
	tb, ok := reply["traceback"].([]any)
	if !ok || len(tb) != 1 || tb[0] != "cell[1] line 1: boom" {
		t.Errorf("reply traceback %v", reply["traceback"])
	}
	if e["ename"] != "Panic" || e["evalue"] != "boom" || len(e["traceback"].([]any)) != 1 {
		t.Errorf("error message %v", e)
	}
}

func TestEnginePanicFailsTheCellOnly(t *testing.T) {
	k, _ := startKernel(t, kerneltest.Options{})
	ctx := ctxT(t)
	r, err := k.Execute(ctx, "panic")
	if err != nil {
		t.Fatal(err)
	}
	if f := kerneltest.Fields(r.Reply); f["status"] != "error" || f["ename"] != "KernelError" {
		t.Errorf("reply %v", f)
	}
	if r, err = k.Execute(ctx, "result 1"); err != nil || r.Status() != "ok" {
		t.Fatalf("next cell: %v %v", err, r)
	}
}

func TestRequestsAnsweredWhileACellRuns(t *testing.T) {
	k, eng := startKernel(t, kerneltest.Options{})
	ctx := ctxT(t)
	cell, err := k.NewRequest("execute_request", kerneltest.ExecuteContent("block"))
	if err != nil {
		t.Fatal(err)
	}
	if err := k.SendMessage(kerneltest.Shell, cell); err != nil {
		t.Fatal(err)
	}
	<-eng.started
	checks := []struct {
		name  string
		ch    kerneltest.Channel
		do    func() (*kerneltest.Result, error)
		reply string
	}{
		{"kernel_info shell", kerneltest.Shell, func() (*kerneltest.Result, error) { return k.KernelInfo(ctx, kerneltest.Shell) }, "kernel_info_reply"},
		{"kernel_info control", kerneltest.Control, func() (*kerneltest.Result, error) { return k.KernelInfo(ctx, kerneltest.Control) }, "kernel_info_reply"},
		{"complete", kerneltest.Shell, func() (*kerneltest.Result, error) { return k.Complete(ctx, "fmt.Pr", 6) }, "complete_reply"},
		{"inspect", kerneltest.Shell, func() (*kerneltest.Result, error) { return k.Inspect(ctx, "fmt.Println", 5, 0) }, "inspect_reply"},
		{"is_complete", kerneltest.Shell, func() (*kerneltest.Result, error) { return k.IsComplete(ctx, "func f() {") }, "is_complete_reply"},
		{"history", kerneltest.Shell, func() (*kerneltest.Result, error) {
			return k.History(ctx, map[string]any{"hist_access_type": "tail", "n": 5, "output": false, "raw": true})
		}, "history_reply"},
		{"comm_info", kerneltest.Shell, func() (*kerneltest.Result, error) {
			return k.Request(ctx, kerneltest.Shell, "comm_info_request", map[string]any{})
		}, "comm_info_reply"},
	}
	for _, c := range checks {
		r, err := c.do()
		if err != nil {
			t.Fatalf("%s: %v", c.name, err)
		}
		checkEnvelope(t, k, c.ch, r, c.reply)
		if r.Status() != "ok" && c.reply != "is_complete_reply" {
			t.Errorf("%s: status %q", c.name, r.Status())
		}
	}
	if err := k.Heartbeat(ctx); err != nil {
		t.Errorf("heartbeat while a cell runs: %v", err)
	}
	if len(k.Replies(kerneltest.Shell, cell.Header.MsgID)) != 0 {
		t.Fatal("the blocked cell answered before its interrupt")
	}
	ir, err := k.Interrupt(ctx)
	if err != nil {
		t.Fatal(err)
	}
	checkEnvelope(t, k, kerneltest.Control, ir, "interrupt_reply")
	r, err := k.Await(ctx, kerneltest.Shell, cell)
	if err != nil {
		t.Fatal(err)
	}
	if f := kerneltest.Fields(r.Reply); f["status"] != "error" || f["ename"] != "Interrupted" {
		t.Errorf("interrupted cell reply %v", f)
	}
}

func TestIntrospectionReplies(t *testing.T) {
	k, _ := startKernel(t, kerneltest.Options{})
	ctx := ctxT(t)
	r, err := k.Complete(ctx, "x := fmt.Pr", 11)
	if err != nil {
		t.Fatal(err)
	}
	c := kerneltest.Fields(r.Reply)
	if len(c["matches"].([]any)) != 3 || c["cursor_start"] != 5.0 || c["cursor_end"] != 11.0 || c["metadata"] == nil {
		t.Errorf("complete_reply %v", c)
	}
	if r, err = k.Complete(ctx, "zzz", 3); err != nil {
		t.Fatal(err)
	}
	if c := kerneltest.Fields(r.Reply); c["status"] != "ok" || c["matches"] == nil || len(c["matches"].([]any)) != 0 {
		t.Errorf("complete_reply without matches %v", c)
	}
	for code, want := range map[string]string{"func f() {": "incomplete", "x := 1": "complete", "func ) {": "invalid"} {
		r, err := k.IsComplete(ctx, code)
		if err != nil {
			t.Fatal(err)
		}
		f := kerneltest.Fields(r.Reply)
		_, hasIndent := f["indent"]
		if f["status"] != want || hasIndent != (want == "incomplete") {
			t.Errorf("is_complete(%q) = %v, want %s (indent only when incomplete)", code, f, want)
		}
	}
	if r, err = k.Inspect(ctx, "fmt.Println", 4, 0); err != nil {
		t.Fatal(err)
	}
	if f := kerneltest.Fields(r.Reply); f["found"] != true || len(f["data"].(map[string]any)) != 1 {
		t.Errorf("inspect_reply %v", f)
	}
	if r, err = k.Inspect(ctx, "nothing", 4, 0); err != nil {
		t.Fatal(err)
	}
	if f := kerneltest.Fields(r.Reply); f["found"] != false || f["status"] != "ok" || len(f["data"].(map[string]any)) != 0 {
		t.Errorf("inspect_reply not found %v", f)
	}
}

func TestStreamsKeepTheirOrder(t *testing.T) {
	k, _ := startKernel(t, kerneltest.Options{})
	r, err := k.Execute(ctxT(t), "out 1\nout 2\nerr 3\nout 4\ndisplay x 5\nout 6")
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, m := range r.Outputs() {
		f := kerneltest.Fields(m)
		if m.Header.MsgType == "stream" {
			got = append(got, f["name"].(string)+":"+strings.TrimSpace(f["text"].(string)))
		} else {
			got = append(got, m.Header.MsgType)
		}
	}
	want := "stdout:1\n2 stderr:3 stdout:4 display_data stdout:6"
	if strings.Join(got, " ") != want {
		t.Errorf("outputs %q, want %q", strings.Join(got, " "), want)
	}
}

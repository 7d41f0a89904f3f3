package kernel_test

import (
	"bytes"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"slices"
	"strings"
	"syscall"
	"testing"

	"github.com/dmirror/dmirror/kernel"
	"github.com/dmirror/dmirror/kernel/kerneltest"
)

func TestStopOnErrorAbortsQueuedCells(t *testing.T) {
	k, eng := startKernel(t, kerneltest.Options{})
	ctx := ctxT(t)
	send := func(code string) *kernel.Message {
		t.Helper()
		m, err := k.NewRequest("execute_request", kerneltest.ExecuteContent(code))
		if err != nil {
			t.Fatal(err)
		}
		if err := k.SendMessage(kerneltest.Shell, m); err != nil {
			t.Fatal(err)
		}
		return m
	}
	first := send("block")
	<-eng.started
	queued := []*kernel.Message{send("out never"), send("out never either")}
	// The shell reader handles messages in order: once this reply is
	// back, both cells above are queued behind the blocked one.
	if _, err := k.KernelInfo(ctx, kerneltest.Shell); err != nil {
		t.Fatal(err)
	}
	if _, err := k.Interrupt(ctx); err != nil {
		t.Fatal(err)
	}
	if r, err := k.Await(ctx, kerneltest.Shell, first); err != nil || kerneltest.Fields(r.Reply)["ename"] != "Interrupted" {
		t.Fatalf("interrupted cell: %v %v", err, r)
	}
	for _, q := range queued {
		r, err := k.Await(ctx, kerneltest.Shell, q)
		if err != nil {
			t.Fatal(err)
		}
		checkEnvelope(t, k, kerneltest.Shell, r, "execute_reply")
		if f := kerneltest.Fields(r.Reply); f["status"] != "error" || f["ename"] != "Aborted" {
			t.Errorf("queued cell reply %v, want an Aborted error", f)
		}
		if len(r.Outputs()) != 0 {
			t.Errorf("aborted cell published %v", types(r.Outputs()))
		}
	}
	// Without stop_on_error a failure does not abort the next cell.
	c := kerneltest.ExecuteContent("fail E x")
	c["stop_on_error"] = false
	failing, _ := k.NewRequest("execute_request", c)
	k.SendMessage(kerneltest.Shell, failing)
	next := send("result ran")
	if r, err := k.Await(ctx, kerneltest.Shell, next); err != nil || r.Status() != "ok" {
		t.Fatalf("cell after a stop_on_error=false failure: %v %v", err, r)
	}
}

func TestSIGINTInterruptsTheRunningCell(t *testing.T) {
	k, eng := startKernel(t, kerneltest.Options{})
	ctx := ctxT(t)
	cell, _ := k.NewRequest("execute_request", kerneltest.ExecuteContent("block"))
	if err := k.SendMessage(kerneltest.Shell, cell); err != nil {
		t.Fatal(err)
	}
	<-eng.started
	// Serve handles SIGINT while it runs, so this test process survives it.
	if err := syscall.Kill(syscall.Getpid(), syscall.SIGINT); err != nil {
		t.Fatal(err)
	}
	r, err := k.Await(ctx, kerneltest.Shell, cell)
	if err != nil {
		t.Fatal(err)
	}
	if f := kerneltest.Fields(r.Reply); f["ename"] != "Interrupted" {
		t.Errorf("reply %v", f)
	}
	if r, err := k.Execute(ctx, "result 1"); err != nil || r.Status() != "ok" {
		t.Fatalf("next cell: %v %v", err, r)
	}
}

func TestForgedAndMalformedMessagesAreDropped(t *testing.T) {
	k, _ := startKernel(t, kerneltest.Options{})
	ctx := ctxT(t)
	var dropped []string
	forge := func(name string, mutate func(frames [][]byte) [][]byte) {
		m, err := k.NewRequest("execute_request", kerneltest.ExecuteContent("out pwned-"+name))
		if err != nil {
			t.Fatal(err)
		}
		frames, err := kernel.Encode(m, []byte(k.Info.Key))
		if err != nil {
			t.Fatal(err)
		}
		if err := k.SendFrames(kerneltest.Shell, mutate(frames)); err != nil {
			t.Fatal(err)
		}
		dropped = append(dropped, m.Header.MsgID)
	}
	// resign signs frames (no identities) with the right key, so that
	// only the change a case made is wrong.
	resign := func(frames [][]byte) [][]byte {
		h := hmac.New(sha256.New, []byte(k.Info.Key))
		for _, p := range frames[2:6] {
			h.Write(p)
		}
		frames[1] = []byte(hex.EncodeToString(h.Sum(nil)))
		return frames
	}
	forge("wrong key", func(f [][]byte) [][]byte {
		m, _ := kernel.Decode(f, nil)
		out, _ := kernel.Encode(m, []byte("not the key"))
		return out
	})
	forge("missing signature", func(f [][]byte) [][]byte { f[1] = nil; return f })
	forge("garbage signature", func(f [][]byte) [][]byte { f[1] = []byte("xyz"); return f })
	forge("zero signature", func(f [][]byte) [][]byte { f[1] = []byte(hex.EncodeToString(make([]byte, 32))); return f })
	forge("tampered code", func(f [][]byte) [][]byte {
		f[5] = bytes.Replace(f[5], []byte("pwned"), []byte("PWNED"), 1)
		return f
	})
	forge("no delimiter", func(f [][]byte) [][]byte { return append(f[:0:0], f[1:]...) })
	forge("too few frames", func(f [][]byte) [][]byte { return f[:4] })
	forge("header not JSON", func(f [][]byte) [][]byte { f[2] = []byte("{nope"); return f })
	forge("content array", func(f [][]byte) [][]byte { f[5] = []byte("[1,2]"); return resign(f) })
	forge("msg_type number", func(f [][]byte) [][]byte {
		f[2] = bytes.Replace(f[2], []byte(`"msg_type":"execute_request"`), []byte(`"msg_type":7`), 1)
		return f
	})
	for _, frames := range [][][]byte{nil, {[]byte("")}, {[]byte(kernel.Delimiter)}, {[]byte("x"), []byte("y")}} {
		if err := k.SendFrames(kerneltest.Shell, append([][]byte{}, frames...)); err != nil && len(frames) > 0 {
			t.Fatal(err)
		}
	}
	// Shell messages are handled in order: once a good execute is answered
	// and idle, every forged one before it has been dropped or would have run.
	r, err := k.Execute(ctx, "out good")
	if err != nil {
		t.Fatal(err)
	}
	if r.Stream("stdout") != "good\n" {
		t.Errorf("good cell stdout %q", r.Stream("stdout"))
	}
	if n := kerneltest.Fields(r.Reply)["execution_count"]; n != 1.0 {
		t.Errorf("execution_count %v: a forged cell ran", n)
	}
	for _, m := range k.Messages(kerneltest.IOPub) {
		if text, _ := kerneltest.Fields(m)["text"].(string); strings.Contains(strings.ToLower(text), "pwned") {
			t.Errorf("a forged cell ran: %q", text)
		}
	}
	for _, id := range dropped {
		if n := len(k.Replies(kerneltest.Shell, id)); n != 0 {
			t.Errorf("forged request %s got %d replies", id, n)
		}
	}
	if err := k.Heartbeat(ctx); err != nil {
		t.Error(err)
	}
}

func TestUnsignedKernel(t *testing.T) {
	k, _ := startKernel(t, kerneltest.Options{NoKey: true})
	r, err := k.Execute(ctxT(t), "result 1")
	if err != nil || r.Status() != "ok" {
		t.Fatalf("%v %v", err, r)
	}
	if len(r.Reply.Identities) != 0 {
		t.Errorf("identities reached the client: %q", r.Reply.Identities)
	}
}

func TestIPCTransport(t *testing.T) {
	k, _ := startKernel(t, kerneltest.Options{Transport: "ipc"})
	r, err := k.Execute(ctxT(t), "out over ipc")
	if err != nil || r.Stream("stdout") != "over ipc\n" {
		t.Fatalf("%v %v", err, r)
	}
}

func TestMillionStreamWritesArriveInOrderBeforeIdle(t *testing.T) {
	k, _ := startKernel(t, kerneltest.Options{})
	const n = 1_000_000
	r, err := k.Execute(ctxT(t), fmt.Sprintf("spam %d", n))
	if err != nil {
		t.Fatal(err)
	}
	got := r.Stream("stdout")
	var want strings.Builder
	for i := range n {
		fmt.Fprintf(&want, "line %d\n", i)
	}
	if got != want.String() {
		t.Fatalf("stdout differs: %d bytes, want %d", len(got), want.Len())
	}
	msgs := len(r.Of("stream"))
	t.Logf("%d writes arrived in %d stream messages", n, msgs)
	if msgs > want.Len()/(32<<10) {
		t.Errorf("%d stream messages for %d bytes: output is not coalesced", msgs, want.Len())
	}
	if last := r.IOPub[len(r.IOPub)-1]; !kerneltest.IsStatus(last, "idle") {
		t.Errorf("last message %s, want idle", last.Header.MsgType)
	}
}

func TestOutputAfterTheCellKeepsItsParent(t *testing.T) {
	k, eng := startKernel(t, kerneltest.Options{})
	ctx := ctxT(t)
	r, err := k.Execute(ctx, "late from the past")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := k.Execute(ctx, "out current"); err != nil {
		t.Fatal(err)
	}
	eng.releaseLate()
	id := r.Request.Header.MsgID
	m, err := k.WaitFor(ctx, kerneltest.IOPub, func(m *kernel.Message) bool {
		return m.Header.MsgType == "stream" && m.ParentID() == id
	})
	if err != nil {
		t.Fatal(err)
	}
	if f := kerneltest.Fields(m); f["text"] != "from the past\n" || f["name"] != "stdout" {
		t.Errorf("late stream %v", f)
	}
}

func TestDisplayAndClearOutput(t *testing.T) {
	k, _ := startKernel(t, kerneltest.Options{})
	r, err := k.Execute(ctxT(t), "out before\ndisplay d1 one\nupdate d1 two\ndisplay  anonymous\nclearwait\nclear")
	if err != nil {
		t.Fatal(err)
	}
	want := "stream display_data update_display_data display_data clear_output clear_output"
	if got := strings.Join(types(r.Outputs()), " "); got != want {
		t.Fatalf("outputs %s, want %s", got, want)
	}
	o := r.Outputs()
	d := kerneltest.Fields(o[1])
	if d["transient"].(map[string]any)["display_id"] != "d1" || d["data"].(map[string]any)["text/plain"] != "one" || d["metadata"] == nil {
		t.Errorf("display_data %v", d)
	}
	if u := kerneltest.Fields(o[2]); u["transient"].(map[string]any)["display_id"] != "d1" || u["data"].(map[string]any)["text/plain"] != "two" {
		t.Errorf("update_display_data %v", u)
	}
	if a := kerneltest.Fields(o[3]); a["transient"] != nil {
		t.Errorf("display without id has transient %v", a["transient"])
	}
	if kerneltest.Fields(o[4])["wait"] != true || kerneltest.Fields(o[5])["wait"] != false {
		t.Errorf("clear_output waits %v %v", kerneltest.Fields(o[4]), kerneltest.Fields(o[5]))
	}
}

func TestInput(t *testing.T) {
	k, _ := startKernel(t, kerneltest.Options{})
	ctx := ctxT(t)
	// jupyter_client's input(), and so jupyter console, answers with an
	// empty parent header: the one request waiting takes it.
	for _, withParent := range []bool{true, false} {
		c := kerneltest.ExecuteContent("input name?")
		c["allow_stdin"] = true
		cell, _ := k.NewRequest("execute_request", c)
		if err := k.SendMessage(kerneltest.Shell, cell); err != nil {
			t.Fatal(err)
		}
		req, err := k.InputRequest(ctx, cell.Header.MsgID)
		if err != nil {
			t.Fatal(err)
		}
		if f := kerneltest.Fields(req); f["prompt"] != "name?" || f["password"] != false {
			t.Errorf("input_request %v", f)
		}
		parent := req
		if !withParent {
			parent = nil
		}
		if err := k.InputReply(parent, "gopher"); err != nil {
			t.Fatal(err)
		}
		r, err := k.Await(ctx, kerneltest.Shell, cell)
		if err != nil {
			t.Fatal(err)
		}
		if r.Stream("stdout") != "got gopher\n" {
			t.Errorf("reply with parent %v: stdout %q", withParent, r.Stream("stdout"))
		}
	}

	// Without allow_stdin, Input fails at once instead of waiting.
	r, err := k.Execute(ctx, "input name?")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(r.Stream("stderr"), "not supported") {
		t.Errorf("stderr %q, want the no-stdin error", r.Stream("stderr"))
	}
	if len(k.Messages(kerneltest.Stdin)) != 2 {
		t.Errorf("%d stdin messages, want the two input_requests", len(k.Messages(kerneltest.Stdin)))
	}
}

func TestInterruptEndsAnInputWait(t *testing.T) {
	k, _ := startKernel(t, kerneltest.Options{})
	ctx := ctxT(t)
	c := kerneltest.ExecuteContent("input never answered")
	c["allow_stdin"] = true
	cell, _ := k.NewRequest("execute_request", c)
	k.SendMessage(kerneltest.Shell, cell)
	if _, err := k.InputRequest(ctx, cell.Header.MsgID); err != nil {
		t.Fatal(err)
	}
	if _, err := k.Interrupt(ctx); err != nil {
		t.Fatal(err)
	}
	r, err := k.Await(ctx, kerneltest.Shell, cell)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(r.Stream("stderr"), "canceled") {
		t.Errorf("stderr %q, want the cancelled input", r.Stream("stderr"))
	}
}

func TestHistory(t *testing.T) {
	k, _ := startKernel(t, kerneltest.Options{})
	ctx := ctxT(t)
	for _, code := range []string{"result 1", "out a", "result 1", "result 2"} {
		if _, err := k.Execute(ctx, code); err != nil {
			t.Fatal(err)
		}
	}
	noStore := kerneltest.ExecuteContent("result hidden")
	noStore["store_history"] = false
	if _, err := k.ExecuteWith(ctx, noStore); err != nil {
		t.Fatal(err)
	}
	hist := func(c map[string]any) []any {
		t.Helper()
		r, err := k.History(ctx, c)
		if err != nil {
			t.Fatal(err)
		}
		checkEnvelope(t, k, kerneltest.Shell, r, "history_reply")
		h, _ := kerneltest.Fields(r.Reply)["history"].([]any)
		return h
	}
	str := func(h []any) string { return fmt.Sprint(h) }
	if got := str(hist(map[string]any{"hist_access_type": "tail", "n": 2})); got != "[[1 3 result 1] [1 4 result 2]]" {
		t.Errorf("tail 2 = %s", got)
	}
	if got := str(hist(map[string]any{"hist_access_type": "tail", "n": 2, "output": true})); got != "[[1 3 [result 1 1]] [1 4 [result 2 2]]]" {
		t.Errorf("tail 2 with output = %s", got)
	}
	if got := str(hist(map[string]any{"hist_access_type": "tail", "n": 3, "output": true})); got != "[[1 2 [out a <nil>]] [1 3 [result 1 1]] [1 4 [result 2 2]]]" {
		t.Errorf("tail 3 with output = %s", got)
	}
	if got := str(hist(map[string]any{"hist_access_type": "range", "session": 1, "start": 2, "stop": 3})); got != "[[1 2 out a]]" {
		t.Errorf("range = %s", got)
	}
	if got := str(hist(map[string]any{"hist_access_type": "range", "session": 0, "start": 3})); got != "[[1 3 result 1] [1 4 result 2]]" {
		t.Errorf("range to the end = %s", got)
	}
	if got := hist(map[string]any{"hist_access_type": "range", "session": -1, "start": 1, "stop": 9}); len(got) != 0 {
		t.Errorf("range of an earlier session = %v, want none", got)
	}
	if got := str(hist(map[string]any{"hist_access_type": "search", "pattern": "result ?"})); got != "[[1 1 result 1] [1 3 result 1] [1 4 result 2]]" {
		t.Errorf("search = %s", got)
	}
	if got := str(hist(map[string]any{"hist_access_type": "search", "pattern": "result ?", "unique": true})); got != "[[1 3 result 1] [1 4 result 2]]" {
		t.Errorf("search unique = %s", got)
	}
	if got := str(hist(map[string]any{"hist_access_type": "search", "pattern": "res*", "n": 1})); got != "[[1 4 result 2]]" {
		t.Errorf("search n=1 = %s", got)
	}
	if got := str(hist(map[string]any{"hist_access_type": "search", "pattern": "*[!0-9]"})); got != "[[1 2 out a]]" {
		t.Errorf("search [!set] = %s", got)
	}
}

func TestCommsAndUnknownMessages(t *testing.T) {
	k, _ := startKernel(t, kerneltest.Options{})
	ctx := ctxT(t)
	r, err := k.Request(ctx, kerneltest.Shell, "comm_info_request", map[string]any{})
	if err != nil {
		t.Fatal(err)
	}
	if f := kerneltest.Fields(r.Reply); f["status"] != "ok" || len(f["comms"].(map[string]any)) != 0 {
		t.Errorf("comm_info_reply %v", f)
	}
	id, err := k.Send(kerneltest.Shell, "comm_open", map[string]any{"comm_id": "c-1", "target_name": "nobody", "data": map[string]any{}})
	if err != nil {
		t.Fatal(err)
	}
	iopub, err := k.UntilIdle(ctx, id)
	if err != nil {
		t.Fatal(err)
	}
	if got := strings.Join(types(iopub), " "); got != "status comm_close status" {
		t.Errorf("comm_open iopub %s, want busy comm_close idle", got)
	} else if f := kerneltest.Fields(iopub[1]); f["comm_id"] != "c-1" {
		t.Errorf("comm_close %v", f)
	}
	unknown, err := k.Send(kerneltest.Shell, "frobnicate_request", map[string]any{})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := k.KernelInfo(ctx, kerneltest.Shell); err != nil {
		t.Fatal(err)
	}
	if n := len(k.Replies(kerneltest.Shell, unknown)); n != 0 {
		t.Errorf("unknown request got %d replies", n)
	}
}

func TestShutdown(t *testing.T) {
	for _, tc := range []struct {
		name    string
		ch      kerneltest.Channel
		restart bool
	}{
		{"control", kerneltest.Control, false},
		{"control restart", kerneltest.Control, true},
		{"shell", kerneltest.Shell, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			k, _ := startKernel(t, kerneltest.Options{})
			ctx := ctxT(t)
			r, err := k.Shutdown(ctx, tc.ch, tc.restart)
			if err != nil {
				t.Fatal(err)
			}
			checkEnvelope(t, k, tc.ch, r, "shutdown_reply")
			if f := kerneltest.Fields(r.Reply); f["status"] != "ok" || f["restart"] != tc.restart {
				t.Errorf("shutdown_reply %v", f)
			}
			if err := k.Wait(ctx); err != nil {
				t.Errorf("Serve returned %v, want nil", err)
			}
		})
	}
}

func TestShutdownInterruptsTheRunningCell(t *testing.T) {
	k, eng := startKernel(t, kerneltest.Options{})
	ctx := ctxT(t)
	cell, _ := k.NewRequest("execute_request", kerneltest.ExecuteContent("block"))
	k.SendMessage(kerneltest.Shell, cell)
	<-eng.started
	if _, err := k.Shutdown(ctx, kerneltest.Control, false); err != nil {
		t.Fatal(err)
	}
	if err := k.Wait(ctx); err != nil {
		t.Errorf("Serve returned %v", err)
	}
	if _, err := k.Reply(ctx, kerneltest.Shell, cell.Header.MsgID); err != nil {
		t.Errorf("the running cell was not answered before exit: %v", err)
	}
}

func TestReplayedMessageIsDropped(t *testing.T) {
	// The replay carries the same signature, as sent or in upper-case hex
	// (the same MAC: hex is case-insensitive and Decode accepts both).
	for _, tc := range []struct {
		name   string
		replay func(sig []byte) []byte
	}{
		{"same", func(sig []byte) []byte { return sig }},
		{"upper-case hex", bytes.ToUpper},
	} {
		t.Run(tc.name, func(t *testing.T) {
			k, _ := startKernel(t, kerneltest.Options{})
			ctx := ctxT(t)
			m, _ := k.NewRequest("execute_request", kerneltest.ExecuteContent("out once"))
			frames, err := kernel.Encode(m, []byte(k.Info.Key))
			if err != nil {
				t.Fatal(err)
			}
			replay := slices.Clone(frames)
			i := slices.IndexFunc(replay, func(f []byte) bool { return string(f) == kernel.Delimiter })
			replay[i+1] = tc.replay(replay[i+1])
			if _, err := kernel.Decode(replay, []byte(k.Info.Key)); err != nil {
				t.Fatalf("the replay does not verify, so it tests nothing: %v", err)
			}
			for _, f := range [][][]byte{frames, replay} {
				if err := k.SendFrames(kerneltest.Shell, f); err != nil {
					t.Fatal(err)
				}
			}
			if _, err := k.Await(ctx, kerneltest.Shell, m); err != nil {
				t.Fatal(err)
			}
			// Handled in order: after this cell, the replay was dropped or ran.
			if _, err := k.Execute(ctx, "out after"); err != nil {
				t.Fatal(err)
			}
			if n := len(k.Replies(kerneltest.Shell, m.Header.MsgID)); n != 1 {
				t.Errorf("the message and its replay got %d replies, want 1", n)
			}
		})
	}
}

// TestIOPubDropsNothing publishes many messages that cannot be coalesced;
// every one must reach the subscriber, in order, before idle.
func TestIOPubDropsNothing(t *testing.T) {
	k, _ := startKernel(t, kerneltest.Options{})
	// Well above the 1000-message queue that would drop with a high-water mark.
	const n = 5_000
	r, err := k.Execute(ctxT(t), fmt.Sprintf("displays %d", n))
	if err != nil {
		t.Fatal(err)
	}
	ds := r.Of("display_data")
	if len(ds) != n {
		t.Fatalf("%d display_data messages arrived, want %d", len(ds), n)
	}
	for i, m := range ds {
		if got := kerneltest.Fields(m)["data"].(map[string]any)["text/plain"]; got != fmt.Sprint(i) {
			t.Fatalf("display %d is %v: out of order", i, got)
		}
	}
}

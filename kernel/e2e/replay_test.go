package e2e

import (
	"bytes"
	"slices"
	"testing"

	"github.com/dmirror/dmirror/kernel"
	"github.com/dmirror/dmirror/kernel/kerneltest"
)

// TestReplayWithUpperCaseSignatureIsDropped sends a cell, then the same
// frames with the signature in upper-case hex (the same MAC, which Decode
// accepts): the cell must run once.
func TestReplayWithUpperCaseSignatureIsDropped(t *testing.T) {
	k := start(t)
	ctx := ctxT(t)
	run(t, k, "runs := 0")
	m, err := k.NewRequest("execute_request", kerneltest.ExecuteContent("runs++"))
	if err != nil {
		t.Fatal(err)
	}
	frames, err := kernel.Encode(m, []byte(k.Info.Key))
	if err != nil {
		t.Fatal(err)
	}
	replay := slices.Clone(frames)
	sig := slices.IndexFunc(replay, func(f []byte) bool { return string(f) == kernel.Delimiter }) + 1
	replay[sig] = bytes.ToUpper(replay[sig])
	for _, f := range [][][]byte{frames, replay} {
		if err := k.SendFrames(kerneltest.Shell, f); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := k.Await(ctx, kerneltest.Shell, m); err != nil {
		t.Fatal(err)
	}
	// Cells run in order: the replay, had it run, ran before this one.
	if got := result(run(t, k, "runs")); got != "1" {
		t.Errorf("runs = %s after the cell and its replay, want 1", got)
	}
}

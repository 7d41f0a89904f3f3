package e2e

import (
	"context"
	"fmt"
	"os"
	"testing"

	"github.com/dmirror/dmirror/interp"
	"github.com/dmirror/dmirror/kernel/engine"
	"github.com/dmirror/dmirror/kernel/engine/enginetest"
)

// session is a Session with a cell counter.
type session struct {
	eng  engine.Engine
	cell int
}

// newSession starts a Session whose image process and mirrors are this
// test binary; env adds to the children's environment.
func newSession(t testing.TB, env ...string) *session {
	t.Helper()
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	eng, err := interp.NewSession(context.Background(), interp.SessionOptions{Executable: exe, Env: append(os.Environ(), env...)})
	if err != nil {
		t.Fatal(err)
	}
	s := &session{eng: eng}
	t.Cleanup(func() { eng.Close() })
	return s
}

// exec runs a cell and returns its result and output.
func (s *session) exec(ctx context.Context, code string) (engine.Result, *enginetest.Recorder) {
	s.cell++
	out := enginetest.NewRecorder()
	res := s.eng.Execute(ctx, engine.ExecuteRequest{Code: code, Count: s.cell, StoreHistory: true}, out)
	return res, out
}

// run runs a cell that must succeed and returns its stdout.
func (s *session) run(t testing.TB, code string) string {
	t.Helper()
	res, out := s.exec(context.Background(), code)
	if res.Error != nil {
		t.Fatalf("cell %d failed:\n%s\n---\n%v\nstderr: %s", s.cell, code, res.Error, out.Text("stderr"))
	}
	return out.Text("stdout")
}

// fails runs a cell that must fail with ename and returns its result and output.
func (s *session) fails(t testing.TB, code, ename string) (engine.Result, *enginetest.Recorder) {
	t.Helper()
	res, out := s.exec(context.Background(), code)
	if res.Error == nil || res.Error.Name != ename {
		t.Fatalf("cell %d:\n%s\n---\ngot %v, want %s; stdout %q stderr %q", s.cell, code, res.Error, ename, out.Text("stdout"), out.Text("stderr"))
	}
	return res, out
}

// plain is the text/plain of a cell's result.
func plain(res engine.Result) string {
	s, _ := res.Data["text/plain"].(string)
	return s
}

var _ = fmt.Sprint

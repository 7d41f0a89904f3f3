package values_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"syscall"
	"testing"

	yaegi "github.com/traefik/yaegi/interp"

	"github.com/dmirror/dmirror/interp/values"
)

// childEnv makes the test binary act as a receiving process (see
// TestMain): as a mirror does, it builds its own interpreter from the
// declarations, decodes the values it is sent into it, and sends back the
// results of receiverChecks and its values, encoded again.
const childEnv = "DMIRROR_VALUES_TEST_CHILD"

type childReply struct {
	Checks map[string]string
	Values map[string][]byte
	Err    string
}

func TestMain(m *testing.M) {
	if os.Getenv(childEnv) == "1" {
		reply := serveChild()
		if err := json.NewEncoder(os.Stdout).Encode(reply); err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(2)
		}
		os.Exit(0)
	}
	os.Exit(m.Run())
}

func serveChild() childReply {
	var sent map[string][]byte
	if err := json.NewDecoder(os.Stdin).Decode(&sent); err != nil {
		return childReply{Err: err.Error()}
	}
	i, err := buildInterp(decls)
	if err != nil {
		return childReply{Err: err.Error()}
	}
	if err := setAll(i, sent); err != nil {
		return childReply{Err: err.Error()}
	}
	back, err := encodeAll(i, sent)
	if err != nil {
		return childReply{Err: err.Error()}
	}
	return childReply{Checks: evalChecks(i), Values: back}
}

// encodeAll encodes i's settable globals, or those named in only.
func encodeAll(i *yaegi.Interpreter, only map[string][]byte) (map[string][]byte, error) {
	out := map[string][]byte{}
	for name, g := range i.Globals() {
		if _, ok := only[name]; (only != nil && !ok) || !g.IsValid() || !g.CanSet() {
			continue
		}
		data, err := values.Encode(g)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", name, err)
		}
		out[name] = data
	}
	return out, nil
}

// setAll decodes data into i's globals, by name.
func setAll(i *yaegi.Interpreter, data map[string][]byte) error {
	dec := values.NewDecoder(values.KnownTypes(i, values.TypeNames(decls)...)...)
	globals := i.Globals()
	for name, d := range data {
		g, ok := globals[name]
		if !ok {
			return fmt.Errorf("%s is not declared", name)
		}
		v, err := dec.Decode(d, g.Type())
		if err != nil {
			return fmt.Errorf("%s: %w", name, err)
		}
		g.Set(v)
	}
	return nil
}

// TestRoundTripThroughAnotherProcess sends the values of initValues to a
// process that has built its own types from the same declarations, and
// back again.
func TestRoundTripThroughAnotherProcess(t *testing.T) {
	src := newInterp(t, decls, initValues, "init1()")
	sent, err := encodeAll(src, nil)
	if err != nil {
		t.Fatal(err)
	}
	in, err := json.Marshal(sent)
	if err != nil {
		t.Fatal(err)
	}
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.CommandContext(t.Context(), exe, "-test.run=^$")
	cmd.Env = append(os.Environ(), childEnv+"=1")
	cmd.Stdin = bytes.NewReader(in)
	cmd.Stderr = os.Stderr
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("child: %v", err)
	}
	var reply childReply
	if err := json.Unmarshal(out, &reply); err != nil {
		t.Fatalf("child reply %q: %v", out, err)
	}
	if reply.Err != "" {
		t.Fatalf("child: %s", reply.Err)
	}
	for expr, want := range receiverChecks {
		if got := reply.Checks[expr]; got != want {
			t.Errorf("in the child, %s = %s, want %s", expr, got, want)
		}
	}
	back := newInterp(t, decls)
	if err := setAll(back, reply.Values); err != nil {
		t.Fatal(err)
	}
	if len(reply.Values) != len(sent) {
		t.Errorf("child sent back %d values, want %d", len(reply.Values), len(sent))
	}
	for name, g := range back.Globals() {
		if _, ok := sent[name]; !ok {
			continue
		}
		if a, b := values.Dump(src.Globals()[name]), values.Dump(g); a != b {
			t.Errorf("%s after two processes\n got %s\nwant %s", name, b, a)
		}
	}
}

package modules

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os/exec"
	"strings"
	"time"
)

// goCmd runs the go command in the resolver's private module.
type goCmd struct {
	path    string        // the go command
	dir     string        // the private module
	env     []string      // the caller's environment plus fixedEnv
	timeout time.Duration // for one run
}

// fixedEnv keeps the private module private and the go command quick:
// no workspace of the caller's applies, no toolchain is downloaded in the
// middle of a cell, and packages are listed as the interpreter builds them.
var fixedEnv = []string{"GOWORK=off", "GOTOOLCHAIN=local", "GO111MODULE=on", "CGO_ENABLED=0"}

// TimeoutError says that the go command did not finish in time, which is
// what an unreachable proxy looks like.
type TimeoutError struct {
	Args    []string
	Timeout time.Duration
}

func (e *TimeoutError) Error() string {
	return fmt.Sprintf("go %s: no answer after %v (is the module proxy reachable? see GOPROXY)",
		strings.Join(e.Args, " "), e.Timeout)
}

// run runs go with args and extra environment variables (which override
// the caller's) and returns its standard output. Its error carries the
// go command's own message.
func (g *goCmd) run(ctx context.Context, extraEnv []string, args ...string) ([]byte, error) {
	ctx, cancel := context.WithTimeout(ctx, g.timeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, g.path, args...)
	cmd.Dir = g.dir
	cmd.Env = append(append(append([]string(nil), g.env...), fixedEnv...), extraEnv...)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	ownProcessGroup(cmd)
	// The go command may leave helpers (git, for direct fetches) holding
	// the pipes; do not wait for them longer than this once go is gone.
	cmd.WaitDelay = 2 * time.Second
	err := cmd.Run()
	switch {
	case errors.Is(ctx.Err(), context.DeadlineExceeded):
		return nil, &TimeoutError{Args: args, Timeout: g.timeout}
	case ctx.Err() != nil:
		return nil, fmt.Errorf("go %s: %w", strings.Join(args, " "), ctx.Err())
	case err != nil:
		return stdout.Bytes(), &GoError{Args: args, Stderr: strings.TrimSpace(stderr.String()), Err: err}
	}
	return stdout.Bytes(), nil
}

// GoError is a failure of the go command, with what it printed.
type GoError struct {
	Args   []string
	Stderr string
	Err    error
}

func (e *GoError) Error() string {
	msg := e.Stderr
	if msg == "" {
		msg = e.Err.Error()
	}
	return fmt.Sprintf("go %s: %s", strings.Join(e.Args, " "), msg)
}

func (e *GoError) Unwrap() error { return e.Err }

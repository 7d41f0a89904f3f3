package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/dmirror/dmirror/kernel"
	"github.com/dmirror/dmirror/kernel/kerneltest"
)

// measure starts the kernel once; the first start also runs the cells.
func measure(ctx context.Context, s subject, st *stats, dir string, cells bool, rtts, reps int) error {
	ctx, cancel := context.WithTimeout(ctx, 10*time.Minute)
	defer cancel()
	k, err := kerneltest.Start(ctx, kerneltest.Options{Dir: dir, Env: s.env, Stderr: io.Discard, ReadyTimeout: time.Minute}, s.argv...)
	if err != nil {
		return err
	}
	defer k.Close()
	st.startup = append(st.startup, ms(k.FirstReply.Sub(k.Started)))
	if cells {
		if err := runCells(ctx, k, s, st, rtts, reps); err != nil {
			return err
		}
	}
	if _, err := k.Shutdown(ctx, kerneltest.Control, false); err != nil {
		return err
	}
	return k.Wait(ctx)
}

// runCells measures the cells of s on a started kernel.
func runCells(ctx context.Context, k *kerneltest.Kernel, s subject, st *stats, rtts, reps int) error {
	c := cellTimer{ctx: ctx, k: k}
	c.time(s.setup, nil)
	for range 5 { // warm-up
		c.time(s.trivial, nil)
	}
	st.rtt = c.repeat(rtts, s.trivial, nil)
	c.time(s.fibDef, nil)
	st.fib = c.repeat(reps, s.fibCall, func(r *kerneltest.Result) error {
		if len(r.Of("execute_result")) != 1 {
			return errors.New("fib(27): no result")
		}
		return nil
	})
	st.lines = c.repeat(reps, s.lines, func(r *kerneltest.Result) error {
		if n := strings.Count(r.Stream("stdout"), "\n"); n != 10000 {
			return fmt.Errorf("output cell delivered %d lines, want 10000", n)
		}
		return nil
	})
	for range reps {
		if c.err != nil {
			break
		}
		for _, cell := range []struct {
			code string
			into *[]float64
		}{{s.loop, &st.intrLoop}, {s.sleep, &st.intrSleep}} {
			d, err := interrupt(ctx, k, cell.code)
			if err != nil {
				return err
			}
			*cell.into = append(*cell.into, d)
		}
	}
	return c.err
}

// cellTimer times cells send to idle; after the first error it does
// nothing and keeps the error.
type cellTimer struct {
	ctx context.Context
	k   *kerneltest.Kernel
	err error
}

func (c *cellTimer) time(code string, check func(*kerneltest.Result) error) float64 {
	if c.err != nil {
		return 0
	}
	t0 := time.Now()
	r, err := c.k.Execute(c.ctx, code)
	d := ms(time.Since(t0))
	switch {
	case err != nil:
		c.err = err
	case r.Status() != "ok":
		c.err = fmt.Errorf("cell %q failed: %v", code, kerneltest.Fields(r.Reply))
	case check != nil:
		c.err = check(r)
	}
	return d
}

func (c *cellTimer) repeat(n int, code string, check func(*kerneltest.Result) error) []float64 {
	var ds []float64
	for range n {
		d := c.time(code, check)
		if c.err != nil {
			return nil
		}
		ds = append(ds, d)
	}
	return ds
}

// interrupt starts code, interrupts it once it runs, and returns the time
// from interrupt_request to the cell's execute_reply.
func interrupt(ctx context.Context, k *kerneltest.Kernel, code string) (float64, error) {
	// Without stop_on_error: a kernel may abort requests that arrive soon
	// after an error, and the next measurement would never start.
	content := kerneltest.ExecuteContent(code)
	content["stop_on_error"] = false
	cell, err := k.NewRequest("execute_request", content)
	if err != nil {
		return 0, err
	}
	if err := k.SendMessage(kerneltest.Shell, cell); err != nil {
		return 0, err
	}
	started, cancel := context.WithTimeout(ctx, time.Minute)
	defer cancel()
	if _, err := k.WaitFor(started, kerneltest.IOPub, func(m *kernel.Message) bool {
		return m.Header.MsgType == "execute_input" && m.ParentID() == cell.Header.MsgID
	}); err != nil {
		return 0, fmt.Errorf("cell %q did not start: %w", code, err)
	}
	// A user interrupts a cell that has been running for a while; right
	// after execute_input a kernel may not listen for interrupts yet.
	time.Sleep(200 * time.Millisecond)
	t0 := time.Now()
	var r *kerneltest.Result
	for r == nil {
		if _, err := k.Send(kerneltest.Control, "interrupt_request", map[string]any{}); err != nil {
			return 0, err
		}
		// Ask again, as a user would, if the cell goes on.
		wait, cancel := context.WithTimeout(ctx, 2*time.Second)
		r, err = k.Await(wait, kerneltest.Shell, cell)
		cancel()
		if err != nil && ctx.Err() != nil {
			return 0, err
		}
	}
	d := ms(time.Since(t0))
	if r.Status() != "error" {
		return 0, fmt.Errorf("interrupted cell %q: status %q", code, r.Status())
	}
	return d, nil
}

package interp

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sync"
	"time"

	"github.com/dmirror/dmirror/interp/frame"
	"github.com/dmirror/dmirror/interp/frontend"
	"github.com/dmirror/dmirror/kernel/engine"
)

// run sends the plan to the image process and relays what it produces
// until the cell ends.
func (s *Session) run(ctx context.Context, p *imageProc, plan *frontend.Plan, req engine.ExecuteRequest, out engine.Sink) engine.Result {
	s.lastID++
	id := s.lastID
	helpers, stopHelpers := context.WithCancel(ctx)
	var wg sync.WaitGroup
	defer func() {
		stopHelpers()
		wg.Wait()
	}()
	if err := p.send(msgRun, id, s.runMsg(plan, req)); err != nil {
		p.kill()
	}
	done := ctx.Done()
	var grace <-chan time.Time
	for {
		select {
		case m, ok := <-p.frames:
			if !ok {
				return s.crashed(ctx, p, plan, ctx.Err() != nil)
			}
			switch m.Type {
			case msgDone:
				p.marks.Await(id, rawMarkWait) // what the cell wrote to fd 1 and 2 is the cell's
				return s.finish(ctx, p, plan, m)
			case msgInput:
				wg.Add(1)
				go func() { defer wg.Done(); s.answerInput(helpers, p, m, out) }()
			case msgJob:
				wg.Add(1)
				go func() { defer wg.Done(); s.answerJob(helpers, p, m, plan, out) }()
			default:
				s.log.Warn("unexpected frame from the image process", "type", m.Type)
			}
		case <-done:
			done = nil
			if err := p.send(msgCancel, id, nil); err != nil {
				p.kill()
			}
			grace = time.After(interruptGrace)
		case <-grace:
			grace = nil
			p.kill()
		}
	}
}

// runMsg is the message that runs plan. When the cell keeps the image's
// variables, their list is not sent again: it made every cell's message
// grow with the session.
func (s *Session) runMsg(plan *frontend.Plan, req engine.ExecuteRequest) runMsg {
	m := runMsg{Plan: plan, AllowStdin: req.AllowStdin, Modules: s.modules(), Gen: s.nextGen}
	if slices.Equal(plan.Vars, s.imageVars) {
		sent := *plan
		sent.Vars = nil
		m.Plan, m.SameVars = &sent, true
	}
	return m
}

// finish ends a cell the image process reported on.
func (s *Session) finish(ctx context.Context, p *imageProc, plan *frontend.Plan, m frame.Msg) engine.Result {
	var d doneMsg
	if err := m.Decode(&d); err != nil {
		return engine.Result{Error: &engine.Error{Name: "InternalError", Value: err.Error()}}
	}
	if d.Error != nil {
		if d.Restart {
			s.replace(ctx, p, d.Error, d.Stuck)
		}
		return engine.Result{Error: d.Error}
	}
	s.fe.Commit(plan)
	// Variables go away only when the cell replaced some: when the old
	// list starts the new one, nothing is dropped (looking through every
	// value made each cell's cost grow with the session).
	prev := s.imageVars
	dropped := len(plan.Vars) < len(prev) || !slices.Equal(plan.Vars[:len(prev)], prev) ||
		!s.known(d, plan.Vars[len(prev):])
	s.imageVars = plan.Vars
	for n, data := range d.Values {
		s.values[n] = data
		delete(s.live, n)
	}
	for _, n := range d.Live {
		s.live[n] = true
		delete(s.values, n)
	}
	if dropped {
		s.dropVars(plan.Vars)
	}
	return engine.Result{Data: d.Data, Metadata: d.Metadata}
}

// known reports whether every variable d reports on already has a value
// kept here or is one of added (if not, finish looks through them all).
func (s *Session) known(d doneMsg, added []frontend.Var) bool {
	has := func(n string) bool {
		_, ok := s.values[n]
		return ok || s.live[n] || slices.ContainsFunc(added, func(v frontend.Var) bool { return v.Name == n })
	}
	for n := range d.Values {
		if !has(n) {
			return false
		}
	}
	for _, n := range d.Live {
		if !has(n) {
			return false
		}
	}
	return true
}

// dropVars forgets the values of variables that are not among vars.
func (s *Session) dropVars(vars []frontend.Var) {
	keep := map[string]bool{}
	for _, v := range vars {
		keep[v.Name] = true
	}
	for n := range s.values {
		if !keep[n] {
			delete(s.values, n)
		}
	}
	for n := range s.live {
		if !keep[n] {
			delete(s.live, n)
		}
	}
}

// replace ends an image process that holds memory it cannot free (a cell
// stopped for memory keeps what it allocated) and starts a new one with the
// committed image, saying so in e's traceback: an idle image must not keep
// gigabytes.
func (s *Session) replace(ctx context.Context, p *imageProc, e *engine.Error, stuck bool) {
	s.log.Info("restarting the image process to free the memory of a stopped cell", "stuck", stuck)
	p.kill()
	// The restart must not be cut short by an interrupt.
	reset, err := s.start(context.WithoutCancel(ctx))
	if err != nil {
		e.Traceback = append(e.Traceback, fmt.Sprintf("The image process, which kept the stopped cell's memory, could not be restarted: %v", err))
		return
	}
	if stuck {
		e.Traceback = append(e.Traceback, "The image process was restarted to stop compiled code that was still running, and the image restored.")
	} else {
		e.Traceback = append(e.Traceback, "The image process was restarted to give the stopped cell's memory back, and the image restored.")
	}
	for _, r := range reset {
		e.Traceback = append(e.Traceback, "  lost: "+r)
	}
}

// crashed handles the death of the image process during a cell: it starts
// a new one, restores the committed image, and fails the cell saying what
// happened.
func (s *Session) crashed(ctx context.Context, p *imageProc, plan *frontend.Plan, interrupted bool) engine.Result {
	<-p.dead
	tail, werr := p.death()
	e := deathError(tail, werr)
	s.log.Warn("image process ended during a cell; restarting it", "cell", plan.Cell, "error", e.Name, "exit", werr, "interrupted", interrupted)
	if interrupted {
		e = &engine.Error{Name: "Interrupted", Value: "the cell was interrupted",
			Traceback: []string{fmt.Sprintf("cell[%d]: interrupted while blocked in compiled code; the image process was restarted", plan.Cell)}}
	} else {
		e.Traceback = append([]string{fmt.Sprintf("cell[%d]: %s", plan.Cell, e.Value)}, e.Traceback...)
	}
	// The restart must not be cut short by the interrupt that caused it.
	reset, err := s.start(context.WithoutCancel(ctx))
	if err != nil {
		e.Traceback = append(e.Traceback, fmt.Sprintf("The image could not be restored: %v", err))
		return engine.Result{Error: e}
	}
	e.Traceback = append(e.Traceback, fmt.Sprintf("The image process was restarted and the image restored to its state before cell[%d].", plan.Cell))
	for _, r := range reset {
		e.Traceback = append(e.Traceback, "  lost: "+r)
	}
	return engine.Result{Error: e}
}

// answerInput asks the front end for a line on behalf of the image.
func (s *Session) answerInput(ctx context.Context, p *imageProc, m frame.Msg, out engine.Sink) {
	var req inputMsg
	reply := inputReplyMsg{}
	if err := m.Decode(&req); err != nil {
		reply.Err = err.Error()
	} else if v, err := out.Input(ctx, req.Prompt, req.Password); errors.Is(err, engine.ErrNoStdin) {
		reply.NoStdin = true
	} else if ctx.Err() != nil {
		// The cell is being interrupted: the cancel that follows ends the
		// read. An error reply could reach the image first, and the cell
		// would go on past a read that failed and end as if not
		// interrupted.
		return
	} else if err != nil {
		reply.Err = err.Error()
	} else {
		reply.Value = v
	}
	if err := p.send(msgInputReply, m.ID, reply); err != nil {
		s.log.Debug("input reply not sent: the image process is gone", "err", err)
	}
}

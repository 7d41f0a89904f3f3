package interp

import (
	"context"
	"errors"
	"fmt"
	"reflect"
	"slices"

	yaegi "github.com/traefik/yaegi/interp"

	"github.com/dmirror/dmirror/interp/frame"
	"github.com/dmirror/dmirror/interp/frontend"
	"github.com/dmirror/dmirror/interp/vm"
	"github.com/dmirror/dmirror/kernel/engine"
	"github.com/dmirror/dmirror/mirror"
)

// jobMsg is a Parallel* call of the image, for the kernel's mirrors.
type jobMsg struct {
	Job *mirror.Job
}

// jobReplyMsg answers jobMsg.
type jobReplyMsg struct {
	Outcome *mirror.Outcome `json:",omitempty"`
	Err     string          `json:",omitempty"`
}

// mirrorHooks connects the image-side Parallel runtime to this process.
func (s *imageServer) mirrorHooks() mirror.ImageHooks {
	return mirror.ImageHooks{
		Run:     s.runJob,
		Block:   s.block,
		Global:  s.global,
		Context: s.runContext,
		Decoder: s.jobDec.Load,
	}
}

// prepareJobDecoder builds the decoder of Parallel outcomes for ip and its
// declarations, when the session has Parallel calls and the declarations
// changed since the last one was built. It runs before a cell's body.
func (s *imageServer) prepareJobDecoder(ip *yaegi.Interpreter, decls []string) {
	s.mu.Lock()
	none := len(s.blocks) == 0
	s.mu.Unlock()
	gen := vm.GenerationOf(ip)
	if none || (slices.Equal(decls, s.jobDecls) && gen == s.jobGen && s.jobDec.Load() != nil) {
		return
	}
	s.jobDec.Store(decoderFor(ip, decls))
	s.jobDecls, s.jobGen = decls, gen
}

func (s *imageServer) runJob(ctx context.Context, job *mirror.Job) (*mirror.Outcome, error) {
	s.out.flush()
	var bs frame.Blobs
	m, err := s.exchange(ctx, msgJob, jobMsg{Job: job.WithBlobs(&bs)}, bs.List()...)
	if err != nil {
		return nil, err
	}
	var reply jobReplyMsg
	if err := m.Decode(&reply); err != nil {
		return nil, err
	}
	if reply.Err != "" {
		return nil, errors.New(reply.Err)
	}
	if reply.Outcome == nil {
		return nil, errors.New("the kernel sent no outcome")
	}
	if err := reply.Outcome.TakeBlobs(m); err != nil {
		return nil, fmt.Errorf("the kernel's outcome: %w", err)
	}
	return reply.Outcome, nil
}

func (s *imageServer) block(id int) (frontend.Block, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	b, ok := s.blocks[id]
	return b, ok
}

func (s *imageServer) addBlocks(bs []frontend.Block) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, b := range bs {
		s.blocks[b.ID] = b
	}
}

// global reads a package variable of the interpreter running the cell.
func (s *imageServer) global(name string) (reflect.Value, bool) {
	ip := s.active.Load()
	if ip == nil {
		return reflect.Value{}, false
	}
	var vars []frontend.Var
	if r := s.current(); r != nil {
		vars = r.vars
	}
	v, ok := globalsOf(ip, vars, []string{name})[name]
	return v, ok
}

func (s *imageServer) runContext() context.Context {
	if r := s.current(); r != nil {
		return r.ctx
	}
	return context.Background()
}

// setActive records the interpreter a cell runs in (a fresh one when the
// cell rebuilds the image).
func (s *imageServer) setActive(ip *yaegi.Interpreter) { s.active.Store(ip) }

// mirrorError describes a failed Parallel* call; the kernel already showed
// the failed mirrors.
func mirrorError(v any, stack []string) *engine.Error {
	e, ok := v.(*mirror.Error)
	if !ok {
		return nil
	}
	return &engine.Error{Name: mirror.ErrorName, Value: e.Error(),
		Traceback: append([]string{fmt.Sprintf("%s: %s", mirror.ErrorName, e.Error())}, stack...)}
}

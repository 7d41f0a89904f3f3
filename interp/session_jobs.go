package interp

import (
	"context"
	"errors"
	"strings"

	"github.com/dmirror/dmirror/interp/frame"
	"github.com/dmirror/dmirror/interp/frontend"
	"github.com/dmirror/dmirror/kernel/engine"
	"github.com/dmirror/dmirror/mirror"
)

// uncommittedGen starts the generations of declaration logs that hold a
// running cell's declarations; the frontend counts its own from 0.
const uncommittedGen = 1 << 40

// answerJob runs a Parallel* call of the image on the mirror pool. Failed
// mirrors are shown on the cell before the image process fails it.
func (s *Session) answerJob(ctx context.Context, p *imageProc, m frame.Msg, plan *frontend.Plan, out engine.Sink) {
	reply := jobReplyMsg{}
	var body jobMsg
	switch err := m.Decode(&body); {
	case err != nil:
		reply.Err = err.Error()
	case body.Job == nil:
		reply.Err = "a job frame without a job"
	case body.Job.TakeBlobs(m) != nil:
		reply.Err = "a job frame whose chunks' data are missing"
	case s.pool == nil:
		reply.Err = "parallel calls are not available in this session"
	default:
		ev := mirror.NewCellEvents(out, opLabel(body.Job.Op))
		outcome, err := s.pool.Run(ctx, s.jobDecls(plan), body.Job, ev)
		if err == nil && outcome == nil {
			err = errors.New("the pool returned no outcome")
		}
		ev.Finish(outcome, err)
		switch {
		case err != nil:
			reply.Err = err.Error()
		default:
			if len(outcome.Failures) > 0 {
				out.Display(mirror.RenderFailures(outcome.Failures), engine.Bundle{}, "", false)
			}
			reply.Outcome = outcome
		}
	}
	var bs frame.Blobs
	if reply.Outcome != nil {
		reply.Outcome = reply.Outcome.WithBlobs(&bs)
	}
	if err := p.send(msgJobReply, m.ID, reply, bs.List()...); err != nil {
		s.log.Debug("job reply not sent: the image process is gone", "err", err)
	}
}

// jobDecls is the declaration log mirrors replay for a call made while plan
// runs. The committed log is used as it is; when the running cell adds
// declarations, which are not committed yet and may never be, the call
// gets a generation of its own (from uncommittedGen up, never one of the
// frontend's), so that a mirror rebuilds rather than keep them for a later
// call.
func (s *Session) jobDecls(plan *frontend.Plan) mirror.Decls {
	gen, chunks := s.fe.Chunks()
	native, vars := s.gens.path, s.imageVars
	if plan.Generation != nil {
		native, vars = s.nextGen, plan.Vars
	}
	d := mirror.Decls{Modules: s.modules(), Gen: native, Ptrs: ptrs(vars)}
	switch {
	case plan.Rebuild:
		chunks = []string{plan.ImageDecls}
	case plan.Decls != "":
		chunks = append(chunks, plan.Decls)
	default:
		d.Generation, d.Chunks = gen, chunks
		return d
	}
	d.Generation, d.Chunks = uncommittedGen+int(s.uncommitted.Add(1)), chunks
	return d
}

// ptrs maps the variables that live in compiled declarations to their
// pointers' keys.
func ptrs(vars []frontend.Var) map[string]string {
	var m map[string]string
	for _, v := range vars {
		if v.Ptr != "" {
			if m == nil {
				m = map[string]string{}
			}
			m[v.Name] = v.Ptr
		}
	}
	return m
}

// opLabel names a Job's op as users wrote it: collect → ParallelCollect.
func opLabel(op string) string {
	if op == "createMirror" {
		return "CreateMirror"
	}
	if op == "" {
		return "Parallel"
	}
	return "Parallel" + strings.ToUpper(op[:1]) + op[1:]
}

package interp

import (
	"context"

	"github.com/dmirror/dmirror/interp/frame"
	"github.com/dmirror/dmirror/kernel/engine"
)

// answerJob runs a Parallel* call of the image on the mirror pool.
func (s *Session) answerJob(ctx context.Context, p *imageProc, m frame.Msg, out engine.Sink) {
	if err := p.send(msgJobReply, m.ID, jobReplyMsg{Err: "parallel calls are not available yet"}); err != nil {
		s.log.Debug("job reply not sent: the image process is gone", "err", err)
	}
}

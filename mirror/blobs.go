package mirror

import (
	"fmt"

	"github.com/dmirror/dmirror/interp/frame"
)

// The encoded elements and outputs of a call travel as blobs beside the
// JSON body of their frames (frame.Blobs), not in it as base64: a sender
// moves them out with withBlobs and the receiver puts them back with
// takeBlobs. The captured values and globals stay in the body: they are
// small.

// WithBlobs returns a copy of j whose chunks' data are blobs in bs.
func (j *Job) WithBlobs(bs *frame.Blobs) *Job {
	c := *j
	c.Chunks = make([]JobChunk, len(j.Chunks))
	for k, ch := range j.Chunks {
		ch.DataRef, ch.Data = bs.Put(ch.Data), nil
		c.Chunks[k] = ch
	}
	return &c
}

// TakeBlobs puts back the chunks' data from the blobs of m.
func (j *Job) TakeBlobs(m frame.Msg) error {
	for k := range j.Chunks {
		if err := take(m, &j.Chunks[k].Data, &j.Chunks[k].DataRef); err != nil {
			return fmt.Errorf("chunk %d: %w", k, err)
		}
	}
	return nil
}

// WithBlobs returns a copy of o whose chunks' outputs are blobs in bs.
func (o *Outcome) WithBlobs(bs *frame.Blobs) *Outcome {
	c := *o
	c.Chunks = make([]ChunkOutcome, len(o.Chunks))
	for k, ch := range o.Chunks {
		ch.OutputsRef, ch.Outputs = bs.Put(ch.Outputs), nil
		c.Chunks[k] = ch
	}
	return &c
}

// TakeBlobs puts back the chunks' outputs from the blobs of m.
func (o *Outcome) TakeBlobs(m frame.Msg) error {
	for k := range o.Chunks {
		if err := take(m, &o.Chunks[k].Outputs, &o.Chunks[k].OutputsRef); err != nil {
			return fmt.Errorf("chunk %d: %w", k, err)
		}
	}
	return nil
}

func (r runMsg) withBlobs(bs *frame.Blobs) runMsg {
	r.DataRef, r.Data = bs.Put(r.Data), nil
	return r
}

func (r *runMsg) takeBlobs(m frame.Msg) error { return take(m, &r.Data, &r.DataRef) }

func (r resultMsg) withBlobs(bs *frame.Blobs) resultMsg {
	r.OutputsRef, r.Outputs = bs.Put(r.Outputs), nil
	return r
}

func (r *resultMsg) takeBlobs(m frame.Msg) error { return take(m, &r.Outputs, &r.OutputsRef) }

func (r restMsg) withBlobs(bs *frame.Blobs) restMsg {
	r.DataRef, r.Data = bs.Put(r.Data), nil
	return r
}

func (r *restMsg) takeBlobs(m frame.Msg) error { return take(m, &r.Data, &r.DataRef) }

// take sets *data to the blob *ref refers to, if any, and clears *ref.
func take(m frame.Msg, data *[]byte, ref *frame.Ref) error {
	if *ref == 0 {
		return nil
	}
	b, err := m.Blob(*ref)
	if err != nil {
		return err
	}
	*data, *ref = b, 0
	return nil
}

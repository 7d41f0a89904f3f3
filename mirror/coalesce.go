package mirror

import (
	"encoding/binary"
	"io"
)

// coalesceMax bounds the messages coalesced: larger ones (blobs of
// megabytes) are written as frame.Conn writes them.
const coalesceMax = 256 << 10

// coalescer turns the writes of one frame.Conn message (its header and
// body, then each blob) into one write when the message is small: over
// TCP each write is a segment of its own (TCP_NODELAY), and the peer wakes
// for each. Writes of one message arrive under frame.Conn's lock, so a
// message is never interleaved with another. Measured on two netns nodes
// (warm ParallelCollect of 1,000 x*10 on 2 Slurm mirrors, 201 calls, four
// alternating rounds, load average 7 to 10): median 0.39 to 0.69 ms
// coalesced against 0.76 to 0.95 ms not, every round.
type coalescer struct {
	w    io.Writer
	buf  []byte
	need int // bytes of the message still to come; 0 between messages
}

func coalesced(w io.Writer) io.Writer { return &coalescer{w: w} }

func (c *coalescer) Write(p []byte) (int, error) {
	if c.need == 0 {
		if len(p) < 4 {
			return c.w.Write(p)
		}
		total := 4 + int(binary.BigEndian.Uint32(p))
		if total > coalesceMax || len(p) >= total {
			return c.w.Write(p)
		}
		c.buf, c.need = append(c.buf[:0], p...), total-len(p)
		return len(p), nil
	}
	c.buf = append(c.buf, p...)
	c.need -= len(p)
	if c.need > 0 {
		return len(p), nil
	}
	c.need = 0
	if _, err := c.w.Write(c.buf); err != nil {
		return 0, err
	}
	return len(p), nil
}

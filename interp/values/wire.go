package values

import (
	"encoding/binary"
	"errors"
	"fmt"
	"math"
	"math/bits"
)

// Wire format: a header (magic, version, the 8-byte fingerprint of the
// encoded type) followed by the value, written according to its type:
// bools as one byte, signed integers as zigzag varints, unsigned ones as
// varints, floats as little-endian IEEE bits, strings and marshalled
// payloads length-prefixed, structs and arrays as their elements in order.
// Slices, maps, pointers and interfaces start with a varint tag (see the
// tag constants).
const (
	magic   = 0xD7
	version = 1
)

// Reference tags for pointers, maps and tracked slices.
const (
	refNil      = 0 // nil
	refNew      = 1 // first occurrence; contents follow
	refSentinel = 2 // pointer held in a binary package variable; its name follows
	refBack     = 3 // refBack+id: an earlier occurrence
)

// Interface tags: tagNil, tagNewType followed by a type description, or
// tagType+id for a type described earlier in the same value.
const (
	tagNil     = 0
	tagNewType = 1
	tagType    = 2
)

var errTruncated = errors.New("truncated data")

type reader struct {
	buf []byte
	off int
}

func (r *reader) remaining() int { return len(r.buf) - r.off }

func (r *reader) byte() (byte, error) {
	if r.off >= len(r.buf) {
		return 0, errTruncated
	}
	b := r.buf[r.off]
	r.off++
	return b, nil
}

func (r *reader) uvarint() (uint64, error) {
	x, n := binary.Uvarint(r.buf[r.off:])
	if n <= 0 {
		if n == 0 {
			return 0, errTruncated
		}
		return 0, errors.New("varint overflows 64 bits")
	}
	if n != uvarintLen(x) {
		return 0, errors.New("non-minimal varint")
	}
	r.off += n
	return x, nil
}

// uvarintLen is the length of the shortest encoding of x, the only one
// accepted, so that every value and type has exactly one encoding.
func uvarintLen(x uint64) int { return (bits.Len64(x|1) + 6) / 7 }

func (r *reader) varint() (int64, error) {
	x, n := binary.Varint(r.buf[r.off:])
	if n <= 0 {
		if n == 0 {
			return 0, errTruncated
		}
		return 0, errors.New("varint overflows 64 bits")
	}
	if n != uvarintLen(uint64(x)<<1^uint64(x>>63)) {
		return 0, errors.New("non-minimal varint")
	}
	r.off += n
	return x, nil
}

// length reads a count of items that each take at least min bytes on the
// wire, refusing counts the remaining data cannot hold so that bad data
// cannot make the decoder allocate without bound.
func (r *reader) length(min int) (int, error) {
	n, err := r.uvarint()
	if err != nil {
		return 0, err
	}
	return r.checkLength(n, min)
}

// checkLength checks a count read from the wire, as length does.
func (r *reader) checkLength(n uint64, min int) (int, error) {
	limit := uint64(math.MaxInt32)
	if min > 0 {
		limit = uint64(r.remaining() / min)
	}
	if n > limit {
		return 0, fmt.Errorf("length %d exceeds the data", n)
	}
	return int(n), nil
}

func (r *reader) bytes() ([]byte, error) {
	n, err := r.length(1)
	if err != nil {
		return nil, err
	}
	b := r.buf[r.off : r.off+n]
	r.off += n
	return b, nil
}

func (r *reader) uint64() (uint64, error) {
	if r.remaining() < 8 {
		return 0, errTruncated
	}
	x := binary.LittleEndian.Uint64(r.buf[r.off:])
	r.off += 8
	return x, nil
}

func (r *reader) uint32() (uint32, error) {
	if r.remaining() < 4 {
		return 0, errTruncated
	}
	x := binary.LittleEndian.Uint32(r.buf[r.off:])
	r.off += 4
	return x, nil
}

func appendString(b []byte, s string) []byte {
	b = binary.AppendUvarint(b, uint64(len(s)))
	return append(b, s...)
}

func (r *reader) bool() (bool, error) {
	b, err := r.byte()
	if err != nil {
		return false, err
	}
	if b > 1 {
		return false, fmt.Errorf("bad bool %d", b)
	}
	return b == 1, nil
}

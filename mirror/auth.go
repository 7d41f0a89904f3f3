package mirror

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"net"
	"time"
)

// Mirrors placed on other machines (Slurm steps) dial the kernel over TCP.
// Before a frame is read on such a connection, both sides prove that they
// hold the kernel's secret, as Jupyter signs its messages with HMAC-SHA256:
//
//	kernel → mirror: magic, nonceK (32 bytes)
//	mirror → kernel: token (8), nonceM (32), node, step (each a length byte
//	                 and at most 255 bytes), HMAC(key, "mirror", nonceK,
//	                 token, nonceM, node, step)
//	kernel → mirror: HMAC(key, "kernel", nonceM, nonceK, token)
//
// The nonces make every proof good for one connection only. The kernel
// reads a bounded number of bytes, under a deadline, before the proof is
// checked; what an unauthenticated peer sends is never decoded as a frame,
// and a mirror never runs what a peer that does not hold the key sends.
// The token says which of the kernel's steps the connection is.

// authMagic opens the kernel's challenge: the protocol and its version.
const authMagic = "DMIRROR1"

// authTimeout bounds the handshake on both sides.
const authTimeout = 10 * time.Second

const (
	nonceSize = 32
	macSize   = sha256.Size
)

// errAuth is a peer that did not prove it holds the key.
var errAuth = errors.New("authentication failed")

// hello is what a mirror says about itself in the handshake.
type hello struct {
	Token uint64
	Node  string // the host it runs on (SLURMD_NODENAME)
	Step  string // its Slurm step, JOB.STEP
}

// newSecret returns a fresh per-kernel key.
func newSecret() ([]byte, error) {
	key := make([]byte, 32)
	if _, err := rand.Read(key); err != nil {
		return nil, fmt.Errorf("mirror: make a key: %w", err)
	}
	return key, nil
}

func mac(key []byte, parts ...[]byte) []byte {
	h := hmac.New(sha256.New, key)
	for _, p := range parts {
		// Each part is preceded by its length, so that parts cannot be
		// shifted into one another.
		var n [4]byte
		binary.BigEndian.PutUint32(n[:], uint32(len(p)))
		h.Write(n[:])
		h.Write(p)
	}
	return h.Sum(nil)
}

func tokenBytes(t uint64) []byte { return binary.BigEndian.AppendUint64(nil, t) }

// acceptMirror runs the kernel's side of the handshake on c and returns
// what the mirror said about itself once it has proved it holds key.
func acceptMirror(c net.Conn, key []byte) (hello, error) {
	var h hello
	if err := c.SetDeadline(time.Now().Add(authTimeout)); err != nil {
		return h, err
	}
	nonceK := make([]byte, nonceSize)
	if _, err := rand.Read(nonceK); err != nil {
		return h, err
	}
	if _, err := c.Write(append([]byte(authMagic), nonceK...)); err != nil {
		return h, fmt.Errorf("send the challenge: %w", err)
	}
	fixed := make([]byte, 8+nonceSize)
	if _, err := io.ReadFull(c, fixed); err != nil {
		return h, fmt.Errorf("read the answer: %w", err)
	}
	h.Token = binary.BigEndian.Uint64(fixed)
	nonceM := fixed[8:]
	node, err := readShort(c)
	if err != nil {
		return h, err
	}
	step, err := readShort(c)
	if err != nil {
		return h, err
	}
	got := make([]byte, macSize)
	if _, err := io.ReadFull(c, got); err != nil {
		return h, fmt.Errorf("read the answer: %w", err)
	}
	want := mac(key, []byte("mirror"), nonceK, fixed[:8], nonceM, node, step)
	if !hmac.Equal(got, want) {
		return h, errAuth
	}
	h.Node, h.Step = string(node), string(step)
	if _, err := c.Write(mac(key, []byte("kernel"), nonceM, nonceK, fixed[:8])); err != nil {
		return h, fmt.Errorf("send the proof: %w", err)
	}
	return h, c.SetDeadline(time.Time{})
}

// dialKernel runs the mirror's side of the handshake on c: it proves that
// it holds key and checks that the kernel does too.
func dialKernel(c net.Conn, key []byte, h hello) error {
	if err := c.SetDeadline(time.Now().Add(authTimeout)); err != nil {
		return err
	}
	challenge := make([]byte, len(authMagic)+nonceSize)
	if _, err := io.ReadFull(c, challenge); err != nil {
		return fmt.Errorf("read the challenge: %w", err)
	}
	if string(challenge[:len(authMagic)]) != authMagic {
		return fmt.Errorf("the peer is not a dmirror kernel (%q)", challenge[:len(authMagic)])
	}
	nonceK := challenge[len(authMagic):]
	nonceM := make([]byte, nonceSize)
	if _, err := rand.Read(nonceM); err != nil {
		return err
	}
	node, step := []byte(clip(h.Node)), []byte(clip(h.Step))
	tok := tokenBytes(h.Token)
	msg := append(append([]byte(nil), tok...), nonceM...)
	msg = append(append(msg, byte(len(node))), node...)
	msg = append(append(msg, byte(len(step))), step...)
	msg = append(msg, mac(key, []byte("mirror"), nonceK, tok, nonceM, node, step)...)
	if _, err := c.Write(msg); err != nil {
		return fmt.Errorf("send the answer: %w", err)
	}
	got := make([]byte, macSize)
	if _, err := io.ReadFull(c, got); err != nil {
		return fmt.Errorf("read the kernel's proof (a wrong key closes the connection): %w", err)
	}
	if !hmac.Equal(got, mac(key, []byte("kernel"), nonceM, nonceK, tok)) {
		return fmt.Errorf("the kernel's proof: %w", errAuth)
	}
	return c.SetDeadline(time.Time{})
}

func clip(s string) string {
	if len(s) > 255 {
		return s[:255]
	}
	return s
}

func readShort(r io.Reader) ([]byte, error) {
	var n [1]byte
	if _, err := io.ReadFull(r, n[:]); err != nil {
		return nil, fmt.Errorf("read the answer: %w", err)
	}
	b := make([]byte, n[0])
	if _, err := io.ReadFull(r, b); err != nil {
		return nil, fmt.Errorf("read the answer: %w", err)
	}
	return b, nil
}

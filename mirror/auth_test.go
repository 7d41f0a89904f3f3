package mirror

import (
	"errors"
	"log/slog"
	"net"
	"strconv"
	"testing"
	"time"
)

// TestHandshake runs both sides of the mirrors' authentication over a
// real TCP connection: the right key passes and carries what the mirror
// says about itself; a wrong key on either side fails on both sides, and
// the kernel reads nothing from the peer after the refused proof.
func TestHandshake(t *testing.T) {
	key, err := newSecret()
	if err != nil {
		t.Fatal(err)
	}
	other, err := newSecret()
	if err != nil {
		t.Fatal(err)
	}
	want := hello{Token: 42, Node: "n2", Step: "7.3"}
	for _, tc := range []struct {
		name                  string
		kernelKey, mirrorKey  []byte
		kernelErr, mirrorErrs bool
	}{
		{"same key", key, key, false, false},
		{"mirror has a wrong key", key, other, true, true},
		{"kernel has a wrong key", other, key, true, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ln, err := net.Listen("tcp", "127.0.0.1:0")
			if err != nil {
				t.Fatal(err)
			}
			defer ln.Close()
			type res struct {
				h   hello
				err error
			}
			kernel := make(chan res, 1)
			go func() {
				c, err := ln.Accept()
				if err != nil {
					kernel <- res{err: err}
					return
				}
				h, err := acceptMirror(c, tc.kernelKey)
				if err != nil {
					c.Close() // what the launcher does with a refused peer
				}
				kernel <- res{h, err}
			}()
			c, err := net.Dial("tcp", ln.Addr().String())
			if err != nil {
				t.Fatal(err)
			}
			defer c.Close()
			mErr := dialKernel(c, tc.mirrorKey, want)
			k := <-kernel
			if (k.err != nil) != tc.kernelErr {
				t.Errorf("kernel: got error %v, want error %v", k.err, tc.kernelErr)
			}
			if tc.kernelErr && !errors.Is(k.err, errAuth) {
				t.Errorf("kernel: got %v, want %v", k.err, errAuth)
			}
			if (mErr != nil) != tc.mirrorErrs {
				t.Errorf("mirror: got error %v, want error %v", mErr, tc.mirrorErrs)
			}
			if !tc.kernelErr && k.h != want {
				t.Errorf("kernel got hello %+v, want %+v", k.h, want)
			}
		})
	}
}

// TestHandshakeRefusesGarbage: a peer that sends anything but a proof is
// refused without the kernel waiting for more than the answer's size.
func TestHandshakeRefusesGarbage(t *testing.T) {
	key, err := newSecret()
	if err != nil {
		t.Fatal(err)
	}
	k, m := net.Pipe()
	defer m.Close()
	done := make(chan error, 1)
	go func() {
		_, err := acceptMirror(k, key)
		k.Close()
		done <- err
	}()
	buf := make([]byte, len(authMagic)+nonceSize)
	if _, err := m.Read(buf); err != nil {
		t.Fatal(err)
	}
	// A frame as a local mirror would send it: length, header, body.
	junk := make([]byte, 8+nonceSize+1+1+macSize)
	copy(junk, "\x00\x00\x00\x10{\"type\":\"run\"}")
	if _, err := m.Write(junk); err != nil {
		t.Fatal(err)
	}
	if err := <-done; !errors.Is(err, errAuth) {
		t.Fatalf("got %v, want %v", err, errAuth)
	}
}

func TestStepSecretRoundTrip(t *testing.T) {
	key, err := newSecret()
	if err != nil {
		t.Fatal(err)
	}
	r, w := net.Pipe()
	go func() {
		w.Write([]byte(stepSecret(key, 1<<63+5) + "after"))
		w.Close()
	}()
	gotKey, tok, err := readStepSecret(r)
	if err != nil {
		t.Fatal(err)
	}
	if string(gotKey) != string(key) || tok != 1<<63+5 {
		t.Errorf("got %x %d, want %x %d", gotKey, tok, key, uint64(1<<63+5))
	}
	rest := make([]byte, 5)
	if _, err := r.Read(rest); err != nil || string(rest) != "after" {
		t.Errorf("read %q after the line (%v), want %q: the line must be read alone", rest, err, "after")
	}
}

// TestBatchAuthenticatesSteps: the steps' listener hands a connection to
// the step whose token it names only after the handshake; a peer with a
// wrong key gets nothing, and one that holds its handshake open is cut
// off when the batch closes rather than holding the call for the
// handshake's deadline.
func TestBatchAuthenticatesSteps(t *testing.T) {
	l := newSlurmLauncher(SlurmOptions{}, nil, nil, slog.New(slog.DiscardHandler))
	b, err := l.listen(&allocation{facing: []string{"127.0.0.1"}})
	if err != nil {
		t.Fatal(err)
	}
	addr := net.JoinHostPort("127.0.0.1", strconv.Itoa(b.port()))
	ch := b.expect(7)

	idle, err := net.Dial("tcp", addr) // says nothing
	if err != nil {
		t.Fatal(err)
	}
	defer idle.Close()

	wrong, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer wrong.Close()
	other, _ := newSecret()
	if err := dialKernel(wrong, other, hello{Token: 7, Node: "evil"}); err == nil {
		t.Error("a peer with a wrong key was accepted")
	}

	right, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer right.Close()
	if err := dialKernel(right, l.key, hello{Token: 7, Node: "n1", Step: "3.0"}); err != nil {
		t.Fatal(err)
	}
	acc := <-ch
	if acc.h.Node != "n1" || acc.h.Step != "3.0" {
		t.Errorf("step got %+v, want node n1, step 3.0", acc.h)
	}
	acc.conn.Close()
	b.forget(7)

	t0 := time.Now()
	b.close()
	buf := make([]byte, 64)
	for {
		if _, err := idle.Read(buf); err != nil {
			break // the challenge, then the end
		}
	}
	if d := time.Since(t0); d >= authTimeout {
		t.Errorf("the idle peer was cut off after %v, the handshake's own deadline", d)
	}
}

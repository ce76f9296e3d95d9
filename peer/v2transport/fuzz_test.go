package v2transport

import (
	"errors"
	"io"
	"testing"

	"github.com/tern-org/ternd/wire"
)

// checkReadError fails the fuzz run on an error that a Conn's reader must
// never return: anything but the documented kinds and a short stream.
func checkReadError(t *testing.T, err error) {
	t.Helper()
	for _, ok := range []error{ErrBadTag, ErrPacketTooLarge, ErrUnknownMessageType, io.EOF,
		io.ErrUnexpectedEOF} {
		if errors.Is(err, ok) {
			return
		}
	}
	t.Fatalf("unexpected error: %v", err)
}

// drain reads messages from c until a final error, checking that no payload
// is larger than the input it came from.
func drain(t *testing.T, c *Conn, inputLen int) {
	for {
		_, payload, err := c.ReadMessage()
		if err != nil {
			checkReadError(t, err)
			if errors.Is(err, ErrUnknownMessageType) {
				continue
			}
			return
		}
		if len(payload) > inputLen {
			t.Fatalf("%d-byte payload from %d bytes of input", len(payload), inputLen)
		}
	}
}

// FuzzPacketDecoder feeds arbitrary bytes to a Conn's reader with fixed
// keys. It is seeded with valid packets (messages with short and long
// types, decoys, an unknown type) so that mutations explore lengths and
// tags around real packets. The reader must not panic, must fail only with
// its documented errors, and never return more than it was given.
func FuzzPacketDecoder(f *testing.F) {
	ki, kr := keyA(f), keyB(f)
	secret, err := sharedSecret(ki, kr.ellswift, true)
	if err != nil {
		f.Fatal(err)
	}
	sender := mustSession(f, secret, true).send
	var stream []byte
	for _, contents := range [][]byte{[]byte("\x12ping-nce"), []byte("\x00version\x00\x00\x00\x00\x00v"),
		{200}, nil, make([]byte, 600)} {
		pkt := sender.appendPacket(nil, contents, nil, len(contents) == 0)
		f.Add(append([]byte(nil), pkt...))
		stream = append(stream, pkt...)
	}
	f.Add(stream)
	f.Add([]byte{0xff, 0xff, 0xff})
	f.Fuzz(func(t *testing.T, data []byte) {
		c := connOver(newReadOnly(data), io.Discard, mustSession(t, secret, false))
		drain(t, c, len(data))
	})
}

// FuzzRespond runs the responder's handshake, with a fixed key and no
// garbage, over arbitrary bytes, the first split of them handed over as
// already read. It is seeded with a valid initiator transcript for that key
// (so mutations reach the garbage scan and the packets) and with v1
// openings. The handshake must not panic, must stop reading within the
// BIP's bounds, and a Conn it returns must read safely.
func FuzzRespond(f *testing.F) {
	kr := keyB(f)
	valid := initiatorTranscript(f)
	f.Add(valid, uint8(0))
	f.Add(valid, uint8(16))
	v1 := v1Version(wire.MainNet)
	f.Add(v1, uint8(0))
	f.Add(v1, uint8(7))
	f.Add(v1Version(wire.TestNet4), uint8(0))
	f.Add([]byte{}, uint8(0))
	f.Fuzz(func(t *testing.T, data []byte, split uint8) {
		n := min(int(split)%(EllswiftPubKeyLen+1), len(data))
		rw := newReadOnly(data[n:])
		h, err := newHandshake(rw, &Config{Net: wire.MainNet, Garbage: []byte{}}, kr, false)
		if err != nil {
			t.Fatal(err)
		}
		c, err := h.respond(data[:n])
		if err != nil {
			var e Error
			if !errors.As(err, &e) && !errors.Is(err, io.EOF) && !errors.Is(err, io.ErrUnexpectedEOF) {
				t.Fatalf("unexpected error: %v", err)
			}
			return
		}
		drain(t, c, len(data))
	})
}

// initiatorTranscript returns what an initiator with keyA sends to a
// responder with keyB: key, garbage, terminator, a decoy authenticating
// the garbage, the version packet and a ping with payload "pong".
func initiatorTranscript(t testing.TB) []byte {
	ki, kr := keyA(t), keyB(t)
	si, _ := sessionPair(t, ki, kr)
	garbage := []byte("initiator garbage")
	b := append(ki.ellswift[:], garbage...)
	b = append(b, si.sendTerminator[:]...)
	b = si.send.appendPacket(b, nil, garbage, true)
	b = si.send.appendPacket(b, nil, nil, false)
	return si.send.appendPacket(b, []byte("\x12pong"), nil, false)
}

// TestInitiatorTranscript checks that FuzzRespond's main seed is a valid
// handshake, so that the fuzzer starts from inputs that get past it.
func TestInitiatorTranscript(t *testing.T) {
	h, err := newHandshake(newReadOnly(initiatorTranscript(t)),
		&Config{Net: wire.MainNet, Garbage: []byte{}}, keyB(t), false)
	if err != nil {
		t.Fatal(err)
	}
	c, err := h.respond(nil)
	if err != nil {
		t.Fatal(err)
	}
	if cmd, payload, err := c.ReadMessage(); err != nil || cmd != "ping" || string(payload) != "pong" {
		t.Fatalf("got %q %q %v", cmd, payload, err)
	}
}

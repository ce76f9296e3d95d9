package v2transport

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"runtime"
	"strconv"
	"testing"
	"testing/iotest"
	"time"

	"github.com/tern-org/ternd/wire"
)

// TestFixedKeysArePairs guards the fixed keys the tests and fuzz targets
// use: each encoding must decode to its private key's x coordinate.
func TestFixedKeysArePairs(t *testing.T) {
	for i, k := range []ephemeralKey{keyA(t), keyB(t)} {
		x, err := ellswiftDecode(k.ellswift)
		if err != nil || !bytes.Equal(x, k.priv.PubKey().SerializeCompressed()[1:]) {
			t.Errorf("key %d: encoding decodes to %x, %v", i, x, err)
		}
	}
}

// testMessage is the i-th message of an exchange: commands with short ids
// and without, payloads of varied sizes, and one 1 MB payload.
func testMessage(i int) (string, []byte) {
	cmds := []string{"ping", "inv", "version", "tx", "sendaddrv2", "addrv2"}
	n := i % 97
	if i == 300 {
		n = 1 << 20
	}
	payload := make([]byte, n)
	for j := range payload {
		payload[j] = byte(i + j*7)
	}
	return cmds[i%len(cmds)], payload
}

// exchangeMessages sends count messages from w to r (a decoy before every
// 50th) on one goroutine while r reads them on another, and checks each.
func exchangeMessages(t *testing.T, w, r *Conn, count int) error {
	errc := make(chan error, 1)
	go func() {
		for i := 0; i < count; i++ {
			if i%50 == 0 {
				if err := w.WriteDecoy(i % 300); err != nil {
					errc <- err
					return
				}
			}
			cmd, payload := testMessage(i)
			if err := w.WriteMessage(cmd, payload); err != nil {
				errc <- err
				return
			}
		}
		errc <- nil
	}()
	for i := 0; i < count; i++ {
		cmd, payload, err := r.ReadMessage()
		wantCmd, wantPayload := testMessage(i)
		if err != nil || cmd != wantCmd || !bytes.Equal(payload, wantPayload) {
			return fmt.Errorf("message %d: got %q (%d bytes), %v; want %q (%d bytes)",
				i, cmd, len(payload), err, wantCmd, len(wantPayload))
		}
	}
	return <-errc
}

// TestLoopback runs real handshakes over net.Pipe and TCP with several
// garbage and decoy settings, then exchanges 600 messages (past two
// rekeyings, with decoys and a 1 MB payload) in both directions at once,
// each Conn read and written by two goroutines.
func TestLoopback(t *testing.T) {
	long := bytes.Repeat([]byte{0x5a}, MaxGarbageLen)
	tests := []struct {
		name       string
		icfg, rcfg Config
	}{
		{"random garbage", Config{}, Config{}},
		{"no garbage", Config{Garbage: []byte{}}, Config{Garbage: []byte{}}},
		{"longest garbage", Config{Garbage: long}, Config{Garbage: long}},
		{"decoys before version", Config{Decoys: []int{0, 10, 5000}}, Config{Decoys: []int{1}}},
	}
	for _, kind := range []string{"pipe", "tcp"} {
		for _, tc := range tests {
			t.Run(kind+"/"+tc.name, func(t *testing.T) {
				a, b := connPair(t, kind)
				tc.icfg.Net, tc.rcfg.Net = wire.MainNet, wire.MainNet
				ic, rc := handshakePair(t, a, b, &tc.icfg, &tc.rcfg)
				if ic.SessionID() != rc.SessionID() || ic.SessionID() == [32]byte{} {
					t.Fatal("session ids differ")
				}
				if !ic.Initiator() || rc.Initiator() {
					t.Fatal("roles are wrong")
				}
				errc := make(chan error, 1)
				go func() { errc <- exchangeMessages(t, rc, ic, 600) }()
				if err := exchangeMessages(t, ic, rc, 600); err != nil {
					t.Fatal(err)
				}
				if err := <-errc; err != nil {
					t.Fatal(err)
				}
				if ic.BytesSent() != rc.BytesReceived() || rc.BytesSent() != ic.BytesReceived() {
					t.Fatalf("byte counts: initiator sent %d, responder received %d; "+
						"responder sent %d, initiator received %d", ic.BytesSent(),
						rc.BytesReceived(), rc.BytesSent(), ic.BytesReceived())
				}
			})
		}
	}
}

// TestRespondPrefix checks that Respond completes a handshake however many
// of the initiator's first bytes the caller has already read.
func TestRespondPrefix(t *testing.T) {
	for _, n := range []int{0, 1, 15, 16, 64} {
		t.Run(strconv.Itoa(n), func(t *testing.T) {
			a, b := connPair(t, "tcp")
			cfg := &Config{Net: wire.TestNet4}
			done := make(chan error, 1)
			var rc *Conn
			go func() {
				prefix := make([]byte, n)
				_, err := io.ReadFull(b, prefix)
				if err == nil {
					rc, err = Respond(b, cfg, prefix)
				}
				done <- err
			}()
			ic, err := Initiate(a, cfg)
			if err != nil {
				t.Fatal(err)
			}
			if err := <-done; err != nil {
				t.Fatal(err)
			}
			if err := ic.WriteMessage("ping", []byte{1, 2, 3}); err != nil {
				t.Fatal(err)
			}
			if cmd, payload, err := rc.ReadMessage(); err != nil || cmd != "ping" ||
				!bytes.Equal(payload, []byte{1, 2, 3}) {
				t.Fatalf("got %q %x %v", cmd, payload, err)
			}
			if ic.BytesSent() != rc.BytesReceived() {
				t.Fatalf("initiator sent %d, responder counted %d", ic.BytesSent(), rc.BytesReceived())
			}
		})
	}
}

// v1Version returns the start of a v1 version message of net.
func v1Version(net wire.BitcoinNet) []byte {
	p := V1Prefix(net)
	msg := append(p[:], 0x66, 0, 0, 0, 0xde, 0xad, 0xbe, 0xef)
	return append(msg, bytes.Repeat([]byte{0x11}, 102)...)
}

// TestRespondV1 checks v1 detection: a v1 peer of our network yields
// ErrV1Peer with exactly the 16 prefix bytes consumed and nothing written,
// however many of them the caller had read; one of another network yields
// ErrWrongNetwork.
func TestRespondV1(t *testing.T) {
	msg := v1Version(wire.MainNet)
	for _, n := range []int{0, 3, 16} {
		t.Run("prefix "+strconv.Itoa(n), func(t *testing.T) {
			var written bytes.Buffer
			rest := bytes.NewReader(msg[n:])
			rw := struct {
				io.Reader
				io.Writer
			}{rest, &written}
			_, err := Respond(rw, &Config{Net: wire.MainNet}, msg[:n])
			if !errors.Is(err, ErrV1Peer) {
				t.Fatalf("got %v, want ErrV1Peer", err)
			}
			if written.Len() != 0 || rest.Len() != len(msg)-V1PrefixLen {
				t.Fatalf("wrote %d bytes, left %d unread", written.Len(), rest.Len())
			}
		})
	}
	t.Run("prefix then end of stream", func(t *testing.T) {
		_, err := Respond(newReadOnly(msg[:V1PrefixLen]), &Config{Net: wire.MainNet}, nil)
		if !errors.Is(err, ErrV1Peer) {
			t.Fatalf("got %v, want ErrV1Peer", err)
		}
		_, err = Respond(iotestDataErr(msg[:V1PrefixLen]), &Config{Net: wire.MainNet}, nil)
		if !errors.Is(err, ErrV1Peer) {
			t.Fatalf("bytes with EOF: got %v, want ErrV1Peer", err)
		}
	})
	t.Run("other network", func(t *testing.T) {
		_, err := Respond(newReadOnly(v1Version(wire.TestNet3)), &Config{Net: wire.MainNet}, nil)
		if !errors.Is(err, ErrWrongNetwork) {
			t.Fatalf("got %v, want ErrWrongNetwork", err)
		}
	})
	if !MatchesV1Prefix(wire.MainNet, msg[:5]) || MatchesV1Prefix(wire.TestNet4, msg) {
		t.Fatal("MatchesV1Prefix is wrong")
	}
}

// transcript builds what a scripted responder with key kr sends to an
// initiator with key ki: its key, garbage, a terminator and packets.
type transcript struct {
	t      *testing.T
	remote *session
	buf    []byte
}

// newTranscript starts a responder transcript with the given garbage.
func newTranscript(t *testing.T, ki, kr ephemeralKey, garbage []byte) *transcript {
	_, remote := sessionPair(t, ki, kr)
	buf := append(kr.ellswift[:], garbage...)
	return &transcript{t: t, remote: remote, buf: buf}
}

// terminator appends the responder's garbage terminator.
func (s *transcript) terminator() *transcript {
	s.buf = append(s.buf, s.remote.sendTerminator[:]...)
	return s
}

// packet appends a packet with contents, aad and ignore bit.
func (s *transcript) packet(contents, aad []byte, ignore bool) *transcript {
	s.buf = s.remote.send.appendPacket(s.buf, contents, aad, ignore)
	return s
}

// initiateAgainst runs our initiator with key ki and no garbage against
// the scripted bytes.
func initiateAgainst(t *testing.T, ki ephemeralKey, script []byte) (*Conn, error) {
	h, err := newHandshake(newReadOnly(script), &Config{Net: wire.MainNet, Garbage: []byte{}}, ki, true)
	if err != nil {
		t.Fatal(err)
	}
	return h.initiate()
}

// TestHostileHandshake feeds handshakes with broken or malicious input and
// checks each fails with the right kind, within the bounds the BIP sets,
// at once.
func TestHostileHandshake(t *testing.T) {
	ki, kr := keyA(t), keyB(t)
	garbage := []byte("some garbage")
	junk := make([]byte, 8192)
	rng := rand.New(rand.NewPCG(1, 2))
	for i := range junk {
		junk[i] = byte(rng.Uint32())
	}
	tests := []struct {
		name   string
		script func() []byte
		err    error
	}{{
		name: "random key and garbage",
		script: func() []byte {
			return junk
		},
		err: ErrNoGarbageTerminator,
	}, {
		name: "terminator after 4096 bytes of garbage",
		script: func() []byte {
			return newTranscript(t, ki, kr, junk[:MaxGarbageLen+1]).terminator().packet(nil, junk[:MaxGarbageLen+1], false).buf
		},
		err: ErrNoGarbageTerminator,
	}, {
		name: "stream ends in the garbage",
		script: func() []byte {
			return newTranscript(t, ki, kr, garbage).buf
		},
		err: io.ErrUnexpectedEOF,
	}, {
		name: "version packet without the garbage as aad",
		script: func() []byte {
			return newTranscript(t, ki, kr, garbage).terminator().packet(nil, nil, false).buf
		},
		err: ErrBadTag,
	}, {
		name: "tampered tag",
		script: func() []byte {
			b := newTranscript(t, ki, kr, garbage).terminator().packet(nil, garbage, false).buf
			b[len(b)-1] ^= 1
			return b
		},
		err: ErrBadTag,
	}, {
		name: "tampered garbage",
		script: func() []byte {
			b := newTranscript(t, ki, kr, garbage).terminator().packet(nil, garbage, false).buf
			b[EllswiftPubKeyLen] ^= 1
			return b
		},
		err: ErrBadTag,
	}, {
		name: "tampered length",
		script: func() []byte {
			b := newTranscript(t, ki, kr, garbage).terminator().packet(nil, garbage, false).
				packet([]byte("\x12ping"), nil, false).buf
			b[EllswiftPubKeyLen+len(garbage)+GarbageTerminatorLen] ^= 1
			return b
		},
		err: ErrBadTag,
	}, {
		name: "oversized length",
		script: func() []byte {
			s := newTranscript(t, ki, kr, garbage).terminator()
			var field [LengthFieldLen]byte
			putUint24(&field, MaxContentsLen+1)
			s.remote.send.length.crypt(&field)
			return append(s.buf, field[:]...)
		},
		err: ErrPacketTooLarge,
	}, {
		name: "largest allowed length, nothing after it",
		script: func() []byte {
			s := newTranscript(t, ki, kr, garbage).terminator()
			var field [LengthFieldLen]byte
			putUint24(&field, MaxContentsLen)
			s.remote.send.length.crypt(&field)
			return append(append(s.buf, field[:]...), make([]byte, 1000)...)
		},
		err: io.ErrUnexpectedEOF,
	}, {
		name: "largest length, nothing after it",
		script: func() []byte {
			s := newTranscript(t, ki, kr, garbage).terminator()
			var field [LengthFieldLen]byte
			putUint24(&field, MaxPacketContentsLen)
			s.remote.send.length.crypt(&field)
			return append(s.buf, field[:]...)
		},
		err: ErrPacketTooLarge,
	}, {
		name: "only the first decoy authenticates the garbage",
		script: func() []byte {
			return newTranscript(t, ki, kr, garbage).terminator().packet([]byte{1}, garbage, true).
				packet(nil, garbage, false).buf
		},
		err: ErrBadTag,
	}}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			start := time.Now()
			var before, after runtime.MemStats
			runtime.ReadMemStats(&before)
			_, err := initiateAgainst(t, ki, tc.script())
			runtime.ReadMemStats(&after)
			if !errors.Is(err, tc.err) {
				t.Fatalf("got %v, want %v", err, tc.err)
			}
			if d := time.Since(start); d > 2*time.Second {
				t.Fatalf("took %v", d)
			}
			if alloc := after.TotalAlloc - before.TotalAlloc; alloc > 1<<20 {
				t.Fatalf("allocated %d bytes", alloc)
			}
		})
	}
}

// TestHandshakeVersionPacket checks what BIP324 allows before and as the
// version packet: decoys first (the first one authenticating the
// garbage), and version contents of any kind, which are ignored. The first
// packet that is not a decoy is the version packet by definition, so an
// application message sent in its place is consumed as one and the next
// message is the first the caller sees.
func TestHandshakeVersionPacket(t *testing.T) {
	ki, kr := keyA(t), keyB(t)
	garbage := bytes.Repeat([]byte{7}, 100)
	ping := []byte("\x12abcdefgh")
	tests := []struct {
		name   string
		script func(*transcript) *transcript
	}{
		{"empty version", func(s *transcript) *transcript {
			return s.packet(nil, garbage, false)
		}},
		{"decoys first", func(s *transcript) *transcript {
			return s.packet(nil, garbage, true).packet(make([]byte, 300), nil, true).packet(nil, nil, false)
		}},
		{"future version contents", func(s *transcript) *transcript {
			return s.packet([]byte("v2.1 features"), garbage, false)
		}},
		{"application message as version", func(s *transcript) *transcript {
			return s.packet(ping, garbage, false)
		}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			s := tc.script(newTranscript(t, ki, kr, garbage).terminator()).packet(ping, nil, false)
			c, err := initiateAgainst(t, ki, s.buf)
			if err != nil {
				t.Fatal(err)
			}
			if cmd, payload, err := c.ReadMessage(); err != nil || cmd != "ping" ||
				string(payload) != "abcdefgh" {
				t.Fatalf("got %q %q %v", cmd, payload, err)
			}
			if _, _, err := c.ReadMessage(); !errors.Is(err, io.EOF) {
				t.Fatalf("got %v after the last message, want EOF", err)
			}
		})
	}
}

// TestRespondJunk checks the exported responder against random bytes: it
// must fail with ErrNoGarbageTerminator having read no more than the key,
// 4095 bytes of garbage, a terminator and one read-ahead buffer.
func TestRespondJunk(t *testing.T) {
	junk := make([]byte, 1<<16)
	rng := rand.New(rand.NewPCG(3, 4))
	for i := range junk {
		junk[i] = byte(rng.Uint32())
	}
	rw := newReadOnly(junk)
	_, err := Respond(rw, &Config{Net: wire.MainNet}, nil)
	if !errors.Is(err, ErrNoGarbageTerminator) {
		t.Fatalf("got %v, want ErrNoGarbageTerminator", err)
	}
	const readAhead = 4096 // bufio's default size
	if read := len(junk) - rw.Len(); read > EllswiftPubKeyLen+MaxGarbageLen+GarbageTerminatorLen+readAhead {
		t.Fatalf("read %d bytes", read)
	}
}

// TestHandshakeArguments checks that out-of-range arguments are refused
// before anything is read or written.
func TestHandshakeArguments(t *testing.T) {
	if _, err := Initiate(newReadOnly(nil), nil); !errors.Is(err, ErrInvalidArgument) {
		t.Fatalf("Initiate without config: got %v", err)
	}
	if _, err := Respond(newReadOnly(nil), nil, nil); !errors.Is(err, ErrInvalidArgument) {
		t.Fatalf("Respond without config: got %v", err)
	}
	tests := []struct {
		name   string
		cfg    Config
		prefix []byte
	}{
		{"garbage too long", Config{Garbage: make([]byte, MaxGarbageLen+1)}, nil},
		{"negative decoy", Config{Decoys: []int{-1}}, nil},
		{"decoy too long", Config{Decoys: []int{MaxContentsLen + 1}}, nil},
		{"prefix too long", Config{}, make([]byte, EllswiftPubKeyLen+1)},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var written bytes.Buffer
			rw := struct {
				io.Reader
				io.Writer
			}{bytes.NewReader(nil), &written}
			_, err := Respond(rw, &tc.cfg, tc.prefix)
			if !errors.Is(err, ErrInvalidArgument) || written.Len() != 0 {
				t.Fatalf("Respond: got %v after writing %d bytes", err, written.Len())
			}
			if tc.prefix != nil {
				return
			}
			if _, err := Initiate(rw, &tc.cfg); !errors.Is(err, ErrInvalidArgument) || written.Len() != 0 {
				t.Fatalf("Initiate: got %v after writing %d bytes", err, written.Len())
			}
		})
	}
}

// TestHandshakeClosesOnFailure checks that a failed handshake over an
// unbuffered pipe, whose peer never reads, returns instead of leaving its
// writer goroutine blocked: it closes the connection.
func TestHandshakeClosesOnFailure(t *testing.T) {
	a, b := connPair(t, "pipe")
	go func() {
		// Send a key and junk without ever reading, then hang up.
		junk := bytes.Repeat([]byte{0xa5}, EllswiftPubKeyLen+MaxGarbageLen+GarbageTerminatorLen)
		_, _ = b.Write(junk)
	}()
	before := runtime.NumGoroutine()
	_, err := Initiate(a, &Config{Net: wire.MainNet})
	if !errors.Is(err, ErrNoGarbageTerminator) {
		t.Fatalf("got %v, want ErrNoGarbageTerminator", err)
	}
	if _, err := a.Write([]byte{1}); err == nil {
		t.Fatal("connection still open after a failed handshake")
	}
	if n := runtime.NumGoroutine(); n > before {
		t.Fatalf("%d goroutines after the handshake, %d before", n, before)
	}
}

// iotestDataErr returns an io.ReadWriter whose reads return the last bytes
// together with io.EOF, as some readers do, and that discards writes.
func iotestDataErr(b []byte) io.ReadWriter {
	return struct {
		io.Reader
		io.Writer
	}{iotest.DataErrReader(bytes.NewReader(b)), io.Discard}
}

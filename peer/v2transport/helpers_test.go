package v2transport

import (
	"bufio"
	"bytes"
	"encoding/hex"
	"io"
	"net"
	"testing"
	"time"

	"github.com/btcsuite/btcd/btcec/v2"
	"github.com/tern-org/ternd/wire"
)

// fixedKey returns a deterministic ephemeral key: the private key and
// encoding of the "ours" side of a packet vector row, a valid pair.
func fixedKey(t testing.TB, privHex, ellswiftHex string) ephemeralKey {
	t.Helper()
	priv, err := hex.DecodeString(privHex)
	if err != nil {
		t.Fatal(err)
	}
	k := ephemeralKey{}
	k.priv, _ = btcec.PrivKeyFromBytes(priv)
	enc, err := hex.DecodeString(ellswiftHex)
	if err != nil || copy(k.ellswift[:], enc) != EllswiftPubKeyLen {
		t.Fatalf("bad ellswift %q", ellswiftHex)
	}
	return k
}

// keyA and keyB are two fixed key pairs taken from the first two rows of
// packet_encoding_test_vectors.csv.
func keyA(t testing.TB) ephemeralKey {
	return fixedKey(t, "61062ea5071d800bbfd59e2e8b53d47d194b095ae5a4df04936b49772ef0d4d7",
		"ec0adff257bbfe500c188c80b4fdd640f6b45a482bbc15fc7cef5931deff0aa186f6eb9bba7b85dc4dcc28b28722de1e3d9108b985e2967045668f66098e475b")
}

func keyB(t testing.TB) ephemeralKey {
	return fixedKey(t, "6f312890ec83bbb26798abaadd574684a53e74ccef7953b790fcc29409080246",
		"a8785af31c029efc82fa9fc677d7118031358d7c6a25b5779a9b900e5ccd94aac97eb36a3c5dbcdb2ca5843cc4c2fe0aaa46d10eb3d233a81c3dde476da00eef")
}

// sessionPair derives the sessions of an initiator with key ki and a
// responder with key kr, as both ends of a real handshake would.
func sessionPair(t testing.TB, ki, kr ephemeralKey) (initiator, responder *session) {
	t.Helper()
	si, err := sharedSecret(ki, kr.ellswift, true)
	if err != nil {
		t.Fatal(err)
	}
	sr, err := sharedSecret(kr, ki.ellswift, false)
	if err != nil {
		t.Fatal(err)
	}
	if si != sr {
		t.Fatal("the two ends derived different secrets")
	}
	initiator, err = newSession(si, wire.MainNet, true)
	if err != nil {
		t.Fatal(err)
	}
	responder, err = newSession(sr, wire.MainNet, false)
	if err != nil {
		t.Fatal(err)
	}
	return initiator, responder
}

// connOver returns a Conn that reads r and writes w with the ciphers of s,
// as if a handshake had just finished.
func connOver(r io.Reader, w io.Writer, s *session) *Conn {
	return &Conn{sessionID: s.sessionID, r: bufio.NewReader(r), recv: s.recv, w: w, send: s.send}
}

// readOnly is an io.ReadWriter that reads from a fixed byte string and
// discards writes; it is not an io.Closer.
type readOnly struct {
	*bytes.Reader
}

// Write discards p.
func (readOnly) Write(p []byte) (int, error) {
	return len(p), nil
}

// newReadOnly returns a readOnly over b.
func newReadOnly(b []byte) readOnly {
	return readOnly{bytes.NewReader(b)}
}

// connPair returns two connected net.Conns of the given kind ("pipe" or
// "tcp") with a deadline that keeps a broken test from hanging; they are
// closed when the test ends.
func connPair(t testing.TB, kind string) (net.Conn, net.Conn) {
	t.Helper()
	var a, b net.Conn
	switch kind {
	case "pipe":
		a, b = net.Pipe()
	case "tcp":
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		defer ln.Close()
		accepted := make(chan net.Conn, 1)
		go func() {
			c, _ := ln.Accept()
			accepted <- c
		}()
		if a, err = net.Dial("tcp", ln.Addr().String()); err != nil {
			t.Fatal(err)
		}
		if b = <-accepted; b == nil {
			t.Fatal("accept failed")
		}
	default:
		t.Fatalf("unknown connection kind %q", kind)
	}
	deadline := time.Now().Add(20 * time.Second)
	for _, c := range []net.Conn{a, b} {
		_ = c.SetDeadline(deadline)
		t.Cleanup(func() { c.Close() })
	}
	return a, b
}

// handshakePair runs Initiate on a and Respond on b concurrently and
// returns both Conns.
func handshakePair(t testing.TB, a, b net.Conn, icfg, rcfg *Config) (*Conn, *Conn) {
	t.Helper()
	type result struct {
		c   *Conn
		err error
	}
	done := make(chan result, 1)
	go func() {
		c, err := Respond(b, rcfg, nil)
		done <- result{c, err}
	}()
	ic, err := Initiate(a, icfg)
	r := <-done
	if err != nil || r.err != nil {
		t.Fatalf("handshake: initiator %v, responder %v", err, r.err)
	}
	return ic, r.c
}

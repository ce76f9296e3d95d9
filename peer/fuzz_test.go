package peer

import (
	"bytes"
	"context"
	"io"
	"net"
	"testing"
	"time"

	"github.com/tern-org/ternd/peer/v2transport"
	"github.com/tern-org/ternd/wire"
)

// FuzzPeerInput feeds a valid handshake followed by arbitrary bytes to an
// inbound peer, which must end cleanly (no panic, no hang) whatever they
// are.
func FuzzPeerInput(f *testing.F) {
	var hs bytes.Buffer
	wire.WriteMessage(&hs, rawVersion(70016, 5), wire.ProtocolVersion, testNet)
	wire.WriteMessage(&hs, wire.NewMsgVerAck(), wire.ProtocolVersion, testNet)
	prefix := hs.Bytes()
	var seed bytes.Buffer
	wire.WriteMessage(&seed, wire.NewMsgPing(1), wire.ProtocolVersion, testNet)
	wire.WriteMessage(&seed, wire.NewMsgFeeFilter(-1), wire.ProtocolVersion, testNet)
	wire.WriteMessage(&seed, wire.NewMsgSendAddrV2(), wire.ProtocolVersion, testNet)
	f.Add(seed.Bytes())
	f.Add(frame(testNet, "block", nil, wire.MaxMessagePayload+1, false))
	f.Add([]byte("garbage"))
	f.Fuzz(func(t *testing.T, data []byte) {
		a, b := net.Pipe()
		cfg := testConfig()
		cfg.HandshakeTimeout = time.Second
		cfg.IdleTimeout = time.Second
		p := NewInboundPeer(cfg, 1, b)
		done := make(chan struct{})
		go func() { p.Run(context.Background()); close(done) }()
		go io.Copy(io.Discard, a)
		a.SetWriteDeadline(time.Now().Add(time.Second))
		a.Write(prefix)
		a.Write(data)
		a.Close()
		select {
		case <-done:
		case <-time.After(5 * time.Second):
			t.Fatal("peer did not stop")
		}
	})
}

// FuzzInboundDetect feeds arbitrary bytes from the first one on to an
// inbound peer with v2 enabled, which must tell v1 from v2 and end cleanly
// (no panic, no hang) whatever they are.
func FuzzInboundDetect(f *testing.F) {
	var v1 bytes.Buffer
	wire.WriteMessage(&v1, rawVersion(70016, 5), wire.ProtocolVersion, testNet)
	wire.WriteMessage(&v1, wire.NewMsgVerAck(), wire.ProtocolVersion, testNet)
	f.Add(v1.Bytes())
	prefix := v2transport.V1Prefix(testNet)
	f.Add(prefix[:])
	f.Add(prefix[:15])
	key := bytes.Repeat([]byte{0xa5}, v2transport.EllswiftPubKeyLen)
	f.Add(key)
	f.Add(append(key, make([]byte, 2*v2transport.MaxGarbageLen)...))
	var mainV1 bytes.Buffer
	wire.WriteMessage(&mainV1, rawVersion(70016, 5), wire.ProtocolVersion, wire.MainNet)
	f.Add(mainV1.Bytes())
	f.Add([]byte{})
	f.Fuzz(func(t *testing.T, data []byte) {
		a, b := net.Pipe()
		cfg := testConfig()
		cfg.V2Transport = true
		cfg.HandshakeTimeout = time.Second
		cfg.IdleTimeout = time.Second
		p := NewInboundPeer(cfg, 1, b)
		done := make(chan struct{})
		go func() { p.Run(context.Background()); close(done) }()
		go io.Copy(io.Discard, a)
		a.SetWriteDeadline(time.Now().Add(time.Second))
		a.Write(data)
		a.Close()
		select {
		case <-done:
		case <-time.After(5 * time.Second):
			t.Fatal("peer did not stop")
		}
	})
}

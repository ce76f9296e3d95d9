package peer

import (
	"bytes"
	"context"
	"io"
	"net"
	"testing"
	"time"

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

package v2transport

import (
	"bytes"
	"testing"

	"github.com/tern-org/ternd/wire"
)

// BenchmarkMessage measures a message's round trip through the transport,
// WriteMessage on one Conn and ReadMessage on the other through an
// in-memory buffer, so that the figure is the cost of framing, encryption,
// authentication and decryption without a network. Sizes: a ping, a
// typical transaction, and a 1 MB block.
func BenchmarkMessage(b *testing.B) {
	for _, bc := range []struct {
		name, command string
		size          int
	}{
		{"ping_8B", "ping", 8},
		{"tx_250B", "tx", 250},
		{"block_1MB", "block", 1 << 20},
	} {
		b.Run(bc.name, func(b *testing.B) {
			si, sr := sessionPair(b, keyA(b), keyB(b))
			var buf bytes.Buffer
			w, r := connOver(bytes.NewReader(nil), &buf, si), connOver(&buf, nil, sr)
			payload := make([]byte, bc.size)
			b.SetBytes(int64(bc.size))
			b.ReportAllocs()
			for b.Loop() {
				if err := w.WriteMessage(bc.command, payload); err != nil {
					b.Fatal(err)
				}
				if _, _, err := r.ReadMessage(); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "msgs/s")
		})
	}
}

// BenchmarkHandshake measures a complete handshake of both sides over
// net.Pipe with no garbage: two ElligatorSwift key generations, two ECDHs
// and the key derivations.
func BenchmarkHandshake(b *testing.B) {
	cfg := &Config{Net: wire.MainNet, Garbage: []byte{}}
	b.ReportAllocs()
	for b.Loop() {
		a, c := connPair(b, "pipe")
		handshakePair(b, a, c, cfg, cfg)
		a.Close()
		c.Close()
	}
}

package peer

import (
	"sync/atomic"
	"testing"
	"time"

	"github.com/btcsuite/btcd/chaincfg/chainhash"
	"github.com/tern-org/ternd/wire"
)

// benchTransports are the transports benchmarks compare.
var benchTransports = []string{TransportV1, TransportV2}

// benchPair returns a connected outbound peer speaking transport and a
// counter of the messages the inbound side received through listener.
func benchPair(b *testing.B, transport string, set func(cfg *Config, n *atomic.Int64)) (*Peer,
	*atomic.Int64) {

	a, c := tcpPair(b)
	var n atomic.Int64
	inCfg := testConfig()
	inCfg.V2Transport = true
	set(inCfg, &n)
	cfg := testConfig()
	cfg.MaxQueueBytes = 256 << 20
	out := NewOutboundPeer(cfg, 1, a)
	if transport == TransportV2 {
		out = NewOutboundPeerV2(cfg, 1, a)
	}
	in := NewInboundPeer(inCfg, 2, c)
	runPeer(b, out)
	runPeer(b, in)
	waitHandshake(b, out, in)
	if got := out.StatsSnapshot().TransportProtocol; got != transport {
		b.Fatalf("speaking %s, want %s", got, transport)
	}
	return out, &n
}

// sendAll queues b.N copies of msg, keeping the queue under 8 MB, and waits
// until the other side has received them all.
func sendAll(b *testing.B, out *Peer, n *atomic.Int64, msg wire.Message) {
	b.ReportAllocs()
	b.ResetTimer()
	start := time.Now()
	for i := 0; i < b.N; i++ {
		for out.QueuedBytes() > 8<<20 {
			time.Sleep(50 * time.Microsecond)
		}
		if err := out.QueueMessage(msg, nil); err != nil {
			b.Fatal(err)
		}
	}
	for n.Load() < int64(b.N) {
		time.Sleep(50 * time.Microsecond)
	}
	b.StopTimer()
	b.ReportMetric(float64(b.N)/time.Since(start).Seconds(), "msgs/s")
}

// BenchmarkThroughputSmall measures one-entry inv messages (61 bytes in a
// v1 frame) through one peer connection over loopback TCP, for each
// transport.
func BenchmarkThroughputSmall(b *testing.B) {
	inv := wire.NewMsgInv()
	h := chainhash.HashH([]byte("x"))
	inv.AddInvVect(wire.NewInvVect(wire.InvTypeBlock, &h))
	for _, transport := range benchTransports {
		b.Run(transport, func(b *testing.B) {
			out, n := benchPair(b, transport, func(cfg *Config, n *atomic.Int64) {
				cfg.Listeners.OnInv = func(*Peer, *wire.MsgInv) { n.Add(1) }
			})
			b.SetBytes(24 + 37)
			sendAll(b, out, n, inv)
		})
	}
}

// bigBlock returns a block of about 1 MB: 2,000 transactions of about 500
// bytes.
func bigBlock() *wire.MsgBlock {
	blk := wire.NewMsgBlock(&wire.BlockHeader{Timestamp: time.Unix(1700000000, 0)})
	for i := 0; i < 2000; i++ {
		tx := wire.NewMsgTx(2)
		tx.AddTxIn(wire.NewTxIn(wire.NewOutPoint(&chainhash.Hash{byte(i)}, uint32(i)), make([]byte, 100), nil))
		tx.AddTxOut(wire.NewTxOut(int64(i), make([]byte, 380)))
		blk.AddTransaction(tx)
	}
	return blk
}

// BenchmarkThroughputBlock1MB measures 1 MB blocks through one peer
// connection over loopback TCP, decoded on the receiving side, for each
// transport.
func BenchmarkThroughputBlock1MB(b *testing.B) {
	blk := bigBlock()
	for _, transport := range benchTransports {
		b.Run(transport, func(b *testing.B) {
			out, n := benchPair(b, transport, func(cfg *Config, n *atomic.Int64) {
				cfg.Listeners.OnBlock = func(*Peer, *wire.MsgBlock, []byte) { n.Add(1) }
			})
			b.SetBytes(int64(blk.SerializeSize()))
			sendAll(b, out, n, blk)
		})
	}
}

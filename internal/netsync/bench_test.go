package netsync

import (
	"testing"
	"time"
)

// BenchmarkSyncTwoPeers measures an in-process headers-first sync of a
// generated regtest chain (one coinbase per block) from two peers, with
// real chain validation and storage; it reports blocks/s.
func BenchmarkSyncTwoPeers(b *testing.B) {
	const n = 500
	rc := buildChain(b, n, time.Now().Add(-30*24*time.Hour), nil)
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		b.StopTimer()
		h := newHarness(b, nil, nil)
		p1, p2 := newFakePeer(b, h.sm, 1, rc), newFakePeer(b, h.sm, 2, rc)
		b.StartTimer()
		_ = h.sm.NewPeer(p1)
		_ = h.sm.NewPeer(p2)
		waitFor(b, "synced", func() bool { return h.height() == n })
	}
	b.ReportMetric(float64(n*b.N)/b.Elapsed().Seconds(), "blocks/s")
}

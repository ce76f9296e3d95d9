package netsync

import (
	"encoding/binary"
	"testing"
	"time"

	"github.com/btcsuite/btcd/chaincfg/chainhash"
)

// TestTxScheduleCostBounded checks that with 100 inbound
// peers each holding 5,000 announcements and at their in-flight bound,
// scheduling (run on every inv) looks at no queued announcement at all,
// rather than scanning all 500,000; and once a peer's answers free room,
// only that peer's next entries are looked at.
func TestTxScheduleCostBounded(t *testing.T) {
	cfg := &Config{}
	cfg.setDefaults()
	tr := newTxTracker(cfg)
	now := time.Unix(1_700_000_000, 0)
	const peers, per = 100, 5000
	for id := int32(1); id <= peers; id++ {
		tr.setPreferred(id, false)
		for i := 0; i < per; i++ {
			var h chainhash.Hash
			binary.LittleEndian.PutUint32(h[:], uint32(id))
			binary.LittleEndian.PutUint32(h[4:], uint32(i))
			tr.add(h, true, id, now)
		}
	}
	later := now.Add(cfg.InboundTxDelay)
	first := tr.schedule(later)
	asked := 0
	for _, anns := range first {
		asked += len(anns)
	}
	if asked != peers*cfg.MaxPeerTxInFlight {
		t.Fatalf("first schedule asked %d, want %d", asked, peers*cfg.MaxPeerTxInFlight)
	}
	tr.visited = 0
	start := time.Now()
	for i := 0; i < 20; i++ {
		if out := tr.schedule(later); len(out) != 0 {
			t.Fatalf("full peers asked for more: %d peers", len(out))
		}
	}
	t.Logf("20 schedules with %d announcements: %v, %d entries visited",
		len(tr.anns), time.Since(start), tr.visited)
	if tr.visited != 0 {
		t.Fatalf("%d entries visited with every peer full, want 0", tr.visited)
	}
	// Peer 1's first answer arrives: only its next entry is taken.
	var h chainhash.Hash
	binary.LittleEndian.PutUint32(h[:], 1)
	tr.received(h)
	out := tr.schedule(later)
	if len(out) != 1 || len(out[1]) != 1 {
		t.Fatalf("after one answer: %v", out)
	}
	if tr.visited > 2 {
		t.Fatalf("%d entries visited for one free slot", tr.visited)
	}
}

// TestTxScheduleGiveUpRequeues: an announcement given up by the peer asked
// (notfound) goes to the next announcer even though that peer's queue had
// passed it over.
func TestTxScheduleGiveUpRequeues(t *testing.T) {
	cfg := &Config{}
	cfg.setDefaults()
	tr := newTxTracker(cfg)
	now := time.Unix(1_700_000_000, 0)
	tr.setPreferred(1, true)
	tr.setPreferred(2, true)
	h := chainhash.Hash{7}
	tr.add(h, true, 1, now)
	tr.add(h, true, 2, now)
	out := tr.schedule(now)
	var first int32
	for id := range out {
		first = id
	}
	if len(out) != 1 {
		t.Fatalf("first schedule %v", out)
	}
	// The other peer's queue entry was passed over (asked elsewhere).
	tr.schedule(now)
	tr.notFound(h, first)
	out = tr.schedule(now)
	if len(out) != 1 || out[3-first] == nil {
		t.Fatalf("after notfound from %d: %v, want peer %d asked", first, out, 3-first)
	}
}

package netsync

import (
	"errors"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/tern-org/ternd/wire"
)

// TestHeadersSyncPrefersOutbound checks that an inbound
// peer claiming a higher start height does not become the headers sync
// peer while an outbound peer can sync, and an outbound peer arriving
// later takes the sync over from an inbound one.
func TestHeadersSyncPrefersOutbound(t *testing.T) {
	rc := buildChain(t, 5, time.Now().Add(-30*24*time.Hour), nil)
	h := newHarness(t, nil, nil)
	in := newFakePeer(t, h.sm, 1, nil)
	in.inbound = true
	in.height = 1 << 30
	_ = h.sm.NewPeer(in)
	h.sync()
	st, _ := h.sm.Stats()
	if st.SyncPeer != 1 {
		t.Fatalf("sync peer %d, want the only (inbound) peer", st.SyncPeer)
	}
	out := newFakePeer(t, h.sm, 2, rc)
	out.height = 5
	_ = h.sm.NewPeer(out)
	h.sync()
	st, _ = h.sm.Stats()
	if st.SyncPeer != 2 && st.SyncPeer != 0 {
		t.Fatalf("sync peer %d, want the outbound peer 2", st.SyncPeer)
	}

	// Re-election after the sync peer leaves picks the outbound peer over
	// an inbound one claiming more.
	h2 := newHarness(t, nil, nil)
	in2 := newFakePeer(t, h2.sm, 3, nil)
	in2.inbound = true
	in2.height = 1 << 30
	out2 := newFakePeer(t, h2.sm, 4, nil)
	out2.height = 5
	first := newFakePeer(t, h2.sm, 5, nil)
	first.height = 1 << 30
	_ = h2.sm.NewPeer(first)
	_ = h2.sm.NewPeer(in2)
	_ = h2.sm.NewPeer(out2)
	h2.sync()
	_ = h2.sm.DonePeer(first)
	h2.sync()
	if st, _ := h2.sm.Stats(); st.SyncPeer != 4 {
		t.Fatalf("sync peer %d, want outbound 4", st.SyncPeer)
	}
}

// trickler is a fake peer that serves blocks but leaves getheaders to the
// test, and records why it was disconnected.
type trickler struct {
	*fakePeer
	mu  sync.Mutex
	why error
}

func (tp *trickler) QueueMessage(msg wire.Message, done chan<- struct{}) error {
	if _, ok := msg.(*wire.MsgGetHeaders); ok {
		if done != nil {
			done <- struct{}{}
		}
		return nil
	}
	return tp.fakePeer.QueueMessage(msg, done)
}

func (tp *trickler) Disconnect(err error) {
	tp.mu.Lock()
	tp.why = err
	tp.mu.Unlock()
	tp.fakePeer.Disconnect(err)
}

// TestSlowHeadersSyncPeerRotated: a sync peer answering every getheaders
// just before HeadersTimeout (a full message each time, so the sync goes
// on) is dropped once the whole-sync deadline passes.
func TestSlowHeadersSyncPeerRotated(t *testing.T) {
	rc := buildChain(t, 2000, time.Now().Add(-60*24*time.Hour), nil)
	// Block downloads must not time out on the test's clock jumps.
	h := newHarness(t, nil, func(c *Config) {
		c.BlockTimeout = 24 * time.Hour
		c.StallTimeout = 24 * time.Hour
	})
	slow := &trickler{fakePeer: newFakePeer(t, h.sm, 1, rc)}
	slow.height = 1 << 20
	_ = h.sm.NewPeer(slow)
	h.sync()
	other := newFakePeer(t, h.sm, 2, rc)
	other.height = 10
	_ = h.sm.NewPeer(other)
	h.sync()
	msg := wire.NewMsgHeaders()
	for _, b := range rc.blocks[1:] {
		hdr := b.Header
		_ = msg.AddBlockHeader(&hdr)
	}
	step := DefaultHeadersTimeout - 5*time.Second
	// The deadline counts from genesis's time (2011) at the sync's start:
	// 15 min plus about 13 min for the headers expected since.
	for i := 0; i < 40; i++ {
		if slow.gone.Load() {
			break
		}
		h.clock.Advance(step)
		_ = h.sm.QueueHeaders(msg, slow) // a full message: the peer has more
		h.sync()
		time.Sleep(5 * time.Millisecond) // a few ticks
	}
	waitFor(t, "slow sync peer dropped", slow.gone.Load)
	slow.mu.Lock()
	why := slow.why
	slow.mu.Unlock()
	if !errors.Is(why, ErrHeadersTimeout) || !strings.Contains(why.Error(), "too slow") {
		t.Fatalf("slow peer dropped for %v, want the headers sync deadline", why)
	}
	if other.gone.Load() {
		t.Fatal("the other peer was dropped too")
	}
}

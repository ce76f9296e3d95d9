package netsync

import (
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// staleHarness is evictionHarness with the stale-tip hooks recorded: the
// calls to TryNewOutbound and an ExtraOutbound the test sets. Chain-sync
// eviction is pushed out of the way.
type staleHarness struct {
	*harness
	rc    *remoteChain
	extra atomic.Int32
	mu    sync.Mutex
	tries []bool
}

func newStaleHarness(t *testing.T) *staleHarness {
	t.Helper()
	sh := &staleHarness{}
	h := newHarness(t, nil, func(c *Config) {
		c.IsFullOutbound = func(Peer) bool { return true }
		c.ChainSyncTimeout = 1000 * time.Hour
		c.TryNewOutbound = func(try bool) {
			sh.mu.Lock()
			sh.tries = append(sh.tries, try)
			sh.mu.Unlock()
		}
		c.ExtraOutbound = func() int { return int(sh.extra.Load()) }
	})
	sh.harness = h
	sh.rc = buildChain(t, 3, h.clock.Now().Add(-30*time.Minute), nil)
	h.processAll(sh.rc, 3)
	return sh
}

// calls returns the TryNewOutbound calls so far.
func (sh *staleHarness) calls() []bool {
	sh.mu.Lock()
	defer sh.mu.Unlock()
	return append([]bool(nil), sh.tries...)
}

// settle runs a tick at the current fake time, after the events queued
// before. The ticker's own ticks may be late on a busy machine; one that
// first runs after the clock jumped would see the tip of three blocks
// arrive then, not at t0, and the tip would not look stale in time.
func (sh *staleHarness) settle() {
	sh.t.Helper()
	if err := sh.sm.do(sh.sm.tick); err != nil {
		sh.t.Fatal(err)
	}
}

// setAnnounced sets a peer's last block announcement.
func (sh *staleHarness) setAnnounced(t *testing.T, id int32, at time.Time) {
	t.Helper()
	if err := sh.sm.do(func() { sh.sm.peers[id].lastBlockAnnouncement = at }); err != nil {
		t.Fatal(err)
	}
}

// TestStaleTipExtraOutbound is Core's CheckForStaleTipAndEvictPeers: no new
// tip for 30 minutes (three regtest intervals), seen by the check that
// runs every 10 minutes, asks for one extra outbound connection; once the connection manager has one, the outbound peer with
// the oldest block announcement (ties: the newest) is evicted and the
// request withdrawn; a new tip withdraws a standing request; a peer
// connected for less than 30 seconds is kept.
func TestStaleTipExtraOutbound(t *testing.T) {
	sh := newStaleHarness(t)
	t0 := sh.clock.Now()
	p1 := addPeer(t, sh.harness, 1, false)
	p2 := addPeer(t, sh.harness, 2, false)
	p3 := addPeer(t, sh.harness, 3, false)
	sh.setAnnounced(t, 1, t0.Add(time.Second))
	sh.setAnnounced(t, 2, t0) // 3 never announced: the oldest, tied with nobody
	sh.settle()

	sh.clock.Advance(29 * time.Minute)
	sh.settle()
	if c := sh.calls(); len(c) != 0 {
		t.Fatalf("asked for an extra peer before the tip was stale: %v", c)
	}
	// The check runs every 10 minutes: the next one, at 39 minutes, sees
	// a stale tip.
	sh.clock.Advance(staleCheckInterval)
	waitFor(t, "the extra outbound request", func() bool { return len(sh.calls()) == 1 })
	if c := sh.calls(); !c[0] {
		t.Fatalf("calls %v", c)
	}

	// The extra peer connected: the worst outbound peer goes.
	sh.extra.Store(1)
	sh.clock.Advance(extraPeerCheckInterval)
	waitFor(t, "the extra peer evicted", p3.gone.Load)
	// The tick disconnects the peer, then withdraws the request: let it
	// finish.
	sh.sync()
	sh.extra.Store(0)
	if c := sh.calls(); len(c) != 2 || c[1] {
		t.Fatalf("calls %v, want the request withdrawn", c)
	}
	if p1.gone.Load() || p2.gone.Load() {
		t.Fatal("evicted more than the worst peer")
	}

	// Stale again, then a new tip: the request is made, then withdrawn.
	sh.clock.Advance(staleCheckInterval)
	waitFor(t, "a new request", func() bool { return len(sh.calls()) == 3 })
	advanceTip(t, sh.harness, sh.rc)
	sh.settle()
	sh.clock.Advance(staleCheckInterval)
	waitFor(t, "the request withdrawn", func() bool { return len(sh.calls()) == 4 })
	if c := sh.calls(); !c[2] || c[3] {
		t.Fatalf("calls %v", c)
	}

	// A newcomer is the worst (never announced, newest) but too young.
	// The extra-peer check runs at X (now), X+45s, X+90s; the newcomer
	// connects at X+20s, so at X+45s it has been connected 25 s.
	sh.clock.Advance(extraPeerCheckInterval)
	sh.settle()
	sh.clock.Advance(20 * time.Second)
	sh.settle()
	p4 := addPeer(t, sh.harness, 4, false)
	sh.extra.Store(1)
	sh.clock.Advance(extraPeerCheckInterval - 20*time.Second)
	sh.settle()
	if p4.gone.Load() || p2.gone.Load() || p1.gone.Load() {
		t.Fatal("evicted a peer connected for less than 30 s instead of keeping it")
	}
	sh.clock.Advance(extraPeerCheckInterval)
	waitFor(t, "the newcomer evicted once old enough", p4.gone.Load)
}

// TestLastBlockAnnouncement: a header of a new block with more work than
// our tip sets the peer's last block announcement; known headers do not.
func TestLastBlockAnnouncement(t *testing.T) {
	h, rc := evictionHarness(t, nil)
	fp := addPeer(t, h, 1, false)
	announced := func() (at time.Time) {
		_ = h.sm.do(func() { at = h.sm.peers[1].lastBlockAnnouncement })
		return at
	}
	sendHeaders(t, h, fp, rc, 2, 3) // known
	if !announced().IsZero() {
		t.Fatal("known headers counted as an announcement")
	}
	rc.extend(t, 1, h.clock.Now().Add(-30*time.Minute), nil)
	h.clock.Advance(time.Minute)
	sendHeaders(t, h, fp, rc, 4, 4)
	if got := announced(); !got.Equal(h.clock.Now()) {
		t.Fatalf("announcement at %v, want %v", got, h.clock.Now())
	}
}

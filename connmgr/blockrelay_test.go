package connmgr

import (
	"errors"
	"fmt"
	"net"
	"sort"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// connLog records the requests handed to OnConnection, in order.
type connLog struct {
	mu    sync.Mutex
	reqs  []*ConnReq
	conns []net.Conn
}

func (l *connLog) add(req *ConnReq, c net.Conn) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.reqs = append(l.reqs, req)
	l.conns = append(l.conns, c)
}

// snapshot returns the requests and connections in the order the manager
// started the requests (by id: dials run concurrently, so OnConnection
// order is not start order).
func (l *connLog) snapshot() ([]*ConnReq, []net.Conn) {
	l.mu.Lock()
	reqs := append([]*ConnReq(nil), l.reqs...)
	conns := append([]net.Conn(nil), l.conns...)
	l.mu.Unlock()
	idx := make([]int, len(reqs))
	for i := range idx {
		idx[i] = i
	}
	sort.Slice(idx, func(a, b int) bool { return reqs[idx[a]].ID() < reqs[idx[b]].ID() })
	r2, c2 := make([]*ConnReq, len(reqs)), make([]net.Conn, len(reqs))
	for i, j := range idx {
		r2[i], c2[i] = reqs[j], conns[j]
	}
	return r2, c2
}

// cycleSource returns an address source that cycles through addrs.
func cycleSource(addrs []string) func() (net.Addr, error) {
	var next atomic.Int64
	return func() (net.Addr, error) {
		i := next.Add(1) - 1
		return tcpAddr(addrs[i%int64(len(addrs))]), nil
	}
}

// establishedByType counts the established requests of each kind.
func establishedByType(cm *ConnManager) map[ConnType]int {
	out := make(map[ConnType]int)
	for _, r := range cm.Requests() {
		if st, _ := cm.State(r.ID()); st == ConnEstablished {
			out[r.Type()]++
		}
	}
	return out
}

func TestConnTypeString(t *testing.T) {
	tests := []struct {
		typ  ConnType
		want string
	}{
		{ConnManual, "manual"},
		{ConnFullRelay, "outbound-full-relay"},
		{ConnBlockRelayOnly, "block-relay-only"},
		{ConnFeeler, "feeler"},
		{ConnType(99), "ConnType(99)"},
	}
	for _, tc := range tests {
		if got := tc.typ.String(); got != tc.want {
			t.Errorf("%d: %q, want %q", tc.typ, got, tc.want)
		}
	}
}

// TestBlockRelayOnlyCounts: the manager keeps TargetOutbound full-relay and
// TargetBlockRelay block-relay-only connections, counted apart, every one
// in its own network group; the block-relay-only slots are not inbound
// slots, and a closed block-relay-only connection is replaced by another
// block-relay-only one.
func TestBlockRelayOnlyCounts(t *testing.T) {
	fn := newFakeNet()
	defer fn.close()
	var addrs []string
	for g := 1; g <= 8; g++ {
		// Two addresses per group: the second must never be used.
		for h := 1; h <= 2; h++ {
			a := fmt.Sprintf("10.%d.0.%d:8333", g, h)
			addrs = append(addrs, a)
			fn.setUp(a, true)
		}
	}
	var log connLog
	cm := New(&Config{
		TargetOutbound:   3,
		TargetBlockRelay: 2,
		MaxPeers:         20,
		Dial:             fn.dial,
		GetNewAddress:    cycleSource(addrs),
		OnConnection:     log.add,
		RetryDuration:    20 * time.Millisecond,
		DialInterval:     5 * time.Millisecond,
	})
	if got := cm.MaxInbound(); got != 15 {
		t.Fatalf("MaxInbound %d, want 20-3-2", got)
	}
	runManager(t, cm)
	waitFor(t, "3 full-relay and 2 block-relay-only", func() bool {
		by := establishedByType(cm)
		return by[ConnFullRelay] == 3 && by[ConnBlockRelayOnly] == 2
	})
	time.Sleep(60 * time.Millisecond) // several retry ticks: nothing more
	if f, b, fe := cm.OutboundCounts(); f != 3 || b != 2 || fe != 0 {
		t.Fatalf("OutboundCounts %d, %d, %d; want 3, 2, 0", f, b, fe)
	}
	if cm.ExtraOutbound() != 0 {
		t.Fatalf("ExtraOutbound %d: block-relay-only counted as full relay", cm.ExtraOutbound())
	}
	reqs, conns := log.snapshot()
	if len(reqs) != 5 {
		t.Fatalf("%d connections, want 5", len(reqs))
	}
	groups := make(map[string]bool)
	for _, r := range reqs {
		g := NetGroup(r.Addr)
		if groups[g] {
			t.Fatalf("network group %s used twice", g)
		}
		groups[g] = true
	}
	// Full-relay slots are filled before block-relay-only ones.
	for i, r := range reqs {
		want := ConnFullRelay
		if i >= 3 {
			want = ConnBlockRelayOnly
		}
		if r.Type() != want {
			t.Fatalf("connection %d is %v, want %v", i, r.Type(), want)
		}
	}
	conns[4].Close()
	waitFor(t, "the block-relay-only replacement", func() bool {
		r, _ := log.snapshot()
		return len(r) == 6 && establishedByType(cm)[ConnBlockRelayOnly] == 2
	})
	reqs, _ = log.snapshot()
	if reqs[5].Type() != ConnBlockRelayOnly {
		t.Fatalf("replacement is %v", reqs[5].Type())
	}
	if by := establishedByType(cm); by[ConnFullRelay] != 3 {
		t.Fatalf("full relay %d after the replacement", by[ConnFullRelay])
	}
}

// TestAnchorsDialedFirst: anchors are the first connections, as
// block-relay-only, only TargetBlockRelay of them are used, and a failed
// anchor's slot is filled from the address source.
func TestAnchorsDialedFirst(t *testing.T) {
	fn := newFakeNet()
	defer fn.close()
	var addrs []string
	for g := 1; g <= 6; g++ {
		a := fmt.Sprintf("10.%d.0.1:8333", g)
		addrs = append(addrs, a)
		fn.setUp(a, true)
	}
	fn.setUp("10.50.0.1:8333", true)
	// 10.51.0.1 is down; 10.52.0.1 is beyond TargetBlockRelay.
	fn.setUp("10.52.0.1:8333", true)
	var log connLog
	cm := New(&Config{
		TargetOutbound:   2,
		TargetBlockRelay: 2,
		Anchors:          []net.Addr{tcpAddr("10.50.0.1:8333"), tcpAddr("10.51.0.1:8333"), tcpAddr("10.52.0.1:8333")},
		Dial:             fn.dial,
		GetNewAddress:    cycleSource(addrs),
		OnConnection:     log.add,
		RetryDuration:    20 * time.Millisecond,
		DialInterval:     5 * time.Millisecond,
	})
	runManager(t, cm)
	waitFor(t, "2 full-relay and 2 block-relay-only", func() bool {
		by := establishedByType(cm)
		return by[ConnFullRelay] == 2 && by[ConnBlockRelayOnly] == 2
	})
	reqs, _ := log.snapshot()
	if reqs[0].Addr.String() != "10.50.0.1:8333" || reqs[0].Type() != ConnBlockRelayOnly {
		t.Fatalf("first connection %v (%v), want the anchor as block-relay-only", reqs[0].Addr, reqs[0].Type())
	}
	if fn.dialCount("10.51.0.1:8333") != 1 {
		t.Fatalf("the second anchor was dialed %d times, want once", fn.dialCount("10.51.0.1:8333"))
	}
	if fn.dialCount("10.52.0.1:8333") != 0 {
		t.Fatal("an anchor beyond TargetBlockRelay was dialed")
	}
	var block int
	for _, r := range reqs {
		if r.Type() == ConnBlockRelayOnly {
			block++
		}
	}
	if block != 2 {
		t.Fatalf("%d block-relay-only connections, want 2 (the failed anchor replaced)", block)
	}
}

// TestFeeler: with every slot taken a feeler is started from
// GetFeelerAddress (even in a network group already used), counted apart
// and never replaced when it closes; with a free slot no feeler is
// started.
func TestFeeler(t *testing.T) {
	fn := newFakeNet()
	defer fn.close()
	fn.setUp("10.1.0.1:8333", true)
	fn.setUp("10.2.0.1:8333", true)
	fn.setUp("10.1.0.9:8333", true) // the feeler, in the first group
	var feelerAsks atomic.Int32
	var log connLog
	cm := New(&Config{
		TargetOutbound:   1,
		TargetBlockRelay: 1,
		Dial:             fn.dial,
		GetNewAddress:    cycleSource([]string{"10.1.0.1:8333", "10.2.0.1:8333"}),
		GetFeelerAddress: func() (net.Addr, error) {
			feelerAsks.Add(1)
			return tcpAddr("10.1.0.9:8333"), nil
		},
		FeelerInterval: 5 * time.Millisecond,
		OnConnection:   log.add,
		RetryDuration:  20 * time.Millisecond,
		DialInterval:   5 * time.Millisecond,
	})
	runManager(t, cm)
	waitFor(t, "a feeler", func() bool { return establishedByType(cm)[ConnFeeler] == 1 })
	if f, b, fe := cm.OutboundCounts(); f != 1 || b != 1 || fe != 1 {
		t.Fatalf("OutboundCounts %d, %d, %d; want 1, 1, 1", f, b, fe)
	}
	reqs, conns := log.snapshot()
	var feeler net.Conn
	for i, r := range reqs {
		if r.Type() == ConnFeeler {
			feeler = conns[i]
			if r.Addr.String() != "10.1.0.9:8333" {
				t.Fatalf("feeler to %v", r.Addr)
			}
		}
	}
	asks := feelerAsks.Load()
	time.Sleep(30 * time.Millisecond)
	if feelerAsks.Load() != asks {
		t.Fatal("a second feeler was asked for while one runs")
	}
	// Closing the feeler frees it: the next one is dialed, and it is
	// never replaced by a slot connection.
	feeler.Close()
	waitFor(t, "the next feeler", func() bool { return fn.dialCount("10.1.0.9:8333") >= 2 })
	if by := establishedByType(cm); by[ConnFullRelay] != 1 || by[ConnBlockRelayOnly] != 1 {
		t.Fatalf("slots %v after a feeler closed", by)
	}
}

// TestNoFeelerWithFreeSlots: while an outbound slot is free no feeler is
// asked for.
func TestNoFeelerWithFreeSlots(t *testing.T) {
	fn := newFakeNet()
	defer fn.close()
	var feelerAsks atomic.Int32
	cm := New(&Config{
		TargetOutbound:   1,
		TargetBlockRelay: 1,
		Dial:             fn.dial,
		GetNewAddress:    func() (net.Addr, error) { return nil, errors.New("none") },
		GetFeelerAddress: func() (net.Addr, error) {
			feelerAsks.Add(1)
			return nil, errors.New("none")
		},
		FeelerInterval: time.Millisecond,
		RetryDuration:  5 * time.Millisecond,
		DialInterval:   time.Millisecond,
	})
	runManager(t, cm)
	time.Sleep(50 * time.Millisecond)
	if n := feelerAsks.Load(); n != 0 {
		t.Fatalf("feeler asked for %d times with free slots", n)
	}
}

// TestExtraBlockRelay: after StartExtraBlockRelay, one block-relay-only
// connection beyond TargetBlockRelay is made about every
// ExtraBlockRelayInterval (never two at once), ExtraBlockRelay counts it,
// and when it closes (the sync manager evicts one) another follows; before
// StartExtraBlockRelay none is made.
func TestExtraBlockRelay(t *testing.T) {
	fn := newFakeNet()
	defer fn.close()
	var addrs []string
	for g := 1; g <= 8; g++ {
		a := fmt.Sprintf("10.%d.0.1:8333", g)
		addrs = append(addrs, a)
		fn.setUp(a, true)
	}
	var log connLog
	cm := New(&Config{
		TargetOutbound:          1,
		TargetBlockRelay:        1,
		ExtraBlockRelayInterval: 2 * time.Millisecond,
		Dial:                    fn.dial,
		GetNewAddress:           cycleSource(addrs),
		OnConnection:            log.add,
		RetryDuration:           10 * time.Millisecond,
		DialInterval:            2 * time.Millisecond,
	})
	runManager(t, cm)
	waitFor(t, "the slots", func() bool {
		by := establishedByType(cm)
		return by[ConnFullRelay] == 1 && by[ConnBlockRelayOnly] == 1
	})
	time.Sleep(50 * time.Millisecond)
	if by := establishedByType(cm); by[ConnBlockRelayOnly] != 1 || cm.ExtraBlockRelay() != 0 {
		t.Fatalf("before StartExtraBlockRelay: %v, extra %d", by, cm.ExtraBlockRelay())
	}
	cm.StartExtraBlockRelay()
	waitFor(t, "the extra block-relay-only connection", func() bool { return cm.ExtraBlockRelay() == 1 })
	time.Sleep(50 * time.Millisecond) // many intervals: still one extra
	if by := establishedByType(cm); by[ConnBlockRelayOnly] != 2 || by[ConnFullRelay] != 1 || cm.ExtraBlockRelay() != 1 {
		t.Fatalf("with the extra: %v, extra %d", by, cm.ExtraBlockRelay())
	}
	if f, b, _ := cm.OutboundCounts(); f != 1 || b != 2 {
		t.Fatalf("OutboundCounts %d, %d", f, b)
	}
	// The sync manager evicts the youngest; a later one follows.
	reqs, conns := log.snapshot()
	before := len(reqs)
	conns[len(conns)-1].Close()
	waitFor(t, "the next extra connection", func() bool {
		r, _ := log.snapshot()
		return len(r) > before && cm.ExtraBlockRelay() == 1
	})
	reqs, _ = log.snapshot()
	if reqs[len(reqs)-1].Type() != ConnBlockRelayOnly {
		t.Fatalf("the next extra is %v", reqs[len(reqs)-1].Type())
	}
}

package connmgr

import (
	"fmt"
	"net"
	"sync"
	"testing"
	"time"
)

// TestSelectEviction checks the protections and the choice of
// SelectEviction: the newest connection of the largest unprotected
// network group goes; low-ping, recent tx/block relayers, long-standing and
// whitelisted connections are spared; with everyone protected nothing is
// evicted.
func TestSelectEviction(t *testing.T) {
	base := time.Unix(1_700_000_000, 0)
	// mk returns n candidates in group g, connected at base+start+i
	// seconds, with ids id0+i.
	mk := func(g string, id0 int64, n, start int) []EvictionCandidate {
		var out []EvictionCandidate
		for i := 0; i < n; i++ {
			out = append(out, EvictionCandidate{ID: id0 + int64(i), Group: g,
				Connected: base.Add(time.Duration(start+i) * time.Second),
				MinPing:   time.Second})
		}
		return out
	}
	t.Run("one host holding many slots", func(t *testing.T) {
		// 30 honest peers in distinct groups, then 60 from one attacker
		// group: the attacker's newest connection goes.
		var c []EvictionCandidate
		for i := 0; i < 30; i++ {
			c = append(c, mk(fmt.Sprintf("honest%d", i), int64(i), 1, i)...)
		}
		c = append(c, mk("attacker", 100, 60, 100)...)
		id, ok := SelectEviction(c, 1)
		if !ok || id != 159 {
			t.Fatalf("evicted %d %v, want 159", id, ok)
		}
	})
	t.Run("protections", func(t *testing.T) {
		var c []EvictionCandidate
		// 32 peers in groups of their own and 12 in group "big", the
		// newest of which relayed a block, a tx, pinged fast or is
		// whitelisted. Whatever groups the keyed hash protects, "big"
		// keeps the most unprotected connections and its newest
		// unprotected one (107) goes.
		for i := 0; i < 32; i++ {
			c = append(c, mk(fmt.Sprintf("g%d", i), int64(i), 1, i)...)
		}
		c = append(c, mk("big", 100, 12, 50)...)
		for i := range c {
			switch c[i].ID {
			case 111:
				c[i].LastBlock = base.Add(time.Hour)
			case 110:
				c[i].LastTx = base.Add(time.Hour)
			case 109:
				c[i].MinPing = time.Millisecond
			case 108:
				c[i].Protected = true
			}
		}
		for seed := uint64(0); seed < 50; seed++ {
			id, ok := SelectEviction(append([]EvictionCandidate(nil), c...), seed)
			if !ok || id != 107 {
				t.Fatalf("seed %d: evicted %d %v, want 107", seed, id, ok)
			}
		}
	})
	t.Run("all protected", func(t *testing.T) {
		c := mk("g", 0, 5, 0)
		for i := range c {
			c[i].Protected = true
		}
		if _, ok := SelectEviction(c, 1); ok {
			t.Fatal("evicted a protected connection")
		}
		// Few candidates: the protections cover them all.
		if _, ok := SelectEviction(mk("g", 0, 4, 0), 1); ok {
			t.Fatal("evicted one of four")
		}
		if _, ok := SelectEviction(nil, 1); ok {
			t.Fatal("evicted from nothing")
		}
	})
}

// TestInboundEviction checks that a full manager asks EvictInbound and
// accepts the new connection into the freed slot, and refuses it when
// nothing is evicted.
func TestInboundEviction(t *testing.T) {
	ls, err := Listen([]string{"127.0.0.1:0"})
	if err != nil {
		t.Fatal(err)
	}
	target := ls[0].Addr().String()
	var mu sync.Mutex
	var accepted []net.Conn
	allow := true
	evictions := 0
	cm := New(&Config{
		Listeners:      ls,
		TargetOutbound: 2,
		MaxPeers:       4, // two inbound slots
		OnAccept: func(c net.Conn) {
			mu.Lock()
			accepted = append(accepted, c)
			mu.Unlock()
		},
		EvictInbound: func() bool {
			mu.Lock()
			defer mu.Unlock()
			if !allow || len(accepted) == 0 {
				return false
			}
			evictions++
			accepted[0].Close()
			accepted = accepted[1:]
			return true
		},
	})
	runManager(t, cm)
	count := func() int { in, _ := cm.Counts(); return in }
	for i := 0; i < 3; i++ {
		c := dialFrom(t, "127.0.0.1", target)
		defer c.Close()
		want := min(i+1, 2)
		waitFor(t, "accept", func() bool {
			mu.Lock()
			defer mu.Unlock()
			return count() == want && len(accepted) == want && evictions == max(0, i-1)
		})
	}
	mu.Lock()
	allow = false
	mu.Unlock()
	c := dialFrom(t, "127.0.0.1", target)
	defer c.Close()
	if !isClosedByPeer(c) {
		t.Fatal("connection accepted with nothing evicted")
	}
	if count() != 2 {
		t.Fatalf("%d inbound", count())
	}
}

package connmgr

import (
	"hash/fnv"
	"sort"
	"time"
)

// EvictionCandidate describes one inbound connection for SelectEviction.
type EvictionCandidate struct {
	// ID identifies the connection to the caller.
	ID int64

	// Group is the connection's network group (Config.GroupKey).
	Group string

	// Connected is when the connection was accepted.
	Connected time.Time

	// MinPing is the lowest ping round trip measured; zero means none yet
	// (treated as the slowest).
	MinPing time.Duration

	// LastBlock and LastTx are when the peer last gave us a new block or
	// transaction; zero means never.
	LastBlock time.Time
	LastTx    time.Time

	// Protected connections (whitelisted, noban) are never evicted.
	Protected bool
}

// Protection counts of SelectEviction, as Bitcoin Core's
// SelectNodeToEvict.
const (
	evictProtectGroup = 4
	evictProtectPing  = 8
	evictProtectTx    = 4
	evictProtectBlock = 4
)

// SelectEviction chooses an inbound connection to drop so that a new one
// can take its slot, after Bitcoin Core's AttemptToEvictConnection
// (simplified): it protects 4 connections by a keyed hash of their network
// group (seed is the caller's secret, so an attacker cannot predict which
// groups), the 8 with the lowest ping, the 4 that most recently relayed a
// new transaction and the 4 that most recently relayed a new block, and
// then the older half of the rest. Of what remains it picks the network
// group with the most connections (ties: the one with the newest
// connection) and returns that group's newest connection. It reports false
// when every candidate is protected; the caller then refuses the new
// connection. cands is reordered.
func SelectEviction(cands []EvictionCandidate, seed uint64) (int64, bool) {
	c := make([]EvictionCandidate, 0, len(cands))
	for _, e := range cands {
		if !e.Protected {
			c = append(c, e)
		}
	}
	// older reports whether a was connected before b: the tie-breaker
	// that protects the longer-standing connection.
	older := func(a, b EvictionCandidate) bool { return a.Connected.Before(b.Connected) }
	// protect drops the last n of c after sorting so that the most
	// deserving come last.
	protect := func(n int, less func(a, b EvictionCandidate) bool) {
		sort.SliceStable(c, func(i, j int) bool { return less(c[i], c[j]) })
		if n > len(c) {
			n = len(c)
		}
		c = c[:len(c)-n]
	}
	keyed := func(g string) uint64 {
		h := fnv.New64a()
		var b [8]byte
		for i := range b {
			b[i] = byte(seed >> (8 * i))
		}
		h.Write(b[:])
		h.Write([]byte(g))
		return h.Sum64()
	}
	protect(evictProtectGroup, func(a, b EvictionCandidate) bool {
		ka, kb := keyed(a.Group), keyed(b.Group)
		if ka != kb {
			return ka < kb
		}
		return !older(a, b)
	})
	ping := func(e EvictionCandidate) time.Duration {
		if e.MinPing <= 0 {
			return time.Duration(1<<63 - 1)
		}
		return e.MinPing
	}
	protect(evictProtectPing, func(a, b EvictionCandidate) bool {
		if ping(a) != ping(b) {
			return ping(a) > ping(b)
		}
		return !older(a, b)
	})
	protect(evictProtectTx, func(a, b EvictionCandidate) bool {
		if !a.LastTx.Equal(b.LastTx) {
			return a.LastTx.Before(b.LastTx)
		}
		return !older(a, b)
	})
	protect(evictProtectBlock, func(a, b EvictionCandidate) bool {
		if !a.LastBlock.Equal(b.LastBlock) {
			return a.LastBlock.Before(b.LastBlock)
		}
		return !older(a, b)
	})
	protect(len(c)/2, func(a, b EvictionCandidate) bool { return !older(a, b) })
	if len(c) == 0 {
		return 0, false
	}

	type group struct {
		n      int
		newest EvictionCandidate
	}
	groups := make(map[string]*group)
	for _, e := range c {
		g := groups[e.Group]
		if g == nil {
			g = &group{newest: e}
			groups[e.Group] = g
		}
		g.n++
		if older(g.newest, e) {
			g.newest = e
		}
	}
	var best *group
	for _, g := range groups {
		if best == nil || g.n > best.n || (g.n == best.n && older(best.newest, g.newest)) ||
			(g.n == best.n && g.newest.Connected.Equal(best.newest.Connected) &&
				g.newest.ID > best.newest.ID) {
			best = g
		}
	}
	return best.newest.ID, true
}

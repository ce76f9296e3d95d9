package connmgr

import (
	"net"
	"net/netip"
	"sort"
	"strings"
	"sync"
	"time"
)

// BanEntry is one banned subnet (a single address is a /32 or /128) with its
// creation and expiry times.
type BanEntry struct {
	Subnet  netip.Prefix `json:"subnet"`
	Created time.Time    `json:"created"`
	Until   time.Time    `json:"until"`
	Reason  string       `json:"reason,omitempty"`

	// Manual marks an operator's ban (setban), which the size cap evicts
	// only to make room for another manual ban.
	Manual bool `json:"manual,omitempty"`
}

// MaxBanEntries bounds the ban list so that a flood of misbehaving addresses
// cannot grow it without limit. When it is full, a new ban evicts the
// automatic ban expiring first; manual (operator) bans are evicted only by
// another manual ban, and an automatic ban that finds only manual ones is
// not recorded.
const MaxBanEntries = 10000

// MaxBanUntil is the latest expiry a ban can have; later times (a huge
// setban bantime) saturate to it, which also keeps every entry within what
// encoding/json can write for a time.Time.
var MaxBanUntil = time.Date(9999, 12, 31, 23, 59, 59, 0, time.UTC)

// BanUntilAfter returns now plus seconds, saturating at MaxBanUntil instead
// of overflowing (as time.Duration(seconds)*time.Second does beyond ~292
// years). A non-positive seconds returns now.
func BanUntilAfter(now time.Time, seconds int64) time.Time {
	if seconds <= 0 {
		return now
	}
	if seconds >= MaxBanUntil.Unix()-now.Unix() {
		return MaxBanUntil
	}
	// Whole seconds on the Unix clock: a Duration would overflow past ~292
	// years.
	return time.Unix(now.Unix()+seconds, int64(now.Nanosecond())).In(now.Location())
}

// BanList is a set of banned subnets with expiry times, as managed by
// Bitcoin Core's setban/listbanned/clearbanned. It is persisted in
// banlist.json with LoadFile and SaveFile, or SaveFileIfDirty off the hot
// path (Entries, Load and TakeDirty are the parts these use). A BanList is
// safe for concurrent use.
type BanList struct {
	// saveMu serialises SaveFile and SaveFileIfDirty, so that an older
	// snapshot never replaces a newer one.
	saveMu sync.Mutex

	mu      sync.Mutex
	entries map[netip.Prefix]BanEntry
	dirty   bool

	// now returns the current time; tests replace it.
	now func() time.Time
}

// NewBanList returns an empty ban list.
func NewBanList() *BanList {
	return &BanList{entries: make(map[netip.Prefix]BanEntry), now: time.Now}
}

// ParseBanTarget parses an IP address or a CIDR subnet ("10.0.0.1",
// "10.0.0.0/8", "2001:db8::/32") into a prefix. IPv4-mapped IPv6 addresses
// are reduced to IPv4.
func ParseBanTarget(s string) (netip.Prefix, error) {
	if strings.Contains(s, "/") {
		p, err := netip.ParsePrefix(s)
		if err != nil {
			return netip.Prefix{}, makeError(ErrInvalidBanTarget, "invalid subnet "+s)
		}
		addr := p.Addr()
		bits := p.Bits()
		if addr.Is4In6() {
			addr = addr.Unmap()
			bits -= 96
			if bits < 0 {
				return netip.Prefix{}, makeError(ErrInvalidBanTarget, "invalid subnet "+s)
			}
		}
		return netip.PrefixFrom(addr, bits).Masked(), nil
	}
	a, err := netip.ParseAddr(s)
	if err != nil || a.Zone() != "" {
		return netip.Prefix{}, makeError(ErrInvalidBanTarget, "invalid address "+s)
	}
	a = a.Unmap()
	return netip.PrefixFrom(a, a.BitLen()), nil
}

// Ban bans subnet until now+d (an automatic ban), replacing any earlier
// automatic ban of the same subnet.
func (b *BanList) Ban(subnet netip.Prefix, d time.Duration, reason string) {
	now := b.now()
	b.BanUntil(subnet, now.Add(d), reason)
}

// BanUntil bans subnet until the given time (an automatic ban). It leaves
// a manual ban of the same subnet alone.
func (b *BanList) BanUntil(subnet netip.Prefix, until time.Time, reason string) {
	b.add(subnet, until, reason, false)
}

// ManualBanUntil records an operator's ban of subnet until the given time,
// replacing any ban of the same subnet.
func (b *BanList) ManualBanUntil(subnet netip.Prefix, until time.Time, reason string) {
	b.add(subnet, until, reason, true)
}

// add records a ban, making room under MaxBanEntries as that documents.
func (b *BanList) add(subnet netip.Prefix, until time.Time, reason string, manual bool) {
	subnet = subnet.Masked()
	if until.After(MaxBanUntil) {
		until = MaxBanUntil
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	now := b.now()
	old, ok := b.entries[subnet]
	if ok && old.Manual && !manual && now.Before(old.Until) {
		return
	}
	if !ok && len(b.entries) >= MaxBanEntries {
		b.pruneLocked(now)
		if len(b.entries) >= MaxBanEntries {
			victim, found := b.firstExpiringLocked(false)
			if !found {
				if !manual {
					return
				}
				victim, _ = b.firstExpiringLocked(true)
			}
			delete(b.entries, victim)
		}
	}
	b.entries[subnet] = BanEntry{Subnet: subnet, Created: now, Until: until, Reason: reason,
		Manual: manual}
	b.dirty = true
}

// firstExpiringLocked returns the entry of the given kind that expires
// first. The caller holds b.mu.
func (b *BanList) firstExpiringLocked(manual bool) (netip.Prefix, bool) {
	var first netip.Prefix
	var firstUntil time.Time
	found := false
	for p, e := range b.entries {
		if e.Manual == manual && (!found || e.Until.Before(firstUntil)) {
			first, firstUntil, found = p, e.Until, true
		}
	}
	return first, found
}

// TakeDirty reports whether the list changed since the last call and
// clears the mark; a saver calls it before Entries, and MarkDirty if the
// save then fails.
func (b *BanList) TakeDirty() bool {
	b.mu.Lock()
	defer b.mu.Unlock()
	d := b.dirty
	b.dirty = false
	return d
}

// MarkDirty marks the list as changed, so the next TakeDirty reports it.
func (b *BanList) MarkDirty() {
	b.mu.Lock()
	b.dirty = true
	b.mu.Unlock()
}

// Unban removes the ban of exactly subnet and reports whether there was one.
func (b *BanList) Unban(subnet netip.Prefix) bool {
	subnet = subnet.Masked()
	b.mu.Lock()
	defer b.mu.Unlock()
	_, ok := b.entries[subnet]
	delete(b.entries, subnet)
	if ok {
		b.dirty = true
	}
	return ok
}

// Clear removes every ban.
func (b *BanList) Clear() {
	b.mu.Lock()
	b.entries = make(map[netip.Prefix]BanEntry)
	b.dirty = true
	b.mu.Unlock()
}

// IsBanned reports whether addr lies in a subnet whose ban has not expired.
func (b *BanList) IsBanned(addr netip.Addr) bool {
	addr = addr.Unmap()
	b.mu.Lock()
	defer b.mu.Unlock()
	now := b.now()
	for p, e := range b.entries {
		if p.Contains(addr) {
			if now.Before(e.Until) {
				return true
			}
			delete(b.entries, p)
		}
	}
	return false
}

// IsBannedAddr is IsBanned for a net.Addr (a *net.TCPAddr or anything whose
// String is host:port); addresses without an IP are never banned.
func (b *BanList) IsBannedAddr(a net.Addr) bool {
	ip, ok := AddrIP(a)
	if !ok {
		return false
	}
	return b.IsBanned(ip)
}

// Entries returns the bans that have not expired, sorted by subnet, for
// listbanned and for persisting.
func (b *BanList) Entries() []BanEntry {
	b.mu.Lock()
	b.pruneLocked(b.now())
	out := make([]BanEntry, 0, len(b.entries))
	for _, e := range b.entries {
		out = append(out, e)
	}
	b.mu.Unlock()
	sort.Slice(out, func(i, j int) bool {
		return out[i].Subnet.String() < out[j].Subnet.String()
	})
	return out
}

// Load adds persisted entries, skipping expired and invalid ones; when
// more than MaxBanEntries remain, manual bans are kept first.
func (b *BanList) Load(entries []BanEntry) {
	b.mu.Lock()
	defer b.mu.Unlock()
	now := b.now()
	ordered := make([]BanEntry, 0, len(entries))
	for _, e := range entries {
		if e.Manual {
			ordered = append(ordered, e)
		}
	}
	for _, e := range entries {
		if !e.Manual {
			ordered = append(ordered, e)
		}
	}
	for _, e := range ordered {
		if !e.Subnet.IsValid() || !now.Before(e.Until) || len(b.entries) >= MaxBanEntries {
			continue
		}
		e.Subnet = e.Subnet.Masked()
		if e.Until.After(MaxBanUntil) {
			e.Until = MaxBanUntil
		}
		b.entries[e.Subnet] = e
	}
}

// pruneLocked drops expired entries. The caller holds b.mu.
func (b *BanList) pruneLocked(now time.Time) {
	for p, e := range b.entries {
		if !now.Before(e.Until) {
			delete(b.entries, p)
		}
	}
}

// AddrIP extracts the IP address of a net.Addr, unmapping IPv4-mapped IPv6.
func AddrIP(a net.Addr) (netip.Addr, bool) {
	if a == nil {
		return netip.Addr{}, false
	}
	switch v := a.(type) {
	case *net.TCPAddr:
		ip, ok := netip.AddrFromSlice(v.IP)
		return ip.Unmap(), ok
	case *net.UDPAddr:
		ip, ok := netip.AddrFromSlice(v.IP)
		return ip.Unmap(), ok
	}
	host, _, err := net.SplitHostPort(a.String())
	if err != nil {
		host = a.String()
	}
	ip, err := netip.ParseAddr(host)
	if err != nil {
		return netip.Addr{}, false
	}
	return ip.Unmap(), true
}

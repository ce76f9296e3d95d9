package addrmgr

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/binary"
	"math"
	mrand "math/rand/v2"
	"net"
	"net/netip"
	"path/filepath"
	"sync"
	"time"

	"github.com/tern-org/ternd/wire"
)

// Table geometry and policy constants, from Bitcoin Core's addrman.
const (
	// NewBucketCount and TriedBucketCount are the numbers of buckets of
	// the new and tried tables; BucketSize is the slots per bucket. They
	// bound the manager at (1,024+256)×64 = 81,920 addresses.
	NewBucketCount   = 1024
	TriedBucketCount = 256
	BucketSize       = 64

	// triedBucketsPerGroup limits the tried buckets one group can reach and
	// newBucketsPerSourceGroup the new buckets one source group can fill.
	triedBucketsPerGroup     = 8
	newBucketsPerSourceGroup = 64

	// newBucketsPerAddress bounds how many new buckets hold one address.
	newBucketsPerAddress = 8

	// horizon: addresses not seen for this long are terrible.
	horizon = 30 * 24 * time.Hour

	// retries: addresses never reached after this many attempts are
	// terrible; maxFailures after minFailDays without success too.
	retries     = 3
	maxFailures = 10
	minFailDays = 7 * 24 * time.Hour

	// GetAddrMaxPct and GetAddrMax bound a getaddr answer: about 23% of
	// the table, at most 1,000 addresses.
	GetAddrMaxPct = 23
	GetAddrMax    = 1000

	// addrPenalty is subtracted from the time of addresses learned from
	// someone else, as Core does for addr messages.
	addrPenalty = 2 * time.Hour

	// DefaultSaveInterval is how often Run writes peers.json.
	DefaultSaveInterval = 15 * time.Minute

	// maxTriedCollisions bounds the addresses waiting for a test of the
	// tried entry they would evict (Core's
	// ADDRMAN_SET_TRIED_COLLISION_SIZE).
	maxTriedCollisions = 10

	// replacementWindow is how recent a tried entry's success, or its
	// failed attempt, must be to count in a collision (Core's
	// ADDRMAN_REPLACEMENT); collisionGrace is how long an attempt to it
	// has to succeed; testWindow is how long a collision waits for a
	// test before the old entry is evicted anyway (Core's
	// ADDRMAN_TEST_WINDOW).
	replacementWindow = 4 * time.Hour
	collisionGrace    = time.Minute
	testWindow        = 40 * time.Minute

	// PeersFilename is the file name of the persisted table.
	PeersFilename = "peers.json"

	// needAddressThreshold: below this many addresses the node asks peers
	// and DNS seeds for more.
	needAddressThreshold = 1000
)

// KnownAddress is an address with what the manager knows of it. Its fields
// are guarded by the manager's lock; use the accessor methods.
type KnownAddress struct {
	na          *wire.NetAddressV2
	srcAddr     *wire.NetAddressV2
	attempts    int
	lastattempt time.Time
	lastsuccess time.Time
	tried       bool
	refs        int     // new buckets holding the address
	newSlots    []int32 // bucket*BucketSize+pos of each new slot
	listIdx     int     // index in the new or tried list
}

// NetAddress returns a copy of the address.
func (ka *KnownAddress) NetAddress() *wire.NetAddressV2 {
	c := *ka.na
	c.Addr = append([]byte(nil), ka.na.Addr...)
	return &c
}

// isTerrible reports whether the address is not worth keeping or
// relaying, as Core's AddrInfo::IsTerrible.
func (ka *KnownAddress) isTerrible(now time.Time) bool {
	// Never remove things tried in the last minute.
	if !ka.lastattempt.IsZero() && now.Sub(ka.lastattempt) < time.Minute {
		return false
	}
	// Came in a flying DeLorean.
	if ka.na.Timestamp.After(now.Add(10 * time.Minute)) {
		return true
	}
	// Not seen in recent history.
	if now.Sub(ka.na.Timestamp) > horizon {
		return true
	}
	// Tried N times and never a success.
	if ka.lastsuccess.IsZero() && ka.attempts >= retries {
		return true
	}
	// N successive failures in the last week.
	if now.Sub(ka.lastsuccess) > minFailDays && ka.attempts >= maxFailures {
		return true
	}
	return false
}

// chance returns the relative chance of selecting the address, Core's
// AddrInfo::GetChance: lower when tried in the last ten minutes, and lower
// with every failed attempt.
func (ka *KnownAddress) chance(now time.Time) float64 {
	c := 1.0
	if now.Sub(ka.lastattempt) < 10*time.Minute {
		c *= 0.01
	}
	return c * math.Pow(0.66, float64(min(ka.attempts, 8)))
}

// Config configures an AddrManager.
type Config struct {
	// DataDir holds peers.json; empty means the manager is not persisted.
	DataDir string

	// Lookup resolves DNS seed names; nil disables DNS seeding. Tests use a
	// fake.
	Lookup func(ctx context.Context, host string) ([]netip.Addr, error)

	// DNSSeeds are the seed host names of the network, asked by Run when
	// the table is nearly empty; DefaultPort is the port of their
	// addresses.
	DNSSeeds    []string
	DefaultPort uint16

	// SaveInterval is how often Run writes peers.json; zero means
	// DefaultSaveInterval.
	SaveInterval time.Duration

	// Now returns the current time; nil means time.Now. Tests replace it.
	Now func() time.Time
}

// AddrManager keeps known peer addresses in Bitcoin Core's bucketed
// new/tried tables, selects addresses to dial, answers getaddr, and
// persists itself in peers.json. It is safe for concurrent use.
type AddrManager struct {
	cfg       Config
	peersFile string
	now       func() time.Time

	mu     sync.Mutex
	key    [32]byte
	rng    *mrand.Rand
	index  map[string]*KnownAddress
	newTbl [NewBucketCount][BucketSize]*KnownAddress
	triTbl [TriedBucketCount][BucketSize]*KnownAddress
	newLst []*KnownAddress
	triLst []*KnownAddress

	// answers caches the getaddr answers for v1 and v2 peers.
	answers [2]cachedAnswer

	// collisions are the keys of new-table addresses whose Good found
	// their tried slot taken (Core's m_tried_collisions), at most
	// maxTriedCollisions; ResolveCollisions settles them.
	collisions map[string]struct{}
}

// New returns an empty address manager with a fresh random key. Load (or
// Run, which loads) reads peers.json.
func New(cfg *Config) *AddrManager {
	am := &AddrManager{cfg: *cfg, now: cfg.Now}
	if am.now == nil {
		am.now = time.Now
	}
	if am.cfg.SaveInterval <= 0 {
		am.cfg.SaveInterval = DefaultSaveInterval
	}
	if cfg.DataDir != "" {
		am.peersFile = filepath.Join(cfg.DataDir, PeersFilename)
	}
	var seed [32]byte
	rand.Read(seed[:])
	am.rng = mrand.New(mrand.NewChaCha8(seed))
	am.resetLocked()
	return am
}

// resetLocked empties the tables and draws a new key. The caller holds
// am.mu (or owns am exclusively).
func (am *AddrManager) resetLocked() {
	rand.Read(am.key[:])
	am.index = make(map[string]*KnownAddress)
	am.newTbl = [NewBucketCount][BucketSize]*KnownAddress{}
	am.triTbl = [TriedBucketCount][BucketSize]*KnownAddress{}
	am.newLst = nil
	am.triLst = nil
	am.collisions = make(map[string]struct{})
}

// addrKey returns the index key of an address: network, raw address and
// port.
func addrKey(na *wire.NetAddressV2) string {
	b := make([]byte, 0, 3+len(na.Addr))
	b = append(b, byte(na.Network))
	b = append(b, na.Addr...)
	b = binary.BigEndian.AppendUint16(b, na.Port)
	return string(b)
}

// hash returns the first eight bytes of SHA256(key || parts...) as a
// number, the keyed hash that places addresses in buckets.
func (am *AddrManager) hash(parts ...[]byte) uint64 {
	h := sha256.New()
	h.Write(am.key[:])
	for _, p := range parts {
		var l [4]byte
		binary.LittleEndian.PutUint32(l[:], uint32(len(p)))
		h.Write(l[:])
		h.Write(p)
	}
	var sum [32]byte
	h.Sum(sum[:0])
	return binary.LittleEndian.Uint64(sum[:8])
}

func u64(v uint64) []byte {
	var b [8]byte
	binary.LittleEndian.PutUint64(b[:], v)
	return b[:]
}

// triedBucket returns the tried bucket of an address: each group reaches
// at most triedBucketsPerGroup buckets.
func (am *AddrManager) triedBucket(na *wire.NetAddressV2) int {
	k := []byte(addrKey(na))
	h1 := am.hash(k)
	h2 := am.hash([]byte(GroupKey(na)), u64(h1%triedBucketsPerGroup))
	return int(h2 % TriedBucketCount)
}

// newBucket returns the new bucket of an address learned from src: each
// source group reaches at most newBucketsPerSourceGroup buckets.
func (am *AddrManager) newBucket(na, src *wire.NetAddressV2) int {
	sg := []byte(GroupKey(src))
	h1 := am.hash([]byte(GroupKey(na)), sg)
	h2 := am.hash(sg, u64(h1%newBucketsPerSourceGroup))
	return int(h2 % NewBucketCount)
}

// bucketPos returns the slot of an address in a bucket.
func (am *AddrManager) bucketPos(na *wire.NetAddressV2, isNew bool, bucket int) int {
	tag := []byte{'K'}
	if isNew {
		tag = []byte{'N'}
	}
	return int(am.hash(tag, u64(uint64(bucket)), []byte(addrKey(na))) % BucketSize)
}

// listAdd and listRemove keep the new and tried lists, which make uniform
// selection O(1).
func listAdd(l *[]*KnownAddress, ka *KnownAddress) {
	ka.listIdx = len(*l)
	*l = append(*l, ka)
}

func listRemove(l *[]*KnownAddress, ka *KnownAddress) {
	s := *l
	last := s[len(s)-1]
	s[ka.listIdx] = last
	last.listIdx = ka.listIdx
	s[len(s)-1] = nil
	*l = s[:len(s)-1]
}

// clearNewSlot empties one new slot and drops the address it held when no
// other slot holds it. The caller holds am.mu.
func (am *AddrManager) clearNewSlot(slot int32) {
	ka := am.newTbl[slot/BucketSize][slot%BucketSize]
	if ka == nil {
		return
	}
	am.newTbl[slot/BucketSize][slot%BucketSize] = nil
	for i, s := range ka.newSlots {
		if s == slot {
			ka.newSlots = append(ka.newSlots[:i], ka.newSlots[i+1:]...)
			break
		}
	}
	ka.refs--
	if ka.refs == 0 && !ka.tried {
		listRemove(&am.newLst, ka)
		delete(am.index, addrKey(ka.na))
	}
}

// AddAddress adds one address learned from src; see AddAddresses.
func (am *AddrManager) AddAddress(na, src *wire.NetAddressV2) bool {
	am.mu.Lock()
	defer am.mu.Unlock()
	return am.addLocked(na, src, am.now())
}

// AddAddresses adds addresses learned from src (the peer that sent them,
// or the address itself for a peer we connected to). Unroutable addresses
// and networks other than IPv4, IPv6 and Tor v3 are ignored. It returns how
// many addresses were new or gained a bucket.
func (am *AddrManager) AddAddresses(addrs []*wire.NetAddressV2, src *wire.NetAddressV2) int {
	am.mu.Lock()
	defer am.mu.Unlock()
	now := am.now()
	n := 0
	for _, na := range addrs {
		if am.addLocked(na, src, now) {
			n++
		}
	}
	return n
}

// addLocked is Core's AddSingle. The caller holds am.mu.
func (am *AddrManager) addLocked(na, src *wire.NetAddressV2, now time.Time) bool {
	if !IsRoutable(na) {
		return false
	}
	if src == nil || src.Network == 0 {
		src = na
	}
	// Timestamps far in the future or absurdly old become five days ago,
	// as Core's net_processing does for addr messages.
	ts := na.Timestamp
	if ts.Unix() <= 100000000 || ts.After(now.Add(10*time.Minute)) {
		ts = now.Add(-5 * 24 * time.Hour)
	}
	penalty := time.Duration(0)
	if addrKey(na) != addrKey(src) {
		penalty = addrPenalty
	}
	key := addrKey(na)
	ka := am.index[key]
	if ka != nil {
		// Periodically update the last-seen time.
		online := now.Sub(ts) < 24*time.Hour
		interval := 24 * time.Hour
		if online {
			interval = time.Hour
		}
		if ts.After(ka.na.Timestamp.Add(interval + penalty)) {
			ka.na.Timestamp = ts.Add(-penalty)
		}
		ka.na.Services |= na.Services
		if ka.tried || ka.refs >= newBucketsPerAddress {
			return false
		}
		// The more buckets hold the address, the less likely it gets
		// another one.
		if am.rng.IntN(1<<ka.refs) != 0 {
			return false
		}
	} else {
		c := *na
		c.Addr = append([]byte(nil), na.Addr...)
		c.Timestamp = time.Unix(ts.Add(-penalty).Unix(), 0)
		s := *src
		s.Addr = append([]byte(nil), src.Addr...)
		ka = &KnownAddress{na: &c, srcAddr: &s}
	}

	bucket := am.newBucket(na, src)
	pos := am.bucketPos(na, true, bucket)
	slot := int32(bucket*BucketSize + pos)
	existing := am.newTbl[bucket][pos]
	if existing == ka {
		return false
	}
	insert := existing == nil
	if !insert && (existing.isTerrible(now) || (existing.refs > 1 && ka.refs == 0)) {
		// Overwrite a terrible entry, or one that is also elsewhere.
		am.clearNewSlot(slot)
		insert = true
	}
	if !insert {
		return false
	}
	if ka.refs == 0 && am.index[key] == nil {
		am.index[key] = ka
		listAdd(&am.newLst, ka)
	}
	am.newTbl[bucket][pos] = ka
	ka.newSlots = append(ka.newSlots, slot)
	ka.refs++
	return true
}

// Attempt records a connection attempt to the address; each counts as a
// failure until Good.
func (am *AddrManager) Attempt(na *wire.NetAddressV2) error {
	am.mu.Lock()
	defer am.mu.Unlock()
	ka := am.index[addrKey(na)]
	if ka == nil {
		return makeError(ErrUnknownAddress, "unknown address "+na.String())
	}
	ka.lastattempt = am.now()
	ka.attempts++
	return nil
}

// Connected updates the last-seen time of an address we are connected to,
// at most every twenty minutes, so that it is relayed as recent.
func (am *AddrManager) Connected(na *wire.NetAddressV2) error {
	am.mu.Lock()
	defer am.mu.Unlock()
	ka := am.index[addrKey(na)]
	if ka == nil {
		return makeError(ErrUnknownAddress, "unknown address "+na.String())
	}
	now := am.now()
	if now.Sub(ka.na.Timestamp) > 20*time.Minute {
		ka.na.Timestamp = time.Unix(now.Unix(), 0)
	}
	return nil
}

// SetServices records the services an address advertised in its version
// message.
func (am *AddrManager) SetServices(na *wire.NetAddressV2, services wire.ServiceFlag) {
	am.mu.Lock()
	defer am.mu.Unlock()
	if ka := am.index[addrKey(na)]; ka != nil {
		ka.na.Services = services
	}
}

// Good marks the address as reachable (a completed handshake on an
// outbound connection) and moves it to the tried table. When its tried
// slot holds another address, it stays in new and the collision waits for
// a test of the other (Core's test-before-evict; see ResolveCollisions):
// Good still returns nil, as the address was recorded as reachable.
func (am *AddrManager) Good(na *wire.NetAddressV2) error {
	am.mu.Lock()
	defer am.mu.Unlock()
	ka := am.index[addrKey(na)]
	if ka == nil {
		return makeError(ErrUnknownAddress, "unknown address "+na.String())
	}
	now := am.now()
	ka.lastsuccess = now
	ka.lastattempt = now
	ka.attempts = 0
	if ka.tried {
		return nil
	}
	if old := am.triedOccupantLocked(ka); old != nil {
		// Core's test-before-evict: the address stays in new until a
		// feeler shows whether the tried entry still answers
		// (ResolveCollisions, SelectTriedCollision), so that addresses
		// we just reached cannot push good tried ones out.
		if len(am.collisions) < maxTriedCollisions {
			am.collisions[addrKey(ka.na)] = struct{}{}
		}
		return nil
	}
	am.moveToTriedLocked(ka, now)
	return nil
}

// triedOccupantLocked returns the other address in ka's tried slot, or
// nil. The caller holds am.mu.
func (am *AddrManager) triedOccupantLocked(ka *KnownAddress) *KnownAddress {
	bucket := am.triedBucket(ka.na)
	pos := am.bucketPos(ka.na, false, bucket)
	if old := am.triTbl[bucket][pos]; old != ka {
		return old
	}
	return nil
}

// moveToTriedLocked takes ka out of every new bucket (keeping it indexed)
// and puts it in its tried slot, moving any occupant back to new. The
// caller holds am.mu.
func (am *AddrManager) moveToTriedLocked(ka *KnownAddress, now time.Time) {
	ka.tried = true
	for len(ka.newSlots) > 0 {
		am.clearNewSlot(ka.newSlots[0])
	}
	listRemove(&am.newLst, ka)
	am.placeTriedLocked(ka, now)
}

// ResolveCollisions settles the tried-slot collisions as Core's
// ResolveCollisions: the new address moves to tried, evicting the old
// entry, when the slot freed, when the old entry failed an attempt (more
// than a minute ago, within four hours) or when no test came within 40
// minutes; the collision is dropped, keeping the old entry, when it
// answered within four hours or the new address is gone. Safe for
// concurrent use.
func (am *AddrManager) ResolveCollisions() {
	am.mu.Lock()
	defer am.mu.Unlock()
	now := am.now()
	for key := range am.collisions {
		done := true
		ka := am.index[key]
		if ka != nil && !ka.tried {
			old := am.triedOccupantLocked(ka)
			switch {
			case old == nil:
				am.moveToTriedLocked(ka, now)
			case !old.lastsuccess.IsZero() && now.Sub(old.lastsuccess) < replacementWindow:
				// It answered recently: keep it.
			case !old.lastattempt.IsZero() && now.Sub(old.lastattempt) < replacementWindow:
				if now.Sub(old.lastattempt) > collisionGrace {
					log.Debugf("Tried address %v failed its test; %v replaces it", old.na, ka.na)
					am.moveToTriedLocked(ka, now)
				} else {
					done = false // the attempt may still succeed
				}
			case now.Sub(ka.lastsuccess) > testWindow:
				am.moveToTriedLocked(ka, now)
			default:
				done = false
			}
		}
		if done {
			delete(am.collisions, key)
		}
	}
}

// SelectTriedCollision returns the tried entry a waiting collision would
// evict, to be tested by a feeler (Core's SelectTriedCollision), or nil
// when there is none. Safe for concurrent use.
func (am *AddrManager) SelectTriedCollision() *KnownAddress {
	am.mu.Lock()
	defer am.mu.Unlock()
	if len(am.collisions) == 0 {
		return nil
	}
	i := am.rng.IntN(len(am.collisions))
	for key := range am.collisions {
		if i > 0 {
			i--
			continue
		}
		ka := am.index[key]
		if ka == nil || ka.tried {
			delete(am.collisions, key)
			return nil
		}
		return am.triedOccupantLocked(ka)
	}
	return nil
}

// placeTriedLocked puts ka, marked tried and in no new bucket, into its
// tried slot, moving any occupant back to the new table. The caller holds
// am.mu.
func (am *AddrManager) placeTriedLocked(ka *KnownAddress, now time.Time) {
	bucket := am.triedBucket(ka.na)
	pos := am.bucketPos(ka.na, false, bucket)
	if old := am.triTbl[bucket][pos]; old != nil {
		listRemove(&am.triLst, old)
		old.tried = false
		am.triTbl[bucket][pos] = nil
		nb := am.newBucket(old.na, old.srcAddr)
		np := am.bucketPos(old.na, true, nb)
		am.clearNewSlot(int32(nb*BucketSize + np))
		am.newTbl[nb][np] = old
		old.newSlots = append(old.newSlots[:0], int32(nb*BucketSize+np))
		old.refs = 1
		listAdd(&am.newLst, old)
	}
	am.triTbl[bucket][pos] = ka
	listAdd(&am.triLst, ka)
}

// GetAddress selects an address to dial, Core's Select: tried or new with
// equal odds when both have entries, then entries at random, accepted with
// their chance (lower for recent and failed attempts), the bar falling with
// every refusal. It returns nil when the manager is empty.
func (am *AddrManager) GetAddress() *KnownAddress {
	return am.selectAddress(false)
}

// GetNewTableAddress is GetAddress over the new table only (Core's
// Select(new_only=true)), for feeler connections: it returns nil when the
// new table is empty.
func (am *AddrManager) GetNewTableAddress() *KnownAddress {
	return am.selectAddress(true)
}

// selectAddress is GetAddress, from the new table only when newOnly.
func (am *AddrManager) selectAddress(newOnly bool) *KnownAddress {
	am.mu.Lock()
	defer am.mu.Unlock()
	if len(am.newLst)+len(am.triLst) == 0 || (newOnly && len(am.newLst) == 0) {
		return nil
	}
	now := am.now()
	useTried := len(am.newLst) == 0 || (len(am.triLst) > 0 && am.rng.IntN(2) == 0)
	list := am.newLst
	if useTried && !newOnly {
		list = am.triLst
	}
	factor := 1.0
	for i := 0; i < 10000; i++ {
		ka := list[am.rng.IntN(len(list))]
		if am.rng.Float64() < factor*ka.chance(now) {
			return ka
		}
		factor *= 1.2
	}
	return list[am.rng.IntN(len(list))]
}

// GetNetAddress is GetAddress returning a copy of the address, or
// ErrNoAddresses.
func (am *AddrManager) GetNetAddress() (*wire.NetAddressV2, error) {
	ka := am.GetAddress()
	if ka == nil {
		return nil, makeError(ErrNoAddresses, "no addresses known")
	}
	am.mu.Lock()
	defer am.mu.Unlock()
	return ka.NetAddress(), nil
}

// AddressCache returns addresses for a getaddr answer: a random
// GetAddrMaxPct percent of the table, at most GetAddrMax, skipping terrible
// ones. With v2 false only IPv4 and IPv6 addresses are returned (an addr v1
// message cannot carry others). CachedAddressCache keeps the answer for a
// day.
func (am *AddrManager) AddressCache(v2 bool) []*wire.NetAddressV2 {
	return am.addresses(GetAddrMax, GetAddrMaxPct, func(na *wire.NetAddressV2) bool {
		return v2 || na.Network == wire.NetIPv4 || na.Network == wire.NetIPv6
	})
}

// Addresses lists known addresses, new and tried, as Core's
// AddrMan::GetAddr: in random order, skipping terrible ones, only of the
// given network unless network is zero, at most maxAddrs when it is
// positive and at most maxPct percent of every known address (of all
// networks, terrible ones included) when it is positive. Each address is
// a copy with its last-seen time and services. getnodeaddresses is
// Addresses(count, 0, network); a getaddr answer is AddressCache. Safe for
// concurrent use.
func (am *AddrManager) Addresses(maxAddrs, maxPct int, network wire.NetworkID) []*wire.NetAddressV2 {
	return am.addresses(maxAddrs, maxPct, func(na *wire.NetAddressV2) bool {
		return network == 0 || na.Network == network
	})
}

// addresses is Core's GetAddr_: up to maxPct percent of the table and up
// to maxAddrs (each ignored when not positive) of the addresses that are
// not terrible and that match accepts, drawn at random.
func (am *AddrManager) addresses(maxAddrs, maxPct int,
	match func(*wire.NetAddressV2) bool) []*wire.NetAddressV2 {
	am.mu.Lock()
	defer am.mu.Unlock()
	total := len(am.newLst) + len(am.triLst)
	n := total
	if maxPct > 0 {
		n = total * maxPct / 100
	}
	if maxAddrs > 0 {
		n = min(n, maxAddrs)
	}
	if n == 0 {
		return nil
	}
	all := make([]*KnownAddress, 0, total)
	all = append(append(all, am.newLst...), am.triLst...)
	now := am.now()
	out := make([]*wire.NetAddressV2, 0, n)
	// A partial Fisher-Yates shuffle visits entries in random order.
	for i := 0; i < len(all) && len(out) < n; i++ {
		j := i + am.rng.IntN(len(all)-i)
		all[i], all[j] = all[j], all[i]
		ka := all[i]
		if ka.isTerrible(now) || !match(ka.na) {
			continue
		}
		out = append(out, ka.NetAddress())
	}
	return out
}

// NumAddresses returns the number of known addresses.
func (am *AddrManager) NumAddresses() int {
	am.mu.Lock()
	defer am.mu.Unlock()
	return len(am.newLst) + len(am.triLst)
}

// Counts returns the sizes of the new and tried tables.
func (am *AddrManager) Counts() (nNew, nTried int) {
	am.mu.Lock()
	defer am.mu.Unlock()
	return len(am.newLst), len(am.triLst)
}

// NetworkCounts is the size of the new and tried tables for one network.
type NetworkCounts struct {
	New, Tried int
}

// CountsByNetwork returns the sizes of the new and tried tables per
// network (the metrics' view). Safe for concurrent use; it walks both
// tables under the manager's lock, at most 81,920 entries.
func (am *AddrManager) CountsByNetwork() map[wire.NetworkID]NetworkCounts {
	am.mu.Lock()
	defer am.mu.Unlock()
	out := make(map[wire.NetworkID]NetworkCounts)
	for _, ka := range am.newLst {
		c := out[ka.na.Network]
		c.New++
		out[ka.na.Network] = c
	}
	for _, ka := range am.triLst {
		c := out[ka.na.Network]
		c.Tried++
		out[ka.na.Network] = c
	}
	return out
}

// NeedMoreAddresses reports whether the node should ask for addresses.
func (am *AddrManager) NeedMoreAddresses() bool {
	return am.NumAddresses() < needAddressThreshold
}

// InTried reports whether na is in the tried table: after Good, false
// means its tried slot was taken and it waits in new (addpeeraddress's
// "failed-adding-to-tried"). Safe for concurrent use.
func (am *AddrManager) InTried(na *wire.NetAddressV2) bool {
	am.mu.Lock()
	defer am.mu.Unlock()
	ka := am.index[addrKey(na)]
	return ka != nil && ka.tried
}

// Lookup returns the known address equal to na, or nil.
func (am *AddrManager) Lookup(na *wire.NetAddressV2) *KnownAddress {
	am.mu.Lock()
	defer am.mu.Unlock()
	return am.index[addrKey(na)]
}

// PruneTerrible removes terrible addresses from the new table and returns
// how many went; Run calls it before every save.
func (am *AddrManager) PruneTerrible() int {
	am.mu.Lock()
	defer am.mu.Unlock()
	now := am.now()
	var victims []*KnownAddress
	for _, ka := range am.newLst {
		if ka.isTerrible(now) {
			victims = append(victims, ka)
		}
	}
	for _, ka := range victims {
		for len(ka.newSlots) > 0 {
			am.clearNewSlot(ka.newSlots[0])
		}
	}
	return len(victims)
}

// Run loads peers.json, seeds from DNS when the table is nearly empty,
// prunes and saves every SaveInterval, and saves once more when ctx is
// cancelled. It returns when that last save is done.
func (am *AddrManager) Run(ctx context.Context) error {
	if err := am.Load(); err != nil {
		log.Warnf("%v", err)
	}
	if am.NeedMoreAddresses() && am.cfg.Lookup != nil && len(am.cfg.DNSSeeds) > 0 {
		am.SeedFromDNS(ctx, am.cfg.DNSSeeds, am.cfg.DefaultPort)
	}
	ticker := time.NewTicker(am.cfg.SaveInterval)
	defer ticker.Stop()
	for {
		select {
		case <-ctx.Done():
			return am.Save()
		case <-ticker.C:
			if n := am.PruneTerrible(); n > 0 {
				log.Debugf("Pruned %d terrible addresses", n)
			}
			if err := am.Save(); err != nil {
				log.Errorf("Saving %s: %v", am.peersFile, err)
			}
		}
	}
}

// SeedFromDNS resolves each seed through the configured Lookup and adds
// the addresses it returns at port, with NODE_NETWORK|NODE_WITNESS and a
// time three to seven days ago (so that addresses learned from peers rank
// ahead). It returns how many were added.
func (am *AddrManager) SeedFromDNS(ctx context.Context, seeds []string, port uint16) int {
	if am.cfg.Lookup == nil {
		return 0
	}
	total := 0
	for _, seed := range seeds {
		ips, err := am.cfg.Lookup(ctx, seed)
		if err != nil {
			log.Infof("DNS seed %s: %v", seed, err)
			continue
		}
		if len(ips) == 0 {
			continue
		}
		now := am.now()
		addrs := make([]*wire.NetAddressV2, 0, len(ips))
		for _, ip := range ips {
			ip = ip.Unmap()
			network := wire.NetIPv6
			if ip.Is4() {
				network = wire.NetIPv4
			}
			am.mu.Lock()
			age := time.Duration(3*24+am.rng.IntN(4*24)) * time.Hour
			am.mu.Unlock()
			addrs = append(addrs, &wire.NetAddressV2{
				Timestamp: time.Unix(now.Add(-age).Unix(), 0),
				Services:  wire.SFNodeNetwork | wire.SFNodeWitness,
				Network:   network,
				Addr:      ip.AsSlice(),
				Port:      port,
			})
		}
		// The first address stands in as the source for the whole seed.
		n := am.AddAddresses(addrs, addrs[0])
		log.Infof("%d addresses found from DNS seed %s", n, seed)
		total += n
	}
	return total
}

// NewAddress is the address source for connmgr (its GetNewAddress): it
// selects with GetAddress, skips for the first 30 draws addresses tried in
// the last ten minutes and for the first 50 draws addresses off the
// network's default port (as Core's ThreadOpenConnections does), records
// the attempt and returns the address as a net.Addr (an Addr).
func (am *AddrManager) NewAddress() (net.Addr, error) {
	return am.nextAddress(false)
}

// FeelerAddress is the address source of feeler connections (connmgr's
// GetFeelerAddress), as Core picks a feeler's address: after
// ResolveCollisions, the tried entry of a waiting collision when there is
// one (its attempt is recorded, so that a failure lets the newcomer in),
// else NewAddress drawing from the new table only, so that a feeler that
// completes its handshake moves the address to the tried table (Good).
func (am *AddrManager) FeelerAddress() (net.Addr, error) {
	am.ResolveCollisions()
	if old := am.SelectTriedCollision(); old != nil {
		am.mu.Lock()
		old.lastattempt = am.now()
		old.attempts++
		na := old.NetAddress()
		am.mu.Unlock()
		return Addr{na}, nil
	}
	return am.nextAddress(true)
}

// nextAddress is NewAddress, from the new table only when newOnly.
func (am *AddrManager) nextAddress(newOnly bool) (net.Addr, error) {
	for tries := 0; tries < 100; tries++ {
		ka := am.selectAddress(newOnly)
		if ka == nil {
			break
		}
		am.mu.Lock()
		now := am.now()
		recent := !ka.lastattempt.IsZero() && now.Sub(ka.lastattempt) < 10*time.Minute
		offPort := am.cfg.DefaultPort != 0 && ka.na.Port != am.cfg.DefaultPort
		if (recent && tries < 30) || (offPort && tries < 50) {
			am.mu.Unlock()
			continue
		}
		ka.lastattempt = now
		ka.attempts++
		na := ka.NetAddress()
		am.mu.Unlock()
		return Addr{na}, nil
	}
	return nil, makeError(ErrNoAddresses, "no address to dial")
}

// cachedAnswer is a getaddr answer kept for a day, as Core's
// m_addr_response_caches, so that repeated getaddr requests (from many
// connections) cannot map the whole table.
type cachedAnswer struct {
	addrs   []*wire.NetAddressV2
	expires time.Time
}

// CachedAddressCache returns the getaddr answer for v2 or v1 peers from a
// cache refreshed every 21 to 27 hours (Core's randomized lifetime). The
// returned slice is shared: callers must not change it.
func (am *AddrManager) CachedAddressCache(v2 bool) []*wire.NetAddressV2 {
	idx := 0
	if v2 {
		idx = 1
	}
	am.mu.Lock()
	now := am.now()
	c := am.answers[idx]
	if c.expires.After(now) {
		am.mu.Unlock()
		return c.addrs
	}
	am.mu.Unlock()
	addrs := am.AddressCache(v2)
	am.mu.Lock()
	life := 21*time.Hour + time.Duration(am.rng.Int64N(int64(6*time.Hour)))
	am.answers[idx] = cachedAnswer{addrs: addrs, expires: now.Add(life)}
	am.mu.Unlock()
	return addrs
}

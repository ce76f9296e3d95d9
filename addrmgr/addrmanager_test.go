package addrmgr

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	mrand "math/rand/v2"
	"net"
	"net/netip"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/tern-org/ternd/wire"
)

var testNow = time.Unix(1_760_000_000, 0)

// ipAddr returns a routable IPv4 address numbered i (in 20.0.0.0/8 and
// beyond), seen an hour ago.
func ipAddr(i int) *wire.NetAddressV2 {
	var b [4]byte
	binary.BigEndian.PutUint32(b[:], uint32(20<<24+i))
	return &wire.NetAddressV2{Timestamp: testNow.Add(-time.Hour), Services: wire.SFNodeNetwork,
		Network: wire.NetIPv4, Addr: b[:], Port: 8333}
}

func mustParse(t testing.TB, s string) *wire.NetAddressV2 {
	t.Helper()
	na, err := ParseNetAddr(s, wire.SFNodeNetwork)
	if err != nil {
		t.Fatalf("ParseNetAddr(%s): %v", s, err)
	}
	na.Timestamp = testNow.Add(-time.Hour)
	return na
}

// testSeed seeds the test managers' keys and random sources, so that
// bucket placement and every draw are the same on each run.
const testSeed = 1

// seedManager replaces the manager's random key and random source with
// ones drawn from seed. Map iteration order (collisions) stays random.
func seedManager(am *AddrManager, seed uint64) {
	var s [32]byte
	binary.LittleEndian.PutUint64(s[:], seed)
	c := mrand.NewChaCha8(s)
	am.mu.Lock()
	defer am.mu.Unlock()
	c.Read(am.key[:])
	am.rng = mrand.New(c)
}

// newTestManager returns a manager seeded with testSeed whose clock stands
// at testNow until the test moves it through the returned pointer.
func newTestManager(t testing.TB, dir string) (*AddrManager, *time.Time) {
	return newSeededManager(t, dir, testSeed)
}

// newSeededManager is newTestManager with the given seed.
func newSeededManager(t testing.TB, dir string, seed uint64) (*AddrManager, *time.Time) {
	now := new(time.Time)
	*now = testNow
	am := New(&Config{DataDir: dir, Now: func() time.Time { return *now }})
	seedManager(am, seed)
	return am, now
}

const onionName = "pg6mmjiyjmcrsslvykfwnntlaru7p5svn6y2ymmju6nubxndf4pscryd.onion"

func TestRoutableAndGroups(t *testing.T) {
	tests := []struct {
		addr     string
		routable bool
		group    string
	}{
		{"1.2.3.4:8333", true, "ipv4:1.2"},
		{"8.8.200.1:8333", true, "ipv4:8.8"},
		{"[::ffff:1.2.3.4]:8333", true, "ipv4:1.2"},
		{"[2a01:4f8:1:2::1]:8333", true, "ipv6:2a01:4f8"},
		{"[2002:102:304::1]:8333", true, "ipv4:1.2"},
		{"[2001:0:4136:e378:8000:63bf:fefd:fcfb]:8333", true, "ipv4:1.2"},
		{onionName + ":8333", true, "onion:7"},
		{"1.2.3.4:0", false, "ipv4:1.2"},
		{"127.0.0.1:8333", false, "local"},
		{"[::1]:8333", false, "local"},
		{"10.1.2.3:8333", false, "unroutable"},
		{"192.168.1.1:8333", false, "unroutable"},
		{"172.20.0.1:8333", false, "unroutable"},
		{"100.64.0.1:8333", false, "unroutable"},
		{"169.254.1.1:8333", false, "unroutable"},
		{"198.18.0.1:8333", false, "unroutable"},
		{"192.0.2.1:8333", false, "unroutable"},
		{"0.0.0.0:8333", false, "unroutable"},
		{"255.255.255.255:8333", false, "unroutable"},
		{"[fe80::1]:8333", false, "unroutable"},
		{"[fd00::1]:8333", false, "unroutable"},
		{"[2001:db8::1]:8333", false, "unroutable"},
		{"[fd87:d87e:eb43::1]:8333", false, "unroutable"},
	}
	for _, tc := range tests {
		na := mustParse(t, tc.addr)
		if got := IsRoutable(na); got != tc.routable {
			t.Errorf("IsRoutable(%s) = %v", tc.addr, got)
		}
		if got := GroupKey(na); got != tc.group {
			t.Errorf("GroupKey(%s) = %q, want %q", tc.addr, got, tc.group)
		}
	}
	t.Logf("%d cases", len(tests))
	// Two onion addresses with different first nibbles are in different
	// groups.
	a := &wire.NetAddressV2{Network: wire.NetTorV3, Addr: make([]byte, 32), Port: 1}
	b := &wire.NetAddressV2{Network: wire.NetTorV3, Addr: append([]byte{0xf0}, make([]byte, 31)...), Port: 1}
	if GroupKey(a) == GroupKey(b) {
		t.Error("onion groups")
	}
	if NetAddrGroupKey(Addr{mustParse(t, "1.2.3.4:1")}) != "ipv4:1.2" ||
		NetAddrGroupKey(&net.TCPAddr{IP: net.ParseIP("5.6.7.8"), Port: 1}) != "ipv4:5.6" {
		t.Error("NetAddrGroupKey")
	}
	// I2P and CJDNS are not stored.
	i2p := &wire.NetAddressV2{Network: wire.NetI2P, Addr: make([]byte, 32), Port: 0}
	if IsRoutable(i2p) {
		t.Error("i2p stored")
	}
}

func TestAddGoodTried(t *testing.T) {
	am, _ := newTestManager(t, "")
	// The onion address goes first, so no collision can keep it out.
	onion := mustParse(t, onionName+":8333")
	if !am.AddAddress(onion, mustParse(t, "6.6.6.6:8333")) {
		t.Fatal("onion address not added")
	}
	src := mustParse(t, "5.5.5.5:8333")
	var addrs []*wire.NetAddressV2
	for i := 0; i < 500; i++ {
		addrs = append(addrs, ipAddr(i*70000))
	}
	addrs = append(addrs, mustParse(t, "10.0.0.1:8333"))
	n := am.AddAddresses(addrs, src) + 1
	if n < 400 || am.NumAddresses() != n {
		t.Fatalf("added %d, have %d", n, am.NumAddresses())
	}
	if am.Lookup(mustParse(t, "10.0.0.1:8333")) != nil {
		t.Fatal("unroutable address stored")
	}
	if am.Lookup(mustParse(t, onionName+":8333")) == nil {
		t.Fatal("onion address not stored")
	}
	// Adding again does not duplicate.
	am.AddAddresses(addrs, src)
	if am.NumAddresses() != n {
		t.Fatalf("duplicates: %d", am.NumAddresses())
	}
	for _, na := range addrs[:50] {
		if am.Lookup(na) == nil {
			continue
		}
		if err := am.Attempt(na); err != nil {
			t.Fatal(err)
		}
		if err := am.Good(na); err != nil {
			t.Fatal(err)
		}
	}
	nNew, nTried := am.Counts()
	if nTried == 0 || nNew+nTried != am.NumAddresses() {
		t.Fatalf("new %d tried %d total %d", nNew, nTried, am.NumAddresses())
	}
	byNet := am.CountsByNetwork()
	sumNew, sumTried := 0, 0
	for _, c := range byNet {
		sumNew += c.New
		sumTried += c.Tried
	}
	if sumNew != nNew || sumTried != nTried || byNet[wire.NetTorV3].New+byNet[wire.NetTorV3].Tried != 1 ||
		byNet[wire.NetIPv4].New == 0 {
		t.Fatalf("by network %+v, totals new %d tried %d", byNet, nNew, nTried)
	}
	if err := am.Good(mustParse(t, "9.9.9.9:1")); !errors.Is(err, ErrUnknownAddress) {
		t.Fatalf("Good unknown: %v", err)
	}
	if err := am.Attempt(mustParse(t, "9.9.9.9:1")); !errors.Is(err, ErrUnknownAddress) {
		t.Fatal(err)
	}
	if err := am.Connected(mustParse(t, "9.9.9.9:1")); !errors.Is(err, ErrUnknownAddress) {
		t.Fatal(err)
	}
	checkConsistent(t, am)
}

// checkConsistent verifies the tables, lists and index agree.
func checkConsistent(t *testing.T, am *AddrManager) {
	t.Helper()
	am.mu.Lock()
	defer am.mu.Unlock()
	seen := map[*KnownAddress]int{}
	for b := range am.newTbl {
		for p, ka := range am.newTbl[b] {
			if ka == nil {
				continue
			}
			seen[ka]++
			if ka.tried {
				t.Fatalf("tried address in new table")
			}
			found := false
			for _, s := range ka.newSlots {
				if s == int32(b*BucketSize+p) {
					found = true
				}
			}
			if !found {
				t.Fatalf("slot not recorded")
			}
		}
	}
	for ka, n := range seen {
		if ka.refs != n || len(ka.newSlots) != n {
			t.Fatalf("refs %d slots %d seen %d", ka.refs, len(ka.newSlots), n)
		}
	}
	triedSeen := 0
	for b := range am.triTbl {
		for _, ka := range am.triTbl[b] {
			if ka != nil {
				triedSeen++
				if !ka.tried || ka.refs != 0 {
					t.Fatal("bad tried entry")
				}
			}
		}
	}
	if len(seen) != len(am.newLst) || triedSeen != len(am.triLst) ||
		len(am.index) != len(am.newLst)+len(am.triLst) {
		t.Fatalf("new %d/%d tried %d/%d index %d", len(seen), len(am.newLst), triedSeen,
			len(am.triLst), len(am.index))
	}
	for i, ka := range am.newLst {
		if ka.listIdx != i {
			t.Fatal("bad new list index")
		}
	}
	for i, ka := range am.triLst {
		if ka.listIdx != i {
			t.Fatal("bad tried list index")
		}
	}
}

func TestSourceGroupBucketLimit(t *testing.T) {
	// Addresses from a single source reach at most 64 new buckets, so one
	// peer cannot fill the table.
	am, _ := newTestManager(t, "")
	src := mustParse(t, "5.5.5.5:8333")
	for i := 0; i < 20000; i++ {
		am.AddAddress(ipAddr(i*65536+i), src)
	}
	buckets := 0
	for b := range am.newTbl {
		for _, ka := range am.newTbl[b] {
			if ka != nil {
				buckets++
				break
			}
		}
	}
	if buckets > newBucketsPerSourceGroup || am.NumAddresses() > newBucketsPerSourceGroup*BucketSize {
		t.Fatalf("one source filled %d buckets, %d addresses", buckets, am.NumAddresses())
	}
	t.Logf("one source: %d buckets, %d addresses", buckets, am.NumAddresses())
	checkConsistent(t, am)
}

// TestTriedCollisionMovesBack: many good addresses of one group share 8
// tried buckets; colliding ones wait in new (test-before-evict), and once
// the collisions resolve without a test (40 minutes) the newcomers push
// the earlier entries back to the new table, the tables staying
// consistent throughout. An entry moved back takes its new slot, dropping
// the address there when no other slot holds it (Core's MakeTried clears
// that slot too), so the test checks that every address lost was
// displaced so, for every key and collision order.
func TestTriedCollisionMovesBack(t *testing.T) {
	for seed := uint64(1); seed <= 8; seed++ {
		t.Run(fmt.Sprintf("seed %d", seed), func(t *testing.T) {
			am, now := newSeededManager(t, "", seed)
			for i := 0; i < 2000; i++ {
				na := ipAddr(i)
				if am.AddAddress(na, ipAddr(i*65536)) {
					am.Good(na)
				}
			}
			nNew, nTried := am.Counts()
			if nTried > triedBucketsPerGroup*BucketSize || nNew == 0 || len(am.collisions) == 0 {
				t.Fatalf("new %d tried %d, %d collisions", nNew, nTried, len(am.collisions))
			}
			checkConsistent(t, am)
			before := snapshotTables(am)
			*now = now.Add(5 * time.Hour)
			am.ResolveCollisions()
			if len(am.collisions) != 0 {
				t.Fatalf("%d collisions left after the test window", len(am.collisions))
			}
			checkConsistent(t, am)
			checkResolved(t, am, before, nNew, nTried)
		})
	}
}

// tableSnapshot is what checkResolved needs of the tables before
// ResolveCollisions: every address with its new slots, the tried ones and
// the waiting collisions.
type tableSnapshot struct {
	addrs     map[string]*KnownAddress
	slots     map[string][]int32
	tried     map[string]bool
	colliding map[string]bool
}

// snapshotTables records the manager's tables for checkResolved.
func snapshotTables(am *AddrManager) tableSnapshot {
	am.mu.Lock()
	defer am.mu.Unlock()
	s := tableSnapshot{addrs: map[string]*KnownAddress{}, slots: map[string][]int32{},
		tried: map[string]bool{}, colliding: map[string]bool{}}
	for k, ka := range am.index {
		s.addrs[k] = ka
		s.slots[k] = append([]int32(nil), ka.newSlots...)
		s.tried[k] = ka.tried
	}
	for k := range am.collisions {
		s.colliding[k] = true
	}
	return s
}

// checkResolved checks the tables after ResolveCollisions against the
// snapshot taken before: as many tried entries, at least one entry moved
// back to new, no address from nowhere, and every address lost displaced
// by an entry moved back to new (one that was tried or waiting in a
// collision).
func checkResolved(t *testing.T, am *AddrManager, before tableSnapshot, nNew, nTried int) {
	t.Helper()
	am.mu.Lock()
	defer am.mu.Unlock()
	if len(am.triLst) != nTried {
		t.Fatalf("%d tried after resolving, was %d", len(am.triLst), nTried)
	}
	// Once the test window passed every collision moved its newcomer to
	// tried, so an entry in new that was tried or colliding was moved back.
	movedBack := func(ka *KnownAddress) bool {
		k := addrKey(ka.na)
		return !ka.tried && (before.tried[k] || before.colliding[k])
	}
	moved := 0
	for k, ka := range am.index {
		if before.addrs[k] == nil {
			t.Fatalf("address %v appeared", ka.na)
		}
		if movedBack(ka) {
			moved++
		}
	}
	if moved == 0 {
		t.Fatal("no tried entry moved back to new")
	}
	lost := 0
	for k, ka := range before.addrs {
		if am.index[k] != nil {
			continue
		}
		lost++
		// Its slots before, and the slot it takes when moved back.
		slots := before.slots[k]
		if before.tried[k] || before.colliding[k] {
			b := am.newBucket(ka.na, ka.srcAddr)
			slots = append(slots, int32(b*BucketSize+am.bucketPos(ka.na, true, b)))
		}
		displaced := false
		for _, slot := range slots {
			if occ := am.newTbl[slot/BucketSize][slot%BucketSize]; occ != nil && movedBack(occ) {
				displaced = true
			}
		}
		if !displaced {
			t.Fatalf("address %v lost without an entry moved back into its slot", ka.na)
		}
	}
	if got, want := len(am.newLst)+len(am.triLst), nNew+nTried-lost; got != want {
		t.Fatalf("%d addresses after resolving, want %d (%d lost)", got, want, lost)
	}
	t.Logf("%d moved back to new, %d displaced", moved, lost)
}

func TestIsTerribleAndChance(t *testing.T) {
	now := testNow
	tests := []struct {
		name     string
		ka       KnownAddress
		terrible bool
	}{
		{"fresh", KnownAddress{na: &wire.NetAddressV2{Timestamp: now.Add(-time.Hour)}}, false},
		{"future", KnownAddress{na: &wire.NetAddressV2{Timestamp: now.Add(time.Hour)}}, true},
		{"old", KnownAddress{na: &wire.NetAddressV2{Timestamp: now.Add(-31 * 24 * time.Hour)}}, true},
		{"3 failures never success", KnownAddress{na: &wire.NetAddressV2{Timestamp: now},
			attempts: 3, lastattempt: now.Add(-time.Hour)}, true},
		{"just tried", KnownAddress{na: &wire.NetAddressV2{Timestamp: now.Add(-40 * 24 * time.Hour)},
			attempts: 9, lastattempt: now.Add(-30 * time.Second)}, false},
		{"10 failures in a week", KnownAddress{na: &wire.NetAddressV2{Timestamp: now},
			attempts: 10, lastsuccess: now.Add(-8 * 24 * time.Hour), lastattempt: now.Add(-time.Hour)}, true},
		{"2 failures with success", KnownAddress{na: &wire.NetAddressV2{Timestamp: now},
			attempts: 2, lastsuccess: now.Add(-time.Hour), lastattempt: now.Add(-time.Hour)}, false},
	}
	for _, tc := range tests {
		if got := tc.ka.isTerrible(now); got != tc.terrible {
			t.Errorf("%s: terrible %v", tc.name, got)
		}
	}
	fresh := KnownAddress{na: &wire.NetAddressV2{Timestamp: now}}
	recent := KnownAddress{na: fresh.na, lastattempt: now.Add(-time.Minute)}
	failed := KnownAddress{na: fresh.na, attempts: 2, lastattempt: now.Add(-time.Hour)}
	if c := fresh.chance(now); c != 1 {
		t.Errorf("fresh chance %v", c)
	}
	if c := recent.chance(now); c != 0.01 {
		t.Errorf("recent chance %v", c)
	}
	if c := failed.chance(now); c < 0.4355 || c > 0.4357 {
		t.Errorf("failed chance %v, want 0.66^2", c)
	}
}

func TestSelectionBias(t *testing.T) {
	am, now := newTestManager(t, "")
	good := ipAddr(1)
	bad := ipAddr(1 << 20)
	am.AddAddress(good, good)
	am.AddAddress(bad, bad)
	for i := 0; i < 8; i++ {
		am.Attempt(bad)
	}
	*now = now.Add(time.Hour) // Attempts are no longer recent.
	counts := map[string]int{}
	for i := 0; i < 2000; i++ {
		ka := am.GetAddress()
		counts[ka.NetAddress().String()]++
	}
	if counts[good.String()] < 5*counts[bad.String()] {
		t.Fatalf("selection not biased: %v", counts)
	}
	// With tried and new entries, both tables are used.
	am.Good(good)
	counts = map[string]int{}
	for i := 0; i < 2000; i++ {
		counts[am.GetAddress().NetAddress().String()]++
	}
	if counts[bad.String()] == 0 || counts[good.String()] < 800 {
		t.Fatalf("tried/new split: %v", counts)
	}
	empty, _ := newTestManager(t, "")
	if empty.GetAddress() != nil {
		t.Fatal("empty manager selected")
	}
	if _, err := empty.GetNetAddress(); !errors.Is(err, ErrNoAddresses) {
		t.Fatal(err)
	}
}

func TestAddressCache(t *testing.T) {
	am, _ := newTestManager(t, "")
	for i := 0; i < 3000; i++ {
		am.AddAddress(ipAddr(i*65536+7), ipAddr(i*131072))
	}
	for i := 0; i < 200; i++ {
		var key [32]byte
		key[0], key[1] = byte(i), byte(i>>8)
		am.AddAddress(&wire.NetAddressV2{Timestamp: testNow, Network: wire.NetTorV3,
			Addr: key[:], Port: 8333}, ipAddr(i))
	}
	total := am.NumAddresses()
	v2 := am.AddressCache(true)
	want := min(total*GetAddrMaxPct/100, GetAddrMax)
	if len(v2) != want {
		t.Fatalf("cache %d of %d, want %d", len(v2), total, want)
	}
	v1 := am.AddressCache(false)
	for _, na := range v1 {
		if na.Network == wire.NetTorV3 {
			t.Fatal("onion in addr v1 answer")
		}
	}
	hasOnion := false
	for _, na := range v2 {
		hasOnion = hasOnion || na.Network == wire.NetTorV3
	}
	if !hasOnion {
		t.Error("no onion in addrv2 answer")
	}
	// A large table is capped at 1,000.
	for i := 3000; i < 12000; i++ {
		am.AddAddress(ipAddr(i*65536+7), ipAddr(i*131072))
	}
	if n := len(am.AddressCache(true)); n != GetAddrMax {
		t.Fatalf("cap: %d of %d", n, am.NumAddresses())
	}
}

func TestTimestampPenalty(t *testing.T) {
	am, _ := newTestManager(t, "")
	na := ipAddr(5)
	na.Timestamp = testNow.Add(-time.Minute)
	am.AddAddress(na, ipAddr(1<<24))
	if got := am.Lookup(na).na.Timestamp; !got.Equal(testNow.Add(-time.Minute - addrPenalty)) {
		t.Fatalf("penalty not applied: %v", got)
	}
	future := ipAddr(6)
	future.Timestamp = testNow.Add(time.Hour)
	am.AddAddress(future, future)
	if got := am.Lookup(future).na.Timestamp; !got.Equal(testNow.Add(-5 * 24 * time.Hour)) {
		t.Fatalf("future time kept: %v", got)
	}
}

func TestPruneTerrible(t *testing.T) {
	am, now := newTestManager(t, "")
	for i := 0; i < 100; i++ {
		am.AddAddress(ipAddr(i*65536), ipAddr(i*65536))
	}
	n := am.NumAddresses()
	failing := 0 // a keyed-hash collision may have dropped one of them
	for i := 0; i < 10; i++ {
		na := ipAddr(i * 65536)
		if am.Lookup(na) == nil {
			continue
		}
		failing++
		for j := 0; j < 3; j++ {
			am.Attempt(na)
		}
	}
	*now = now.Add(time.Hour)
	if p := am.PruneTerrible(); p != failing || failing < 8 || am.NumAddresses() != n-failing {
		t.Fatalf("pruned %d, left %d of %d", p, am.NumAddresses(), n)
	}
	checkConsistent(t, am)
}

func TestPersistence(t *testing.T) {
	dir := t.TempDir()
	am, _ := newTestManager(t, dir)
	// The onion goes in first: a later address whose keyed-hash slot
	// collides with it is the one dropped, never the onion.
	onion := mustParse(t, onionName+":8333")
	am.AddAddress(onion, onion)
	for i := 0; i < 300; i++ {
		am.AddAddress(ipAddr(i*65536+1), ipAddr(i*4096))
	}
	for i := 0; i < 20; i++ {
		am.Good(ipAddr(i*65536 + 1))
	}
	// A collision may have dropped an address: attempt a stored one.
	attempted := ipAddr(25*65536 + 1)
	for i := 26; am.Lookup(attempted) == nil && i < 300; i++ {
		attempted = ipAddr(i*65536 + 1)
	}
	am.Attempt(attempted)
	if err := am.Save(); err != nil {
		t.Fatal(err)
	}
	nNew, nTried := am.Counts()

	am2, _ := newTestManager(t, dir)
	if err := am2.Load(); err != nil {
		t.Fatal(err)
	}
	n2, t2 := am2.Counts()
	if n2 != nNew || t2 != nTried {
		t.Fatalf("reloaded new %d tried %d, want %d %d", n2, t2, nNew, nTried)
	}
	if am2.key != am.key {
		t.Fatal("key not persisted")
	}
	if ka := am2.Lookup(attempted); ka == nil || ka.attempts != 1 {
		t.Fatal("attempts not persisted")
	}
	if am2.Lookup(onion) == nil {
		t.Fatal("onion not persisted")
	}
	checkConsistent(t, am2)
	// No temporary files are left behind.
	entries, _ := os.ReadDir(dir)
	if len(entries) != 1 {
		t.Fatalf("files: %v", entries)
	}
}

func TestCorruptFileMovedAside(t *testing.T) {
	for _, content := range []string{"{not json", `{"version":9,"key":"00"}`, `{"version":1,"key":"zz"}`} {
		dir := t.TempDir()
		path := filepath.Join(dir, PeersFilename)
		os.WriteFile(path, []byte(content), 0o600)
		am, _ := newTestManager(t, dir)
		am.AddAddress(ipAddr(1), ipAddr(1))
		err := am.Load()
		if !errors.Is(err, ErrCorruptFile) {
			t.Fatalf("%q: %v", content, err)
		}
		if am.NumAddresses() != 0 {
			t.Fatal("not reset")
		}
		matches, _ := filepath.Glob(path + ".corrupt-*")
		if len(matches) != 1 {
			t.Fatalf("not moved aside: %v", matches)
		}
		// The manager works and replaces the file.
		am.AddAddress(ipAddr(2), ipAddr(2))
		if err := am.Save(); err != nil {
			t.Fatal(err)
		}
		am2, _ := newTestManager(t, dir)
		if err := am2.Load(); err != nil || am2.NumAddresses() != 1 {
			t.Fatalf("reload after replace: %v %d", err, am2.NumAddresses())
		}
	}
	// A missing file is not an error.
	am, _ := newTestManager(t, t.TempDir())
	if err := am.Load(); err != nil {
		t.Fatal(err)
	}
}

func TestRunSeedsAndSaves(t *testing.T) {
	dir := t.TempDir()
	var asked []string
	lookup := func(ctx context.Context, host string) ([]netip.Addr, error) {
		asked = append(asked, host)
		switch host {
		case "seed.example":
			return []netip.Addr{netip.MustParseAddr("1.2.3.4"), netip.MustParseAddr("2a01:4f8::1"),
				netip.MustParseAddr("10.0.0.1")}, nil
		case "seed2.example":
			return []netip.Addr{netip.MustParseAddr("5.6.7.8")}, nil
		}
		return nil, fmt.Errorf("no such host")
	}
	am := New(&Config{DataDir: dir, Lookup: lookup,
		DNSSeeds: []string{"seed.example", "broken.example", "seed2.example"}, DefaultPort: 18444})
	seedManager(am, testSeed)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error)
	go func() { done <- am.Run(ctx) }()
	deadline := time.Now().Add(5 * time.Second)
	for am.NumAddresses() < 3 && time.Now().Before(deadline) {
		time.Sleep(5 * time.Millisecond)
	}
	cancel()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	if am.NumAddresses() != 3 || len(asked) != 3 {
		t.Fatalf("%d addresses, asked %v", am.NumAddresses(), asked)
	}
	if ka := am.Lookup(mustParse(t, "1.2.3.4:18444")); ka == nil ||
		!ka.na.HasService(wire.SFNodeNetwork|wire.SFNodeWitness) {
		t.Fatal("seed address missing")
	}
	data, err := os.ReadFile(filepath.Join(dir, PeersFilename))
	if err != nil || !strings.Contains(string(data), "5.6.7.8:18444") {
		t.Fatalf("not saved at shutdown: %v", err)
	}
}

func TestTokenBucket(t *testing.T) {
	now := testNow
	b := NewAddrTokenBucket(now)
	if !b.Allow(now) || b.Allow(now) {
		t.Fatal("starts with one token")
	}
	now = now.Add(10 * time.Second)
	if !b.Allow(now) || b.Allow(now) {
		t.Fatal("0.1/s refill")
	}
	now = now.Add(100000 * time.Second)
	if got := b.Tokens(now); got != AddrBucketMax {
		t.Fatalf("refill capped at %v, got %v", AddrBucketMax, got)
	}
	b.Add(GetAddrMax)
	if got := b.Tokens(now); got != AddrBucketMax+GetAddrMax {
		t.Fatalf("Add: %v", got)
	}
	allowed := 0
	for i := 0; i < 5000; i++ {
		if b.Allow(now) {
			allowed++
		}
	}
	if allowed != 2000 {
		t.Fatalf("allowed %d", allowed)
	}
}

func TestParseNetAddr(t *testing.T) {
	for _, bad := range []string{"x", "1.2.3.4", "1.2.3.4:x", "1.2.3.4:70000", "nohost.onion:1", "a.b:1"} {
		if _, err := ParseNetAddr(bad, 0); !errors.Is(err, ErrInvalidHost) {
			t.Errorf("ParseNetAddr(%q): %v", bad, err)
		}
	}
	na := mustParse(t, "[::ffff:1.2.3.4]:5")
	if na.Network != wire.NetIPv4 || len(na.Addr) != 4 {
		t.Error("mapped address not reduced")
	}
	if s := (Addr{mustParse(t, onionName+":8333")}).String(); s != onionName+":8333" {
		t.Errorf("Addr string %s", s)
	}
}

func TestErrorKinds(t *testing.T) {
	kinds := []ErrorKind{ErrUnroutable, ErrUnknownAddress, ErrNoAddresses, ErrCorruptFile, ErrInvalidHost}
	for _, k := range kinds {
		err := fmt.Errorf("ctx: %w", makeError(k, "d"))
		if !errors.Is(err, k) || k.Error() != string(k) {
			t.Errorf("%s", k)
		}
		for _, o := range kinds {
			if o != k && errors.Is(err, o) {
				t.Errorf("%s is %s", k, o)
			}
		}
	}
}

func BenchmarkAddAddress(b *testing.B) {
	am, _ := newTestManager(b, "")
	addrs := make([]*wire.NetAddressV2, 100000)
	for i := range addrs {
		addrs[i] = ipAddr(i * 7919)
	}
	src := ipAddr(1 << 23)
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		am.AddAddress(addrs[i%len(addrs)], src)
	}
}

func BenchmarkGetAddress(b *testing.B) {
	am, _ := newTestManager(b, "")
	for i := 0; i < 20000; i++ {
		na := ipAddr(i*65536 + i)
		if am.AddAddress(na, ipAddr(i*3)) && i%4 == 0 {
			am.Good(na)
		}
	}
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if am.GetAddress() == nil {
			b.Fatal("nil")
		}
	}
}

// triedSlotTaken reports whether the tried slot of na holds another
// address (a Good would wait for a test-before-evict).
func triedSlotTaken(am *AddrManager, na *wire.NetAddressV2) bool {
	am.mu.Lock()
	defer am.mu.Unlock()
	bucket := am.triedBucket(na)
	occupant := am.triTbl[bucket][am.bucketPos(na, false, bucket)]
	return occupant != nil && addrKey(occupant.na) != addrKey(na)
}

// TestFeelerAddress: the feeler source draws from the new table only (Core's
// Select(new_only=true)), never a tried address, and reports
// ErrNoAddresses when the new table is empty.
func TestFeelerAddress(t *testing.T) {
	am, _ := newTestManager(t, t.TempDir())
	isTried := make(map[string]bool)
	for i := 1; len(isTried) < 10; i++ {
		na := mustParse(t, fmt.Sprintf("%d.%d.1.1:8333", 20+i, i))
		am.AddAddress(na, na)
		if triedSlotTaken(am, na) {
			continue // it stays in new: a collision is not this test's subject
		}
		if err := am.Good(na); err != nil {
			t.Fatal(err)
		}
		isTried[na.String()] = true
	}
	for i := 1; i <= 10; i++ {
		na := mustParse(t, fmt.Sprintf("%d.%d.2.1:8333", 140+i, i))
		am.AddAddress(na, na)
	}
	if nNew, nTried := am.Counts(); nNew < 10 || nTried != 10 {
		t.Fatalf("new %d tried %d", nNew, nTried)
	}
	for i := 0; i < 200; i++ {
		a, err := am.FeelerAddress()
		if err != nil {
			t.Fatalf("draw %d: %v", i, err)
		}
		if isTried[a.String()] {
			t.Fatalf("feeler drew tried address %s", a)
		}
	}

	// Only tried entries: no feeler address, while NewAddress finds one.
	am2, _ := newTestManager(t, "")
	na := mustParse(t, "31.1.1.1:8333")
	am2.AddAddress(na, na)
	if err := am2.Good(na); err != nil {
		t.Fatal(err)
	}
	if _, err := am2.FeelerAddress(); !errors.Is(err, ErrNoAddresses) {
		t.Fatalf("empty new table: %v", err)
	}
	if am2.GetNewTableAddress() != nil {
		t.Fatal("GetNewTableAddress with an empty new table")
	}
	if _, err := am2.NewAddress(); err != nil {
		t.Fatalf("NewAddress with a tried entry: %v", err)
	}
}

// collidingPair makes a good (tried) address and finds another, added to
// the new table, whose tried slot is the first one's.
func collidingPair(t *testing.T, am *AddrManager) (old, fresh *wire.NetAddressV2) {
	t.Helper()
	old = mustParse(t, "50.1.0.1:8333")
	am.AddAddress(old, old)
	if err := am.Good(old); err != nil {
		t.Fatal(err)
	}
	for i := 2; i < 1<<16; i++ {
		na := mustParse(t, fmt.Sprintf("50.1.%d.%d:8333", i>>8, i&0xff))
		if !triedSlotTaken(am, na) {
			continue
		}
		src := mustParse(t, "60.1.0.1:8333")
		if !am.AddAddress(na, src) {
			continue
		}
		return old, na
	}
	t.Fatal("no colliding address found")
	return nil, nil
}

// isTriedAddr reports whether na is in the tried table.
func isTriedAddr(am *AddrManager, na *wire.NetAddressV2) bool {
	return am.InTried(na)
}

// TestTriedCollisionTestBeforeEvict is Core's test-before-evict: an
// address whose tried slot is taken stays in new after Good; a feeler
// tests the old entry (FeelerAddress offers it first); the old entry stays
// when it answers or answered in the last four hours, and is replaced when
// its attempt failed (after a minute) or when no test came within 40
// minutes.
func TestTriedCollisionTestBeforeEvict(t *testing.T) {
	tests := []struct {
		name     string
		oldAge   time.Duration // since the old entry's success when B is good
		feeler   bool          // a feeler is sent to the old entry
		answers  bool          // and it answers
		wait     time.Duration // then this long before ResolveCollisions
		replaced bool
		pending  bool // the collision still waits
	}{
		{"old answered an hour ago", time.Hour, false, false, 0, false, false},
		{"old answers the feeler", 5 * time.Hour, true, true, 2 * time.Minute, false, false},
		{"old fails the feeler", 5 * time.Hour, true, false, 61 * time.Second, true, false},
		{"feeler still running", 5 * time.Hour, true, false, 30 * time.Second, false, true},
		{"no test within 40 minutes", 5 * time.Hour, false, false, 41 * time.Minute, true, false},
		{"no test yet", 5 * time.Hour, false, false, 39 * time.Minute, false, true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			am, now := newTestManager(t, "")
			old, fresh := collidingPair(t, am)
			*now = now.Add(tc.oldAge)
			if err := am.Good(fresh); err != nil {
				t.Fatal(err)
			}
			if isTriedAddr(am, fresh) || !isTriedAddr(am, old) || len(am.collisions) != 1 {
				t.Fatalf("after Good: fresh tried %v, old tried %v, %d collisions",
					isTriedAddr(am, fresh), isTriedAddr(am, old), len(am.collisions))
			}
			if tc.feeler {
				a, err := am.FeelerAddress()
				if err != nil || a.String() != old.String() {
					t.Fatalf("feeler address %v (%v), want the old entry %v", a, err, old)
				}
				if tc.answers {
					if err := am.Good(old); err != nil {
						t.Fatal(err)
					}
				}
			}
			*now = now.Add(tc.wait)
			am.ResolveCollisions()
			if isTriedAddr(am, fresh) != tc.replaced || isTriedAddr(am, old) == tc.replaced {
				t.Fatalf("fresh tried %v, old tried %v; want replaced %v",
					isTriedAddr(am, fresh), isTriedAddr(am, old), tc.replaced)
			}
			if got := len(am.collisions) == 1; got != tc.pending {
				t.Fatalf("collision pending %v, want %v", got, tc.pending)
			}
			checkConsistent(t, am)
		})
	}
	t.Logf("%d cases", len(tests))
}

// TestTriedCollisionsBounded: at most maxTriedCollisions collisions wait;
// further colliding addresses stay in new without one.
func TestTriedCollisionsBounded(t *testing.T) {
	am, _ := newTestManager(t, "")
	old := mustParse(t, "50.1.0.1:8333")
	am.AddAddress(old, old)
	if err := am.Good(old); err != nil {
		t.Fatal(err)
	}
	src := mustParse(t, "60.1.0.1:8333")
	var colliding int
	for i := 2; i < 1<<16 && colliding < maxTriedCollisions+5; i++ {
		na := mustParse(t, fmt.Sprintf("50.1.%d.%d:8333", i>>8, i&0xff))
		if !triedSlotTaken(am, na) || !am.AddAddress(na, src) {
			continue
		}
		colliding++
		if err := am.Good(na); err != nil {
			t.Fatal(err)
		}
	}
	if colliding < maxTriedCollisions+1 {
		t.Fatalf("only %d colliding addresses found", colliding)
	}
	if n := len(am.collisions); n != maxTriedCollisions {
		t.Fatalf("%d collisions wait, want %d", n, maxTriedCollisions)
	}
	if _, nTried := am.Counts(); nTried != 1 {
		t.Fatalf("%d tried, want the old entry only", nTried)
	}
	checkConsistent(t, am)
}

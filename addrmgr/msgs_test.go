package addrmgr

import (
	"errors"
	"testing"
	"time"

	"github.com/tern-org/ternd/wire"
)

func TestAddrMessages(t *testing.T) {
	var addrs []*wire.NetAddressV2
	for i := 0; i < 1500; i++ {
		addrs = append(addrs, ipAddr(i))
	}
	onion := mustParse(t, onionName+":8333")
	addrs = append(addrs, onion)
	v2 := AddrMessages(addrs, true)
	if len(v2) != 2 || len(v2[0].(*wire.MsgAddrV2).AddrList) != 1000 ||
		len(v2[1].(*wire.MsgAddrV2).AddrList) != 501 {
		t.Fatalf("addrv2 split wrong: %d messages", len(v2))
	}
	v1 := AddrMessages(addrs, false)
	if len(v1) != 2 || len(v1[1].(*wire.MsgAddr).AddrList) != 500 {
		t.Fatalf("addr split wrong")
	}
	back := FromAddrMsg(v1[0].(*wire.MsgAddr))
	if len(back) != 1000 || back[0].Network != wire.NetIPv4 || back[0].String() != addrs[0].String() {
		t.Fatalf("round trip: %v", back[0])
	}
	if AddrMessages(nil, true) != nil || AddrMessages([]*wire.NetAddressV2{onion}, false) != nil {
		t.Fatal("empty lists give no message")
	}
}

func TestFilterByTokens(t *testing.T) {
	now := testNow
	b := NewAddrTokenBucket(now)
	b.Add(GetAddrMax) // We sent getaddr.
	addrs := make([]*wire.NetAddressV2, 1500)
	for i := range addrs {
		addrs[i] = ipAddr(i)
	}
	kept, dropped := FilterByTokens(addrs, b, now)
	if len(kept) != 1001 || dropped != 499 {
		t.Fatalf("kept %d dropped %d", len(kept), dropped)
	}
	kept, _ = FilterByTokens(addrs[:10], b, now.Add(20*time.Second))
	if len(kept) != 2 {
		t.Fatalf("refill: kept %d", len(kept))
	}
}

func TestNewAddress(t *testing.T) {
	now := testNow
	am := New(&Config{DefaultPort: 8333, Now: func() time.Time { return now }})
	seedManager(am, testSeed)
	if _, err := am.NewAddress(); !errors.Is(err, ErrNoAddresses) {
		t.Fatalf("empty: %v", err)
	}
	odd := ipAddr(1)
	odd.Port = 1234
	std := ipAddr(1 << 20)
	am.AddAddress(odd, odd)
	am.AddAddress(std, std)
	counts := map[string]int{}
	for i := 0; i < 20; i++ {
		a, err := am.NewAddress()
		if err != nil {
			t.Fatal(err)
		}
		counts[a.String()]++
		now = now.Add(11 * time.Minute)
	}
	if counts[std.String()] < 15 {
		t.Fatalf("default port not preferred: %v", counts)
	}
	ka := am.Lookup(std)
	if ka.attempts == 0 || ka.lastattempt.IsZero() {
		t.Fatal("attempt not recorded")
	}
	if a, _ := am.NewAddress(); a.Network() != "tcp" {
		t.Fatal("network")
	}
}

func TestCachedAddressCache(t *testing.T) {
	now := testNow
	am := New(&Config{Now: func() time.Time { return now }})
	seedManager(am, testSeed)
	for i := 0; i < 100; i++ {
		am.AddAddress(ipAddr(i*65536), ipAddr(i*65536))
	}
	// A keyed-hash bucket collision can drop an address now and then, so
	// the expected size follows the table, not the 100 added.
	want := am.NumAddresses() * GetAddrMaxPct / 100
	if am.NumAddresses() < 90 {
		t.Fatalf("only %d of 100 addresses stored", am.NumAddresses())
	}
	first := am.CachedAddressCache(true)
	if len(first) != want {
		t.Fatalf("%d addresses, want %d", len(first), want)
	}
	now = now.Add(20 * time.Hour)
	if again := am.CachedAddressCache(true); &again[0] != &first[0] {
		t.Fatal("cache not reused within 21 hours")
	}
	if v1 := am.CachedAddressCache(false); len(v1) != want || &v1[0] == &first[0] {
		t.Fatal("v1 and v2 answers share a cache")
	}
	now = now.Add(8 * time.Hour)
	if again := am.CachedAddressCache(true); &again[0] == &first[0] {
		t.Fatal("cache not refreshed after 27 hours")
	}
}

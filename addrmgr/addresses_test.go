package addrmgr

import (
	"testing"
	"time"

	"github.com/tern-org/ternd/wire"
)

// TestAddresses checks the listing behind getnodeaddresses: new and tried
// addresses, no terrible ones, the network filter, the count and
// percentage caps, no duplicates, and copies that carry the last-seen time
// and services.
func TestAddresses(t *testing.T) {
	am, _ := newTestManager(t, "")
	src := mustParse(t, "5.5.5.5:8333")
	var all []*wire.NetAddressV2
	for i := 0; i < 300; i++ {
		all = append(all, ipAddr(i*65536+3))
	}
	for i := 0; i < 40; i++ {
		na := mustParse(t, "[2a01:4f8::1]:8333")
		na.Addr[3] = byte(i) // a group of its own
		all = append(all, na)
	}
	for i := 0; i < 20; i++ {
		var key [32]byte
		key[0], key[1] = byte(i), 0xaa
		all = append(all, &wire.NetAddressV2{Timestamp: testNow.Add(-time.Hour),
			Services: wire.SFNodeNetwork | wire.SFNodeWitness, Network: wire.NetTorV3,
			Addr: key[:], Port: 8333})
	}
	// Not seen for 31 days: terrible.
	for i := 0; i < 30; i++ {
		na := ipAddr(i*65536 + 9)
		na.Timestamp = testNow.Add(-31 * 24 * time.Hour)
		all = append(all, na)
	}
	am.AddAddresses(all, src)
	for _, na := range all[:20] {
		am.Good(na)
	}
	if _, nTried := am.Counts(); nTried == 0 {
		t.Fatal("no tried address")
	}

	// What the table holds, by network, terrible ones apart.
	good := map[wire.NetworkID]int{}
	terrible := map[string]bool{}
	am.mu.Lock()
	for _, ka := range am.index {
		if ka.isTerrible(testNow) {
			terrible[ka.na.String()] = true
		} else {
			good[ka.na.Network]++
		}
	}
	am.mu.Unlock()
	total := am.NumAddresses()
	allGood := good[wire.NetIPv4] + good[wire.NetIPv6] + good[wire.NetTorV3]
	if len(terrible) < 20 || good[wire.NetIPv6] < 30 || good[wire.NetTorV3] < 15 {
		t.Fatalf("table: %v good, %d terrible", good, len(terrible))
	}

	tests := []struct {
		name      string
		max, pct  int
		network   wire.NetworkID
		want      int
		onlyGroup wire.NetworkID
	}{
		{"all", 0, 0, 0, allGood, 0},
		{"negative count is no limit", -1, 0, 0, allGood, 0},
		{"ipv4", 0, 0, wire.NetIPv4, good[wire.NetIPv4], wire.NetIPv4},
		{"ipv6", 0, 0, wire.NetIPv6, good[wire.NetIPv6], wire.NetIPv6},
		{"onion", 0, 0, wire.NetTorV3, good[wire.NetTorV3], wire.NetTorV3},
		{"i2p (none known)", 0, 0, wire.NetI2P, 0, wire.NetI2P},
		{"count", 7, 0, 0, 7, 0},
		{"count over the table", 100000, 0, 0, allGood, 0},
		{"count and network", 5, 0, wire.NetIPv6, 5, wire.NetIPv6},
		{"getaddr percentage", GetAddrMax, GetAddrMaxPct, 0, total * GetAddrMaxPct / 100, 0},
		{"percentage and count", 10, GetAddrMaxPct, 0, 10, 0},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got := am.Addresses(tc.max, tc.pct, tc.network)
			if len(got) != tc.want {
				t.Fatalf("%d addresses, want %d", len(got), tc.want)
			}
			seen := map[string]bool{}
			for _, na := range got {
				key := na.String()
				if seen[key] || terrible[key] {
					t.Fatalf("%s listed twice or terrible", key)
				}
				seen[key] = true
				if tc.onlyGroup != 0 && na.Network != tc.onlyGroup {
					t.Fatalf("%s in a %d listing", key, tc.onlyGroup)
				}
				ka := am.Lookup(na)
				if ka == nil || !ka.na.Timestamp.Equal(na.Timestamp) || ka.na.Services != na.Services {
					t.Fatalf("%s: listed %v %v, table %+v", key, na.Timestamp, na.Services, ka)
				}
			}
		})
	}
	t.Logf("%d cases", len(tests))

	// Tried addresses are listed; the listing holds copies.
	tried := all[0]
	for _, na := range all[:20] {
		if am.InTried(na) {
			tried = na
		}
	}
	var listed *wire.NetAddressV2
	for _, na := range am.Addresses(0, 0, 0) {
		if na.String() == tried.String() {
			listed = na
		}
	}
	if listed == nil || !am.InTried(tried) {
		t.Fatalf("tried address %v not listed", tried)
	}
	listed.Addr[0]++
	listed.Services = 0
	if ka := am.Lookup(tried); ka == nil || ka.na.Services == 0 {
		t.Fatal("the listing shares the table's addresses")
	}

	empty, _ := newTestManager(t, "")
	if got := empty.Addresses(0, 0, 0); len(got) != 0 {
		t.Fatalf("empty manager listed %d", len(got))
	}
}

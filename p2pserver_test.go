package main

import (
	"context"
	"encoding/json"
	"net/netip"
	"os"
	"path/filepath"
	"reflect"
	"testing"
	"time"

	"github.com/tern-org/ternd/chaincfg"
	"github.com/tern-org/ternd/connmgr"
	"github.com/tern-org/ternd/wire"
)

// testP2PServer returns a P2P server on a temporary data dir, not started.
func testP2PServer(t *testing.T) *p2pServer {
	t.Helper()
	cfg := defaultConfig()
	cfg.params = &chaincfg.RegressionNetParams
	cfg.netDataDir = t.TempDir()
	return newP2PServer(&cfg, nil, nil)
}

func TestServiceStrings(t *testing.T) {
	tests := []struct {
		flags wire.ServiceFlag
		hex   string
		names []string
	}{
		{0, "0000000000000000", []string{}},
		{wire.SFNodeNetwork | wire.SFNodeWitness | wire.SFNodeNetworkLimited, "0000000000000409",
			[]string{"NETWORK", "WITNESS", "NETWORK_LIMITED"}},
		{wire.SFNodeBloom | 1<<20, "0000000000100004", []string{"BLOOM", "UNKNOWN[2^20]"}},
	}
	for _, tc := range tests {
		hex, names := serviceStrings(tc.flags)
		if hex != tc.hex || !reflect.DeepEqual(names, tc.names) {
			t.Errorf("serviceStrings(%d) = %s %v, want %s %v", tc.flags, hex, names, tc.hex, tc.names)
		}
	}
}

func TestNetworkName(t *testing.T) {
	tests := []struct{ addr, want string }{
		{"127.0.0.1:18444", "not_publicly_routable"},
		{"10.1.2.3:8333", "not_publicly_routable"},
		{"8.8.8.8:8333", "ipv4"},
		{"[2001:4860::8888]:8333", "ipv6"},
		{"pg6mmjiyjmcrsslvykfwnntlaru7p5svn6y2ymmju6nubxndf4pscryd.onion:8333", "onion"},
	}
	for _, tc := range tests {
		if got := networkName(tc.addr); got != tc.want {
			t.Errorf("networkName(%s) = %s, want %s", tc.addr, got, tc.want)
		}
	}
	for id, want := range map[wire.NetworkID]string{wire.NetIPv4: "ipv4", wire.NetIPv6: "ipv6",
		wire.NetTorV3: "onion", wire.NetI2P: "i2p", wire.NetCJDNS: "cjdns"} {
		if got := wireNetworkName(id); got != want {
			t.Errorf("wireNetworkName(%d) = %s, want %s", id, got, want)
		}
	}
}

func TestBanListPersistence(t *testing.T) {
	s := testP2PServer(t)
	prefix := netip.MustParsePrefix("11.22.0.0/16")
	s.bans.Ban(prefix, time.Hour, "test")
	if err := s.saveBanList(); err != nil {
		t.Fatal(err)
	}
	data, err := os.ReadFile(filepath.Join(s.cfg.netDataDir, banListFileName))
	if err != nil {
		t.Fatal(err)
	}
	var entries []connmgr.BanEntry
	if err := json.Unmarshal(data, &entries); err != nil || len(entries) != 1 {
		t.Fatalf("banlist.json: %v %s", err, data)
	}
	s2 := newP2PServer(s.cfg, nil, nil)
	s2.loadBanList()
	if !s2.bans.IsBanned(netip.MustParseAddr("11.22.3.4")) {
		t.Fatal("ban lost across save and load")
	}
	// A damaged file leaves the list empty.
	os.WriteFile(filepath.Join(s.cfg.netDataDir, banListFileName), []byte("{"), 0o600)
	s3 := newP2PServer(s.cfg, nil, nil)
	s3.loadBanList()
	if len(s3.bans.Entries()) != 0 {
		t.Fatal("damaged ban list loaded")
	}
}

func TestKnownAddrsBounded(t *testing.T) {
	sp := &serverPeer{addrKnown: make(map[string]struct{})}
	for i := 0; i < maxKnownAddrs*2+10; i++ {
		key := netip.AddrPortFrom(netip.AddrFrom4([4]byte{11, byte(i >> 16), byte(i >> 8), byte(i)}), 8333).String()
		if sp.knowsAddr(key, true) {
			t.Fatalf("fresh key %s known", key)
		}
		if !sp.knowsAddr(key, false) {
			t.Fatalf("key %s not remembered", key)
		}
		if len(sp.addrKnown) > maxKnownAddrs {
			t.Fatalf("known set grew to %d", len(sp.addrKnown))
		}
	}
}

func TestNetRPCsBeforeStart(t *testing.T) {
	s := testP2PServer(t)
	for _, name := range []string{"getconnectioncount", "getpeerinfo", "ping"} {
		for _, m := range s.netMethods() {
			if m.Name != name {
				continue
			}
			if _, err := m.Handler(context.Background(), nil); err != errP2PDisabled {
				t.Errorf("%s before start: %v", name, err)
			}
		}
	}
}

func TestNormalizeNodeAddr(t *testing.T) {
	s := testP2PServer(t)
	tests := []struct{ in, want string }{
		{"1.2.3.4", "1.2.3.4:18444"},
		{"1.2.3.4:9", "1.2.3.4:9"},
		{"[::1]:5", "[::1]:5"},
		{"example.org", "example.org:18444"},
	}
	for _, tc := range tests {
		got, err := s.normalizeNodeAddr(tc.in)
		if err != nil || got != tc.want {
			t.Errorf("normalizeNodeAddr(%s) = %s, %v; want %s", tc.in, got, err, tc.want)
		}
	}
	if _, err := s.normalizeNodeAddr(""); err == nil {
		t.Error("empty address accepted")
	}
}

package rpcserver

import (
	"reflect"
	"testing"

	"github.com/tern-org/ternd/wire"
)

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

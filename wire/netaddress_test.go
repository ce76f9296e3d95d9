package wire

import (
	"bytes"
	"errors"
	"net"
	"strings"
	"testing"
	"time"
)

// TestOnionV3 checks the onion v3 text form against published onion names.
func TestOnionV3(t *testing.T) {
	valid := []string{
		"pg6mmjiyjmcrsslvykfwnntlaru7p5svn6y2ymmju6nubxndf4pscryd.onion",
		"duckduckgogg42xjoc72x3sjasowoarfbgcmvfimaftt6twagswzczad.onion",
	}
	for _, name := range valid {
		pub, err := DecodeOnionV3(strings.ToUpper(name[:56]) + ".onion")
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		back, err := EncodeOnionV3(pub)
		if err != nil || back != name {
			t.Fatalf("%s: re-encoded as %s (%v)", name, back, err)
		}
		network, raw, err := ParseHost(name)
		if err != nil || network != NetTorV3 || !bytes.Equal(raw, pub) {
			t.Fatalf("ParseHost(%s): %v %v", name, network, err)
		}
		na, err := NewNetAddressV2(NetTorV3, pub, 9050, 0, time.Unix(0, 0))
		if err != nil || na.Host() != name || na.String() != name+":9050" {
			t.Fatalf("host %s", na.Host())
		}
	}
	pub, _ := DecodeOnionV3(valid[0])
	badVersion := append(append([]byte{}, pub...), 0, 0, 2)
	sum := onionChecksum(pub)
	badVersion[32], badVersion[33] = sum[0], sum[1]
	invalid := []string{
		"pg6mmjiyjmcrsslvykfwnntlaru7p5svn6y2ymmju6nubxndf4pscryc.onion", // checksum
		"pg6mmjiyjmcrsslvykfwnntlaru7p5svn6y2ymmju6nubxndf4pscry.onion",  // length
		"pg6mmjiyjmcrsslvykfwnntlaru7p5svn6y2ymmju6nubxndf4pscryd.onio",  // suffix
		"pg6mmjiyjmcrsslvykfwnntlaru7p5svn6y2ymmju6nubxndf4pscry1.onion", // alphabet
		i2pEncoding.EncodeToString(badVersion) + ".onion",                // version 2
	}
	for _, name := range invalid {
		if _, err := DecodeOnionV3(name); !errors.Is(err, ErrInvalidAddress) {
			t.Errorf("%s: err %v", name, err)
		}
	}
	if _, err := EncodeOnionV3(make([]byte, 31)); !errors.Is(err, ErrInvalidAddress) {
		t.Errorf("short key: %v", err)
	}
	t.Logf("%d valid and %d invalid onion names", len(valid), len(invalid))
}

// TestNetworks checks network names, sizes and address conversions.
func TestNetworks(t *testing.T) {
	tests := []struct {
		host    string
		network NetworkID
		name    string
		size    int
	}{
		{"1.2.3.4", NetIPv4, "ipv4", 4},
		{"2001:db8::1", NetIPv6, "ipv6", 16},
		{"fc00::1", NetCJDNS, "cjdns", 16},
		{strings.Repeat("a", 52) + ".b32.i2p", NetI2P, "i2p", 32},
	}
	for _, tc := range tests {
		network, raw, err := ParseHost(tc.host)
		if err != nil || network != tc.network || network.String() != tc.name ||
			len(raw) != tc.size || network.AddrSize() != tc.size {
			t.Fatalf("%s: %v %v %d", tc.host, network, err, len(raw))
		}
		na, err := NewNetAddressV2(network, raw, 8333, SFNodeNetwork, time.Unix(5, 0))
		if err != nil || na.Host() != tc.host {
			t.Fatalf("%s: host %q %v", tc.host, na.Host(), err)
		}
	}
	if NetTorV2.String() != "torv2" || NetworkID(99).IsKnown() || NetworkID(99).String() != "unknown(99)" {
		t.Errorf("names")
	}
	if _, err := NewNetAddressV2(NetIPv4, make([]byte, 16), 1, 0, time.Now()); !errors.Is(err, ErrInvalidAddress) {
		t.Errorf("ipv4 of 16 bytes: %v", err)
	}
	if _, err := NewNetAddressV2(NetTorV2, make([]byte, 10), 1, 0, time.Now()); !errors.Is(err, ErrInvalidAddress) {
		t.Errorf("torv2 creation: %v", err)
	}
	if _, _, err := ParseHost("not-a-host"); !errors.Is(err, ErrInvalidAddress) {
		t.Errorf("bad host: %v", err)
	}
	// Legacy conversions.
	v1 := NewNetAddressIPPort(net.ParseIP("10.1.2.3"), 8333, SFNodeNetwork)
	v2 := NetAddressV2FromLegacy(v1)
	if v2.Network != NetIPv4 || len(v2.Addr) != 4 || !v2.HasService(SFNodeNetwork) {
		t.Fatalf("from legacy: %+v", v2)
	}
	back, ok := v2.ToLegacy()
	if !ok || !back.IP.Equal(v1.IP) || back.Port != 8333 {
		t.Fatalf("to legacy: %+v", back)
	}
	onion, _ := NewNetAddressV2(NetTorV3, make([]byte, 32), 1, 0, time.Now())
	if _, ok := onion.ToLegacy(); ok {
		t.Errorf("onion converted to legacy")
	}
	if NetworkOfIP(net.ParseIP("::ffff:1.2.3.4")) != NetIPv4 ||
		NetworkOfIP(net.ParseIP("fd87:d87e:eb43::1")) != NetTorV2 ||
		NetworkOfIP(net.ParseIP("2001::1")) != NetIPv6 {
		t.Errorf("NetworkOfIP")
	}
}

// TestServiceFlags checks flag names.
func TestServiceFlags(t *testing.T) {
	f := SFNodeNetwork | SFNodeWitness | SFNodeNetworkLimited | SFNodeP2PV2 | 1<<20
	if got := f.String(); got != "SFNodeNetwork|SFNodeWitness|SFNodeNetworkLimited|SFNodeP2PV2|0x100000" {
		t.Errorf("String %q", got)
	}
	if got := strings.Join(f.Names(), ","); got != "NETWORK,WITNESS,NETWORK_LIMITED,P2P_V2,UNKNOWN[2^20]" {
		t.Errorf("Names %q", got)
	}
	if !f.HasFlag(SFNodeWitness) || f.HasFlag(SFNodeBloom) || ServiceFlag(0).String() != "0x0" {
		t.Errorf("HasFlag")
	}
	if SFNodeCF.String() != "SFNodeCF" || SFNodeCF != 64 || SFNodeP2PV2 != 2048 || SFNodeNetworkLimited != 1024 {
		t.Errorf("values")
	}
	if MainNet.String() != "MainNet" || TestNet4.String() != "TestNet4" || BitcoinNet(1).String() == "" {
		t.Errorf("net names")
	}
	if InvTypeWitnessBlock.String() != "MSG_WITNESS_BLOCK" || InvType(77).String() == "" {
		t.Errorf("inv names")
	}
}

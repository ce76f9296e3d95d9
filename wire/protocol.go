package wire

import (
	"fmt"
	"strconv"
	"strings"
)

// These constants are protocol versions and the versions at which features
// appeared, as in Bitcoin Core's version.h and btcd's wire package.
const (
	// ProtocolVersion is the latest protocol version this package speaks.
	ProtocolVersion uint32 = 70016

	// MultipleAddressVersion is the version that allowed several addresses
	// per addr message.
	MultipleAddressVersion uint32 = 209

	// NetAddressTimeVersion is the version that added a timestamp to
	// addresses.
	NetAddressTimeVersion uint32 = 31402

	// BIP0031Version is the version after which pong exists and ping
	// carries a nonce.
	BIP0031Version uint32 = 60000

	// BIP0035Version is the version that added the mempool message.
	BIP0035Version uint32 = 60002

	// BIP0037Version is the version that added bloom filtering and the
	// relay flag of the version message.
	BIP0037Version uint32 = 70001

	// RejectVersion is the version that added the reject message.
	RejectVersion uint32 = 70002

	// BIP0111Version is the version that added NODE_BLOOM.
	BIP0111Version uint32 = 70011

	// SendHeadersVersion is the version that added sendheaders (BIP130).
	SendHeadersVersion uint32 = 70012

	// FeeFilterVersion is the version that added feefilter (BIP133).
	FeeFilterVersion uint32 = 70013

	// ShortIDsBlocksVersion is the version that added compact blocks
	// (BIP152).
	ShortIDsBlocksVersion uint32 = 70014

	// InvalidCBNoBanVersion is the version after which an invalid compact
	// block does not get its sender banned.
	InvalidCBNoBanVersion uint32 = 70015

	// WTxIDRelayVersion is the version that added wtxidrelay (BIP339).
	WTxIDRelayVersion uint32 = 70016

	// AddrV2Version is the version from which sendaddrv2 (BIP155) is sent.
	AddrV2Version uint32 = 70016

	// MinAcceptableProtocolVersion is the lowest version Bitcoin Core
	// accepts from a peer (MIN_PEER_PROTO_VERSION).
	MinAcceptableProtocolVersion uint32 = 31800
)

// BitcoinNet identifies a Bitcoin network by the magic value at the start of
// every message header (stored little-endian on the wire).
type BitcoinNet uint32

// These constants are the magic values of the known networks.
const (
	// MainNet is the main network.
	MainNet BitcoinNet = 0xd9b4bef9

	// TestNet is the regression test network (regtest); the btcd name is
	// kept.
	TestNet BitcoinNet = 0xdab5bffa

	// TestNet3 is the third test network.
	TestNet3 BitcoinNet = 0x0709110b

	// TestNet4 is the fourth test network (BIP94).
	TestNet4 BitcoinNet = 0x283f161c

	// SigNet is the default signet. Custom signets derive their magic from
	// their challenge.
	SigNet BitcoinNet = 0x40cf030a
)

// bnStrings names the known networks.
var bnStrings = map[BitcoinNet]string{
	MainNet:  "MainNet",
	TestNet:  "TestNet",
	TestNet3: "TestNet3",
	TestNet4: "TestNet4",
	SigNet:   "SigNet",
}

// String returns the network's name, or its magic in hex when unknown.
func (n BitcoinNet) String() string {
	if s, ok := bnStrings[n]; ok {
		return s
	}
	return fmt.Sprintf("Unknown BitcoinNet (%d)", uint32(n))
}

// ServiceFlag is a bit set of the services a node offers, as advertised in
// version and addr messages.
type ServiceFlag uint64

// These constants are the service bits a node may advertise.
const (
	// SFNodeNetwork (NODE_NETWORK) serves the full block chain.
	SFNodeNetwork ServiceFlag = 1 << 0

	// SFNodeGetUTXO (NODE_GETUTXO, BIP64) answers getutxo.
	SFNodeGetUTXO ServiceFlag = 1 << 1

	// SFNodeBloom (NODE_BLOOM, BIP111) supports bloom filtering.
	SFNodeBloom ServiceFlag = 1 << 2

	// SFNodeWitness (NODE_WITNESS, BIP144) serves witness data.
	SFNodeWitness ServiceFlag = 1 << 3

	// SFNodeXthin (NODE_XTHIN) supports xthin blocks; never used by Core.
	SFNodeXthin ServiceFlag = 1 << 4

	// SFNodeBit5 is reserved (formerly NODE_BITCOIN_CASH).
	SFNodeBit5 ServiceFlag = 1 << 5

	// SFNodeCF (NODE_COMPACT_FILTERS, BIP157) serves compact filters.
	SFNodeCF ServiceFlag = 1 << 6

	// SFNode2X is reserved (formerly segwit2x).
	SFNode2X ServiceFlag = 1 << 7

	// SFNodeNetworkLimited (NODE_NETWORK_LIMITED, BIP159) serves the last
	// 288 blocks.
	SFNodeNetworkLimited ServiceFlag = 1 << 10

	// SFNodeP2PV2 (NODE_P2P_V2, BIP324) supports the v2 transport.
	SFNodeP2PV2 ServiceFlag = 1 << 11
)

// sfStrings names the service flags; Bitcoin Core's names are used by
// getpeerinfo and getnetworkinfo.
var sfStrings = map[ServiceFlag]string{
	SFNodeNetwork:        "SFNodeNetwork",
	SFNodeGetUTXO:        "SFNodeGetUTXO",
	SFNodeBloom:          "SFNodeBloom",
	SFNodeWitness:        "SFNodeWitness",
	SFNodeXthin:          "SFNodeXthin",
	SFNodeBit5:           "SFNodeBit5",
	SFNodeCF:             "SFNodeCF",
	SFNode2X:             "SFNode2X",
	SFNodeNetworkLimited: "SFNodeNetworkLimited",
	SFNodeP2PV2:          "SFNodeP2PV2",
}

// coreServiceNames are the names Bitcoin Core prints for service bits.
var coreServiceNames = map[ServiceFlag]string{
	SFNodeNetwork:        "NETWORK",
	SFNodeGetUTXO:        "GETUTXO",
	SFNodeBloom:          "BLOOM",
	SFNodeWitness:        "WITNESS",
	SFNodeCF:             "COMPACT_FILTERS",
	SFNodeNetworkLimited: "NETWORK_LIMITED",
	SFNodeP2PV2:          "P2P_V2",
}

// orderedSFStrings is the order in which String lists flags.
var orderedSFStrings = []ServiceFlag{
	SFNodeNetwork, SFNodeGetUTXO, SFNodeBloom, SFNodeWitness, SFNodeXthin,
	SFNodeBit5, SFNodeCF, SFNode2X, SFNodeNetworkLimited, SFNodeP2PV2,
}

// HasFlag reports whether all bits of s are set in f.
func (f ServiceFlag) HasFlag(s ServiceFlag) bool {
	return f&s == s
}

// String returns the btcd-style names of the set flags joined by "|", with
// any unknown bits in hex at the end.
func (f ServiceFlag) String() string {
	if f == 0 {
		return "0x0"
	}
	var parts []string
	for _, flag := range orderedSFStrings {
		if f&flag == flag {
			parts = append(parts, sfStrings[flag])
			f -= flag
		}
	}
	if f != 0 {
		parts = append(parts, "0x"+strconv.FormatUint(uint64(f), 16))
	}
	return strings.Join(parts, "|")
}

// Names returns Bitcoin Core's names ("NETWORK", "WITNESS", ...) of the set
// flags in bit order, with "UNKNOWN[2^n]" for bits it does not name, as
// getpeerinfo's servicesnames shows them.
func (f ServiceFlag) Names() []string {
	names := []string{}
	for bit := 0; bit < 64; bit++ {
		flag := ServiceFlag(1) << bit
		if f&flag == 0 {
			continue
		}
		if s, ok := coreServiceNames[flag]; ok {
			names = append(names, s)
		} else {
			names = append(names, fmt.Sprintf("UNKNOWN[2^%d]", bit))
		}
	}
	return names
}

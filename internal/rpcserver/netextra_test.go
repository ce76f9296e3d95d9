package rpcserver

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/btcsuite/btcd/chaincfg/chainhash"
	"github.com/tern-org/ternd/internal/rpcjson"
	"github.com/tern-org/ternd/mempool"
	"github.com/tern-org/ternd/wire"
)

func (p *testRPCPool) Orphans() []mempool.OrphanInfo {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.orphans
}

func (p *testRPCPeers) SetNetworkActive(active bool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.inactive = !active
}

func (p *testRPCPeers) NetworkActive() bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	return !p.inactive
}

// FetchBlockFromPeer knows peer 7 only.
func (p *testRPCPeers) FetchBlockFromPeer(hash *chainhash.Hash, id int32) error {
	if id != 7 {
		return ErrPeerNotFound
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	p.fetched = append(p.fetched, fmt.Sprintf("%v:%d", hash, id))
	return nil
}

// CountsByNetwork counts the stub's addresses as new, one IPv4 as tried.
func (p *testRPCPeers) CountsByNetwork() map[wire.NetworkID][2]int {
	out := map[wire.NetworkID][2]int{wire.NetIPv4: {0, 1}}
	for _, na := range p.addrs {
		c := out[na.Network]
		c[0]++
		out[na.Network] = c
	}
	return out
}

// TestNetExtraMethods checks setnetworkactive (and getnetworkinfo's
// networkactive), getaddrmaninfo's shape, getblockfrompeer's checks and
// getorphantxs at each verbosity.
func TestNetExtraMethods(t *testing.T) {
	e := newHandlerEnv(t, regtestParams(t), nil)
	var active bool
	e.mustCall(t, &active, "setnetworkactive", false)
	var info map[string]any
	e.mustCall(t, &info, "getnetworkinfo")
	if active || info["networkactive"] != false {
		t.Fatalf("setnetworkactive false = %v, networkactive %v", active, info["networkactive"])
	}
	e.mustCall(t, &active, "setnetworkactive", true)
	if !active {
		t.Fatal("setnetworkactive true")
	}

	var am map[string]addrmanCountJSON
	e.mustCall(t, &am, "getaddrmaninfo")
	for _, n := range []string{"ipv4", "ipv6", "onion", "i2p", "cjdns", "all_networks"} {
		if _, ok := am[n]; !ok {
			t.Fatalf("getaddrmaninfo lacks %s: %v", n, am)
		}
	}
	if am["ipv4"].Tried != 1 || am["all_networks"].Total != am["all_networks"].New+am["all_networks"].Tried {
		t.Fatalf("getaddrmaninfo = %v", am)
	}

	// Block 1 is stored: already downloaded; an unknown hash has no header.
	stored := e.chain.blocks[1].BlockHash().String()
	tests := []struct {
		name   string
		method string
		params []any
		code   rpcjson.RPCErrorCode
		msg    string
	}{
		{"downloaded", "getblockfrompeer", []any{stored, 7}, rpcjson.ErrRPCMisc, "Block already downloaded"},
		{"no header", "getblockfrompeer", []any{strings.Repeat("1", 64), 7}, rpcjson.ErrRPCMisc, "Block header missing"},
		{"verbosity", "getorphantxs", []any{3}, rpcjson.ErrRPCInvalidParameter, "Invalid verbosity value 3"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, rerr := e.call(t, tc.method, tc.params...)
			if rerr == nil || rerr.Code != tc.code || !strings.HasPrefix(rerr.Message, tc.msg) {
				t.Fatalf("got %v, want %d %q", rerr, tc.code, tc.msg)
			}
		})
	}

	e.pool.orphans = []mempool.OrphanInfo{{Tx: e.spend, Txid: e.spend.TxHash(), Wtxid: e.spend.WitnessHash(), From: 3,
		Entry: time.Unix(1700000000, 0), Expires: time.Unix(1700001200, 0)}}
	var ids []string
	e.mustCall(t, &ids, "getorphantxs")
	if len(ids) != 1 || ids[0] != e.spend.TxHash().String() {
		t.Fatalf("getorphantxs 0 = %v", ids)
	}
	var detail []orphanJSON
	e.mustCall(t, &detail, "getorphantxs", 2)
	if len(detail) != 1 || detail[0].Wtxid != e.spend.WitnessHash().String() || detail[0].VSize != e.spend.VSize() ||
		len(detail[0].From) != 1 || detail[0].From[0] != 3 || detail[0].Hex != txHex(e.spend) ||
		detail[0].Entry != 1700000000 || detail[0].Expiration != 1700001200 {
		t.Fatalf("getorphantxs 2 = %+v", detail)
	}
	detail = nil
	e.mustCall(t, &detail, "getorphantxs", 1)
	if detail[0].Hex != "" {
		t.Fatal("verbosity 1 has hex")
	}
}

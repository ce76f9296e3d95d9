package itest

import (
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"testing"
	"time"
)

// blockRelayPeerInfo is the part of ternd's getpeerinfo this test reads.
type blockRelayPeerInfo struct {
	Addr             string `json:"addr"`
	ConnType         string `json:"connection_type"`
	RelayTxes        bool   `json:"relaytxes"`
	AddrRelayEnabled bool   `json:"addr_relay_enabled"`
}

// btcdPeerRelay is the part of btcd's getpeerinfo that shows the relay
// flag of our version message.
type btcdPeerRelay struct {
	Addr      string `json:"addr"`
	SubVer    string `json:"subver"`
	RelayTxes bool   `json:"relaytxes"`
}

// TestBlockRelayOnlyAnchorBtcd: ternd started with btcd's address in
// anchors.dat (and no --connect) dials it first as a block-relay-only
// connection and deletes the file; btcd sees relay=false in our version,
// relays its blocks but not its transactions (a second ternd, connected
// by --connect as a full-relay peer, gets the transaction: the control),
// and at shutdown ternd writes btcd's address back to anchors.dat.
func TestBlockRelayOnlyAnchorBtcd(t *testing.T) {
	needProcesses(t)
	w := NewWallet(41)
	b := StartBtcd(t, "--miningaddr="+w.Address(KindP2WPKH))
	hashes := b.Generate(t, 104)
	full := StartTernd(t, "--connect="+b.P2PAddr)

	dir := t.TempDir()
	netDir := filepath.Join(dir, "data", "regtest")
	if err := os.MkdirAll(netDir, 0o700); err != nil {
		t.Fatal(err)
	}
	anchors := filepath.Join(netDir, "anchors.dat")
	data, _ := json.Marshal(map[string][]string{"anchors": {b.P2PAddr}})
	if err := os.WriteFile(anchors, data, 0o600); err != nil {
		t.Fatal(err)
	}
	n := StartTerndAt(t, dir, "", "")
	if _, err := os.Stat(anchors); !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("anchors.dat not deleted at start: %v", err)
	}
	WaitTip(t, 60*time.Second, hashes[len(hashes)-1], n, full)

	var ps []blockRelayPeerInfo
	n.MustCall(t, "getpeerinfo", &ps)
	if len(ps) != 1 || ps[0].Addr != b.P2PAddr || ps[0].ConnType != "block-relay-only" ||
		ps[0].RelayTxes || ps[0].AddrRelayEnabled {
		t.Fatalf("ternd getpeerinfo %+v, want one block-relay-only peer at %s", ps, b.P2PAddr)
	}
	var bs []btcdPeerRelay
	b.MustCall(t, "getpeerinfo", &bs)
	relay := map[bool]int{}
	for _, p := range bs {
		relay[p.RelayTxes]++
	}
	if len(bs) != 2 || relay[false] != 1 || relay[true] != 1 {
		t.Fatalf("btcd getpeerinfo %+v, want one peer with relay=false and one with relay=true", bs)
	}

	// A transaction reaches the full-relay ternd, not the block-relay one.
	tx, _ := w.MustPay(t, []Coin{w.CoinbaseCoin(t, b, 1)}, []Kind{KindP2WPKH}, 2)
	b.MustSendTx(t, tx)
	txid := tx.TxHash().String()
	waitInPool(t, 30*time.Second, []string{txid}, full)
	// btcd trickles every 500 ms: several intervals more.
	time.Sleep(2 * time.Second)
	if n.InMempool(t, txid) {
		t.Fatal("the block-relay-only ternd received btcd's transaction")
	}
	// The block that confirms it reaches both.
	hashes = b.Generate(t, 1)
	WaitTip(t, 30*time.Second, hashes[0], n, full)
	if full.InMempool(t, txid) {
		t.Fatal("confirmed transaction still in the full-relay ternd's pool")
	}

	// At shutdown btcd's address becomes the next start's anchor.
	n.Stop(t)
	data, err := os.ReadFile(anchors)
	if err != nil {
		t.Fatalf("anchors.dat after stop: %v", err)
	}
	var got struct {
		Anchors []string `json:"anchors"`
	}
	if err := json.Unmarshal(data, &got); err != nil || len(got.Anchors) != 1 || got.Anchors[0] != b.P2PAddr {
		t.Fatalf("anchors.dat %s (%v), want [%s]", data, err, b.P2PAddr)
	}
}

package main

import (
	"testing"
	"time"

	"github.com/tern-org/ternd/internal/rpcjson"
	"github.com/tern-org/ternd/wire"
)

// startListeningTestNode starts an in-process regtest node listening for
// peers on 127.0.0.1 (a free port), with extra flags; it returns the node
// and its P2P address.
func startListeningTestNode(t *testing.T, extra ...string) (*testNode, string) {
	t.Helper()
	addr := "127.0.0.1:" + freeTCPPort(t)
	args := append([]string{"--appdata=" + t.TempDir(), "--regtest", "--listen=" + addr,
		"--rpclisten=127.0.0.1:" + freeTCPPort(t)}, extra...)
	n := newTestDaemon(t, args...)
	tn := &testNode{t: t, n: n}
	if err := n.start(); err != nil {
		n.stop()
		t.Fatal(err)
	}
	tn.up = true
	t.Cleanup(tn.stop)
	return tn, addr
}

// p2pWait polls cond until it holds or the timeout passes.
func p2pWait(t *testing.T, timeout time.Duration, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out after %v waiting for %s", timeout, what)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// TestP2PTwoNodesInProcess runs two nodes in the test process (so that
// -race sees the P2P server's goroutines): the second dials the first,
// syncs its blocks, receives a transaction relayed from it, and both list
// each other in getpeerinfo; disconnectnode and a redial follow.
func TestP2PTwoNodesInProcess(t *testing.T) {
	if testing.Short() {
		t.Skip("starts two nodes")
	}
	a, aAddr := startListeningTestNode(t)
	b, _ := startListeningTestNode(t, "--connect="+aAddr)
	w := newTestWallet(t, 21)
	var hashes []string
	a.mustCall(&hashes, "generatetoaddress", 101, w.addr)
	p2pWait(t, 30*time.Second, "b to sync a's blocks", func() bool { return b.blockCount() == 101 })

	type info struct {
		ID           int32    `json:"id"`
		Inbound      bool     `json:"inbound"`
		SubVer       string   `json:"subver"`
		Services     string   `json:"services"`
		SyncedBlocks int32    `json:"synced_blocks"`
		MinFeeFilter float64  `json:"minfeefilter"`
		Permissions  []string `json:"permissions"`
		ConnType     string   `json:"connection_type"`
		Transport    string   `json:"transport_protocol_type"`
		SessionID    string   `json:"session_id"`
	}
	var pa, pb []info
	// After the sync both have left initial block download, so the IBD
	// feefilter (21 million BTC/kvB) is replaced by the pool's minimum.
	p2pWait(t, 30*time.Second, "feefilters below the IBD maximum", func() bool {
		a.mustCall(&pa, "getpeerinfo")
		b.mustCall(&pb, "getpeerinfo")
		return len(pa) == 1 && len(pb) == 1 && pa[0].MinFeeFilter < 1 && pb[0].MinFeeFilter < 1
	})
	if !pa[0].Inbound || pb[0].Inbound || pb[0].ConnType != "manual" || pa[0].ConnType != "inbound" ||
		pa[0].SubVer != "/ternd:"+version()+"/" || pa[0].Services != "0000000000000c09" {
		t.Fatalf("getpeerinfo: a %+v, b %+v", pa, pb)
	}
	// Two ternd nodes speak BIP324 v2 by default, in one session.
	if pa[0].Transport != "v2" || pb[0].Transport != "v2" || len(pa[0].SessionID) != 64 ||
		pa[0].SessionID != pb[0].SessionID {
		t.Fatalf("transport: a %+v, b %+v", pa[0], pb[0])
	}

	tx := w.spend(t, []prevOut{{wire.OutPoint{Hash: a.coinbaseOf(1)}, 5000000000}},
		[]*wire.TxOut{{Value: 4999990000, PkScript: w.pkScript}}, wire.MaxTxInSequenceNum)
	a.mustCall(nil, "sendrawtransaction", txHex(tx))
	p2pWait(t, 30*time.Second, "the transaction in b's pool", func() bool { return b.mempoolHas(tx.TxHash()) })

	// A block mined on b reaches a and confirms the transaction there.
	b.mustCall(&hashes, "generatetoaddress", 1, w.addr)
	p2pWait(t, 30*time.Second, "a to reach b's tip", func() bool { return a.blockCount() == 102 })
	if a.mempoolHas(tx.TxHash()) {
		t.Fatal("confirmed transaction still in a's pool")
	}

	// disconnectnode on b ends the connection; --connect redials it.
	b.mustCall(nil, "disconnectnode", "", pb[0].ID)
	p2pWait(t, 30*time.Second, "the redial", func() bool {
		var ps []info
		b.mustCall(&ps, "getpeerinfo")
		return len(ps) == 1 && ps[0].ID != pb[0].ID
	})
	var totals struct {
		Recv uint64 `json:"totalbytesrecv"`
		Sent uint64 `json:"totalbytessent"`
	}
	b.mustCall(&totals, "getnettotals")
	if totals.Recv == 0 || totals.Sent == 0 {
		t.Fatalf("getnettotals %+v", totals)
	}
	var added []struct {
		AddedNode string `json:"addednode"`
		Connected bool   `json:"connected"`
	}
	raw := b.mustCall(&added, "getaddednodeinfo")
	if len(added) != 1 || added[0].AddedNode != aAddr || !added[0].Connected {
		t.Fatalf("getaddednodeinfo %s", raw)
	}
}

// TestP2PV2FallbackInProcess: a node that speaks v2 dials one started with
// --nov2transport; the v2 handshake fails, the address is redialed with
// v1 and the nodes sync over it. The v1-only node advertises no
// NODE_P2P_V2, and addnode refuses v2transport=true there.
func TestP2PV2FallbackInProcess(t *testing.T) {
	if testing.Short() {
		t.Skip("starts two nodes")
	}
	a, aAddr := startListeningTestNode(t, "--nov2transport")
	b, _ := startListeningTestNode(t, "--connect="+aAddr)
	w := newTestWallet(t, 22)
	a.mustCall(nil, "generatetoaddress", 3, w.addr)
	p2pWait(t, 30*time.Second, "b to sync a's blocks over v1", func() bool { return b.blockCount() == 3 })
	type info struct {
		Services  string `json:"services"`
		Transport string `json:"transport_protocol_type"`
		SessionID string `json:"session_id"`
	}
	var pa, pb []info
	a.mustCall(&pa, "getpeerinfo")
	b.mustCall(&pb, "getpeerinfo")
	if len(pa) != 1 || len(pb) != 1 || pa[0].Transport != "v1" || pb[0].Transport != "v1" ||
		pa[0].SessionID != "" || pb[0].Services != "0000000000000409" || pa[0].Services != "0000000000000c09" {
		t.Fatalf("getpeerinfo: a %+v, b %+v", pa, pb)
	}
	var net struct {
		Services string `json:"localservices"`
	}
	a.mustCall(&net, "getnetworkinfo")
	if net.Services != "0000000000000409" {
		t.Fatalf("a's localservices %s", net.Services)
	}
	b.mustCall(&net, "getnetworkinfo")
	if net.Services != "0000000000000c09" {
		t.Fatalf("b's localservices %s", net.Services)
	}
	a.wantError(rpcjson.ErrRPCInvalidParameter, "Error: v2transport requested but not enabled",
		"addnode", "127.0.0.1:1", "onetry", true)
}

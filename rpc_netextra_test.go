package main

import (
	"testing"
	"time"
)

// TestSetNetworkActiveAndGetBlockFromPeer runs two nodes: with networking
// off on a, both lose their connection and a mines a fork block b only
// learns the header of; with networking back on and the nodes connected
// again, getblockfrompeer fetches the fork block's data from a.
func TestSetNetworkActiveAndGetBlockFromPeer(t *testing.T) {
	if testing.Short() {
		t.Skip("starts two nodes")
	}
	a, aAddr := startListeningTestNode(t)
	b, _ := startListeningTestNode(t, "--connect="+aAddr)
	var hashes []string
	a.mustCall(&hashes, "generatetoaddress", 1, walkthroughAddr)
	p2pWait(t, 30*time.Second, "b to sync a's block", func() bool { return b.blockCount() == 1 })

	var active bool
	a.mustCall(&active, "setnetworkactive", false)
	var count int
	p2pWait(t, 30*time.Second, "the connection to close", func() bool {
		a.mustCall(&count, "getconnectioncount")
		var c2 int
		b.mustCall(&c2, "getconnectioncount")
		return count == 0 && c2 == 0
	})
	var info struct {
		NetworkActive bool `json:"networkactive"`
	}
	a.mustCall(&info, "getnetworkinfo")
	if active || info.NetworkActive {
		t.Fatalf("setnetworkactive false = %v, networkactive %v", active, info.NetworkActive)
	}

	// A fork block at height 1 on a; b gets only its header.
	a.mustCall(nil, "invalidateblock", hashes[0])
	var fork []string
	a.mustCall(&fork, "generatetoaddress", 1, walkthroughAddr)
	var header string
	a.mustCall(&header, "getblockheader", fork[0], false)
	b.mustCall(nil, "submitheader", header)
	b.wantError(-1, "Peer does not exist", "getblockfrompeer", fork[0], 12345)

	a.mustCall(&active, "setnetworkactive", true)
	b.mustCall(nil, "addnode", aAddr, "onetry")
	var peers []struct {
		ID int32 `json:"id"`
	}
	p2pWait(t, 30*time.Second, "the reconnection", func() bool {
		b.mustCall(&peers, "getpeerinfo")
		return len(peers) > 0
	})
	var empty map[string]any
	b.mustCall(&empty, "getblockfrompeer", fork[0], peers[0].ID)
	if len(empty) != 0 {
		t.Fatalf("getblockfrompeer = %v", empty)
	}
	p2pWait(t, 30*time.Second, "the fork block's data", func() bool {
		_, rerr := b.call("getblock", fork[0])
		return rerr == nil
	})
	b.wantError(-1, "Block already downloaded", "getblockfrompeer", fork[0], peers[0].ID)
}

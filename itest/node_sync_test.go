package itest

// Block sync between the ternd binary and btcd, both ways.

import (
	"context"
	"testing"
	"time"
)

// bestHashOf returns p's best block hash, or "" when the call fails.
func bestHashOf(p *Process) string {
	ctx, cancel := context.WithTimeout(context.Background(), rpcTimeout)
	defer cancel()
	var h string
	if err := p.Call(ctx, "getbestblockhash", &h); err != nil {
		return ""
	}
	return h
}

// waitSameTip waits until every process has hash as its best block.
func waitSameTip(t *testing.T, timeout time.Duration, hash string, ps ...*Process) {
	t.Helper()
	Wait(t, timeout, "tip "+hash, func() bool {
		for _, p := range ps {
			if bestHashOf(p) != hash {
				return false
			}
		}
		return true
	})
}

func TestTerndSyncsFromBtcd(t *testing.T) {
	needProcesses(t)
	b := StartBtcd(t)
	hashes := b.Generate(t, 150)
	n := StartTernd(t, "--connect="+b.P2PAddr)
	waitSameTip(t, 60*time.Second, hashes[len(hashes)-1], n)

	// New blocks are announced and fetched while connected.
	hashes = b.Generate(t, 5)
	waitSameTip(t, 30*time.Second, hashes[len(hashes)-1], n)
	var height int64
	n.MustCall(t, "getblockcount", &height)
	if height != 155 {
		t.Fatalf("ternd at height %d, want 155", height)
	}
	var ps []TerndPeerInfo
	Wait(t, 10*time.Second, "synced_blocks in getpeerinfo", func() bool {
		ps = terndPeers(t, n)
		return len(ps) == 1 && ps[0].SyncedBlocks == 155
	})
}

func TestBtcdSyncsFromTernd(t *testing.T) {
	needProcesses(t)
	n := StartTernd(t)
	var hashes []string
	n.MustCall(t, "generatetoaddress", &hashes, 120, BtcdMiningAddr)
	if len(hashes) != 120 {
		t.Fatalf("generated %d blocks", len(hashes))
	}
	b := StartBtcd(t)
	b.AddNode(t, n.P2PAddr, "add")
	waitSameTip(t, 60*time.Second, hashes[len(hashes)-1], b)

	// Blocks mined on ternd after the connection are announced to btcd.
	n.MustCall(t, "generatetoaddress", &hashes, 3, BtcdMiningAddr)
	waitSameTip(t, 30*time.Second, hashes[len(hashes)-1], b)
}

package itest

import "testing"

// TestTerndStarts checks the ternd helpers: the root package builds, the
// daemon starts on free ports and answers RPC, and it stops cleanly.
func TestTerndStarts(t *testing.T) {
	needProcesses(t)
	n := StartTernd(t)
	var height int64
	n.MustCall(t, "getblockcount", &height)
	if height != 0 {
		t.Fatalf("fresh regtest node at height %d", height)
	}
	n.Stop(t)
	if !n.Exited() {
		t.Fatal("ternd still running")
	}
}

// TestBtcdGenerate checks the btcd mining helper.
func TestBtcdGenerate(t *testing.T) {
	needProcesses(t)
	b := StartBtcd(t)
	if hashes := b.Generate(t, 3); len(hashes) != 3 {
		t.Fatalf("generated %d blocks", len(hashes))
	}
	var height int64
	b.MustCall(t, "getblockcount", &height)
	if height != 3 {
		t.Fatalf("height %d", height)
	}
}

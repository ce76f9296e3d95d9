package netsync

import (
	"testing"

	"github.com/tern-org/ternd/peer"
)

// TestPeerContract keeps the Peer interface in step with *peer.Peer, so
// the server passes its peers without an adapter.
func TestPeerContract(t *testing.T) {
	var p Peer = (*peer.Peer)(nil)
	if _, ok := p.(syncedHeightsSetter); !ok {
		t.Fatal("*peer.Peer does not report synced heights")
	}
}

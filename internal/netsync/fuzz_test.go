package netsync

import (
	"bytes"
	"testing"
	"time"

	"github.com/btcsuite/btcd/chaincfg/chainhash"
	"github.com/tern-org/ternd/wire"
)

// FuzzPeerMessages feeds a running manager arbitrary inv, headers and
// notfound messages (decoded from the input, as a peer would send them)
// from a fake peer, then checks the manager still answers. It must never
// panic, whatever the peer says.
func FuzzPeerMessages(f *testing.F) {
	rc := buildChain(f, 5, time.Now().Add(-time.Hour), nil)
	enc := func(m wire.Message) []byte {
		var b bytes.Buffer
		if err := m.BtcEncode(&b, wire.ProtocolVersion, wire.WitnessEncoding); err != nil {
			f.Fatal(err)
		}
		return b.Bytes()
	}
	inv := wire.NewMsgInv()
	for _, typ := range []wire.InvType{wire.InvTypeBlock, wire.InvTypeWTx, wire.InvTypeTx, 77} {
		hash := rc.blocks[3].BlockHash()
		_ = inv.AddInvVect(wire.NewInvVect(typ, &hash))
	}
	f.Add(byte(0), enc(inv))
	f.Add(byte(1), enc(rc.headersAfter(nil, chainhash.Hash{})))
	f.Add(byte(1), enc(rc.headersAfter([]*chainhash.Hash{&chainhash.Hash{}}, rc.blocks[2].BlockHash())))
	f.Add(byte(2), enc(inv))

	pool := newFakePool()
	h := newHarness(f, pool, notIBD)
	p := newFakePeer(f, h.sm, 1, nil)
	p.wtxid = true
	if err := h.sm.NewPeer(p); err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, kind byte, payload []byte) {
		r := bytes.NewReader(payload)
		switch kind % 3 {
		case 0:
			var m wire.MsgInv
			if m.BtcDecode(r, wire.ProtocolVersion, wire.WitnessEncoding) == nil {
				_ = h.sm.QueueInv(&m, p)
			}
		case 1:
			var m wire.MsgHeaders
			if m.BtcDecode(r, wire.ProtocolVersion, wire.WitnessEncoding) == nil {
				_ = h.sm.QueueHeaders(&m, p)
			}
		case 2:
			var m wire.MsgNotFound
			if m.BtcDecode(r, wire.ProtocolVersion, wire.WitnessEncoding) == nil {
				_ = h.sm.QueueNotFound(&m, p)
			}
		}
		if _, err := h.sm.Stats(); err != nil {
			t.Fatal(err)
		}
	})
}

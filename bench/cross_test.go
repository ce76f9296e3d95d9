package bench

import (
	"bytes"
	"net"
	"testing"
	"time"

	"github.com/btcsuite/btcd/chaincfg/chainhash"
	btcwire "github.com/btcsuite/btcd/wire/v2"
	"github.com/tern-org/ternd/wire"
)

// crossMessages returns one populated ternd message of every type btcd
// v0.26.2 also implements.
func crossMessages(t *testing.T, in *inputs) []wire.Message {
	ts := time.Unix(1700000000, 0)
	me := wire.NewNetAddressTimestamp(ts, wire.SFNodeNetwork|wire.SFNodeWitness, net.ParseIP("10.0.0.1"), 8333)
	you := wire.NewNetAddressTimestamp(ts, wire.SFNodeNetworkLimited, net.ParseIP("2001:db8::7"), 18333)
	ver := wire.NewMsgVersion(me, you, 42, 850000)
	ver.Timestamp = ts
	ver.Services = wire.SFNodeNetwork | wire.SFNodeWitness
	addr := wire.NewMsgAddr()
	addr.AddAddresses(me, you)
	addrv2 := wire.NewMsgAddrV2()
	for _, a := range []struct {
		n    wire.NetworkID
		addr []byte
	}{{wire.NetIPv4, []byte{1, 2, 3, 4}}, {wire.NetIPv6, net.ParseIP("2001:db8::9")},
		{wire.NetTorV3, bytes.Repeat([]byte{7}, 32)}} {
		// btcd v0.26.2 skips I2P and CJDNS entries, so they are left out.
		na, err := wire.NewNetAddressV2(a.n, a.addr, 8333, wire.SFNodeNetwork, ts)
		if err != nil {
			t.Fatal(err)
		}
		addrv2.AddAddress(na)
	}
	inv := wire.NewMsgInv()
	gd := wire.NewMsgGetData()
	nf := wire.NewMsgNotFound()
	for i, typ := range []wire.InvType{wire.InvTypeTx, wire.InvTypeBlock, wire.InvTypeWitnessTx,
		wire.InvTypeWitnessBlock, wire.InvTypeFilteredBlock, wire.InvTypeWTx} {
		h := chainhash.Hash{byte(i)}
		inv.AddInvVect(wire.NewInvVect(typ, &h))
		gd.AddInvVect(wire.NewInvVect(typ, &h))
		nf.AddInvVect(wire.NewInvVect(typ, &h))
	}
	var blk wire.MsgBlock
	if _, err := blk.DeserializeBytes(readFile(t,
		"block-0000000000000000001602407ac49862a7bca9d00f7f402db20b7be2f5de59d2.blk")); err != nil {
		t.Fatal(err)
	}
	var small wire.MsgTx
	small.DeserializeBytes(in.smallTx)
	hdrs := wire.NewMsgHeaders()
	gh := wire.NewMsgGetHeaders()
	gb := wire.NewMsgGetBlocks(&chainhash.Hash{9})
	for i := 0; i < 10; i++ {
		h := blk.Header
		h.Nonce = uint32(i)
		hdrs.AddBlockHeader(&h)
		hash := h.BlockHash()
		gh.AddBlockLocatorHash(&hash)
		gb.AddBlockLocatorHash(&hash)
	}
	mb := wire.NewMsgMerkleBlock(&blk.Header)
	mb.Transactions = 7
	mb.AddTxHash(&chainhash.Hash{1})
	mb.Flags = []byte{0xff, 0x01}
	return []wire.Message{
		ver, wire.NewMsgVerAck(), wire.NewMsgGetAddr(), addr, addrv2, wire.NewMsgSendAddrV2(),
		inv, gd, nf, &small, &blk, hdrs, gh, gb, wire.NewMsgSendHeaders(), wire.NewMsgFeeFilter(1234),
		// wtxidrelay is left out: btcd v0.26.2 defines it but its
		// ReadMessage does not recognise the command (it skips it).
		wire.NewMsgMemPool(), wire.NewMsgPing(77), wire.NewMsgPong(78), mb,
	}
}

// TestCrossEncoding frames every message with ternd, reads it with btcd's
// ReadMessage, frames it again with btcd's WriteMessage, and checks that
// both libraries produce the same bytes, and that ternd reads btcd's frame.
func TestCrossEncoding(t *testing.T) {
	in := loadInputs(t)
	msgs := crossMessages(t, in)
	for _, msg := range msgs {
		ours, err := wire.EncodeMessage(msg, wire.ProtocolVersion, wire.MainNet, wire.LatestEncoding)
		if err != nil {
			t.Fatalf("%s: %v", msg.Command(), err)
		}
		// btcd's ReadMessage and WriteMessage use the legacy encoding;
		// ternd's use the witness encoding, as a modern peer does.
		_, theirMsg, _, err := btcwire.ReadMessageWithEncodingN(bytes.NewReader(ours),
			btcwire.ProtocolVersion, btcwire.MainNet, btcwire.WitnessEncoding)
		if err != nil {
			t.Fatalf("%s: btcd cannot read ternd's frame: %v", msg.Command(), err)
		}
		var theirs bytes.Buffer
		if _, err := btcwire.WriteMessageWithEncodingN(&theirs, theirMsg, btcwire.ProtocolVersion,
			btcwire.MainNet, btcwire.WitnessEncoding); err != nil {
			t.Fatalf("%s: btcd write: %v", msg.Command(), err)
		}
		if !bytes.Equal(theirs.Bytes(), ours) {
			t.Fatalf("%s: frames differ\nternd %x\n btcd %x", msg.Command(), ours, theirs.Bytes())
		}
		back, _, err := wire.ReadMessage(bytes.NewReader(theirs.Bytes()), wire.ProtocolVersion, wire.MainNet)
		if err != nil || back.Command() != msg.Command() {
			t.Fatalf("%s: ternd cannot read btcd's frame: %v", msg.Command(), err)
		}
	}
	t.Logf("%d message types encode identically in ternd and btcd", len(msgs))
}

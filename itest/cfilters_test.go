package itest

import (
	"bytes"
	"encoding/hex"
	"testing"
	"time"

	"github.com/btcsuite/btcd/chaincfg/chainhash"
	"github.com/tern-org/ternd/txscript"
	"github.com/tern-org/ternd/wire"
)

// blockFilter is getblockfilter's result.
type blockFilter struct {
	Filter string `json:"filter"`
	Header string `json:"header"`
}

// filterIndexInfo is getindexinfo's entry for the filter index.
type filterIndexInfo struct {
	Index struct {
		Synced bool  `json:"synced"`
		Height int64 `json:"best_block_height"`
	} `json:"basic block filter index"`
}

// waitFilterIndex waits until n's filter index is synced at height.
func waitFilterIndex(t *testing.T, n *Process, height int64) {
	t.Helper()
	Wait(t, 60*time.Second, "the filter index at the tip", func() bool {
		var info filterIndexInfo
		n.MustCall(t, "getindexinfo", &info)
		return info.Index.Synced && info.Index.Height == height
	})
}

// compareFilters checks, for every main-chain block of n, that ternd's
// getblockfilter, getcfilter and getcfilterheader agree with each other
// and with btcd's getcfilter and getcfilterheader.
func compareFilters(t *testing.T, n, b *Process) {
	t.Helper()
	tip := n.Height(t)
	for h := int64(0); h <= tip; h++ {
		hash := n.BlockHashAt(t, h)
		var bf blockFilter
		var tf, th, bfil, bhdr string
		n.MustCall(t, "getblockfilter", &bf, hash)
		n.MustCall(t, "getcfilter", &tf, hash, 0)
		n.MustCall(t, "getcfilterheader", &th, hash, 0)
		b.MustCall(t, "getcfilter", &bfil, hash, 0)
		b.MustCall(t, "getcfilterheader", &bhdr, hash, 0)
		if bf.Filter != tf || bf.Header != th {
			t.Fatalf("height %d: getblockfilter %+v, getcfilter %s, getcfilterheader %s", h, bf, tf, th)
		}
		if tf != bfil || th != bhdr {
			t.Fatalf("height %d (%s): ternd filter %s header %s, btcd filter %s header %s",
				h, hash, tf, th, bfil, bhdr)
		}
	}
	t.Logf("filters and headers of %d blocks equal btcd's", tip+1)
}

// bareMultisig returns a 1-of-1 bare multisig output script.
func bareMultisig(t *testing.T) []byte {
	pub := make([]byte, 33)
	pub[0] = 0x02
	pub[32] = 1
	s, err := txscript.NewScriptBuilder().AddOp(txscript.OP_1).AddData(pub).AddOp(txscript.OP_1).
		AddOp(txscript.OP_CHECKMULTISIG).Script()
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// mineFilterChain mines on n a chain whose blocks pay to and spend every
// output type of the test wallet, with an OP_RETURN, a bare multisig and
// an empty output script among the outputs.
func mineFilterChain(t *testing.T, n *Process, w *Wallet) {
	t.Helper()
	var hashes []string
	n.MustCall(t, "generatetoaddress", &hashes, 105, w.Address(KindP2WPKH))
	// One output of each wallet kind, plus outputs the filter leaves out
	// (OP_RETURN, empty) or keeps (bare multisig).
	coin := w.CoinbaseCoin(t, n, 1)
	each := (coin.Value - 20000) / int64(len(AllKinds))
	var outs []*wire.TxOut
	for _, k := range AllKinds {
		outs = append(outs, wire.NewTxOut(each, w.PkScript(k)))
	}
	opRet, _ := txscript.NewScriptBuilder().AddOp(txscript.OP_RETURN).AddData([]byte("ternd filters")).Script()
	outs = append(outs, wire.NewTxOut(0, opRet), wire.NewTxOut(1000, bareMultisig(t)), wire.NewTxOut(1000, nil))
	tx1 := w.Build([]Coin{coin}, outs...)
	if err := w.Sign(tx1, []Coin{coin}); err != nil {
		t.Fatal(err)
	}
	var res struct{ Hash string }
	n.MustCall(t, "generateblock", &res, w.Address(KindP2WPKH), []string{TxHex(tx1)})
	// Spend every wallet kind (so each script type is a spent script too).
	var coins []Coin
	for i, k := range AllKinds {
		coins = append(coins, Coin{Op: wire.OutPoint{Hash: tx1.TxHash(), Index: uint32(i)}, Value: each, Kind: k})
	}
	tx2, _ := w.MustPay(t, coins, []Kind{KindP2TRKey, KindP2PKH}, 2)
	tx3, _ := w.MustPay(t, []Coin{w.CoinbaseCoin(t, n, 2)}, []Kind{KindP2WSHMultiSig, KindP2SHP2WPKH}, 2)
	n.MustSendTx(t, tx2)
	n.MustSendTx(t, tx3)
	n.MustCall(t, "generatetoaddress", &hashes, 2, w.Address(KindP2TRScript))
}

// TestBlockFiltersWithBtcd mines a chain with every script type on ternd
// (--blockfilterindex), lets btcd (which builds BIP158 filters by
// default) sync from it, and checks that every block's filter and filter
// header are btcd's; then both follow a reorganisation started on ternd
// with invalidateblock and a longer fork, and agree again.
func TestBlockFiltersWithBtcd(t *testing.T) {
	needProcesses(t)
	w := NewWallet(31)
	n := StartTernd(t, "--blockfilterindex")
	mineFilterChain(t, n, w)
	tip := n.Height(t)
	waitFilterIndex(t, n, tip)

	b := StartBtcd(t, "--connect="+n.P2PAddr)
	WaitTip(t, 60*time.Second, n.BestHash(t), b)
	compareFilters(t, n, b)

	// Reorganise: invalidate the last two blocks and mine three others.
	stale := n.BlockHashAt(t, tip-1)
	var staleFilter blockFilter
	n.MustCall(t, "getblockfilter", &staleFilter, stale)
	n.MustCall(t, "invalidateblock", nil, stale)
	var hashes []string
	n.MustCall(t, "generatetoaddress", &hashes, 3, w.Address(KindP2PKH))
	WaitTip(t, 60*time.Second, hashes[2], b)
	waitFilterIndex(t, n, tip+1)
	compareFilters(t, n, b)

	// The disconnected block's filter stays readable, as in Core.
	var again blockFilter
	n.MustCall(t, "getblockfilter", &again, stale)
	if again != staleFilter {
		t.Fatalf("stale block's filter changed: %+v, was %+v", again, staleFilter)
	}
}

// TestBlockFiltersP2P asks ternd (--peerblockfilters) for filters over
// P2P as a light client does: getcfcheckpt, getcfheaders and getcfilters
// answer what getblockfilter says, and a request for an unknown stop hash
// or too many filters gets the peer disconnected.
func TestBlockFiltersP2P(t *testing.T) {
	needProcesses(t)
	w := NewWallet(32)
	n := StartTernd(t, "--blockfilterindex", "--peerblockfilters")
	var hashes []string
	for range 3 {
		var h []string
		n.MustCall(t, "generatetoaddress", &h, 340, w.Address(KindP2WPKH))
		hashes = append(hashes, h...)
	}
	waitFilterIndex(t, n, 1020)
	rpcFilter := func(height int) (string, chainhash.Hash) {
		var bf blockFilter
		n.MustCall(t, "getblockfilter", &bf, n.BlockHashAt(t, int64(height)))
		hdr, err := chainhash.NewHashFromStr(bf.Header)
		if err != nil {
			t.Fatal(err)
		}
		return bf.Filter, *hdr
	}
	hashAt := func(height int) *chainhash.Hash {
		h, err := chainhash.NewHashFromStr(hashes[height-1])
		if err != nil {
			t.Fatal(err)
		}
		return h
	}

	r := dialRaw(t, n.P2PAddr, "", 0, nil)
	if r.Services()&wire.SFNodeCF == 0 {
		t.Fatalf("services %v lack NODE_COMPACT_FILTERS", r.Services())
	}
	r.QueueMessage(wire.NewMsgGetCFCheckpt(0, hashAt(1020)), nil)
	r.QueueMessage(wire.NewMsgGetCFHeaders(0, 11, hashAt(1020)), nil)
	r.QueueMessage(wire.NewMsgGetCFilters(0, 1011, hashAt(1020)), nil)
	Wait(t, 30*time.Second, "the answers", func() bool {
		return len(r.received(wire.CmdCFCheckpt)) == 1 && len(r.received(wire.CmdCFHeaders)) == 1 &&
			len(r.received(wire.CmdCFilter)) == 10
	})
	cp := r.received(wire.CmdCFCheckpt)[0].(*wire.MsgCFCheckpt)
	if _, want := rpcFilter(1000); len(cp.FilterHeaders) != 1 || *cp.FilterHeaders[0] != want {
		t.Fatalf("cfcheckpt %v, want the header of block 1000 %s", cp.FilterHeaders, want)
	}
	ch := r.received(wire.CmdCFHeaders)[0].(*wire.MsgCFHeaders)
	_, prev := rpcFilter(10)
	if ch.PrevFilterHeader != prev || len(ch.FilterHashes) != 1010 {
		t.Fatalf("cfheaders prev %s (want %s), %d hashes", ch.PrevFilterHeader, prev, len(ch.FilterHashes))
	}
	hdr := prev
	for _, fh := range ch.FilterHashes {
		hdr = chainhash.DoubleHashH(append(fh[:], hdr[:]...))
	}
	if _, want := rpcFilter(1020); hdr != want {
		t.Fatalf("chained header %s, want %s", hdr, want)
	}
	for i, m := range r.received(wire.CmdCFilter) {
		cf := m.(*wire.MsgCFilter)
		want, _ := rpcFilter(1011 + i)
		if cf.BlockHash != *hashAt(1011 + i) || hex.EncodeToString(cf.Data) != want {
			t.Fatalf("cfilter %d: block %s data %x, want %s", i, cf.BlockHash, cf.Data, want)
		}
		fh := chainhash.DoubleHashH(cf.Data)
		if !bytes.Equal(fh[:], ch.FilterHashes[1000+i][:]) {
			t.Fatalf("cfilter %d does not hash to its cfheaders entry", i)
		}
	}

	for _, bad := range []struct {
		name string
		msg  wire.Message
	}{
		{"unknown stop hash", wire.NewMsgGetCFilters(0, 0, &chainhash.Hash{1})},
		{"1,001 filters", wire.NewMsgGetCFilters(0, 0, hashAt(1000))},
		{"start above stop", wire.NewMsgGetCFHeaders(0, 12, hashAt(11))},
	} {
		p := dialRaw(t, n.P2PAddr, "", 0, nil)
		p.QueueMessage(bad.msg, nil)
		select {
		case <-p.Done():
		case <-time.After(20 * time.Second):
			t.Fatalf("%s: still connected", bad.name)
		}
		if len(p.received(wire.CmdCFilter))+len(p.received(wire.CmdCFHeaders)) != 0 {
			t.Fatalf("%s: answered", bad.name)
		}
	}
}

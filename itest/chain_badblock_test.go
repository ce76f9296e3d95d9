package itest

import (
	"strings"
	"testing"
	"time"

	"github.com/btcsuite/btcd/chaincfg/chainhash"
	"github.com/tern-org/ternd/blockchain/standalone"
	"github.com/tern-org/ternd/txscript"
	"github.com/tern-org/ternd/wire"
)

// buildBlock returns a block on prev (at height) holding a coinbase paying
// coinbaseValue to pkScript, then txs, with a correct merkle root (unless
// badMerkle) and solved regtest proof of work.
func buildBlock(t *testing.T, prev *wire.MsgBlock, height int32, coinbaseValue int64, pkScript []byte,
	txs []*wire.MsgTx, badMerkle bool) *wire.MsgBlock {
	t.Helper()
	sig, err := txscript.NewScriptBuilder().AddInt64(int64(height)).AddData([]byte("itest-bad")).Script()
	if err != nil {
		t.Fatal(err)
	}
	cb := wire.NewMsgTx(1)
	cb.AddTxIn(wire.NewTxIn(wire.NewOutPoint(&chainhash.Hash{}, wire.MaxPrevOutIndex), sig, nil))
	cb.AddTxOut(wire.NewTxOut(coinbaseValue, pkScript))
	all := append([]*wire.MsgTx{cb}, txs...)
	var ids []chainhash.Hash
	for _, tx := range all {
		ids = append(ids, tx.TxHash())
	}
	root, _ := standalone.CalcMerkleRoot(ids)
	if badMerkle {
		root[0] ^= 0x01
	}
	ts := prev.Header.Timestamp.Add(time.Second)
	if now := time.Now().Truncate(time.Second); now.After(ts) {
		ts = now
	}
	hdr := wire.BlockHeader{Version: 0x20000000, PrevBlock: prev.BlockHash(), MerkleRoot: root,
		Timestamp: ts, Bits: prev.Header.Bits}
	target := standalone.CompactToBig(hdr.Bits)
	for ; ; hdr.Nonce++ {
		h := hdr.BlockHash()
		if standalone.HashToBig(&h).Cmp(target) <= 0 {
			break
		}
	}
	b := wire.NewMsgBlock(&hdr)
	for _, tx := range all {
		b.AddTransaction(tx)
	}
	return b
}

// listBanned returns the addresses of listbanned.
func listBanned(t *testing.T, p *Process) []string {
	t.Helper()
	var out []struct {
		Address string `json:"address"`
	}
	p.MustCall(t, "listbanned", &out)
	var addrs []string
	for _, b := range out {
		addrs = append(addrs, b.Address)
	}
	return addrs
}

// TestInvalidBlockFromPeerBanned: a raw P2P client feeding ternd a block
// with a bad signature, an inflated coinbase or a bad merkle root is
// disconnected and banned (listbanned), and ternd's tip does not move;
// a valid block from a fresh client is then accepted.
func TestInvalidBlockFromPeerBanned(t *testing.T) {
	needProcesses(t)
	w := NewWallet(9)
	n := StartTernd(t)
	var hashes []string
	n.MustCall(t, "generatetoaddress", &hashes, 101, w.Address(KindP2PKH))
	tipHash := hashes[100]
	tip := n.Block(t, tipHash)
	coin := w.CoinbaseCoin(t, n, 1)
	pk := w.PkScript(KindP2PKH)
	const subsidy = 50_0000_0000

	badSig := func() *wire.MsgBlock {
		tx, _ := w.MustPay(t, []Coin{coin}, []Kind{KindP2PKH}, 2)
		// Flip a bit of r inside the DER signature (after 30 len 02 len).
		tx.TxIn[0].SignatureScript[6] ^= 0x01
		return buildBlock(t, tip, 102, subsidy, pk, []*wire.MsgTx{tx}, false)
	}
	cases := []struct {
		name  string
		src   string
		block func() *wire.MsgBlock
	}{
		{"bad signature", "127.0.0.2", badSig},
		{"inflated coinbase", "127.0.0.3", func() *wire.MsgBlock {
			return buildBlock(t, tip, 102, subsidy+1, pk, nil, false)
		}},
		{"bad merkle root", "127.0.0.4", func() *wire.MsgBlock {
			return buildBlock(t, tip, 102, subsidy, pk, nil, true)
		}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			blk := tc.block()
			rp := dialRaw(t, n.P2PAddr, tc.src, 101, nil)
			if err := rp.QueueMessage(blk, nil); err != nil {
				t.Fatal(err)
			}
			select {
			case <-rp.Done():
			case <-time.After(20 * time.Second):
				t.Fatal("peer feeding an invalid block not disconnected")
			}
			Wait(t, 10*time.Second, "ban of "+tc.src, func() bool {
				for _, a := range listBanned(t, n) {
					if strings.HasPrefix(a, tc.src+"/") || a == tc.src {
						return true
					}
				}
				return false
			})
			if got := n.BestHash(t); got != tipHash {
				t.Fatalf("tip moved to %s", got)
			}
		})
	}
	// The bans hold: a banned address cannot reconnect.
	c, err := dialTCPFrom(n.P2PAddr, "127.0.0.2")
	if err == nil {
		defer c.Close()
		if !closedWithin(c, 5*time.Second) {
			t.Fatal("banned address accepted again")
		}
	}
	// An honest client's valid block moves the tip.
	good := buildBlock(t, tip, 102, subsidy, pk, nil, false)
	rp := dialRaw(t, n.P2PAddr, "127.0.0.5", 101, nil)
	if err := rp.QueueMessage(good, nil); err != nil {
		t.Fatal(err)
	}
	WaitTip(t, 20*time.Second, good.BlockHash().String(), n)
	if !rp.Connected() {
		t.Fatal("honest client punished")
	}
}

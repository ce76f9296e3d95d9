package itest

import (
	"testing"
	"time"

	"github.com/tern-org/ternd/wire"
)

// TestTerndMinesAcrossEdges: ternd mines heights 1 to 300 with
// generatetoaddress (BIP34 heights needing one, two and a sign-padded
// byte; the halving at 150 and 300), some blocks with a fee-paying
// transaction; btcd, connected, accepts every block, and each coinbase
// claims exactly the subsidy plus the fees.
func TestTerndMinesAcrossEdges(t *testing.T) {
	needProcesses(t)
	w := NewWallet(25)
	b := StartBtcd(t)
	n := StartTernd(t, "--connect="+b.P2PAddr)
	Wait(t, 20*time.Second, "ternd to reach btcd", func() bool { return len(n.GetPeerInfo(t)) == 1 })
	var hashes []string
	gen := func(k int) {
		t.Helper()
		var h []string
		n.MustCall(t, "generatetoaddress", &h, k, w.Address(KindP2WPKH))
		hashes = append(hashes, h...)
	}
	gen(101)
	fees := map[int]int64{}
	for len(hashes) < 300 {
		next := len(hashes) + 1
		switch next {
		case 127, 128, 129, 149, 150, 151, 255, 256, 257, 299, 300:
			tx, _ := w.MustPay(t, []Coin{w.CoinbaseCoin(t, n, int64(next-100))}, []Kind{KindP2TRKey}, 3)
			n.MustSendTx(t, tx)
			var in int64 = 50_0000_0000 >> uint((next-100)/150)
			var out int64
			for _, o := range tx.TxOut {
				out += o.Value
			}
			fees[next] = in - out
			gen(1)
		default:
			gen(1)
		}
	}
	WaitTip(t, 60*time.Second, hashes[299], b)
	for h := 1; h <= 300; h++ {
		blk := b.Block(t, hashes[h-1])
		var claimed int64
		for _, o := range blk.Transactions[0].TxOut {
			claimed += o.Value
		}
		want := int64(50_0000_0000>>uint(h/150)) + fees[h]
		if claimed != want || (fees[h] > 0) != (len(blk.Transactions) == 2) {
			t.Fatalf("block %d: coinbase claims %d sat with %d transactions, want %d", h, claimed,
				len(blk.Transactions), want)
		}
		if got := coinbaseHeight(t, blk); got != int64(h) {
			t.Fatalf("block %d: BIP34 height %d", h, got)
		}
	}
}

// coinbaseHeight decodes the BIP34 height push of a coinbase.
func coinbaseHeight(t *testing.T, b *wire.MsgBlock) int64 {
	t.Helper()
	s := b.Transactions[0].TxIn[0].SignatureScript
	if len(s) == 0 {
		t.Fatal("empty coinbase script")
	}
	if op := s[0]; op >= 0x51 && op <= 0x60 {
		return int64(op - 0x50)
	}
	l := int(s[0])
	if l < 1 || l > 8 || len(s) < 1+l {
		t.Fatalf("coinbase script %x does not start with a height push", s)
	}
	var v int64
	for i := l - 1; i >= 0; i-- {
		v = v<<8 | int64(s[1+i])
	}
	if s[l]&0x80 != 0 {
		t.Fatalf("negative height push %x", s[:1+l])
	}
	return v
}

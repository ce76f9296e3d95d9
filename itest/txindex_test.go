package itest

import (
	"context"
	"strings"
	"testing"
	"time"
)

// rawTxVerbose is the part of getrawtransaction's verbose result the test
// reads.
type rawTxVerbose struct {
	Txid          string `json:"txid"`
	BlockHash     string `json:"blockhash"`
	Confirmations int64  `json:"confirmations"`
}

// indexInfo is getindexinfo's txindex entry.
type indexInfo struct {
	TxIndex struct {
		Synced bool  `json:"synced"`
		Height int32 `json:"best_block_height"`
	} `json:"txindex"`
}

// TestTxIndexWithBtcd: a transaction sent to btcd and mined there is found
// by ternd's getrawtransaction without a block hash once ternd, running
// with --txindex, has synced the block; a ternd without the index answers
// Core's error; after a restart with --txindex on the same data, the
// index catches up in the background and finds it too.
func TestTxIndexWithBtcd(t *testing.T) {
	needProcesses(t)
	w := NewWallet(7)
	b, n := startPair(t, w, 104, "--txindex")
	plain := StartTernd(t, "--connect="+b.P2PAddr)

	tx, _ := w.MustPay(t, []Coin{w.CoinbaseCoin(t, b, 1)}, []Kind{KindP2WPKH, KindP2TRKey}, 2)
	b.MustSendTx(t, tx)
	waitInPool(t, 20*time.Second, txids(tx), b)
	hashes := b.Generate(t, 2)
	WaitTip(t, 60*time.Second, hashes[1], n, plain)
	txid := tx.TxHash().String()

	var info indexInfo
	Wait(t, 30*time.Second, "the index to reach the tip", func() bool {
		n.MustCall(t, "getindexinfo", &info)
		return info.TxIndex.Synced && info.TxIndex.Height == 106
	})
	var got rawTxVerbose
	n.MustCall(t, "getrawtransaction", &got, txid, 1)
	if got.Txid != txid || got.BlockHash != hashes[0] || got.Confirmations != 2 {
		t.Fatalf("getrawtransaction with the index: %+v, want block %s with 2 confirmations",
			got, hashes[0])
	}

	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	err := plain.Call(ctx, "getrawtransaction", &got, txid, 1)
	if err == nil || !strings.Contains(err.Error(), "Use -txindex") {
		t.Fatalf("a ternd without --txindex: %v, want Core's -txindex hint", err)
	}

	// The node without the index restarts with it on its data: the index
	// is built over the existing chain.
	plain.Stop(t)
	again := StartTerndAt(t, plain.Dir, "", "", "--txindex")
	Wait(t, 30*time.Second, "the index to catch up", func() bool {
		again.MustCall(t, "getindexinfo", &info)
		return info.TxIndex.Synced && info.TxIndex.Height == 106
	})
	var found rawTxVerbose
	again.MustCall(t, "getrawtransaction", &found, txid, 1)
	if found.BlockHash != hashes[0] {
		t.Fatalf("after catch-up: %+v", found)
	}
}

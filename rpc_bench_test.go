package main

import (
	"context"
	"encoding/json"
	"io"
	"os"
	"testing"

	"github.com/tern-org/ternd/wire"
)

// BenchmarkTxJSON measures TxToUniv rendering of a one-in, two-out P2WPKH
// spend (getrawtransaction verbose, getblock verbosity 2).
func BenchmarkTxJSON(b *testing.B) {
	w := newTestWallet(b, 21)
	tx := w.spend(b, []prevOut{{wire.OutPoint{Index: 1}, 100000}},
		[]*wire.TxOut{{Value: 50000, PkScript: w.pkScript}, {Value: 40000, PkScript: w.pkScript}}, 0)
	params := regtestParams(nil)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := json.Marshal(newTxJSON(tx, params, true)); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkDecodeTx measures hex decoding of the same spend
// (sendrawtransaction, decoderawtransaction).
func BenchmarkDecodeTx(b *testing.B) {
	w := newTestWallet(b, 22)
	tx := w.spend(b, []prevOut{{wire.OutPoint{Index: 1}, 100000}},
		[]*wire.TxOut{{Value: 50000, PkScript: w.pkScript}}, 0)
	s := txHex(tx)
	b.ReportAllocs()
	for b.Loop() {
		if _, ok := decodeTx(s, true, true); !ok {
			b.Fatal("decode failed")
		}
	}
}

// BenchmarkGenerateBlock measures mining one regtest block (template,
// solve, connect, pool update) on a node started with --norpc.
func BenchmarkGenerateBlock(b *testing.B) {
	cfg, err := loadConfig([]string{"--appdata=" + b.TempDir(), "--regtest", "--norpc"}, io.Discard)
	if err != nil {
		b.Fatal(err)
	}
	if err := os.MkdirAll(cfg.netDataDir, 0o700); err != nil {
		b.Fatal(err)
	}
	n, err := newDaemon(cfg)
	if err != nil {
		b.Fatal(err)
	}
	if err := n.start(); err != nil {
		n.stop()
		b.Fatal(err)
	}
	defer n.stop()
	script := newTestWallet(b, 23).pkScript
	b.ReportAllocs()
	for b.Loop() {
		if _, err := n.core.generateBlocks(context.Background(), 1, script, defaultMaxTries); err != nil {
			b.Fatal(err)
		}
	}
}

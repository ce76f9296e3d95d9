package rpcserver

import (
	"encoding/json"
	"testing"

	"github.com/tern-org/ternd/internal/testwallet"
	"github.com/tern-org/ternd/wire"
)

// BenchmarkTxJSON measures TxToUniv rendering of a one-in, two-out P2WPKH
// spend (getrawtransaction verbose, getblock verbosity 2).
func BenchmarkTxJSON(b *testing.B) {
	w := testwallet.MustNew(b, 21, regtestParams(b))
	tx := w.MustSign(b, 2, []testwallet.PrevOut{{OutPoint: wire.OutPoint{Index: 1}, Value: 100000}},
		[]*wire.TxOut{{Value: 50000, PkScript: w.PkScript}, {Value: 40000, PkScript: w.PkScript}}, 0)
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
	w := testwallet.MustNew(b, 22, regtestParams(b))
	tx := w.MustSign(b, 2, []testwallet.PrevOut{{OutPoint: wire.OutPoint{Index: 1}, Value: 100000}},
		[]*wire.TxOut{{Value: 50000, PkScript: w.PkScript}}, 0)
	s := txHex(tx)
	b.ReportAllocs()
	for b.Loop() {
		if _, ok := decodeTx(s, true, true); !ok {
			b.Fatal("decode failed")
		}
	}
}

package rpcserver

import (
	"encoding/hex"
	"testing"

	"github.com/tern-org/ternd/chaincfg"
	"github.com/tern-org/ternd/internal/testwallet"
	"github.com/tern-org/ternd/wire"
)

// testWallet is the handler tests' P2WPKH signer (internal/testwallet) on regtest.
type testWallet struct {
	*testwallet.Wallet
	pkScript []byte
	addr     string
}

// prevOut is an output paying a test wallet that a transaction spends.
type prevOut struct {
	op    wire.OutPoint
	value int64
}

// newTestWallet derives a deterministic key from seed.
func newTestWallet(t testing.TB, seed byte) *testWallet {
	t.Helper()
	w, err := testwallet.New(seed, &chaincfg.RegressionNetParams)
	if err != nil {
		t.Fatal(err)
	}
	return &testWallet{Wallet: w, pkScript: w.PkScript, addr: w.Addr}
}

// spend signs a version 2 transaction spending prevs to outs, with
// sequence seq on every input.
func (w *testWallet) spend(t testing.TB, prevs []prevOut, outs []*wire.TxOut, seq uint32) *wire.MsgTx {
	t.Helper()
	return w.spendVersion(t, 2, prevs, outs, seq)
}

// spendVersion is spend for a transaction of any version.
func (w *testWallet) spendVersion(t testing.TB, version int32, prevs []prevOut, outs []*wire.TxOut,
	seq uint32) *wire.MsgTx {
	t.Helper()
	ps := make([]testwallet.PrevOut, len(prevs))
	for i, p := range prevs {
		ps[i] = testwallet.PrevOut{OutPoint: p.op, Value: p.value}
	}
	tx, err := w.Sign(version, ps, outs, seq)
	if err != nil {
		t.Fatal(err)
	}
	return tx
}

// regtestParams returns the regtest parameters.
func regtestParams(testing.TB) *chaincfg.Params { return &chaincfg.RegressionNetParams }

// txHex serializes tx.
func txHex(tx *wire.MsgTx) string { return hex.EncodeToString(tx.Bytes()) }

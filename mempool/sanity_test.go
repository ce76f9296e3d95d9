package mempool

import (
	"errors"
	"testing"

	"github.com/tern-org/ternd/wire"
)

// TestCheckTransactionSanityReasons checks that a standalone violation keeps
// Core's reject string as the pool's kind, reason and description, and that
// every coinbase is refused as "coinbase", a too-short script included.
func TestCheckTransactionSanityReasons(t *testing.T) {
	cb := func(scriptLen int) *wire.MsgTx {
		tx := wire.NewMsgTx(2)
		tx.AddTxIn(&wire.TxIn{PreviousOutPoint: wire.OutPoint{Index: wire.MaxPrevOutIndex},
			SignatureScript: make([]byte, scriptLen)})
		tx.AddTxOut(wire.NewTxOut(1, p2wpkh(1)))
		return tx
	}
	empty := wire.NewMsgTx(2)
	tests := []struct {
		name string
		tx   *wire.MsgTx
		kind ErrorKind
	}{
		{"coinbase", cb(2), ErrCoinbase},
		{"coinbase with a short script", cb(1), ErrCoinbase},
		{"coinbase with a long script", cb(101), ErrCoinbase},
		{"no inputs", empty, ErrNoInputs},
	}
	for _, tc := range tests {
		err := CheckTransactionSanity(tc.tx)
		if !errors.Is(err, tc.kind) || RejectReason(err) != string(tc.kind) ||
			err.Error() != string(tc.kind) {
			t.Errorf("%s: %v (reason %q), want %s", tc.name, err, RejectReason(err), tc.kind)
		}
	}
}

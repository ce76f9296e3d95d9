package standalone

import (
	"errors"
	"testing"

	"github.com/tern-org/ternd/wire"
)

// TestCheckTransactionSanity checks each rule of CheckTransaction and the
// order in which they apply.
func TestCheckTransactionSanity(t *testing.T) {
	in := func(hash byte, index uint32) *wire.TxIn {
		op := wire.OutPoint{Index: index}
		op.Hash[0] = hash
		return &wire.TxIn{PreviousOutPoint: op, Sequence: wire.MaxTxInSequenceNum}
	}
	coinbase := func(scriptLen int) *wire.TxIn {
		return &wire.TxIn{PreviousOutPoint: wire.OutPoint{Index: wire.MaxPrevOutIndex},
			SignatureScript: make([]byte, scriptLen)}
	}
	out := func(v int64) *wire.TxOut { return wire.NewTxOut(v, []byte{0x51}) }
	build := func(ins []*wire.TxIn, outs []*wire.TxOut) *wire.MsgTx {
		tx := wire.NewMsgTx(2)
		tx.TxIn, tx.TxOut = ins, outs
		return tx
	}
	tests := []struct {
		name string
		tx   *wire.MsgTx
		kind error
	}{
		{"valid", build([]*wire.TxIn{in(1, 0), in(1, 1)}, []*wire.TxOut{out(1)}), nil},
		{"no inputs", build(nil, []*wire.TxOut{out(1)}), ErrNoTxInputs},
		{"no outputs", build([]*wire.TxIn{in(1, 0)}, nil), ErrNoTxOutputs},
		{"no inputs first", build(nil, nil), ErrNoTxInputs},
		{"oversize", build([]*wire.TxIn{in(1, 0)},
			[]*wire.TxOut{wire.NewTxOut(0, make([]byte, MaxBlockWeight/4))}), ErrTxTooBig},
		{"negative output", build([]*wire.TxIn{in(1, 0)}, []*wire.TxOut{out(-1)}), ErrNegativeTxOut},
		{"output too large", build([]*wire.TxIn{in(1, 0)}, []*wire.TxOut{out(MaxSatoshi + 1)}),
			ErrTxOutTooLarge},
		{"max output", build([]*wire.TxIn{in(1, 0)}, []*wire.TxOut{out(MaxSatoshi)}), nil},
		{"total too large", build([]*wire.TxIn{in(1, 0)},
			[]*wire.TxOut{out(MaxSatoshi), out(1)}), ErrTxOutTotalTooLarge},
		{"duplicate inputs", build([]*wire.TxIn{in(1, 0), in(1, 0)}, []*wire.TxOut{out(1)}),
			ErrDuplicateTxInputs},
		{"coinbase", build([]*wire.TxIn{coinbase(2)}, []*wire.TxOut{out(1)}), nil},
		{"coinbase script 100", build([]*wire.TxIn{coinbase(100)}, []*wire.TxOut{out(1)}), nil},
		{"coinbase script short", build([]*wire.TxIn{coinbase(1)}, []*wire.TxOut{out(1)}),
			ErrBadCoinbaseLength},
		{"coinbase script long", build([]*wire.TxIn{coinbase(101)}, []*wire.TxOut{out(1)}),
			ErrBadCoinbaseLength},
		{"null prevout", build([]*wire.TxIn{in(1, 0), coinbase(2)}, []*wire.TxOut{out(1)}),
			ErrBadTxInput},
	}
	for _, tc := range tests {
		err := CheckTransactionSanity(tc.tx)
		if tc.kind == nil {
			if err != nil {
				t.Errorf("%s: %v", tc.name, err)
			}
			continue
		}
		var re RuleError
		if !errors.Is(err, tc.kind) || !errors.As(err, &re) || re.Description == "" {
			t.Errorf("%s: %v, want %v", tc.name, err, tc.kind)
		}
	}
}

// TestErrorKinds checks that each kind's string is Core's reject reason and
// that RuleError unwraps to its kind.
func TestErrorKinds(t *testing.T) {
	tests := []struct {
		kind ErrorKind
		want string
	}{
		{ErrNoTxInputs, "bad-txns-vin-empty"},
		{ErrNoTxOutputs, "bad-txns-vout-empty"},
		{ErrTxTooBig, "bad-txns-oversize"},
		{ErrNegativeTxOut, "bad-txns-vout-negative"},
		{ErrTxOutTooLarge, "bad-txns-vout-toolarge"},
		{ErrTxOutTotalTooLarge, "bad-txns-txouttotal-toolarge"},
		{ErrDuplicateTxInputs, "bad-txns-inputs-duplicate"},
		{ErrBadCoinbaseLength, "bad-cb-length"},
		{ErrBadTxInput, "bad-txns-prevout-null"},
		{ErrHighHash, "high-hash"},
	}
	for _, tc := range tests {
		if tc.kind.Error() != tc.want {
			t.Errorf("%s: %q", tc.want, tc.kind.Error())
		}
		err := error(ruleError(tc.kind, "details"))
		if !errors.Is(err, tc.kind) || err.Error() != "details" {
			t.Errorf("%s: RuleError %v", tc.want, err)
		}
	}
}

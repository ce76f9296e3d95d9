package blockchain

import (
	"errors"
	"testing"

	"github.com/tern-org/ternd/blockchain/standalone"
)

// TestStandaloneErrorKinds checks that chainRuleError turns each standalone
// kind into this package's kind with the same reject string, keeping the
// description, so RejectReason and errors.Is see what they always saw.
func TestStandaloneErrorKinds(t *testing.T) {
	tests := []struct {
		in   standalone.ErrorKind
		want ErrorKind
	}{
		{standalone.ErrNoTxInputs, ErrNoTxInputs},
		{standalone.ErrNoTxOutputs, ErrNoTxOutputs},
		{standalone.ErrTxTooBig, ErrTxTooBig},
		{standalone.ErrNegativeTxOut, ErrNegativeTxOut},
		{standalone.ErrTxOutTooLarge, ErrTxOutTooLarge},
		{standalone.ErrTxOutTotalTooLarge, ErrTxOutTotalTooLarge},
		{standalone.ErrDuplicateTxInputs, ErrDuplicateTxInputs},
		{standalone.ErrBadCoinbaseLength, ErrBadCoinbaseLength},
		{standalone.ErrBadTxInput, ErrBadTxInput},
		{standalone.ErrHighHash, ErrHighHash},
	}
	for _, tc := range tests {
		err := chainRuleError(standalone.RuleError{Err: tc.in, Description: "why"})
		var e Error
		if !errors.Is(err, tc.want) || !errors.As(err, &e) || e.Description != "why" ||
			RejectReason(err) != string(tc.want) {
			t.Errorf("%s: %#v", tc.in, err)
		}
	}
	if chainRuleError(nil) != nil {
		t.Error("nil error converted")
	}
}

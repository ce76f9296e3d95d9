package blockchain

import (
	"errors"
	"fmt"
	"testing"
)

// TestErrorKinds checks every kind unwraps, keeps its reject string, and
// that mutation kinds are recognised.
func TestErrorKinds(t *testing.T) {
	kinds := []ErrorKind{ErrDuplicateBlock, ErrKnownInvalid, ErrHighHash, ErrBadDiffBits,
		ErrTimeTooOld, ErrTimeTooNew, ErrTimewarpAttack, ErrBadVersion, ErrPrevBlockNotFound,
		ErrInvalidAncestor, ErrBadMerkleRoot, ErrDuplicateTx, ErrBlockLength, ErrBlockWeight,
		ErrNoCoinbase, ErrMultipleCoinbases, ErrBadCoinbaseLength, ErrBadCoinbaseHeight,
		ErrBadCoinbaseValue, ErrTooManySigOps, ErrNoTxInputs, ErrNoTxOutputs, ErrTxTooBig,
		ErrNegativeTxOut, ErrTxOutTooLarge, ErrTxOutTotalTooLarge, ErrDuplicateTxInputs,
		ErrBadTxInput, ErrUnfinalizedTx, ErrMissingTxOut, ErrImmatureSpend, ErrBadTxInputValue,
		ErrSpendTooHigh, ErrBadFees, ErrBadAccumulatedFees, ErrOverwriteTx,
		ErrBadWitnessNonceSize, ErrWitnessCommitmentMismatch, ErrUnexpectedWitness,
		ErrScriptValidation, ErrBadSignetBlockSig, ErrBlockNotFound, ErrNotInMainChain,
		ErrCorruptDatabase, ErrInvalidGenesis, ErrLowWorkHeaders, ErrUnrequestedBlock}
	seen := map[ErrorKind]bool{}
	for _, k := range kinds {
		if seen[k] {
			t.Errorf("kind %q listed twice", k)
		}
		seen[k] = true
		err := fmt.Errorf("wrapped: %w", ruleError(k, "description of "+string(k)))
		if !errors.Is(err, k) {
			t.Errorf("%s: errors.Is false", k)
		}
		want := string(k)
		if k == ErrScriptValidation {
			want = "description of " + string(k)
		}
		if got := RejectReason(err); got != want {
			t.Errorf("%s: RejectReason %q", k, got)
		}
		if RejectReason(k) != string(k) {
			t.Errorf("%s: bare kind reason", k)
		}
	}
	t.Logf("%d error kinds", len(kinds))
	if RejectReason(errors.New("other")) != "" {
		t.Error("foreign error has a reason")
	}
	for _, k := range []ErrorKind{ErrBadMerkleRoot, ErrDuplicateTx, ErrBadWitnessNonceSize,
		ErrWitnessCommitmentMismatch, ErrUnexpectedWitness} {
		if !isMutation(ruleError(k, "")) {
			t.Errorf("%s should be a mutation", k)
		}
	}
	if isMutation(ruleError(ErrBadCoinbaseValue, "")) {
		t.Error("bad-cb-amount is not a mutation")
	}
}

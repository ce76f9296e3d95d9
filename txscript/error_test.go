package txscript

import (
	"errors"
	"fmt"
	"testing"
)

// allErrorKinds lists every kind so each is tested.
var allErrorKinds = []ErrorKind{
	ErrUnknown, ErrEvalFalse, ErrEarlyReturn, ErrScriptTooBig, ErrElementTooBig,
	ErrTooManyOperations, ErrStackOverflow, ErrInvalidSignatureCount,
	ErrInvalidPubKeyCount, ErrVerify, ErrEqualVerify, ErrCheckMultiSigVerify,
	ErrCheckSigVerify, ErrNumEqualVerify, ErrBadOpcode, ErrDisabledOpcode,
	ErrInvalidStackOperation, ErrInvalidAltStackOperation, ErrUnbalancedConditional,
	ErrNegativeLockTime, ErrUnsatisfiedLockTime, ErrSigHashType, ErrSigDER,
	ErrMinimalData, ErrNotPushOnly, ErrSigHighS, ErrSigNullDummy, ErrPubKeyType,
	ErrCleanStack, ErrMinimalIf, ErrNullFail, ErrDiscourageUpgradableNOPs,
	ErrDiscourageUpgradableWitness, ErrDiscourageTaprootVersion,
	ErrDiscourageOpSuccess, ErrDiscourageUpgradablePubKey,
	ErrWitnessProgramWrongLength, ErrWitnessProgramEmpty, ErrWitnessProgramMismatch,
	ErrWitnessMalleated, ErrWitnessMalleatedP2SH, ErrWitnessUnexpected,
	ErrWitnessPubKeyType, ErrSchnorrSigSize, ErrSchnorrSigHashType, ErrSchnorrSig,
	ErrTaprootWrongControlSize, ErrTapscriptValidationWeight,
	ErrTapscriptCheckMultisig, ErrTapscriptMinimalIf, ErrTapscriptEmptyPubKey,
	ErrCodeSeparator, ErrSigFindAndDelete, ErrScriptNum, ErrInvalidIndex,
	ErrInvalidParams, ErrMalformedPush, ErrUnsupportedAddress, ErrInvalidAddress,
	ErrInvalidChecksum, ErrUnknownNetwork, ErrMissingPrevOut, ErrSigning,
}

// TestErrorKinds checks that every kind unwraps, names itself and is
// distinct.
func TestErrorKinds(t *testing.T) {
	seen := make(map[string]bool)
	for _, kind := range allErrorKinds {
		t.Run(string(kind), func(t *testing.T) {
			if seen[kind.Error()] {
				t.Fatalf("duplicate kind %s", kind)
			}
			seen[kind.Error()] = true
			err := fmt.Errorf("wrapped: %w", scriptError(kind, "desc"))
			if !errors.Is(err, kind) {
				t.Fatalf("errors.Is failed for %s", kind)
			}
			if got := ErrorName(err); got != string(kind) {
				t.Fatalf("ErrorName = %s, want %s", got, kind)
			}
			var e Error
			if !errors.As(err, &e) || e.Description != "desc" {
				t.Fatalf("errors.As failed for %s", kind)
			}
			if (Error{Err: kind}).Error() != string(kind) {
				t.Fatalf("empty description should print the kind")
			}
		})
	}
	if ErrorName(nil) != "OK" || ErrorName(errors.New("x")) != "UNKNOWN_ERROR" {
		t.Fatal("ErrorName of nil or foreign error")
	}
}

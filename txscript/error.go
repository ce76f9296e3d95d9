package txscript

// ErrorKind identifies a kind of script failure. Each kind's string is the
// Bitcoin Core ScriptError name without its SCRIPT_ERR_ prefix, the same
// string script_tests.json uses in its expected-result column.
type ErrorKind string

// Error satisfies the error interface and returns the Core name of the kind.
func (e ErrorKind) Error() string {
	return string(e)
}

// These are the script error kinds, one per Core ScriptError.
const (
	ErrUnknown                     = ErrorKind("UNKNOWN_ERROR")
	ErrEvalFalse                   = ErrorKind("EVAL_FALSE")
	ErrEarlyReturn                 = ErrorKind("OP_RETURN")
	ErrScriptTooBig                = ErrorKind("SCRIPT_SIZE")
	ErrElementTooBig               = ErrorKind("PUSH_SIZE")
	ErrTooManyOperations           = ErrorKind("OP_COUNT")
	ErrStackOverflow               = ErrorKind("STACK_SIZE")
	ErrInvalidSignatureCount       = ErrorKind("SIG_COUNT")
	ErrInvalidPubKeyCount          = ErrorKind("PUBKEY_COUNT")
	ErrVerify                      = ErrorKind("VERIFY")
	ErrEqualVerify                 = ErrorKind("EQUALVERIFY")
	ErrCheckMultiSigVerify         = ErrorKind("CHECKMULTISIGVERIFY")
	ErrCheckSigVerify              = ErrorKind("CHECKSIGVERIFY")
	ErrNumEqualVerify              = ErrorKind("NUMEQUALVERIFY")
	ErrBadOpcode                   = ErrorKind("BAD_OPCODE")
	ErrDisabledOpcode              = ErrorKind("DISABLED_OPCODE")
	ErrInvalidStackOperation       = ErrorKind("INVALID_STACK_OPERATION")
	ErrInvalidAltStackOperation    = ErrorKind("INVALID_ALTSTACK_OPERATION")
	ErrUnbalancedConditional       = ErrorKind("UNBALANCED_CONDITIONAL")
	ErrNegativeLockTime            = ErrorKind("NEGATIVE_LOCKTIME")
	ErrUnsatisfiedLockTime         = ErrorKind("UNSATISFIED_LOCKTIME")
	ErrSigHashType                 = ErrorKind("SIG_HASHTYPE")
	ErrSigDER                      = ErrorKind("SIG_DER")
	ErrMinimalData                 = ErrorKind("MINIMALDATA")
	ErrNotPushOnly                 = ErrorKind("SIG_PUSHONLY")
	ErrSigHighS                    = ErrorKind("SIG_HIGH_S")
	ErrSigNullDummy                = ErrorKind("SIG_NULLDUMMY")
	ErrPubKeyType                  = ErrorKind("PUBKEYTYPE")
	ErrCleanStack                  = ErrorKind("CLEANSTACK")
	ErrMinimalIf                   = ErrorKind("MINIMALIF")
	ErrNullFail                    = ErrorKind("NULLFAIL")
	ErrDiscourageUpgradableNOPs    = ErrorKind("DISCOURAGE_UPGRADABLE_NOPS")
	ErrDiscourageUpgradableWitness = ErrorKind("DISCOURAGE_UPGRADABLE_WITNESS_PROGRAM")
	ErrDiscourageTaprootVersion    = ErrorKind("DISCOURAGE_UPGRADABLE_TAPROOT_VERSION")
	ErrDiscourageOpSuccess         = ErrorKind("DISCOURAGE_OP_SUCCESS")
	ErrDiscourageUpgradablePubKey  = ErrorKind("DISCOURAGE_UPGRADABLE_PUBKEYTYPE")
	ErrWitnessProgramWrongLength   = ErrorKind("WITNESS_PROGRAM_WRONG_LENGTH")
	ErrWitnessProgramEmpty         = ErrorKind("WITNESS_PROGRAM_WITNESS_EMPTY")
	ErrWitnessProgramMismatch      = ErrorKind("WITNESS_PROGRAM_MISMATCH")
	ErrWitnessMalleated            = ErrorKind("WITNESS_MALLEATED")
	ErrWitnessMalleatedP2SH        = ErrorKind("WITNESS_MALLEATED_P2SH")
	ErrWitnessUnexpected           = ErrorKind("WITNESS_UNEXPECTED")
	ErrWitnessPubKeyType           = ErrorKind("WITNESS_PUBKEYTYPE")
	ErrSchnorrSigSize              = ErrorKind("SCHNORR_SIG_SIZE")
	ErrSchnorrSigHashType          = ErrorKind("SCHNORR_SIG_HASHTYPE")
	ErrSchnorrSig                  = ErrorKind("SCHNORR_SIG")
	ErrTaprootWrongControlSize     = ErrorKind("TAPROOT_WRONG_CONTROL_SIZE")
	ErrTapscriptValidationWeight   = ErrorKind("TAPSCRIPT_VALIDATION_WEIGHT")
	ErrTapscriptCheckMultisig      = ErrorKind("TAPSCRIPT_CHECKMULTISIG")
	ErrTapscriptMinimalIf          = ErrorKind("TAPSCRIPT_MINIMALIF")
	ErrTapscriptEmptyPubKey        = ErrorKind("TAPSCRIPT_EMPTY_PUBKEY")
	ErrCodeSeparator               = ErrorKind("OP_CODESEPARATOR")
	ErrSigFindAndDelete            = ErrorKind("SIG_FINDANDDELETE")
	ErrScriptNum                   = ErrorKind("SCRIPTNUM")
	ErrInvalidIndex                = ErrorKind("INVALID_INDEX")
	ErrInvalidParams               = ErrorKind("INVALID_PARAMS")
	ErrMalformedPush               = ErrorKind("MALFORMED_PUSH")
	ErrUnsupportedAddress          = ErrorKind("UNSUPPORTED_ADDRESS")
	ErrInvalidAddress              = ErrorKind("INVALID_ADDRESS")
	ErrInvalidChecksum             = ErrorKind("INVALID_CHECKSUM")
	ErrUnknownNetwork              = ErrorKind("UNKNOWN_NETWORK")
	ErrMissingPrevOut              = ErrorKind("MISSING_PREVOUT")
	ErrSigning                     = ErrorKind("SIGNING")
)

// Error is a script error: its Err is an ErrorKind, and Description says what
// happened in words.
type Error struct {
	Err         error
	Description string
}

// Error satisfies the error interface.
func (e Error) Error() string {
	if e.Description == "" {
		return e.Err.Error()
	}
	return e.Description
}

// Unwrap returns the kind so errors.Is(err, kind) works.
func (e Error) Unwrap() error {
	return e.Err
}

// scriptError creates an Error of the given kind.
func scriptError(kind ErrorKind, desc string) Error {
	return Error{Err: kind, Description: desc}
}

// ErrorName returns the Bitcoin Core script error name for err ("OK" for nil,
// "UNKNOWN_ERROR" for an error that carries no kind of this package).
func ErrorName(err error) string {
	if err == nil {
		return "OK"
	}
	for e := err; e != nil; {
		if k, ok := e.(ErrorKind); ok {
			return string(k)
		}
		u, ok := e.(interface{ Unwrap() error })
		if !ok {
			break
		}
		e = u.Unwrap()
	}
	return string(ErrUnknown)
}

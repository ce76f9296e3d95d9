package txscript

import (
	"fmt"
	"strings"
)

// ScriptFlags is a bitmask of the rules the engine enforces. The names follow
// btcd; each comment names the Bitcoin Core flag (SCRIPT_VERIFY_...).
type ScriptFlags uint32

// These are the script verification flags.
const (
	// ScriptBip16 evaluates pay-to-script-hash (P2SH).
	ScriptBip16 ScriptFlags = 1 << iota

	// ScriptVerifyStrictEncoding requires strict signature and public key
	// encodings and defined hash types (STRICTENC).
	ScriptVerifyStrictEncoding

	// ScriptVerifyDERSignatures requires strict DER signatures, BIP66
	// (DERSIG).
	ScriptVerifyDERSignatures

	// ScriptVerifyLowS requires S <= N/2 in ECDSA signatures (LOW_S).
	ScriptVerifyLowS

	// ScriptStrictMultiSig requires the CHECKMULTISIG dummy to be empty,
	// BIP147 (NULLDUMMY).
	ScriptStrictMultiSig

	// ScriptVerifySigPushOnly requires scriptSigs to hold only pushes
	// (SIGPUSHONLY).
	ScriptVerifySigPushOnly

	// ScriptVerifyMinimalData requires minimal pushes and numbers
	// (MINIMALDATA).
	ScriptVerifyMinimalData

	// ScriptDiscourageUpgradableNops fails on NOP1 and NOP4..NOP10
	// (DISCOURAGE_UPGRADABLE_NOPS).
	ScriptDiscourageUpgradableNops

	// ScriptVerifyCleanStack requires exactly one stack item after
	// evaluation (CLEANSTACK); it implies P2SH and WITNESS.
	ScriptVerifyCleanStack

	// ScriptVerifyCheckLockTimeVerify enables OP_CHECKLOCKTIMEVERIFY, BIP65
	// (CHECKLOCKTIMEVERIFY).
	ScriptVerifyCheckLockTimeVerify

	// ScriptVerifyCheckSequenceVerify enables OP_CHECKSEQUENCEVERIFY,
	// BIP112 (CHECKSEQUENCEVERIFY).
	ScriptVerifyCheckSequenceVerify

	// ScriptVerifyWitness evaluates segregated witness programs, BIP141
	// (WITNESS).
	ScriptVerifyWitness

	// ScriptVerifyDiscourageUpgradeableWitnessProgram fails on unknown
	// witness versions (DISCOURAGE_UPGRADABLE_WITNESS_PROGRAM).
	ScriptVerifyDiscourageUpgradeableWitnessProgram

	// ScriptVerifyMinimalIf requires IF/NOTIF arguments in witness v0 to be
	// empty or 0x01 (MINIMALIF).
	ScriptVerifyMinimalIf

	// ScriptVerifyNullFail requires failed signatures to be empty
	// (NULLFAIL).
	ScriptVerifyNullFail

	// ScriptVerifyWitnessPubKeyType requires compressed keys in witness v0
	// (WITNESS_PUBKEYTYPE).
	ScriptVerifyWitnessPubKeyType

	// ScriptVerifyConstScriptCode fails on OP_CODESEPARATOR and on
	// signatures found in the script code of legacy scripts
	// (CONST_SCRIPTCODE).
	ScriptVerifyConstScriptCode

	// ScriptVerifyTaproot evaluates taproot and tapscript, BIP341/342
	// (TAPROOT).
	ScriptVerifyTaproot

	// ScriptVerifyDiscourageUpgradeableTaprootVersion fails on unknown
	// tapleaf versions (DISCOURAGE_UPGRADABLE_TAPROOT_VERSION).
	ScriptVerifyDiscourageUpgradeableTaprootVersion

	// ScriptVerifyDiscourageOpSuccess fails on OP_SUCCESSx
	// (DISCOURAGE_OP_SUCCESS).
	ScriptVerifyDiscourageOpSuccess

	// ScriptVerifyDiscourageUpgradeablePubkeyType fails on unknown
	// tapscript public key types (DISCOURAGE_UPGRADABLE_PUBKEYTYPE).
	ScriptVerifyDiscourageUpgradeablePubkeyType
)

// ScriptVerifyNullDummy is Core's name for ScriptStrictMultiSig.
const ScriptVerifyNullDummy = ScriptStrictMultiSig

const (
	// MandatoryVerifyFlags are the consensus rules of a fully upgraded
	// chain (Core's MANDATORY_SCRIPT_VERIFY_FLAGS); a transaction that fails
	// them can never be mined.
	MandatoryVerifyFlags = ScriptBip16 | ScriptVerifyDERSignatures |
		ScriptStrictMultiSig | ScriptVerifyCheckLockTimeVerify |
		ScriptVerifyCheckSequenceVerify | ScriptVerifyWitness |
		ScriptVerifyTaproot

	// StandardVerifyFlags are the rules the mempool applies (Core's
	// STANDARD_SCRIPT_VERIFY_FLAGS).
	StandardVerifyFlags = MandatoryVerifyFlags |
		ScriptVerifyStrictEncoding | ScriptVerifyMinimalData |
		ScriptDiscourageUpgradableNops | ScriptVerifyCleanStack |
		ScriptVerifyMinimalIf | ScriptVerifyNullFail | ScriptVerifyLowS |
		ScriptVerifyDiscourageUpgradeableWitnessProgram |
		ScriptVerifyWitnessPubKeyType | ScriptVerifyConstScriptCode |
		ScriptVerifyDiscourageUpgradeableTaprootVersion |
		ScriptVerifyDiscourageOpSuccess |
		ScriptVerifyDiscourageUpgradeablePubkeyType

	// AllVerifyFlags is every flag this package knows.
	AllVerifyFlags = ScriptVerifyDiscourageUpgradeablePubkeyType<<1 - 1
)

// flagNames lists Core's flag names in bit order.
var flagNames = []struct {
	name string
	flag ScriptFlags
}{
	{"P2SH", ScriptBip16},
	{"STRICTENC", ScriptVerifyStrictEncoding},
	{"DERSIG", ScriptVerifyDERSignatures},
	{"LOW_S", ScriptVerifyLowS},
	{"NULLDUMMY", ScriptStrictMultiSig},
	{"SIGPUSHONLY", ScriptVerifySigPushOnly},
	{"MINIMALDATA", ScriptVerifyMinimalData},
	{"DISCOURAGE_UPGRADABLE_NOPS", ScriptDiscourageUpgradableNops},
	{"CLEANSTACK", ScriptVerifyCleanStack},
	{"CHECKLOCKTIMEVERIFY", ScriptVerifyCheckLockTimeVerify},
	{"CHECKSEQUENCEVERIFY", ScriptVerifyCheckSequenceVerify},
	{"WITNESS", ScriptVerifyWitness},
	{"DISCOURAGE_UPGRADABLE_WITNESS_PROGRAM", ScriptVerifyDiscourageUpgradeableWitnessProgram},
	{"MINIMALIF", ScriptVerifyMinimalIf},
	{"NULLFAIL", ScriptVerifyNullFail},
	{"WITNESS_PUBKEYTYPE", ScriptVerifyWitnessPubKeyType},
	{"CONST_SCRIPTCODE", ScriptVerifyConstScriptCode},
	{"TAPROOT", ScriptVerifyTaproot},
	{"DISCOURAGE_UPGRADABLE_TAPROOT_VERSION", ScriptVerifyDiscourageUpgradeableTaprootVersion},
	{"DISCOURAGE_OP_SUCCESS", ScriptVerifyDiscourageOpSuccess},
	{"DISCOURAGE_UPGRADABLE_PUBKEYTYPE", ScriptVerifyDiscourageUpgradeablePubkeyType},
}

// ParseScriptFlags parses a comma-separated list of Core flag names ("" and
// "NONE" mean no flags).
func ParseScriptFlags(s string) (ScriptFlags, error) {
	var flags ScriptFlags
	if s == "" || s == "NONE" {
		return 0, nil
	}
next:
	for _, name := range strings.Split(s, ",") {
		for _, f := range flagNames {
			if f.name == name {
				flags |= f.flag
				continue next
			}
		}
		return 0, scriptError(ErrInvalidParams, fmt.Sprintf("unknown script flag %q", name))
	}
	return flags, nil
}

// String returns the flags as Core's comma-separated names.
func (f ScriptFlags) String() string {
	var names []string
	for _, fn := range flagNames {
		if f&fn.flag != 0 {
			names = append(names, fn.name)
		}
	}
	if len(names) == 0 {
		return "NONE"
	}
	return strings.Join(names, ",")
}

package mempool

import (
	"time"

	"github.com/tern-org/ternd/blockchain/standalone"
	"github.com/tern-org/ternd/txscript"
	"github.com/tern-org/ternd/wire"
)

// FeeRate is a fee rate in satoshis per 1,000 virtual bytes (Core's
// CFeeRate unit); 100 sat/kvB is 0.1 sat/vB.
type FeeRate int64

// Fee returns the fee this rate asks of vsize virtual bytes, rounded up as
// Core's CFeeRate::GetFee does.
func (r FeeRate) Fee(vsize int64) int64 {
	if r <= 0 || vsize <= 0 {
		return 0
	}
	return (int64(r)*vsize + 999) / 1000
}

// feeRateOf returns fee per kvB of a fee over vsize, truncated.
func feeRateOf(fee, vsize int64) FeeRate {
	if vsize <= 0 {
		return 0
	}
	return FeeRate(fee * 1000 / vsize)
}

// Policy holds every standardness and pool limit, each an option with
// Bitcoin Core v30's default (see DefaultPolicy).
type Policy struct {
	// MinRelayTxFee is --minrelaytxfee: the lowest fee rate relayed.
	MinRelayTxFee FeeRate
	// IncrementalRelayFee is the fee rate a replacement must add over the
	// fees it replaces, and the step of the rolling minimum fee.
	IncrementalRelayFee FeeRate
	// DustRelayFee defines dust: an output worth less than the fee of
	// spending it at this rate.
	DustRelayFee FeeRate
	// MaxDustOutputs is how many dust outputs a (zero-fee) transaction may
	// have (Core's MAX_DUST_OUTPUTS_PER_TX, ephemeral dust).
	MaxDustOutputs int

	// RequireStandard applies the standardness rules (IsStandardTx, standard
	// inputs and witnesses, ephemeral dust); false is Core's
	// -acceptnonstdtxn=1 (chaincfg.Params.RelayNonStdTxs networks).
	RequireStandard bool

	// MinTxVersion and MaxTxVersion bound standard versions (1..3).
	MinTxVersion, MaxTxVersion int32
	// MaxStandardTxWeight is MAX_STANDARD_TX_WEIGHT.
	MaxStandardTxWeight int64
	// MinStandardTxNonWitnessSize is MIN_STANDARD_TX_NONWITNESS_SIZE.
	MinStandardTxNonWitnessSize int
	// MaxScriptSigSize is MAX_STANDARD_SCRIPTSIG_SIZE.
	MaxScriptSigSize int
	// AcceptDataCarrier is -datacarrier; MaxDataCarrierBytes is
	// -datacarriersize, the OP_RETURN output script bytes allowed in a tx.
	AcceptDataCarrier   bool
	MaxDataCarrierBytes int
	// PermitBareMultisig is -permitbaremultisig.
	PermitBareMultisig bool
	// MaxStandardTxSigOpsCost is MAX_STANDARD_TX_SIGOPS_COST.
	MaxStandardTxSigOpsCost int64
	// MaxP2SHSigOps is MAX_P2SH_SIGOPS.
	MaxP2SHSigOps int
	// MaxTxLegacySigOps is MAX_TX_LEGACY_SIGOPS (BIP54's limit).
	MaxTxLegacySigOps int
	// BytesPerSigOp is -bytespersigop, the vsize charged per sigop.
	BytesPerSigOp int64
	// Witness limits for P2WSH and tapscript spends.
	MaxP2WSHScriptSize      int
	MaxP2WSHStackItems      int
	MaxP2WSHStackItemSize   int
	MaxTapscriptStackItemSz int

	// Package limits (Core v30 -limitancestorcount and friends, sizes in
	// virtual bytes).
	AncestorLimitCount   int
	AncestorLimitSize    int64
	DescendantLimitCount int
	DescendantLimitSize  int64
	// ClusterLimitCount and ClusterLimitSize bound connected clusters as
	// Core v31 does (64 transactions, 101 kvB, its defaults, which also
	// keep every cluster within the bit-set linearization); zero disables
	// (Core v30 has no cluster limit).
	ClusterLimitCount int
	ClusterLimitSize  int64

	// MaxReplacementEvictions is MAX_REPLACEMENT_CANDIDATES.
	MaxReplacementEvictions int

	// MaxMempoolBytes is --maxmempool (in-memory usage).
	MaxMempoolBytes int64
	// MempoolExpiry is --mempoolexpiry.
	MempoolExpiry time.Duration
	// RollingFeeHalfLife is ROLLING_FEE_HALFLIFE.
	RollingFeeHalfLife time.Duration

	// Orphan limits: entries per peer, entries in total, weight per peer
	// (Core v30's reserved weight per peer), weight in total, and expiry.
	MaxOrphansPerPeer    int
	MaxOrphans           int
	MaxOrphanWeightPeer  int64
	MaxOrphanWeightTotal int64
	OrphanExpiry         time.Duration
}

// DefaultPolicy returns Bitcoin Core v30's defaults.
func DefaultPolicy() Policy {
	return Policy{
		MinRelayTxFee:               100,
		IncrementalRelayFee:         100,
		DustRelayFee:                3000,
		MaxDustOutputs:              1,
		RequireStandard:             true,
		MinTxVersion:                1,
		MaxTxVersion:                3,
		MaxStandardTxWeight:         400000,
		MinStandardTxNonWitnessSize: 65,
		MaxScriptSigSize:            1650,
		AcceptDataCarrier:           true,
		MaxDataCarrierBytes:         100000,
		PermitBareMultisig:          true,
		MaxStandardTxSigOpsCost:     16000,
		MaxP2SHSigOps:               15,
		MaxTxLegacySigOps:           2500,
		BytesPerSigOp:               20,
		MaxP2WSHScriptSize:          3600,
		MaxP2WSHStackItems:          100,
		MaxP2WSHStackItemSize:       80,
		MaxTapscriptStackItemSz:     80,
		AncestorLimitCount:          25,
		AncestorLimitSize:           101000,
		DescendantLimitCount:        25,
		DescendantLimitSize:         101000,
		ClusterLimitCount:           64,
		ClusterLimitSize:            101000,
		MaxReplacementEvictions:     100,
		MaxMempoolBytes:             300 * 1000 * 1000,
		MempoolExpiry:               336 * time.Hour,
		RollingFeeHalfLife:          12 * time.Hour,
		MaxOrphansPerPeer:           100,
		MaxOrphans:                  3000,
		MaxOrphanWeightPeer:         404000,
		MaxOrphanWeightTotal:        404000 * 125,
		OrphanExpiry:                20 * time.Minute,
	}
}

// Constants the policy checks use.
const (
	// maxMoney is Core's MAX_MONEY, the consensus range of an amount.
	maxMoney = standalone.MaxSatoshi
	// witnessScale is the BIP141 witness scale factor.
	witnessScale = wire.WitnessScaleFactor
	// annexTag starts a taproot annex (BIP341).
	annexTag = 0x50
	// taprootLeafMask and tapscriptLeafVer pick tapscript spends out of a
	// control block's first byte (BIP342).
	taprootLeafMask  = 0xfe
	tapscriptLeafVer = 0xc0
)

// sigOpAdjustedVSize is Core's GetVirtualTransactionSize: the larger of the
// weight and the sigop cost times bytes-per-sigop, in virtual bytes.
func sigOpAdjustedVSize(weight, sigOpCost, bytesPerSigOp int64) int64 {
	w := weight
	if s := sigOpCost * bytesPerSigOp; s > w {
		w = s
	}
	return (w + witnessScale - 1) / witnessScale
}

// CheckTransactionSanity applies Core's context-free CheckTransaction rules
// (standalone.CheckTransactionSanity) to a transaction offered to the pool,
// which refuses a coinbase as "coinbase" whatever its script length, as
// Core's PreChecks does. A violation keeps its reject string as this
// package's ErrorKind.
func CheckTransactionSanity(tx *wire.MsgTx) error {
	err := standalone.CheckTransactionSanity(tx)
	if err == nil {
		if standalone.IsCoinBaseTx(tx) {
			return txRuleError(ErrCoinbase, "")
		}
		return nil
	}
	re, ok := err.(standalone.RuleError)
	switch {
	case !ok:
		return err
	case re.Err == standalone.ErrBadCoinbaseLength:
		return txRuleError(ErrCoinbase, "")
	}
	return txRuleError(ErrorKind(re.Err), "")
}

// dustThreshold is Core's GetDustThreshold: the fee at the dust relay rate
// for the output plus the input that would spend it.
func dustThreshold(out *wire.TxOut, rate FeeRate) int64 {
	if txscript.IsUnspendable(out.PkScript) {
		return 0
	}
	size := int64(8 + varIntSize(uint64(len(out.PkScript))) + len(out.PkScript))
	if txscript.IsWitnessProgram(out.PkScript) {
		size += 32 + 4 + 1 + 107/witnessScale + 4
	} else {
		size += 32 + 4 + 1 + 107 + 4
	}
	return rate.Fee(size)
}

// isDust reports whether out is worth less than its dust threshold.
func isDust(out *wire.TxOut, rate FeeRate) bool {
	return out.Value < dustThreshold(out, rate)
}

// varIntSize is the Bitcoin CompactSize length of n.
func varIntSize(n uint64) int {
	switch {
	case n < 0xfd:
		return 1
	case n <= 0xffff:
		return 3
	case n <= 0xffffffff:
		return 5
	}
	return 9
}

// checkStandardTx is Core v30's IsStandardTx plus the minimum size check of
// PreChecks. It returns the number of dust outputs found, which the caller
// checks against the fee (ephemeral dust must pay no fee).
func (p *Policy) checkStandardTx(tx *wire.MsgTx, weight int64) (int, error) {
	if tx.Version > p.MaxTxVersion || tx.Version < p.MinTxVersion {
		return 0, txRuleError(ErrVersion, "")
	}
	if weight > p.MaxStandardTxWeight {
		return 0, txRuleError(ErrTxSize, "")
	}
	for _, in := range tx.TxIn {
		if len(in.SignatureScript) > p.MaxScriptSigSize {
			return 0, txRuleError(ErrScriptSigSize, "")
		}
		if !txscript.IsPushOnlyScript(in.SignatureScript) {
			return 0, txRuleError(ErrScriptSigNotPushOnly, "")
		}
	}
	carrierLeft := 0
	if p.AcceptDataCarrier {
		carrierLeft = p.MaxDataCarrierBytes
	}
	for _, out := range tx.TxOut {
		class, m, n := outputClass(out.PkScript)
		switch class {
		case txscript.NonStandardTy, txscript.WitnessUnknownTy:
			return 0, txRuleError(ErrScriptPubKey, "")
		case txscript.MultiSigTy:
			if n < 1 || n > 3 || m < 1 || m > n {
				return 0, txRuleError(ErrScriptPubKey, "")
			}
			if !p.PermitBareMultisig {
				return 0, txRuleError(ErrBareMultisig, "")
			}
		case txscript.NullDataTy:
			if len(out.PkScript) > carrierLeft {
				return 0, txRuleError(ErrDatacarrier, "")
			}
			carrierLeft -= len(out.PkScript)
		}
	}
	dust := 0
	for _, out := range tx.TxOut {
		if isDust(out, p.DustRelayFee) {
			dust++
		}
	}
	if dust > p.MaxDustOutputs {
		return dust, txRuleError(ErrDust, "")
	}
	return dust, nil
}

// checkInputsStandard is Core v30's AreInputsStandard: every spent output is
// of a known type, a P2SH redeem script has at most MaxP2SHSigOps sigops,
// and the legacy sigops of the inputs stay within BIP54's limit.
func (p *Policy) checkInputsStandard(tx *wire.MsgTx, prev []*wire.TxOut) error {
	legacy := 0
	for i, in := range tx.TxIn {
		pk := prev[i].PkScript
		switch txscript.GetScriptClass(pk) {
		case txscript.NonStandardTy, txscript.WitnessUnknownTy:
			return txRuleError(ErrNonStandardInputs, "input %d: nonstandard script", i)
		case txscript.ScriptHashTy:
			redeem, ok := redeemScript(in.SignatureScript)
			if !ok {
				return txRuleError(ErrNonStandardInputs, "input %d: P2SH scriptSig", i)
			}
			n := txscript.GetAccurateSigOpCount(redeem)
			if n > p.MaxP2SHSigOps {
				return txRuleError(ErrNonStandardInputs,
					"input %d: p2sh redeemscript sigops exceed limit", i)
			}
			legacy += n
		}
		legacy += txscript.GetAccurateSigOpCount(in.SignatureScript) +
			txscript.GetAccurateSigOpCount(pk)
	}
	if p.MaxTxLegacySigOps > 0 && legacy > p.MaxTxLegacySigOps {
		return txRuleError(ErrNonStandardInputs, "non-witness sigops exceed bip54 limit")
	}
	return nil
}

// checkWitnessStandard is Core v30's IsWitnessStandard.
func (p *Policy) checkWitnessStandard(tx *wire.MsgTx, prev []*wire.TxOut) error {
	for i, in := range tx.TxIn {
		if len(in.Witness) == 0 {
			continue
		}
		pk := prev[i].PkScript
		p2sh := false
		if txscript.IsPayToScriptHash(pk) {
			redeem, ok := redeemScript(in.SignatureScript)
			if !ok {
				return txRuleError(ErrNonStandardWitness, "")
			}
			pk = redeem
			p2sh = true
		}
		if txscript.IsPayToAnchor(pk) {
			return txRuleError(ErrNonStandardWitness, "")
		}
		v, prog, ok := txscript.ExtractWitnessProgram(pk)
		if !ok {
			return txRuleError(ErrNonStandardWitness, "")
		}
		w := in.Witness
		switch {
		case v == 0 && len(prog) == 32:
			if len(w[len(w)-1]) > p.MaxP2WSHScriptSize || len(w)-1 > p.MaxP2WSHStackItems {
				return txRuleError(ErrNonStandardWitness, "")
			}
			for _, item := range w[:len(w)-1] {
				if len(item) > p.MaxP2WSHStackItemSize {
					return txRuleError(ErrNonStandardWitness, "")
				}
			}
		case v == 1 && len(prog) == 32 && !p2sh:
			if len(w) >= 2 && len(w[len(w)-1]) > 0 && w[len(w)-1][0] == annexTag {
				return txRuleError(ErrNonStandardWitness, "")
			}
			if len(w) >= 2 {
				control := w[len(w)-1]
				if len(control) > 0 && control[0]&taprootLeafMask == tapscriptLeafVer {
					for _, item := range w[:len(w)-2] {
						if len(item) > p.MaxTapscriptStackItemSz {
							return txRuleError(ErrNonStandardWitness, "")
						}
					}
				}
			}
		}
	}
	return nil
}

// outputClass returns the class of an output script (txscript's, Core's
// Solver) and, for a bare multisig, its m and n, which the standard
// multisig limits check.
func outputClass(s []byte) (class txscript.ScriptClass, m, n int) {
	class = txscript.GetScriptClass(s)
	if class == txscript.MultiSigTy {
		n, m, _ = txscript.CalcMultiSigStats(s)
	}
	return class, m, n
}

// redeemScript returns the last item of the stack a push-only scriptSig
// leaves: the redeem script of a P2SH spend, as Core's AreInputsStandard and
// IsWitnessStandard find it by evaluating the scriptSig. Evaluation fails
// on OP_RESERVED, which the consensus sigop count (txscript.FinalPushData)
// passes over, so the policy keeps this stricter reading. ok is false for an
// empty, unparsable or not push-only scriptSig. Small-integer opcodes leave
// no data here; as redeem scripts they are neither witness programs nor
// scripts with sigops, so their numeric value does not matter.
func redeemScript(sigScript []byte) (script []byte, ok bool) {
	t := txscript.MakeScriptTokenizer(sigScript)
	for t.Next() {
		if op := t.Opcode(); op > txscript.OP_16 || op == txscript.OP_RESERVED {
			return nil, false
		}
		script, ok = t.Data(), true
	}
	if t.Err() != nil {
		return nil, false
	}
	return script, ok
}

package blockchain

import (
	"github.com/tern-org/ternd/txscript"
	"github.com/tern-org/ternd/wire"
)

// SigCache is txscript's signature cache, shared with the mempool so a
// signature verified on admission is not verified again in a block.
type SigCache = txscript.SigCache

// txscriptEngine verifies inputs with the txscript interpreter.
type txscriptEngine struct {
	sigCache *txscript.SigCache
}

// newDefaultEngine returns the production script engine.
func newDefaultEngine(c *SigCache) scriptEngine { return txscriptEngine{sigCache: c} }

// txscriptFlags maps this package's consensus flags to txscript's.
func txscriptFlags(f ScriptFlags) txscript.ScriptFlags {
	var out txscript.ScriptFlags
	pairs := []struct {
		ours   ScriptFlags
		theirs txscript.ScriptFlags
	}{
		{ScriptP2SH, txscript.ScriptBip16},
		{ScriptDERSig, txscript.ScriptVerifyDERSignatures},
		{ScriptCLTV, txscript.ScriptVerifyCheckLockTimeVerify},
		{ScriptCSV, txscript.ScriptVerifyCheckSequenceVerify},
		{ScriptWitness, txscript.ScriptVerifyWitness},
		{ScriptNullDummy, txscript.ScriptStrictMultiSig},
		{ScriptTaproot, txscript.ScriptVerifyTaproot},
	}
	for _, p := range pairs {
		if f&p.ours != 0 {
			out |= p.theirs
		}
	}
	return out
}

// txChecker holds what every input of one transaction shares: the spent
// outputs, the signature-hash midstates and the flags. It is read-only after
// construction, so VerifyInput is safe for concurrent use.
type txChecker struct {
	tx       *wire.MsgTx
	prevOuts []*wire.TxOut
	fetcher  *prevOutFetcher
	hashes   *txscript.TxSigHashes
	flags    txscript.ScriptFlags
	sigCache *txscript.SigCache
}

// prevOutFetcherMapMin is the input count from which prevOutFetcher builds
// a map; below it a linear scan of the inputs is cheaper than hashing.
const prevOutFetcherMapMin = 16

// prevOutFetcher answers txscript's PrevOutputFetcher from a transaction's
// inputs and their spent outputs, without the map MultiPrevOutFetcher needs
// for the usual one- or two-input transaction. It is read-only after
// construction and so safe for concurrent use.
type prevOutFetcher struct {
	tx       *wire.MsgTx
	prevOuts []*wire.TxOut
	m        map[wire.OutPoint]*wire.TxOut // only for prevOutFetcherMapMin inputs or more
}

// newPrevOutFetcher returns a fetcher over tx's inputs.
func newPrevOutFetcher(tx *wire.MsgTx, prevOuts []*wire.TxOut) *prevOutFetcher {
	f := &prevOutFetcher{tx: tx, prevOuts: prevOuts}
	if len(tx.TxIn) >= prevOutFetcherMapMin {
		f.m = make(map[wire.OutPoint]*wire.TxOut, len(tx.TxIn))
		for i, in := range tx.TxIn {
			f.m[in.PreviousOutPoint] = prevOuts[i]
		}
	}
	return f
}

// FetchPrevOutput implements txscript.PrevOutputFetcher.
func (f *prevOutFetcher) FetchPrevOutput(op wire.OutPoint) *wire.TxOut {
	if f.m != nil {
		return f.m[op]
	}
	for i, in := range f.tx.TxIn {
		if in.PreviousOutPoint == op {
			return f.prevOuts[i]
		}
	}
	return nil
}

// spendsTaproot reports whether an input with a witness spends a witness
// v1 32-byte program (Core's check in PrecomputedTransactionData::Init):
// only then are the BIP341 hashes over every spent output needed.
func spendsTaproot(tx *wire.MsgTx, prevOuts []*wire.TxOut) bool {
	for i, in := range tx.TxIn {
		pk := prevOuts[i].PkScript
		if len(in.Witness) > 0 && len(pk) == 34 && pk[0] == 0x51 && pk[1] == 0x20 {
			return true
		}
	}
	return false
}

// NewTxChecker implements scriptEngine.
func (e txscriptEngine) NewTxChecker(tx *wire.MsgTx, prevOuts []*wire.TxOut, flags ScriptFlags) (txScriptChecker, error) {
	fetcher := newPrevOutFetcher(tx, prevOuts)
	// Only witness inputs use the BIP143/BIP341 midstates, and they need
	// witness data, so a transaction without any needs none; the hashes
	// over spent amounts and scripts only serve taproot spends (the
	// interpreter computes them itself should it need them anyway).
	var hashes *txscript.TxSigHashes
	if tx.HasWitness() {
		if spendsTaproot(tx, prevOuts) {
			hashes = txscript.NewTxSigHashes(tx, fetcher)
		} else {
			hashes = txscript.NewTxSigHashes(tx, nil)
		}
	}
	return &txChecker{
		tx:       tx,
		prevOuts: prevOuts,
		fetcher:  fetcher,
		hashes:   hashes,
		flags:    txscriptFlags(flags),
		sigCache: e.sigCache,
	}, nil
}

// VerifyInput runs the interpreter on input i.
func (c *txChecker) VerifyInput(i int) error {
	prev := c.prevOuts[i]
	vm, err := txscript.NewEngine(prev.PkScript, c.tx, i, c.flags, c.sigCache, c.hashes,
		prev.Value, c.fetcher)
	if err != nil {
		return err
	}
	return vm.Execute()
}

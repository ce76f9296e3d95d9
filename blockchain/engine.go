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
	fetcher  *txscript.MultiPrevOutFetcher
	hashes   *txscript.TxSigHashes
	flags    txscript.ScriptFlags
	sigCache *txscript.SigCache
}

// NewTxChecker implements scriptEngine.
func (e txscriptEngine) NewTxChecker(tx *wire.MsgTx, prevOuts []*wire.TxOut, flags ScriptFlags) (txScriptChecker, error) {
	m := make(map[wire.OutPoint]*wire.TxOut, len(tx.TxIn))
	for i, in := range tx.TxIn {
		m[in.PreviousOutPoint] = prevOuts[i]
	}
	fetcher := txscript.NewMultiPrevOutFetcher(m)
	// Only witness inputs use the BIP143/BIP341 midstates, and they need
	// witness data, so a transaction without any needs none.
	var hashes *txscript.TxSigHashes
	if tx.HasWitness() {
		hashes = txscript.NewTxSigHashes(tx, fetcher)
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

package psbt

import (
	"bytes"

	"github.com/tern-org/ternd/txscript"
	"github.com/tern-org/ternd/wire"
)

// Combine merges PSBTs of the same transaction (BIP174's Combiner): every
// key of every map, the first PSBT's value winning for a key given twice,
// each map sorted by key. It fails with ErrIncompatible for PSBTs of
// different transactions.
func Combine(packets []*Packet) (*Packet, error) {
	if len(packets) == 0 {
		return nil, errorf(ErrMissingField, "Parameter 'txs' cannot be empty")
	}
	first := packets[0]
	out := &Packet{Version: first.Version, Tx: first.Tx,
		Global:  mergeMaps(nil, first.Global, globalMap),
		Inputs:  make([]Map, len(first.Inputs)),
		Outputs: make([]Map, len(first.Outputs)),
	}
	id := first.TxID()
	for _, p := range packets {
		if p.Version != first.Version || p.TxID() != id ||
			len(p.Inputs) != len(first.Inputs) || len(p.Outputs) != len(first.Outputs) {
			return nil, errorf(ErrIncompatible, "PSBTs not compatible (different transactions)")
		}
	}
	for _, p := range packets {
		out.Global = mergeMaps(out.Global, p.Global, globalMap)
		for i := range p.Inputs {
			out.Inputs[i] = mergeMaps(out.Inputs[i], p.Inputs[i], inputMap)
		}
		for i := range p.Outputs {
			out.Outputs[i] = mergeMaps(out.Outputs[i], p.Outputs[i], outputMap)
		}
	}
	return out, nil
}

// mergeMaps adds to dst the keys of src it lacks, and puts it in
// canonical order.
func mergeMaps(dst, src Map, kind mapKind) Map {
	for _, pr := range src {
		if _, ok := dst.Get(pr.Key[0], pr.Key[1:]); !ok {
			dst = append(dst, Pair{Key: bytes.Clone(pr.Key), Value: bytes.Clone(pr.Value)})
		}
	}
	dst.sort(kind)
	return dst
}

// keepAfterFinal are the input fields BIP174's finalizer keeps besides
// the final scripts: the UTXOs; unknown and proprietary fields stay too.
func keepAfterFinal(typ byte) bool {
	switch typ {
	case InNonWitnessUtxo, InWitnessUtxo, InFinalScriptSig, InFinalScriptWitness:
		return true
	case InPartialSig, InSighashType, InRedeemScript, InWitnessScript, InBip32Derivation,
		InRipemd160, InSha256, InHash160, InHash256, InTapKeySig, InTapScriptSig,
		InTapLeafScript, InTapBip32Derivation, InTapInternalKey, InTapMerkleRoot, InPorCommitment:
		return false
	}
	return true
}

// Finalize builds the final scriptSig and witness of every input it can
// (BIP174's Input Finalizer) from the partial signatures and scripts, for
// P2PK, P2PKH, P2WPKH, P2SH-P2WPKH, multisig in P2SH, P2WSH and
// P2SH-P2WSH, and P2TR key path spends, and reports whether every input
// is final. Inputs it cannot complete are left as they are. The
// signatures are not verified: callers that need it run the script
// engine on the extracted transaction.
func (p *Packet) Finalize() bool {
	complete := true
	for i := range p.Inputs {
		if p.IsFinalized(i) {
			continue
		}
		if !p.finalizeInput(i) {
			complete = false
		}
	}
	return complete
}

// finalizeInput finalizes input i; false when it lacks what it needs.
func (p *Packet) finalizeInput(i int) bool {
	m := p.Inputs[i]
	utxo := p.InputUtxo(i)
	if utxo == nil {
		return false
	}
	sigScript, witness, ok := p.solve(m, utxo.PkScript)
	if !ok {
		return false
	}
	var kept Map
	for _, pr := range m {
		if keepAfterFinal(pr.Type()) {
			kept = append(kept, pr)
		}
	}
	if sigScript != nil {
		kept = append(kept, Pair{Key: []byte{InFinalScriptSig}, Value: sigScript})
	}
	if witness != nil {
		kept = append(kept, Pair{Key: []byte{InFinalScriptWitness}, Value: SerializeWitness(witness)})
	}
	kept.sort(inputMap)
	p.Inputs[i] = kept
	return true
}

// solve builds the scriptSig and witness spending pkScript from the map's
// signatures and scripts.
func (p *Packet) solve(m Map, pkScript []byte) ([]byte, wire.TxWitness, bool) {
	push := func(items ...[]byte) []byte {
		b := txscript.NewScriptBuilder()
		for _, it := range items {
			b.AddFullData(it)
		}
		s, _ := b.Script()
		return s
	}
	switch {
	case txscript.IsPayToTaproot(pkScript):
		if sig, ok := m.Get(InTapKeySig, nil); ok {
			return nil, wire.TxWitness{sig}, true
		}
		return nil, nil, false
	case txscript.IsPayToPubKeyHash(pkScript):
		sig, pub, ok := sigForHash(m, pkScript[3:23])
		if !ok {
			return nil, nil, false
		}
		return push(sig, pub), nil, true
	case txscript.IsPayToWitnessPubKeyHash(pkScript):
		sig, pub, ok := sigForHash(m, pkScript[2:22])
		if !ok {
			return nil, nil, false
		}
		return nil, wire.TxWitness{sig, pub}, true
	case txscript.IsPayToWitnessScriptHash(pkScript):
		ws, ok := m.Get(InWitnessScript, nil)
		if !ok {
			return nil, nil, false
		}
		stack, ok := solveScript(m, ws)
		if !ok {
			return nil, nil, false
		}
		return nil, append(stack, ws), true
	case txscript.IsPayToScriptHash(pkScript):
		rs, ok := m.Get(InRedeemScript, nil)
		if !ok {
			return nil, nil, false
		}
		if txscript.IsWitnessProgram(rs) {
			_, w, ok := p.solve(m, rs)
			if !ok {
				return nil, nil, false
			}
			return push(rs), w, true
		}
		stack, ok := solveScript(m, rs)
		if !ok {
			return nil, nil, false
		}
		return push(append(stack, rs)...), nil, true
	}
	stack, ok := solveScript(m, pkScript)
	if !ok {
		return nil, nil, false
	}
	return push(stack...), nil, true
}

// solveScript returns the stack satisfying a P2PK, P2PKH or multisig
// script from the map's partial signatures.
func solveScript(m Map, script []byte) ([][]byte, bool) {
	if txscript.IsPayToPubKeyHash(script) {
		sig, pub, ok := sigForHash(m, script[3:23])
		return [][]byte{sig, pub}, ok
	}
	pushes, err := txscript.PushedData(script)
	if err != nil {
		return nil, false
	}
	switch txscript.GetScriptClass(script) {
	case txscript.PubKeyTy:
		sig, ok := m.Get(InPartialSig, pushes[0])
		return [][]byte{sig}, ok
	case txscript.MultiSigTy:
		_, need, err := txscript.CalcMultiSigStats(script)
		if err != nil {
			return nil, false
		}
		stack := [][]byte{nil}
		for _, pub := range pushes {
			if len(stack)-1 == need {
				break
			}
			if sig, ok := m.Get(InPartialSig, pub); ok {
				stack = append(stack, sig)
			}
		}
		return stack, len(stack)-1 == need
	}
	return nil, false
}

// sigForHash finds the partial signature of the key whose HASH160 is h.
func sigForHash(m Map, h []byte) (sig, pub []byte, ok bool) {
	for _, pr := range m.All(InPartialSig) {
		if bytes.Equal(txscript.Hash160(pr.Key[1:]), h) {
			return pr.Value, pr.Key[1:], true
		}
	}
	return nil, nil, false
}

// Extract returns the signed transaction of a finalized PSBT (BIP174's
// Transaction Extractor); ErrNotFinal when an input is not final.
func (p *Packet) Extract() (*wire.MsgTx, error) {
	tx := p.UnsignedTx()
	for i, m := range p.Inputs {
		if !p.IsFinalized(i) {
			return nil, errorf(ErrNotFinal, "Input %d is not finalized", i)
		}
		if s, ok := m.Get(InFinalScriptSig, nil); ok {
			tx.TxIn[i].SignatureScript = bytes.Clone(s)
		}
		if w, ok := m.Get(InFinalScriptWitness, nil); ok {
			wit, err := ParseWitness(w)
			if err != nil {
				return nil, err
			}
			tx.TxIn[i].Witness = wit
		}
	}
	return tx, nil
}

package txscript

import (
	"testing"

	"github.com/tern-org/ternd/chaincfg"
	"github.com/tern-org/ternd/wire"
)

// encodeWitness packs witness items as (length byte, item) pairs for the
// fuzzer; decodeWitness reverses it, truncating oddities.
func encodeWitness(w wire.TxWitness) []byte {
	var b []byte
	for _, item := range w {
		if len(item) > 255 {
			item = item[:255]
		}
		b = append(b, byte(len(item)))
		b = append(b, item...)
	}
	return b
}

func decodeWitness(b []byte) wire.TxWitness {
	var w wire.TxWitness
	for len(b) > 0 {
		n := int(b[0])
		b = b[1:]
		if n > len(b) {
			n = len(b)
		}
		w = append(w, b[:n])
		b = b[n:]
	}
	return w
}

// FuzzExecute runs the engine over arbitrary (scriptSig, scriptPubKey,
// witness, flags); it must never panic and must name every error.
func FuzzExecute(f *testing.F) {
	for i, c := range parseScriptTests(f) {
		if i%4 != 0 {
			continue
		}
		f.Add(c.sigScript, c.pkScript, encodeWitness(c.witness), uint32(c.flags), c.amount)
	}
	f.Fuzz(func(t *testing.T, sigScript, pkScript, wit []byte, flagBits uint32, amount int64) {
		flags := ScriptFlags(flagBits) & AllVerifyFlags
		if flags&ScriptVerifyCleanStack != 0 {
			flags |= ScriptBip16 | ScriptVerifyWitness
		}
		c := scriptTestCase{sigScript: sigScript, pkScript: pkScript,
			witness: decodeWitness(wit), amount: amount}
		err := runScriptTest(&c, flags)
		if err != nil && ErrorName(err) == string(ErrUnknown) {
			t.Fatalf("error without a kind: %v", err)
		}
	})
}

// FuzzScriptAnalysis runs the static analyses over arbitrary scripts.
func FuzzScriptAnalysis(f *testing.F) {
	f.Add([]byte{OP_DUP, OP_HASH160, OP_DATA_20})
	f.Add(PayToTaprootScript(make([]byte, 32)))
	f.Add([]byte{OP_1, OP_DATA_33, 2, OP_1, OP_CHECKMULTISIG})
	f.Fuzz(func(t *testing.T, script []byte) {
		GetScriptClass(script)
		GetSigOpCount(script)
		GetPreciseSigOpCount(script, script, true)
		GetWitnessSigOpCount(script, script, wire.TxWitness{script})
		DisasmString(script)
		ScriptToAsm(script, true)
		IsPushOnlyScript(script)
		PushedData(script)
		findAndDeleteSig(script, script[:len(script)/2])
		removeCodeSeparators(script)
		ExtractPkScriptAddrs(script, &chaincfg.MainNetParams)
	})
}

package txscript

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"testing"

	"github.com/btcsuite/btcd/chaincfg/chainhash"
	"github.com/tern-org/ternd/wire"
)

// txTestCase is one row of tx_valid.json or tx_invalid.json.
type txTestCase struct {
	name     string
	tx       *wire.MsgTx
	prevOuts map[wire.OutPoint]*wire.TxOut
	flagsStr string
}

func parseTxTests(t *testing.T, file string) []txTestCase {
	var cases []txTestCase
	for i, row := range loadJSONRows(t, file) {
		if len(row) < 3 || len(row[0]) == 0 || row[0][0] != '[' {
			continue
		}
		c := txTestCase{name: fmt.Sprintf("%s row %d", file, i),
			prevOuts: make(map[wire.OutPoint]*wire.TxOut)}
		var inputs [][]json.RawMessage
		if err := json.Unmarshal(row[0], &inputs); err != nil {
			t.Fatalf("%s: %v", c.name, err)
		}
		for _, in := range inputs {
			var hashStr, scriptStr string
			var index int64
			if err := json.Unmarshal(in[0], &hashStr); err != nil {
				t.Fatalf("%s: %v", c.name, err)
			}
			if err := json.Unmarshal(in[1], &index); err != nil {
				t.Fatalf("%s: %v", c.name, err)
			}
			if err := json.Unmarshal(in[2], &scriptStr); err != nil {
				t.Fatalf("%s: %v", c.name, err)
			}
			var amount int64
			if len(in) > 3 {
				if err := json.Unmarshal(in[3], &amount); err != nil {
					t.Fatalf("%s: %v", c.name, err)
				}
			}
			hash, err := chainhash.NewHashFromStr(hashStr)
			if err != nil {
				t.Fatalf("%s: %v", c.name, err)
			}
			script, err := parseCoreScript(scriptStr)
			if err != nil {
				t.Fatalf("%s: %v", c.name, err)
			}
			op := wire.OutPoint{Hash: *hash, Index: uint32(index)}
			c.prevOuts[op] = wire.NewTxOut(amount, script)
		}
		var txHex string
		if err := json.Unmarshal(row[1], &txHex); err != nil {
			t.Fatalf("%s: %v", c.name, err)
		}
		if err := json.Unmarshal(row[2], &c.flagsStr); err != nil {
			t.Fatalf("%s: %v", c.name, err)
		}
		c.tx = new(wire.MsgTx)
		if err := c.tx.Deserialize(bytes.NewReader(mustHex(txHex))); err != nil {
			t.Fatalf("%s: decode: %v", c.name, err)
		}
		cases = append(cases, c)
	}
	return cases
}

// checkTransactionSanity is the part of Core's CheckTransaction the vectors
// exercise (the blockchain package owns the real one).
func checkTransactionSanity(tx *wire.MsgTx) error {
	const maxMoney = 21e6 * 1e8
	if len(tx.TxIn) == 0 || len(tx.TxOut) == 0 {
		return errors.New("no inputs or outputs")
	}
	var total int64
	for _, out := range tx.TxOut {
		if out.Value < 0 || out.Value > maxMoney {
			return errors.New("output value out of range")
		}
		total += out.Value
		if total > maxMoney {
			return errors.New("total output out of range")
		}
	}
	seen := make(map[wire.OutPoint]bool)
	for _, in := range tx.TxIn {
		if seen[in.PreviousOutPoint] {
			return errors.New("duplicate input")
		}
		seen[in.PreviousOutPoint] = true
	}
	isNull := func(op wire.OutPoint) bool {
		return op.Index == wire.MaxPrevOutIndex && op.Hash == (chainhash.Hash{})
	}
	if len(tx.TxIn) == 1 && isNull(tx.TxIn[0].PreviousOutPoint) {
		if n := len(tx.TxIn[0].SignatureScript); n < 2 || n > 100 {
			return errors.New("bad coinbase script length")
		}
		return nil
	}
	for _, in := range tx.TxIn {
		if isNull(in.PreviousOutPoint) {
			return errors.New("null prevout")
		}
	}
	return nil
}

// verifyTx verifies every input with flags, returning the first failure.
func verifyTx(c *txTestCase, flags ScriptFlags) error {
	fetcher := NewMultiPrevOutFetcher(c.prevOuts)
	hashes := NewTxSigHashes(c.tx, fetcher)
	for i, in := range c.tx.TxIn {
		prev := fetcher.FetchPrevOutput(in.PreviousOutPoint)
		if prev == nil {
			return fmt.Errorf("input %d: missing prevout", i)
		}
		vm, err := NewEngine(prev.PkScript, c.tx, i, flags, nil, hashes, prev.Value, fetcher)
		if err != nil {
			return err
		}
		if err := vm.Execute(); err != nil {
			return fmt.Errorf("input %d: %w", i, err)
		}
	}
	return nil
}

// fillFlags is Core's FillFlags: CLEANSTACK needs WITNESS, WITNESS needs P2SH.
func fillFlags(f ScriptFlags) ScriptFlags {
	if f&ScriptVerifyCleanStack != 0 {
		f |= ScriptVerifyWitness
	}
	if f&ScriptVerifyWitness != 0 {
		f |= ScriptBip16
	}
	return f
}

// trimFlags is Core's TrimFlags: without P2SH no WITNESS, without WITNESS no
// CLEANSTACK.
func trimFlags(f ScriptFlags) ScriptFlags {
	if f&ScriptBip16 == 0 {
		f &^= ScriptVerifyWitness
	}
	if f&ScriptVerifyWitness == 0 {
		f &^= ScriptVerifyCleanStack
	}
	return f
}

// TestTxValid runs tx_valid.json: every input verifies with all flags except
// the excluded ones, with any further flag removed, and the excluded set is
// minimal.
func TestTxValid(t *testing.T) {
	n := 0
	for _, c := range parseTxTests(t, "tx_valid.json") {
		excluded, err := ParseScriptFlags(c.flagsStr)
		if err != nil {
			t.Fatalf("%s: %v", c.name, err)
		}
		if err := checkTransactionSanity(c.tx); err != nil {
			t.Errorf("%s: CheckTransaction: %v", c.name, err)
			continue
		}
		flags := AllVerifyFlags &^ excluded
		if err := verifyTx(&c, flags); err != nil {
			t.Errorf("%s: flags %v: %v", c.name, flags, err)
			continue
		}
		for _, f := range flagNames {
			if flags&f.flag == 0 {
				continue
			}
			if err := verifyTx(&c, trimFlags(flags&^f.flag)); err != nil {
				t.Errorf("%s: removing %s fails: %v", c.name, f.name, err)
			}
		}
		for _, f := range flagNames {
			if excluded&f.flag == 0 {
				continue
			}
			if err := verifyTx(&c, fillFlags(flags|f.flag)); err == nil {
				t.Errorf("%s: excluded flag %s is not needed", c.name, f.name)
			}
		}
		n++
	}
	requireCases(t, "tx_valid.json", n)
}

// TestTxInvalid runs tx_invalid.json: BADTX cases fail the sanity check,
// the rest fail verification with exactly the listed flags and with any
// flag added, and pass when one listed flag is removed.
func TestTxInvalid(t *testing.T) {
	n := 0
	for _, c := range parseTxTests(t, "tx_invalid.json") {
		n++
		if c.flagsStr == "BADTX" {
			if checkTransactionSanity(c.tx) == nil {
				t.Errorf("%s: BADTX passes CheckTransaction", c.name)
			}
			continue
		}
		flags, err := ParseScriptFlags(c.flagsStr)
		if err != nil {
			t.Fatalf("%s: %v", c.name, err)
		}
		if err := checkTransactionSanity(c.tx); err != nil {
			t.Errorf("%s: CheckTransaction: %v", c.name, err)
			continue
		}
		if verifyTx(&c, flags) == nil {
			t.Errorf("%s: verifies with flags %v", c.name, flags)
			continue
		}
		for _, f := range flagNames {
			if flags&f.flag != 0 {
				if verifyTx(&c, trimFlags(flags&^f.flag)) != nil {
					t.Errorf("%s: still fails without %s", c.name, f.name)
				}
				continue
			}
			if verifyTx(&c, fillFlags(flags|f.flag)) == nil {
				t.Errorf("%s: passes when adding %s", c.name, f.name)
			}
		}
	}
	requireCases(t, "tx_invalid.json", n)
}

// TestSigHashLegacy runs every case of sighash.json.
func TestSigHashLegacy(t *testing.T) {
	n := 0
	for i, row := range loadJSONRows(t, "sighash.json") {
		if len(row) == 1 {
			continue
		}
		var txHex, scriptHex, want string
		var idx int
		var hashType int32
		for j, dst := range []any{&txHex, &scriptHex, &idx, &hashType, &want} {
			if err := json.Unmarshal(row[j], dst); err != nil {
				t.Fatalf("row %d: %v", i, err)
			}
		}
		tx := new(wire.MsgTx)
		if err := tx.Deserialize(bytes.NewReader(mustHex(txHex))); err != nil {
			t.Fatalf("row %d: %v", i, err)
		}
		h, err := CalcSignatureHash(mustHex(scriptHex), SigHashType(uint32(hashType)), tx, idx)
		if err != nil {
			t.Fatalf("row %d: %v", i, err)
		}
		var got chainhash.Hash
		copy(got[:], h)
		if got.String() != want {
			t.Errorf("row %d: got %s, want %s", i, got, want)
		}
		n++
	}
	requireCases(t, "sighash.json", n)
}

package txscript

import (
	"bytes"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"math/big"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/btcsuite/btcd/btcec/v2"
	"github.com/btcsuite/btcd/btcec/v2/schnorr"
	"github.com/btcsuite/btcd/chaincfg/chainhash"
	"github.com/tern-org/ternd/wire"
)

// loadJSONRows reads a testdata JSON array of rows and fails the test when
// the file holds none.
func loadJSONRows(t testing.TB, name string) [][]json.RawMessage {
	t.Helper()
	raw, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatalf("read %s: %v", name, err)
	}
	var rows [][]json.RawMessage
	if err := json.Unmarshal(raw, &rows); err != nil {
		t.Fatalf("parse %s: %v", name, err)
	}
	if len(rows) == 0 {
		t.Fatalf("%s yields no rows", name)
	}
	return rows
}

// requireCases fails the test if a vector file produced no cases and logs
// the count.
func requireCases(t *testing.T, name string, n int) {
	t.Helper()
	if n == 0 {
		t.Fatalf("%s yielded no cases", name)
	}
	t.Logf("%s: %d cases run", name, n)
}

func mustHex(s string) []byte {
	b, err := hex.DecodeString(s)
	if err != nil {
		panic(err)
	}
	return b
}

// btcToSats parses an exact decimal BTC amount.
func btcToSats(num json.Number) (int64, error) {
	r, ok := new(big.Rat).SetString(num.String())
	if !ok {
		return 0, fmt.Errorf("bad amount %q", num)
	}
	r.Mul(r, big.NewRat(100000000, 1))
	if !r.IsInt() {
		return 0, fmt.Errorf("amount %q is not whole satoshis", num)
	}
	return r.Num().Int64(), nil
}

// creditingTx is Core's BuildCreditingTransaction.
func creditingTx(pkScript []byte, amount int64) *wire.MsgTx {
	tx := wire.NewMsgTx(1)
	tx.AddTxIn(&wire.TxIn{
		PreviousOutPoint: wire.OutPoint{Index: wire.MaxPrevOutIndex},
		SignatureScript:  []byte{OP_0, OP_0},
		Sequence:         wire.MaxTxInSequenceNum,
	})
	tx.AddTxOut(wire.NewTxOut(amount, pkScript))
	return tx
}

// spendingTx is Core's BuildSpendingTransaction.
func spendingTx(sigScript []byte, witness wire.TxWitness, credit *wire.MsgTx) *wire.MsgTx {
	tx := wire.NewMsgTx(1)
	tx.AddTxIn(&wire.TxIn{
		PreviousOutPoint: wire.OutPoint{Hash: credit.TxHash(), Index: 0},
		SignatureScript:  sigScript,
		Witness:          witness,
		Sequence:         wire.MaxTxInSequenceNum,
	})
	tx.AddTxOut(wire.NewTxOut(credit.TxOut[0].Value, nil))
	return tx
}

// scriptTestCase is one parsed row of script_tests.json.
type scriptTestCase struct {
	name      string
	witness   wire.TxWitness
	amount    int64
	sigScript []byte
	pkScript  []byte
	flags     ScriptFlags
	expected  string
}

// testInternalKey is the x-only key used for the taproot templates (any valid
// key gives the same results since no case signs).
var testInternalKey = func() *btcec.PublicKey {
	priv, _ := btcec.PrivKeyFromBytes(bytes.Repeat([]byte{0x11}, 32))
	return priv.PubKey()
}()

func parseScriptTests(t testing.TB) []scriptTestCase {
	rows := loadJSONRows(t, "script_tests.json")
	var cases []scriptTestCase
	for i, row := range rows {
		if len(row) == 1 {
			continue
		}
		var c scriptTestCase
		c.name = fmt.Sprintf("row %d: %s", i, rowString(row))
		fields := row
		var tapScript []byte
		if len(row[0]) > 0 && row[0][0] == '[' {
			var wit []json.RawMessage
			if err := json.Unmarshal(row[0], &wit); err != nil {
				t.Fatalf("%s: %v", c.name, err)
			}
			var amt json.Number
			dec := json.NewDecoder(bytes.NewReader(wit[len(wit)-1]))
			dec.UseNumber()
			if err := dec.Decode(&amt); err != nil {
				t.Fatalf("%s: amount: %v", c.name, err)
			}
			var err error
			if c.amount, err = btcToSats(amt); err != nil {
				t.Fatalf("%s: %v", c.name, err)
			}
			for _, w := range wit[:len(wit)-1] {
				var s string
				if err := json.Unmarshal(w, &s); err != nil {
					t.Fatalf("%s: %v", c.name, err)
				}
				switch {
				case strings.HasPrefix(s, "#SCRIPT# "):
					tapScript, err = parseCoreScript(strings.TrimPrefix(s, "#SCRIPT# "))
					if err != nil {
						t.Fatalf("%s: %v", c.name, err)
					}
					c.witness = append(c.witness, tapScript)
				case s == "#CONTROLBLOCK#":
					out := ComputeTaprootOutputKey(testInternalKey, leafRoot(tapScript))
					cb := ControlBlock{
						InternalKey:     testInternalKey,
						OutputKeyYIsOdd: out.SerializeCompressed()[0] == 0x03,
						LeafVersion:     BaseLeafVersion,
					}
					c.witness = append(c.witness, cb.ToBytes())
				default:
					c.witness = append(c.witness, mustHex(s))
				}
			}
			fields = row[1:]
		}
		var strs [4]string
		for j := 0; j < 4; j++ {
			if err := json.Unmarshal(fields[j], &strs[j]); err != nil {
				t.Fatalf("%s: %v", c.name, err)
			}
		}
		var err error
		if c.sigScript, err = parseCoreScript(strs[0]); err != nil {
			t.Fatalf("%s: scriptSig: %v", c.name, err)
		}
		if strs[1] == "0x51 0x20 #TAPROOTOUTPUT#" {
			out := ComputeTaprootOutputKey(testInternalKey, leafRoot(tapScript))
			c.pkScript = append([]byte{OP_1, OP_DATA_32}, schnorr.SerializePubKey(out)...)
		} else if c.pkScript, err = parseCoreScript(strs[1]); err != nil {
			t.Fatalf("%s: scriptPubKey: %v", c.name, err)
		}
		if c.flags, err = ParseScriptFlags(strs[2]); err != nil {
			t.Fatalf("%s: %v", c.name, err)
		}
		c.expected = strs[3]
		cases = append(cases, c)
	}
	return cases
}

// leafRoot is the root of a one-leaf tapscript tree.
func leafRoot(script []byte) []byte {
	h := TapLeafHash(BaseLeafVersion, script)
	return h[:]
}

// runScriptTest verifies one case with flags, as Core's DoTest does.
func runScriptTest(c *scriptTestCase, flags ScriptFlags) error {
	if flags&ScriptVerifyCleanStack != 0 {
		flags |= ScriptBip16 | ScriptVerifyWitness
	}
	credit := creditingTx(c.pkScript, c.amount)
	spend := spendingTx(c.sigScript, c.witness, credit)
	fetcher := NewCannedPrevOutputFetcher(c.pkScript, c.amount)
	vm, err := NewEngine(c.pkScript, spend, 0, flags, nil, NewTxSigHashes(spend, fetcher),
		c.amount, fetcher)
	if err != nil {
		return err
	}
	return vm.Execute()
}

// TestScripts runs every case of Core's script_tests.json and compares the
// error name with the expected one.
func TestScripts(t *testing.T) {
	cases := parseScriptTests(t)
	n := 0
	for i := range cases {
		c := &cases[i]
		err := runScriptTest(c, c.flags)
		if got := ErrorName(err); got != c.expected {
			t.Errorf("%s: got %s (%v), want %s", c.name, got, err, c.expected)
		}
		n++
	}
	requireCases(t, "script_tests.json", n)
}

// TestScriptsWithSigCache runs the passing cases twice through one cache:
// the second run must hit the cache and still pass.
func TestScriptsWithSigCache(t *testing.T) {
	cache := NewSigCache(1000)
	n := 0
	for _, c := range parseScriptTests(t) {
		if c.expected != "OK" {
			continue
		}
		flags := c.flags
		if flags&ScriptVerifyCleanStack != 0 {
			flags |= ScriptBip16 | ScriptVerifyWitness
		}
		for pass := 0; pass < 2; pass++ {
			credit := creditingTx(c.pkScript, c.amount)
			spend := spendingTx(c.sigScript, c.witness, credit)
			fetcher := NewCannedPrevOutputFetcher(c.pkScript, c.amount)
			vm, err := NewEngine(c.pkScript, spend, 0, flags, cache,
				NewTxSigHashes(spend, fetcher), c.amount, fetcher)
			if err == nil {
				err = vm.Execute()
			}
			if err != nil {
				t.Fatalf("%s pass %d: %v", c.name, pass, err)
			}
		}
		n++
	}
	if cache.Len() == 0 {
		t.Fatal("signature cache stayed empty")
	}
	requireCases(t, "script_tests.json (OK cases, cached)", n)
}

var _ = chainhash.Hash{}

func rowString(row []json.RawMessage) string {
	parts := make([]string, len(row))
	for i, r := range row {
		parts[i] = string(r)
	}
	return strings.Join(parts, " ")
}

// TestScriptsFlagMonotonic is Core's extra DoTest property: a passing case
// still passes with any one flag removed, and a failing case still fails
// with any one flag added.
func TestScriptsFlagMonotonic(t *testing.T) {
	n := 0
	for _, c := range parseScriptTests(t) {
		for _, f := range flagNames {
			var flags ScriptFlags
			if c.expected == "OK" {
				if c.flags&f.flag == 0 {
					continue
				}
				flags = trimFlags(c.flags &^ f.flag)
			} else {
				if c.flags&f.flag != 0 {
					continue
				}
				flags = fillFlags(c.flags | f.flag)
			}
			err := runScriptTest(&c, flags)
			if (err == nil) != (c.expected == "OK") {
				t.Errorf("%s: with flags %v got %v", c.name, flags, err)
			}
			n++
		}
	}
	requireCases(t, "script_tests.json flag variations", n)
}

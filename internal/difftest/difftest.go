// Package difftest supplies the inputs of the differential tests that check
// blockchain/standalone against the copies of each rule it replaces: Bitcoin
// Core's script and transaction vectors, and seeded random scripts and
// transactions. It exists only while the old copies do.
package difftest

import (
	"bytes"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"math/rand"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"

	"github.com/btcsuite/btcd/chaincfg/chainhash"
	"github.com/tern-org/ternd/txscript"
	"github.com/tern-org/ternd/wire"
)

// TxCase is a transaction with the outputs its inputs spend (nil where a
// vector does not name one).
type TxCase struct {
	Tx       *wire.MsgTx
	PrevOuts []*wire.TxOut
}

// ScriptCase is a spend: scriptSig, the spent scriptPubKey and a witness.
type ScriptCase struct {
	SigScript, PkScript []byte
	Witness             wire.TxWitness
}

func testdata(name string) string {
	_, file, _, _ := runtime.Caller(0)
	return filepath.Join(filepath.Dir(file), "..", "..", "txscript", "testdata", name)
}

func loadRows(name string) ([][]json.RawMessage, error) {
	raw, err := os.ReadFile(testdata(name))
	if err != nil {
		return nil, err
	}
	var rows [][]json.RawMessage
	return rows, json.Unmarshal(raw, &rows)
}

var opNames = func() map[string]byte {
	m := make(map[string]byte)
	for op := txscript.OP_1NEGATE; op <= 0xff; op++ {
		if op >= txscript.OP_1 && op <= txscript.OP_16 {
			continue
		}
		s, _ := txscript.DisasmString([]byte{byte(op)})
		m[s] = byte(op)
		m[strings.TrimPrefix(s, "OP_")] = byte(op)
	}
	for i := 1; i <= 16; i++ {
		m[fmt.Sprintf("OP_%d", i)] = byte(txscript.OP_1 + i - 1)
	}
	m["OP_0"], m["OP_FALSE"], m["FALSE"] = 0, 0, 0
	m["OP_TRUE"], m["TRUE"] = txscript.OP_1, txscript.OP_1
	m["OP_NOP2"], m["NOP2"] = txscript.OP_CHECKLOCKTIMEVERIFY, txscript.OP_CHECKLOCKTIMEVERIFY
	m["OP_NOP3"], m["NOP3"] = txscript.OP_CHECKSEQUENCEVERIFY, txscript.OP_CHECKSEQUENCEVERIFY
	return m
}()

// ParseCoreScript is Core's ParseScript, the vectors' script text format.
func ParseCoreScript(s string) ([]byte, error) {
	var out []byte
	for _, w := range strings.Fields(s) {
		if n, err := strconv.ParseInt(w, 10, 64); err == nil {
			out = append(out, mustScript(txscript.NewScriptBuilder().AddInt64(n).Script())...)
			continue
		}
		switch {
		case strings.HasPrefix(w, "0x") && len(w) > 2:
			b, err := hex.DecodeString(w[2:])
			if err != nil {
				return nil, err
			}
			out = append(out, b...)
		case len(w) >= 2 && w[0] == '\'' && w[len(w)-1] == '\'':
			out = append(out, mustScript(txscript.NewScriptBuilder().AddData([]byte(w[1:len(w)-1])).Script())...)
		default:
			op, ok := opNames[w]
			if !ok {
				return nil, fmt.Errorf("unknown opcode %q", w)
			}
			out = append(out, op)
		}
	}
	return out, nil
}

// CoreScripts returns every spend of Core's script_tests.json.
func CoreScripts() ([]ScriptCase, error) {
	rows, err := loadRows("script_tests.json")
	if err != nil {
		return nil, err
	}
	var out []ScriptCase
	for _, row := range rows {
		if len(row) < 4 {
			continue
		}
		var c ScriptCase
		if row[0][0] == '[' {
			var wit []json.RawMessage
			if err := json.Unmarshal(row[0], &wit); err != nil {
				return nil, err
			}
			for _, w := range wit[:len(wit)-1] {
				var s string
				_ = json.Unmarshal(w, &s)
				b, _ := hex.DecodeString(s)
				c.Witness = append(c.Witness, b)
			}
			row = row[1:]
		}
		var sig, pk string
		if json.Unmarshal(row[0], &sig) != nil || json.Unmarshal(row[1], &pk) != nil {
			continue
		}
		// Rows with placeholders (#SCRIPT#, #TAPROOTOUTPUT#) are built by
		// the script tests themselves; they are left out here.
		var err1, err2 error
		c.SigScript, err1 = ParseCoreScript(sig)
		c.PkScript, err2 = ParseCoreScript(pk)
		if err1 != nil || err2 != nil {
			continue
		}
		out = append(out, c)
	}
	return out, nil
}

// CoreTxs returns the transactions of tx_valid.json and tx_invalid.json
// with their spent outputs.
func CoreTxs() ([]TxCase, error) {
	var out []TxCase
	for _, file := range []string{"tx_valid.json", "tx_invalid.json"} {
		rows, err := loadRows(file)
		if err != nil {
			return nil, err
		}
		for _, row := range rows {
			if len(row) < 3 || row[0][0] != '[' {
				continue
			}
			var inputs [][]json.RawMessage
			if err := json.Unmarshal(row[0], &inputs); err != nil {
				return nil, err
			}
			prev := make(map[wire.OutPoint]*wire.TxOut)
			for _, in := range inputs {
				var hashStr, scriptStr string
				var index, amount int64
				_ = json.Unmarshal(in[0], &hashStr)
				_ = json.Unmarshal(in[1], &index)
				_ = json.Unmarshal(in[2], &scriptStr)
				if len(in) > 3 {
					_ = json.Unmarshal(in[3], &amount)
				}
				h, err := chainhash.NewHashFromStr(hashStr)
				if err != nil {
					return nil, err
				}
				s, err := ParseCoreScript(scriptStr)
				if err != nil {
					return nil, err
				}
				prev[wire.OutPoint{Hash: *h, Index: uint32(index)}] = wire.NewTxOut(amount, s)
			}
			var txHex string
			_ = json.Unmarshal(row[1], &txHex)
			b, _ := hex.DecodeString(txHex)
			tx := new(wire.MsgTx)
			if err := tx.Deserialize(bytes.NewReader(b)); err != nil {
				return nil, err
			}
			c := TxCase{Tx: tx}
			for _, in := range tx.TxIn {
				p := prev[in.PreviousOutPoint]
				if p == nil {
					p = wire.NewTxOut(0, nil)
				}
				c.PrevOuts = append(c.PrevOuts, p)
			}
			out = append(out, c)
		}
	}
	return out, nil
}

// interesting are the opcodes and templates random scripts are built from,
// weighted toward what the rules look at.
var interesting = []byte{
	0x00, 0x01, 0x02, 0x14, 0x20, 0x21, 0x41, 0x4b, 0x4c, 0x4d, 0x4e, 0x4f, 0x50,
	0x51, 0x52, 0x53, 0x60, 0x61, 0x6a, 0x76, 0x87, 0x88, 0xa9, 0xac, 0xad, 0xae,
	0xaf, 0xba, 0xbb, 0xfe, 0xff,
}

// RandomScript returns a script from rng: random bytes, a random sequence of
// opcodes and pushes, or a mutation of a standard template.
func RandomScript(rng *rand.Rand) []byte {
	switch rng.Intn(6) {
	case 0:
		b := make([]byte, rng.Intn(48))
		rng.Read(b)
		return b
	case 1, 2:
		var s []byte
		for n := rng.Intn(12); n > 0; n-- {
			if rng.Intn(3) == 0 {
				d := make([]byte, []int{0, 1, 2, 20, 32, 33, 65, 76, 300}[rng.Intn(9)])
				rng.Read(d)
				if len(d) == 33 {
					d[0] = byte(2 + rng.Intn(6))
				}
				if len(d) == 65 {
					d[0] = byte(3 + rng.Intn(5))
				}
				s = append(s, mustScript(txscript.NewScriptBuilder().AddData(d).Script())...)
				continue
			}
			s = append(s, interesting[rng.Intn(len(interesting))])
		}
		return s
	}
	s := template(rng)
	if rng.Intn(4) == 0 && len(s) > 0 {
		s[rng.Intn(len(s))] = interesting[rng.Intn(len(interesting))]
	}
	if rng.Intn(8) == 0 && len(s) > 0 {
		s = s[:rng.Intn(len(s))]
	}
	return s
}

func randBytes(rng *rand.Rand, n int) []byte {
	b := make([]byte, n)
	rng.Read(b)
	return b
}

func randKey(rng *rand.Rand) []byte {
	if rng.Intn(3) == 0 {
		k := randBytes(rng, 65)
		k[0] = []byte{4, 6, 7, 5}[rng.Intn(4)]
		return k
	}
	k := randBytes(rng, 33)
	k[0] = []byte{2, 3, 4}[rng.Intn(3)]
	return k
}

// template returns a standard-looking output or redeem script.
func template(rng *rand.Rand) []byte {
	switch rng.Intn(11) {
	case 0:
		return txscript.PayToPubKeyHashScript(randBytes(rng, 20))
	case 1:
		return txscript.PayToScriptHashScript(randBytes(rng, 20))
	case 2:
		return txscript.PayToWitnessPubKeyHashScript(randBytes(rng, 20))
	case 3:
		return txscript.PayToWitnessScriptHashScript(randBytes(rng, 32))
	case 4:
		return txscript.PayToTaprootScript(randBytes(rng, 32))
	case 5:
		return []byte{txscript.OP_1, 2, 0x4e, 0x73}
	case 6:
		return append(append([]byte{}, mustScript(txscript.NewScriptBuilder().AddData(randKey(rng)).Script())...),
			txscript.OP_CHECKSIG)
	case 7:
		n := 1 + rng.Intn(4)
		b := txscript.NewScriptBuilder().AddInt64(int64(1 + rng.Intn(n+1)))
		for i := 0; i < n; i++ {
			b.AddData(randKey(rng))
		}
		return mustScript(b.AddInt64(int64(n + rng.Intn(2))).AddOp(txscript.OP_CHECKMULTISIG).Script())
	case 8:
		b := txscript.NewScriptBuilder().AddOp(txscript.OP_RETURN)
		for n := rng.Intn(3); n > 0; n-- {
			b.AddData(randBytes(rng, rng.Intn(90)))
		}
		return mustScript(b.Script())
	case 9:
		v := rng.Intn(17)
		op := byte(0)
		if v > 0 {
			op = byte(txscript.OP_1 + v - 1)
		}
		return append([]byte{op}, mustScript(txscript.NewScriptBuilder().AddData(randBytes(rng, rng.Intn(44))).Script())...)
	}
	return randBytes(rng, 10001+rng.Intn(2))
}

// RandomSpend returns a random spend: a scriptSig pushing a redeem script
// (or random), the spent script, and a witness ending in a witness script.
func RandomSpend(rng *rand.Rand) ScriptCase {
	var c ScriptCase
	c.PkScript = RandomScript(rng)
	if rng.Intn(2) == 0 {
		c.PkScript = txscript.PayToScriptHashScript(randBytes(rng, 20))
	}
	if rng.Intn(2) == 0 {
		b := txscript.NewScriptBuilder()
		for n := rng.Intn(3); n > 0; n-- {
			b.AddData(randBytes(rng, rng.Intn(4)))
		}
		if rng.Intn(6) == 0 {
			b.AddOp(byte(txscript.OP_1 + rng.Intn(16)))
		} else {
			b.AddData(RandomScript(rng))
		}
		c.SigScript = mustScript(b.Script())
	} else {
		c.SigScript = RandomScript(rng)
	}
	for n := rng.Intn(4); n > 0; n-- {
		c.Witness = append(c.Witness, RandomScript(rng))
	}
	return c
}

// RandomTx returns a random transaction and the outputs it spends; it is
// sometimes a coinbase, sometimes structurally invalid, and its lock time
// and sequences cover both kinds of lock.
func RandomTx(rng *rand.Rand) TxCase {
	tx := wire.NewMsgTx(int32(rng.Intn(4)))
	if rng.Intn(10) == 0 {
		tx.Version = -1
	}
	var c TxCase
	nIn := rng.Intn(5)
	if rng.Intn(8) == 0 {
		nIn = 1
		cb := &wire.TxIn{PreviousOutPoint: wire.OutPoint{Index: wire.MaxPrevOutIndex},
			SignatureScript: randBytes(rng, rng.Intn(110)), Sequence: wire.MaxTxInSequenceNum}
		tx.AddTxIn(cb)
		c.PrevOuts = append(c.PrevOuts, wire.NewTxOut(0, nil))
		nIn = 0
	}
	for i := 0; i < nIn; i++ {
		sp := RandomSpend(rng)
		op := wire.OutPoint{Index: uint32(rng.Intn(3))}
		if rng.Intn(4) != 0 {
			op.Hash[0] = byte(rng.Intn(4))
		}
		if rng.Intn(20) == 0 {
			op.Index = wire.MaxPrevOutIndex
		}
		seq := rng.Uint32()
		switch rng.Intn(4) {
		case 0:
			seq = wire.MaxTxInSequenceNum
		case 1:
			seq &= wire.SequenceLockTimeIsSeconds | 0xffff
		}
		tx.AddTxIn(&wire.TxIn{PreviousOutPoint: op, SignatureScript: sp.SigScript,
			Witness: sp.Witness, Sequence: seq})
		c.PrevOuts = append(c.PrevOuts, wire.NewTxOut(rng.Int63n(1e9), sp.PkScript))
	}
	for n := rng.Intn(4); n > 0; n-- {
		v := rng.Int63n(1e8)
		switch rng.Intn(12) {
		case 0:
			v = -v - 1
		case 1:
			v = 21000000*100000000 + rng.Int63n(2)
		case 2:
			v = 11000000 * 100000000
		}
		tx.AddTxOut(wire.NewTxOut(v, RandomScript(rng)))
	}
	switch rng.Intn(4) {
	case 0:
		tx.LockTime = 0
	case 1:
		tx.LockTime = uint32(rng.Intn(1000))
	case 2:
		tx.LockTime = 500000000 + uint32(rng.Intn(1000))
	default:
		tx.LockTime = rng.Uint32()
	}
	if rng.Intn(200) == 0 {
		tx.AddTxOut(wire.NewTxOut(0, make([]byte, 1000001)))
	}
	c.Tx = tx
	return c
}

// mustScript drops the builder's error: the builder still returns the bytes
// it could build, and odd scripts are welcome here.
func mustScript(s []byte, _ error) []byte { return s }

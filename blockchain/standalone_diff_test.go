package blockchain

import (
	"errors"
	"math/rand"
	"slices"
	"testing"
	"time"

	"github.com/tern-org/ternd/blockchain/standalone"
	"github.com/tern-org/ternd/internal/difftest"
	"github.com/tern-org/ternd/txscript"
	"github.com/tern-org/ternd/wire"
)

// This differential test runs the chain's own copies of the context-free
// rules and blockchain/standalone side by side on the same inputs. It lives
// only until the copies are deleted.

const diffRandomInputs = 100000

// diffSpends returns Core's script vectors, the spends of Core's tx vectors
// and diffRandomInputs seeded random spends.
func diffSpends(t *testing.T) []difftest.ScriptCase {
	core, err := difftest.CoreScripts()
	if err != nil || len(core) == 0 {
		t.Fatalf("script_tests.json: %d cases, %v", len(core), err)
	}
	txs := diffTxs(t, 0)
	t.Logf("inputs: %d script_tests.json spends, %d tx vectors", len(core), len(txs))
	for _, c := range txs {
		for i, in := range c.Tx.TxIn {
			core = append(core, difftest.ScriptCase{SigScript: in.SignatureScript,
				PkScript: c.PrevOuts[i].PkScript, Witness: in.Witness})
		}
	}
	rng := rand.New(rand.NewSource(1))
	for i := 0; i < diffRandomInputs; i++ {
		core = append(core, difftest.RandomSpend(rng))
	}
	return core
}

// diffTxs returns Core's tx vectors and n seeded random transactions.
func diffTxs(t *testing.T, n int) []difftest.TxCase {
	txs, err := difftest.CoreTxs()
	if err != nil || len(txs) == 0 {
		t.Fatalf("tx vectors: %d cases, %v", len(txs), err)
	}
	rng := rand.New(rand.NewSource(2))
	for i := 0; i < n; i++ {
		txs = append(txs, difftest.RandomTx(rng))
	}
	return txs
}

func TestDiffStandaloneScripts(t *testing.T) {
	spends := diffSpends(t)
	p2sh := txscript.PayToScriptHashScript(make([]byte, 20))
	scripts := 0
	for _, c := range spends {
		all := append([][]byte{c.SigScript, c.PkScript}, c.Witness...)
		for _, s := range all {
			scripts++
			if a, b := countSigOps(s, false), txscript.GetSigOpCount(s); a != b {
				t.Fatalf("legacy sigops of %x: %d vs %d", s, a, b)
			}
			if a, b := countSigOps(s, true), txscript.GetAccurateSigOpCount(s); a != b {
				t.Fatalf("accurate sigops of %x: %d vs %d", s, a, b)
			}
			v1, p1, ok1 := witnessProgram(s)
			v2, p2, ok2 := txscript.ExtractWitnessProgram(s)
			if v1 != v2 || !slices.Equal(p1, p2) || ok1 != ok2 {
				t.Fatalf("witness program of %x", s)
			}
			if isPayToScriptHash(s) != txscript.IsPayToScriptHash(s) ||
				isUnspendable(s) != txscript.IsUnspendable(s) {
				t.Fatalf("P2SH or unspendable of %x", s)
			}
			diffTokenize(t, s)
		}
		if a, b := p2shSigOps(c.SigScript), txscript.GetPreciseSigOpCount(c.SigScript, p2sh, true); a != b {
			t.Fatalf("P2SH sigops of %x: %d vs %d", c.SigScript, a, b)
		}
		a := countWitnessSigOps(c.SigScript, c.PkScript, c.Witness)
		if b := txscript.GetWitnessSigOpCount(c.SigScript, c.PkScript, c.Witness); a != b {
			t.Fatalf("witness sigops of %x %x: %d vs %d", c.SigScript, c.PkScript, a, b)
		}
	}
	t.Logf("blockchain vs standalone/txscript: %d spends, %d scripts agree", len(spends), scripts)
}

// diffTokenize checks that nextOp and txscript's tokenizer see the same
// opcodes, pushes and parse failure.
func diffTokenize(t *testing.T, s []byte) {
	tok := txscript.MakeScriptTokenizer(s)
	pc := 0
	for pc < len(s) {
		op, data, next, ok := nextOp(s, pc)
		if tok.Next() != ok {
			t.Fatalf("tokenize %x at %d: ok %v", s, pc, ok)
		}
		if !ok {
			return
		}
		if tok.Opcode() != op || !slices.Equal(tok.Data(), data) || tok.ByteIndex() != next {
			t.Fatalf("tokenize %x at %d", s, pc)
		}
		pc = next
	}
	if tok.Next() || tok.Err() != nil {
		t.Fatalf("tokenize %x: tokenizer goes on", s)
	}
}

func TestDiffStandaloneTxs(t *testing.T) {
	txs := diffTxs(t, diffRandomInputs)
	rng := rand.New(rand.NewSource(3))
	final, sane := 0, 0
	for _, c := range txs {
		tx := c.Tx
		e1, e2 := CheckTransactionSanity(tx), standalone.CheckTransactionSanity(tx)
		var k1 ErrorKind
		var k2 standalone.ErrorKind
		errors.As(e1, &k1)
		errors.As(e2, &k2)
		if (e1 == nil) != (e2 == nil) || string(k1) != string(k2) ||
			(e1 != nil && e1.Error() != e2.Error()) {
			t.Fatalf("sanity of %v: %v vs %v", tx.TxHash(), e1, e2)
		}
		if e1 == nil {
			sane++
		}
		if a, b := legacyTxSigOps(tx), standalone.CountLegacySigOps(tx); a != b {
			t.Fatalf("legacy sigops %d vs %d", a, b)
		}
		if a, b := txSigOpCost(tx, IsCoinBaseTx(tx), c.PrevOuts), standalone.TxSigOpCost(tx, c.PrevOuts); a != b {
			t.Fatalf("sigop cost %d vs %d", a, b)
		}
		for i := 0; i < 4; i++ {
			h := int32(rng.Intn(1200))
			cut := int64(500000000 + rng.Intn(1200))
			if i == 0 {
				h, cut = int32(tx.LockTime), int64(tx.LockTime)
			}
			if IsFinalizedTransaction(tx, h, cut) != standalone.IsFinalTx(tx, h, cut) {
				t.Fatalf("finality at %d/%d", h, cut)
			}
			final++
		}
	}
	t.Logf("blockchain vs standalone: %d txs (%d sane), %d finality checks agree",
		len(txs), sane, final)
}

// TestDiffStandaloneSequenceLocks compares calcSequenceLock on a chain of
// block nodes with standalone.CalcSequenceLock reading the same nodes.
func TestDiffStandaloneSequenceLocks(t *testing.T) {
	rng := rand.New(rand.NewSource(4))
	var tip *blockNode
	ts := time.Unix(1600000000, 0)
	for h := 0; h < 400; h++ {
		ts = ts.Add(time.Duration(rng.Intn(1200)-200) * time.Second)
		hdr := wire.BlockHeader{Timestamp: ts, Nonce: uint32(h)}
		tip = newBlockNode(&hdr, tip)
	}
	txs := diffTxs(t, diffRandomInputs)
	for _, c := range txs {
		heights := make([]int32, len(c.Tx.TxIn))
		for i := range heights {
			heights[i] = int32(rng.Intn(int(tip.height) + 2))
		}
		old := calcSequenceLock(c.Tx, heights, tip)
		lock, err := standalone.CalcSequenceLock(c.Tx, heights, func(h int32) (int64, error) {
			return tip.Ancestor(h).CalcPastMedianTime(), nil
		})
		if err != nil || old.Seconds != lock.Seconds || old.BlockHeight != lock.BlockHeight {
			t.Fatalf("sequence lock %+v vs %+v (%v)", old, lock, err)
		}
		h, mtp := tip.height+1, tip.CalcPastMedianTime()
		if SequenceLockActive(old, h, mtp) != standalone.SequenceLockActive(lock, h, mtp) {
			t.Fatal("sequence lock active")
		}
	}
	t.Logf("blockchain vs standalone: %d sequence locks agree", len(txs))
}

package mempool

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

// This differential test runs the pool's own copies of the script parsing,
// classification, sigop counting, sanity and lock rules side by side with
// txscript and blockchain/standalone on the same inputs. It lives only until
// the copies are deleted.

const diffRandomInputs = 100000

func diffInputs(t *testing.T) ([]difftest.ScriptCase, []difftest.TxCase) {
	spends, err := difftest.CoreScripts()
	if err != nil || len(spends) == 0 {
		t.Fatalf("script_tests.json: %d cases, %v", len(spends), err)
	}
	txs, err := difftest.CoreTxs()
	if err != nil || len(txs) == 0 {
		t.Fatalf("tx vectors: %d cases, %v", len(txs), err)
	}
	t.Logf("inputs: %d script_tests.json spends, %d tx vectors", len(spends), len(txs))
	for _, c := range txs {
		for i, in := range c.Tx.TxIn {
			spends = append(spends, difftest.ScriptCase{SigScript: in.SignatureScript,
				PkScript: c.PrevOuts[i].PkScript, Witness: in.Witness})
		}
	}
	rng := rand.New(rand.NewSource(1))
	for i := 0; i < diffRandomInputs; i++ {
		spends = append(spends, difftest.RandomSpend(rng))
		txs = append(txs, difftest.RandomTx(rng))
	}
	return spends, txs
}

// newClass is the classification the pool moves to: txscript's class, with
// m and n of a bare multisig from txscript.
func newClass(s []byte) (txscript.ScriptClass, int, int) {
	c := txscript.GetScriptClass(s)
	if c != txscript.MultiSigTy {
		return c, 0, 0
	}
	n, m, _ := txscript.CalcMultiSigStats(s)
	return c, m, n
}

// oldClassName maps the pool's class to txscript's name for it.
var oldClassName = map[ScriptClass]txscript.ScriptClass{
	NonStandardTy: txscript.NonStandardTy, PubKeyTy: txscript.PubKeyTy,
	PubKeyHashTy: txscript.PubKeyHashTy, ScriptHashTy: txscript.ScriptHashTy,
	MultiSigTy: txscript.MultiSigTy, NullDataTy: txscript.NullDataTy,
	WitnessV0PubKeyHashTy: txscript.WitnessV0PubKeyHashTy,
	WitnessV0ScriptHashTy: txscript.WitnessV0ScriptHashTy,
	WitnessV1TaprootTy:    txscript.WitnessV1TaprootTy, AnchorTy: txscript.AnchorTy,
	WitnessUnknownTy: txscript.WitnessUnknownTy,
}

func TestDiffStandaloneScripts(t *testing.T) {
	spends, _ := diffInputs(t)
	p2sh := txscript.PayToScriptHashScript(make([]byte, 20))
	scripts, reserved := 0, 0
	classes := map[txscript.ScriptClass]int{}
	for _, c := range spends {
		all := append([][]byte{c.SigScript, c.PkScript}, c.Witness...)
		for _, s := range all {
			scripts++
			c1, m1, n1 := classifyScript(s)
			c2, m2, n2 := newClass(s)
			if oldClassName[c1] != c2 || m1 != m2 || n1 != n2 {
				t.Fatalf("class of %x: %v %d/%d vs %v %d/%d", s, c1, m1, n1, c2, m2, n2)
			}
			classes[c2]++
			if sigOpCount(s, false) != txscript.GetSigOpCount(s) ||
				sigOpCount(s, true) != txscript.GetAccurateSigOpCount(s) {
				t.Fatalf("sigops of %x", s)
			}
			if isPushOnly(s) != txscript.IsPushOnlyScript(s) {
				t.Fatalf("push only %x", s)
			}
			stack, ok := pushedData(s)
			last, ok2 := redeemScript(s)
			if ok && len(stack) > 0 {
				if !ok2 || sigOpCount(stack[len(stack)-1], true) != txscript.GetAccurateSigOpCount(last) ||
					isPayToAnchor(stack[len(stack)-1]) != txscript.IsPayToAnchor(last) {
					t.Fatalf("final push of %x", s)
				}
				v1, p1, w1 := witnessProgram(stack[len(stack)-1])
				v2, p2, w2 := txscript.ExtractWitnessProgram(last)
				if v1 != v2 || !slices.Equal(p1, p2) || w1 != w2 {
					t.Fatalf("final push witness program of %x", s)
				}
			} else if ok2 {
				t.Fatalf("final push of %x: old none, new %x", s, last)
			}
			v1, p1, ok1 := witnessProgram(s)
			v2, p2, ok2 := txscript.ExtractWitnessProgram(s)
			if v1 != v2 || !slices.Equal(p1, p2) || ok1 != ok2 {
				t.Fatalf("witness program of %x", s)
			}
			if isPayToScriptHash(s) != txscript.IsPayToScriptHash(s) ||
				isUnspendable(s) != txscript.IsUnspendable(s) ||
				isPayToAnchor(s) != txscript.IsPayToAnchor(s) {
				t.Fatalf("P2SH, anchor or unspendable of %x", s)
			}
			diffTokenize(t, s)
		}
		// The pool's copy stopped at OP_RESERVED, which Core's consensus
		// count (txscript's) passes over; those spends are counted apart.
		if hasReserved(c.SigScript) {
			reserved++
			continue
		}
		if a, b := p2shSigOps(c.SigScript), txscript.GetPreciseSigOpCount(c.SigScript, p2sh, true); a != b {
			t.Fatalf("P2SH sigops of %x: %d vs %d", c.SigScript, a, b)
		}
		a := witnessSigOps(c.SigScript, c.PkScript, c.Witness)
		if b := txscript.GetWitnessSigOpCount(c.SigScript, c.PkScript, c.Witness); a != b {
			t.Fatalf("witness sigops of %x %x: %d vs %d", c.SigScript, c.PkScript, a, b)
		}
	}
	t.Logf("mempool vs txscript: %d spends, %d scripts agree; classes %v; P2SH and witness "+
		"sigops agree on %d spends, %d with OP_RESERVED in the scriptSig left out",
		len(spends), scripts, classes, len(spends)-reserved, reserved)
}

// diffTokenize checks that the pool's tokenizer and txscript's see the same
// opcodes, pushes and parse failure.
func diffTokenize(t *testing.T, s []byte) {
	old := scriptTokenizer{script: s}
	tok := txscript.MakeScriptTokenizer(s)
	for {
		a, b := old.next(), tok.Next()
		if a != b {
			t.Fatalf("tokenize %x: %v vs %v", s, a, b)
		}
		if !a {
			break
		}
		if old.op != tok.Opcode() || !slices.Equal(old.data, tok.Data()) || old.pos != tok.ByteIndex() {
			t.Fatalf("tokenize %x at %d", s, old.pos)
		}
	}
	if old.err != (tok.Err() != nil) {
		t.Fatalf("tokenize %x: error %v vs %v", s, old.err, tok.Err())
	}
}

// newSanity is the pool's sanity check as it moves to standalone: the
// standalone kinds keep their strings; a coinbase is refused as "coinbase"
// whatever its script length, as the pool always did.
func newSanity(tx *wire.MsgTx) error {
	err := standalone.CheckTransactionSanity(tx)
	if errors.Is(err, standalone.ErrBadCoinbaseLength) || (err == nil && standalone.IsCoinBaseTx(tx)) {
		return txRuleError(ErrCoinbase, "")
	}
	var kind standalone.ErrorKind
	if errors.As(err, &kind) {
		return txRuleError(ErrorKind(kind), "")
	}
	return err
}

func TestDiffStandaloneTxs(t *testing.T) {
	_, txs := diffInputs(t)
	rng := rand.New(rand.NewSource(3))
	mtps := make([]int64, 402)
	for i := range mtps {
		mtps[i] = 1600000000 + int64(i)*600 + int64(rng.Intn(300))
	}
	pool := &TxPool{cfg: Config{MedianTimePastAt: func(h int32) (time.Time, error) {
		return time.Unix(mtps[h], 0), nil
	}}}
	sane, locks, reserved := 0, 0, 0
	for _, c := range txs {
		tx := c.Tx
		e1, e2 := CheckTransactionSanity(tx), newSanity(tx)
		if (e1 == nil) != (e2 == nil) || (e1 != nil && (e1.Error() != e2.Error() ||
			RejectReason(e1) != RejectReason(e2))) {
			t.Fatalf("sanity of %v: %v vs %v", tx.TxHash(), e1, e2)
		}
		if e1 == nil {
			sane++
		}
		for i := 0; i < 4; i++ {
			h := int32(rng.Intn(1200))
			mtp := time.Unix(int64(500000000+rng.Intn(1200)), 0)
			if i == 0 {
				h, mtp = int32(tx.LockTime), time.Unix(int64(tx.LockTime), 0)
			}
			if isFinalTx(tx, h, mtp) != standalone.IsFinalTx(tx, h, mtp.Unix()) {
				t.Fatalf("finality at %d/%v", h, mtp)
			}
		}
		if standalone.IsCoinBaseTx(tx) {
			continue
		}
		a := sigOpCost(tx, c.PrevOuts)
		if b := standalone.TxSigOpCost(tx, c.PrevOuts); a != int64(b) && reservedInP2SH(tx, c.PrevOuts) {
			// The pool's copy stopped at OP_RESERVED, which Core's
			// consensus count (and standalone's) passes over.
			reserved++
		} else if a != int64(b) {
			for i, in := range tx.TxIn {
				t.Logf("in %d: sig %x pk %x wit %x", i, in.SignatureScript, c.PrevOuts[i].PkScript, in.Witness)
			}
			t.Fatalf("sigop cost %d vs %d", a, b)
		}
		tip := int32(rng.Intn(400))
		heights := make([]int32, len(tx.TxIn))
		for i := range heights {
			heights[i] = int32(rng.Intn(int(tip) + 2))
		}
		mtp := time.Unix(mtps[tip], 0)
		ok1, _ := pool.sequenceLocksOK(tx, heights, tip, mtp)
		lock, err := standalone.CalcSequenceLock(tx, heights, func(h int32) (int64, error) {
			if h >= tip {
				return mtp.Unix(), nil
			}
			return mtps[h], nil
		})
		if err != nil || ok1 != standalone.SequenceLockActive(lock, tip+1, mtp.Unix()) {
			t.Fatalf("sequence locks of %v", tx.TxHash())
		}
		locks++
	}
	t.Logf("mempool vs standalone: %d txs (%d sane), %d sequence locks agree, %d sigop costs "+
		"agree, %d differ by an OP_RESERVED in a P2SH scriptSig", len(txs), sane, locks,
		locks-reserved, reserved)
}

// reservedInP2SH reports whether an input spending a P2SH output has
// OP_RESERVED in its scriptSig.
func reservedInP2SH(tx *wire.MsgTx, prev []*wire.TxOut) bool {
	for i, in := range tx.TxIn {
		if !txscript.IsPayToScriptHash(prev[i].PkScript) {
			continue
		}
		if hasReserved(in.SignatureScript) {
			return true
		}
	}
	return false
}

// hasReserved reports whether script has an OP_RESERVED opcode.
func hasReserved(script []byte) bool {
	tok := txscript.MakeScriptTokenizer(script)
	for tok.Next() {
		if tok.Opcode() == txscript.OP_RESERVED {
			return true
		}
	}
	return false
}

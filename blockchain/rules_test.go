package blockchain

import (
	"bytes"
	"testing"
	"time"

	"github.com/btcsuite/btcd/chaincfg/chainhash"
	"github.com/tern-org/ternd/blockchain/standalone"
	"github.com/tern-org/ternd/txscript"
	"github.com/tern-org/ternd/wire"
)

// TestBlockRules offers one invalid block per rule on a chain with mature
// coinbases and checks each is rejected with its kind and leaves the tip.
func TestBlockRules(t *testing.T) {
	h := newHarness(t)
	base := h.extend(140) // coinbases 0..39 are mature at the next height
	cbValue := int64(50 * SatoshiPerBitcoin)
	// next returns a fresh mature coinbase outpoint for each case.
	used := 0
	next := func() wire.OutPoint {
		used++
		return coinbaseOut(base[used-1])
	}
	tip := h.tipNode()
	height := tip.height + 1

	type tc struct {
		name string
		kind ErrorKind
		blk  func() *wire.MsgBlock
	}
	cases := []tc{
		{"high hash", ErrHighHash, func() *wire.MsgBlock {
			b := h.makeBlock(tip, nil, blockOpts{noSolve: true})
			unsolve(b)
			return b
		}},
		{"target above limit", ErrHighHash, func() *wire.MsgBlock {
			return h.makeBlock(tip, nil, blockOpts{bits: 0x2100ffff, noSolve: true})
		}},
		{"wrong bits", ErrBadDiffBits, func() *wire.MsgBlock {
			return h.makeBlock(tip, nil, blockOpts{bits: 0x207ffffe})
		}},
		{"time too old", ErrTimeTooOld, func() *wire.MsgBlock {
			return h.makeBlock(tip, nil, blockOpts{timeDelta: -3000})
		}},
		{"time too new", ErrTimeTooNew, func() *wire.MsgBlock {
			return h.makeBlock(tip, nil, blockOpts{timeDelta: testClock.Unix() - tip.timestamp + 7201})
		}},
		{"version 3", ErrBadVersion, func() *wire.MsgBlock {
			return h.makeBlock(tip, nil, blockOpts{version: 3})
		}},
		{"merkle root", ErrBadMerkleRoot, func() *wire.MsgBlock {
			return h.makeBlock(tip, nil, blockOpts{after: func(b *wire.MsgBlock) { b.Header.MerkleRoot[0] ^= 1 }})
		}},
		{"duplicated tx (CVE-2012-2459)", ErrDuplicateTx, func() *wire.MsgBlock {
			t1 := spendTx([]wire.OutPoint{next()}, cbValue, 0, 1)
			t2 := spendTx([]wire.OutPoint{next()}, cbValue, 0, 1)
			return h.makeBlock(tip, []*wire.MsgTx{t1, t2}, blockOpts{mutate: func(b *wire.MsgBlock) {
				b.Transactions = append(b.Transactions, t2)
			}})
		}},
		{"no coinbase", ErrNoCoinbase, func() *wire.MsgBlock {
			t1 := spendTx([]wire.OutPoint{next()}, cbValue, 0, 1)
			return h.makeBlock(tip, []*wire.MsgTx{t1}, blockOpts{mutate: func(b *wire.MsgBlock) {
				b.Transactions = b.Transactions[1:]
			}})
		}},
		{"two coinbases", ErrMultipleCoinbases, func() *wire.MsgBlock {
			return h.makeBlock(tip, nil, blockOpts{mutate: func(b *wire.MsgBlock) {
				b.Transactions = append(b.Transactions, h.coinbaseTx(height, 1))
			}})
		}},
		{"coinbase height", ErrBadCoinbaseHeight, func() *wire.MsgBlock {
			return h.makeBlock(tip, nil, blockOpts{mutate: func(b *wire.MsgBlock) {
				b.Transactions[0].TxIn[0].SignatureScript = append(standalone.CoinbaseHeightScript(height+1), 0, 0)
			}})
		}},
		{"coinbase script too long", ErrBadCoinbaseLength, func() *wire.MsgBlock {
			return h.makeBlock(tip, nil, blockOpts{mutate: func(b *wire.MsgBlock) {
				in := b.Transactions[0].TxIn[0]
				in.SignatureScript = append(in.SignatureScript, make([]byte, 100)...)
			}})
		}},
		{"coinbase pays too much", ErrBadCoinbaseValue, func() *wire.MsgBlock {
			t1 := spendTx([]wire.OutPoint{next()}, cbValue, 1000, 1)
			return h.makeBlock(tip, []*wire.MsgTx{t1}, blockOpts{fees: 1001})
		}},
		{"stripped size", ErrBlockLength, func() *wire.MsgBlock {
			t1 := spendTx([]wire.OutPoint{next()}, cbValue, 0, 1)
			t1.TxOut[0].PkScript = make([]byte, 1000001)
			t1.TxOut[0].PkScript[0] = txscript.OP_RETURN
			return h.makeBlock(tip, []*wire.MsgTx{t1}, blockOpts{})
		}},
		{"weight", ErrBlockWeight, func() *wire.MsgBlock {
			t1 := spendTx([]wire.OutPoint{next()}, cbValue, 0, 1)
			t1.TxIn[0].Witness = wire.TxWitness{make([]byte, 3999000)}
			return h.makeBlock(tip, []*wire.MsgTx{t1}, blockOpts{mutate: addWitnessCommitment})
		}},
		{"legacy sigops", ErrTooManySigOps, func() *wire.MsgBlock {
			t1 := spendTx([]wire.OutPoint{next()}, cbValue, 0, 1)
			t1.TxOut[0].PkScript = bytes.Repeat([]byte{txscript.OP_CHECKSIG}, MaxBlockSigOpsCost/4+1)
			return h.makeBlock(tip, []*wire.MsgTx{t1}, blockOpts{})
		}},
		{"witness nonce size", ErrBadWitnessNonceSize, func() *wire.MsgBlock {
			return h.makeBlock(tip, nil, blockOpts{mutate: addWitnessCommitment, after: func(b *wire.MsgBlock) {
				b.Transactions[0].TxIn[0].Witness = wire.TxWitness{make([]byte, 31)}
			}})
		}},
		{"witness commitment", ErrWitnessCommitmentMismatch, func() *wire.MsgBlock {
			return h.makeBlock(tip, nil, blockOpts{mutate: func(b *wire.MsgBlock) {
				addWitnessCommitment(b)
				b.Transactions[0].TxOut[1].PkScript[10] ^= 1
			}})
		}},
		{"witness without commitment", ErrUnexpectedWitness, func() *wire.MsgBlock {
			t1 := spendTx([]wire.OutPoint{next()}, cbValue, 0, 1)
			t1.TxIn[0].Witness = wire.TxWitness{{1}}
			return h.makeBlock(tip, []*wire.MsgTx{t1}, blockOpts{})
		}},
		{"lock time", ErrUnfinalizedTx, func() *wire.MsgBlock {
			t1 := spendTx([]wire.OutPoint{next()}, cbValue, 0, 1)
			t1.LockTime = uint32(height)
			t1.TxIn[0].Sequence = 0
			return h.makeBlock(tip, []*wire.MsgTx{t1}, blockOpts{})
		}},
		{"lock time by median time past", ErrUnfinalizedTx, func() *wire.MsgBlock {
			t1 := spendTx([]wire.OutPoint{next()}, cbValue, 0, 1)
			t1.LockTime = uint32(tip.CalcPastMedianTime())
			t1.TxIn[0].Sequence = 0
			return h.makeBlock(tip, []*wire.MsgTx{t1}, blockOpts{})
		}},
		{"BIP68 relative height", ErrUnfinalizedTx, func() *wire.MsgBlock {
			t1 := spendTx([]wire.OutPoint{next()}, cbValue, 0, 1)
			t2 := spendTx([]wire.OutPoint{{Hash: t1.TxHash()}}, cbValue, 0, 1)
			t2.TxIn[0].Sequence = 1
			return h.makeBlock(tip, []*wire.MsgTx{t1, t2}, blockOpts{})
		}},
		{"BIP68 relative time", ErrUnfinalizedTx, func() *wire.MsgBlock {
			t1 := spendTx([]wire.OutPoint{next()}, cbValue, 0, 1)
			t2 := spendTx([]wire.OutPoint{{Hash: t1.TxHash()}}, cbValue, 0, 1)
			t2.TxIn[0].Sequence = wire.SequenceLockTimeIsSeconds | 1
			return h.makeBlock(tip, []*wire.MsgTx{t1, t2}, blockOpts{})
		}},
		{"missing input", ErrMissingTxOut, func() *wire.MsgBlock {
			t1 := spendTx([]wire.OutPoint{{Hash: chainhash.Hash{7}, Index: 0}}, cbValue, 0, 1)
			return h.makeBlock(tip, []*wire.MsgTx{t1}, blockOpts{})
		}},
		{"double spend in block", ErrMissingTxOut, func() *wire.MsgBlock {
			op := next()
			t1 := spendTx([]wire.OutPoint{op}, cbValue, 0, 1)
			t2 := spendTx([]wire.OutPoint{op}, cbValue, 0, 2)
			return h.makeBlock(tip, []*wire.MsgTx{t1, t2}, blockOpts{})
		}},
		{"spend of a later tx's output", ErrMissingTxOut, func() *wire.MsgBlock {
			t1 := spendTx([]wire.OutPoint{next()}, cbValue, 0, 1)
			t2 := spendTx([]wire.OutPoint{{Hash: t1.TxHash()}}, cbValue, 0, 1)
			return h.makeBlock(tip, []*wire.MsgTx{t2, t1}, blockOpts{})
		}},
		{"duplicate inputs", ErrDuplicateTxInputs, func() *wire.MsgBlock {
			op := next()
			t1 := spendTx([]wire.OutPoint{op, op}, 2*cbValue, 0, 1)
			return h.makeBlock(tip, []*wire.MsgTx{t1}, blockOpts{})
		}},
		{"immature coinbase", ErrImmatureSpend, func() *wire.MsgBlock {
			t1 := spendTx([]wire.OutPoint{coinbaseOut(base[len(base)-2])}, cbValue, 0, 1)
			return h.makeBlock(tip, []*wire.MsgTx{t1}, blockOpts{})
		}},
		{"outputs above inputs", ErrSpendTooHigh, func() *wire.MsgBlock {
			t1 := spendTx([]wire.OutPoint{next()}, cbValue+1, 0, 1)
			return h.makeBlock(tip, []*wire.MsgTx{t1}, blockOpts{})
		}},
		{"negative output", ErrNegativeTxOut, func() *wire.MsgBlock {
			t1 := spendTx([]wire.OutPoint{next()}, cbValue, 0, 2)
			t1.TxOut[1].Value = -1
			return h.makeBlock(tip, []*wire.MsgTx{t1}, blockOpts{})
		}},
		{"output too large", ErrTxOutTooLarge, func() *wire.MsgBlock {
			t1 := spendTx([]wire.OutPoint{next()}, cbValue, 0, 1)
			t1.TxOut[0].Value = MaxSatoshi + 1
			return h.makeBlock(tip, []*wire.MsgTx{t1}, blockOpts{})
		}},
		{"outputs total too large", ErrTxOutTotalTooLarge, func() *wire.MsgBlock {
			t1 := spendTx([]wire.OutPoint{next()}, cbValue, 0, 2)
			t1.TxOut[0].Value, t1.TxOut[1].Value = MaxSatoshi, 1
			return h.makeBlock(tip, []*wire.MsgTx{t1}, blockOpts{})
		}},
		{"no inputs", ErrNoTxInputs, func() *wire.MsgBlock {
			t1 := spendTx(nil, cbValue, 0, 1)
			return h.makeBlock(tip, []*wire.MsgTx{t1}, blockOpts{})
		}},
		{"no outputs", ErrNoTxOutputs, func() *wire.MsgBlock {
			t1 := spendTx([]wire.OutPoint{next()}, cbValue, 0, 1)
			t1.TxOut = nil
			return h.makeBlock(tip, []*wire.MsgTx{t1}, blockOpts{})
		}},
		{"null prevout", ErrBadTxInput, func() *wire.MsgBlock {
			t1 := spendTx([]wire.OutPoint{next(), {Index: wire.MaxPrevOutIndex}}, cbValue, 0, 1)
			return h.makeBlock(tip, []*wire.MsgTx{t1}, blockOpts{})
		}},
		{"script failure", ErrScriptValidation, func() *wire.MsgBlock {
			t1 := spendTx([]wire.OutPoint{next()}, cbValue, 0, 1)
			t1.TxOut[0].PkScript = opFalse
			t2 := spendTx([]wire.OutPoint{{Hash: t1.TxHash()}}, cbValue, 0, 1)
			return h.makeBlock(tip, []*wire.MsgTx{t1, t2}, blockOpts{})
		}},
	}
	for _, c := range cases {
		blk := c.blk()
		_, _, err := h.chain.ProcessBlock(blk, BFNone)
		expectKind(t, c.name, err, c.kind)
		if hash, _ := h.tip(); hash != tip.hash {
			t.Fatalf("%s: tip moved", c.name)
		}
	}
	t.Logf("%d rule cases", len(cases))
	_, _, err := h.chain.ProcessBlock(h.makeBlock(tip, nil, blockOpts{version: 2}), BFNone)
	if r := RejectReason(err); r != "bad-version(0x00000002)" {
		t.Fatalf("version reason %q", r)
	}
	// The chain still accepts a valid block spending every coinbase used.
	var txs []*wire.MsgTx
	for i := 0; i < used; i++ {
		txs = append(txs, spendTx([]wire.OutPoint{coinbaseOut(base[i])}, cbValue, 100, 1))
	}
	blk := h.makeBlock(tip, txs, blockOpts{fees: int64(100 * used)})
	if !h.mustProcess(blk) {
		t.Fatal("valid block not connected")
	}
}

// TestBIP30 checks a transaction may not overwrite unspent outputs where
// BIP34 does not imply uniqueness.
func TestBIP30(t *testing.T) {
	h := newHarness(t)
	h.params.BIP0034Height = 1000
	h.reopen()
	base := h.extend(101)
	t1 := spendTx([]wire.OutPoint{coinbaseOut(base[0])}, 50*SatoshiPerBitcoin, 0, 1)
	h.mustProcess(h.makeBlock(h.tipNode(), []*wire.MsgTx{t1}, blockOpts{}))
	blk := h.makeBlock(h.tipNode(), []*wire.MsgTx{t1}, blockOpts{})
	_, _, err := h.chain.ProcessBlock(blk, BFNone)
	expectKind(t, "overwrite", err, ErrOverwriteTx)
}

// TestSequenceLockAPI checks CalcSequenceLock against the tip.
func TestSequenceLockAPI(t *testing.T) {
	h := newHarness(t)
	h.extend(20)
	tip := h.tipNode()
	tx := wire.NewMsgTx(2)
	tx.AddTxIn(&wire.TxIn{Sequence: 5})
	tx.AddTxIn(&wire.TxIn{Sequence: wire.SequenceLockTimeIsSeconds | 2})
	lock, err := h.chain.CalcSequenceLock(tx, []int32{18, 10})
	if err != nil {
		t.Fatal(err)
	}
	if lock.BlockHeight != 22 {
		t.Errorf("height lock %d", lock.BlockHeight)
	}
	wantSecs := tip.Ancestor(9).CalcPastMedianTime() + 2*512 - 1
	if lock.Seconds != wantSecs {
		t.Errorf("time lock %d, want %d", lock.Seconds, wantSecs)
	}
	mtp := tip.CalcPastMedianTime()
	if standalone.SequenceLockActive(*lock, 21, mtp) || !standalone.SequenceLockActive(*lock, 23, mtp) {
		t.Error("SequenceLockActive by height")
	}
	if _, err := h.chain.CalcSequenceLock(tx, []int32{1}); err == nil {
		t.Error("mismatched heights accepted")
	}
	// Core reads the version as unsigned: -1 (0xffffffff) is above 2 and
	// keeps its locks; only 0 and 1 have none.
	tx.Version = -1
	lock, _ = h.chain.CalcSequenceLock(tx, []int32{18, 10})
	if lock.BlockHeight != 22 || lock.Seconds != wantSecs {
		t.Errorf("version 0xffffffff: lock %+v, want height 22", lock)
	}
	tx.Version = 1
	lock, _ = h.chain.CalcSequenceLock(tx, []int32{18, 10})
	if lock.BlockHeight != -1 || lock.Seconds != -1 {
		t.Error("version 1 has no sequence locks")
	}
	if mt, err := h.chain.MedianTimePast(20); err != nil || mt.Unix() != mtp {
		t.Errorf("MedianTimePast %v %v", mt, err)
	}
	_ = time.Second
}

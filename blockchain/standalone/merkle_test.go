package standalone

import (
	"bytes"
	"testing"

	"github.com/btcsuite/btcd/chaincfg/chainhash"
	"github.com/tern-org/ternd/wire"
)

// TestCalcMerkleRoot checks small trees against hashes computed by hand and
// the CVE-2012-2459 mutation flag.
func TestCalcMerkleRoot(t *testing.T) {
	h := func(b byte) chainhash.Hash { return chainhash.Hash{b} }
	pair := func(a, b chainhash.Hash) chainhash.Hash {
		return chainhash.DoubleHashH(append(a[:], b[:]...))
	}
	a, b, c := h(1), h(2), h(3)
	abcc := pair(pair(a, b), pair(c, c))
	tests := []struct {
		name    string
		hashes  []chainhash.Hash
		root    chainhash.Hash
		mutated bool
	}{
		{"empty", nil, chainhash.Hash{}, false},
		{"one", []chainhash.Hash{a}, a, false},
		{"two", []chainhash.Hash{a, b}, pair(a, b), false},
		{"odd count duplicates the last", []chainhash.Hash{a, b, c}, abcc, false},
		{"duplicated last pair is mutated", []chainhash.Hash{a, b, c, c}, abcc, true},
		{"identical pair", []chainhash.Hash{a, a}, pair(a, a), true},
	}
	for _, tc := range tests {
		root, mutated := CalcMerkleRoot(append([]chainhash.Hash(nil), tc.hashes...))
		if root != tc.root || mutated != tc.mutated {
			t.Errorf("%s: %v %v, want %v %v", tc.name, root, mutated, tc.root, tc.mutated)
		}
	}
}

// TestWitnessCommitment builds a block with AddWitnessCommitment and checks
// the roots, the commitment index and value.
func TestWitnessCommitment(t *testing.T) {
	cb := wire.NewMsgTx(1)
	cb.AddTxIn(&wire.TxIn{PreviousOutPoint: wire.OutPoint{Index: wire.MaxPrevOutIndex},
		SignatureScript: []byte{1, 1}})
	cb.AddTxOut(wire.NewTxOut(50, []byte{0x51}))
	spend := wire.NewMsgTx(2)
	spend.AddTxIn(&wire.TxIn{PreviousOutPoint: wire.OutPoint{Hash: chainhash.Hash{7}},
		Witness: wire.TxWitness{{1, 2, 3}}})
	spend.AddTxOut(wire.NewTxOut(1, []byte{0x51}))
	block := &wire.MsgBlock{Transactions: []*wire.MsgTx{cb, spend}}

	if WitnessCommitmentIndex(cb) != -1 {
		t.Fatal("commitment found before one was added")
	}
	script := AddWitnessCommitment(block)
	idx := WitnessCommitmentIndex(cb)
	if idx != 1 || !bytes.Equal(cb.TxOut[idx].PkScript, script) ||
		len(script) != WitnessCommitmentScriptLen {
		t.Fatalf("commitment at %d: %x", idx, script)
	}
	nonce := cb.TxIn[0].Witness[0]
	wantRoot, _ := CalcMerkleRoot([]chainhash.Hash{{}, spend.WitnessHash()})
	root := WitnessMerkleRoot(block.Transactions, nil)
	if root != wantRoot {
		t.Errorf("witness root %v, want %v", root, wantRoot)
	}
	ids := []chainhash.Hash{cb.TxHash(), spend.TxHash()}
	if r := WitnessMerkleRoot(block.Transactions, ids); r != root {
		t.Errorf("witness root with txids %v, want %v", r, root)
	}
	c := WitnessCommitment(&root, nonce)
	if !bytes.Equal(script[6:], c[:]) {
		t.Errorf("commitment %x, want %x", script[6:], c)
	}
	if r, mutated := BlockMerkleRoot(block.Transactions); mutated || r != func() chainhash.Hash {
		x, _ := CalcMerkleRoot(ids)
		return x
	}() {
		t.Error("BlockMerkleRoot")
	}
	// The last matching output is the commitment, as in Core.
	cb.AddTxOut(wire.NewTxOut(0, append(append([]byte(nil), script...), 0xff)))
	if WitnessCommitmentIndex(cb) != 2 {
		t.Error("the last commitment output wins")
	}
}

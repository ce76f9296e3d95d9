package blockchain

import (
	"errors"
	"testing"
	"time"

	"github.com/btcsuite/btcd/btcec/v2"
	"github.com/btcsuite/btcd/btcec/v2/ecdsa"
	"github.com/tern-org/ternd/blockchain/standalone"
	"github.com/tern-org/ternd/chaincfg"
	"github.com/tern-org/ternd/txscript"
	"github.com/tern-org/ternd/wire"
)

// signetBlock builds a block (unsolved) on the signet genesis whose
// coinbase has a witness commitment followed by a signet header push.
func signetBlock(p *chaincfg.Params) *wire.MsgBlock {
	h := &testHarness{params: p}
	g := newBlockNode(&p.GenesisBlock.Header, nil)
	blk := h.makeBlock(g, nil, blockOpts{noSolve: true, mutate: func(b *wire.MsgBlock) {
		addWitnessCommitment(b)
		out := b.Transactions[0].TxOut[1]
		out.PkScript = appendPush(out.PkScript, signetHeader)
	}})
	return blk
}

// setSignetSolution writes scriptSig and witness as the block's solution.
func setSignetSolution(blk *wire.MsgBlock, sigScript []byte, witness wire.TxWitness) {
	sol := wire.AppendVarInt(nil, uint64(len(sigScript)))
	sol = append(sol, sigScript...)
	sol = wire.AppendVarInt(sol, uint64(len(witness)))
	for _, item := range witness {
		sol = wire.AppendVarInt(sol, uint64(len(item)))
		sol = append(sol, item...)
	}
	out := blk.Transactions[0].TxOut[1]
	_, cleared, _ := extractSignetSolution(out.PkScript)
	// Replace the header-only push (the last op) with header || solution.
	out.PkScript = appendPush(cleared[:len(cleared)-len(signetHeader)-1],
		append(append([]byte{}, signetHeader...), sol...))
	blk.Header.MerkleRoot, _ = standalone.BlockMerkleRoot(blk.Transactions)
}

// TestSignetBlockSolution signs a block for a P2WPKH challenge (BIP325) and
// checks the solution, a tampered block, and a trivial OP_TRUE challenge.
func TestSignetBlockSolution(t *testing.T) {
	key, err := btcec.NewPrivateKey()
	if err != nil {
		t.Fatal(err)
	}
	pub := key.PubKey().SerializeCompressed()
	pkh := txscript.Hash160(pub)
	challenge := append([]byte{txscript.OP_0, 0x14}, pkh...)
	p := chaincfg.CustomSignetParams(challenge, nil)
	b := &BlockChain{params: &p, timeSource: func() time.Time { return testClock }}

	blk := signetBlock(&p)
	hash := blk.BlockHash()
	err = b.checkSignetBlockSolution(blk, &hash)
	if !errors.Is(err, ErrBadSignetBlockSig) {
		t.Fatalf("unsigned block: %v", err)
	}
	_, toSign, err := signetTxs(blk, challenge)
	if err != nil {
		t.Fatal(err)
	}
	scriptCode := append([]byte{0x76, 0xa9, 0x14}, append(append([]byte{}, pkh...), 0x88, 0xac)...)
	sh, err := txscript.CalcWitnessSigHash(scriptCode, nil, txscript.SigHashAll, toSign, 0, 0)
	if err != nil {
		t.Fatal(err)
	}
	sig := append(ecdsa.Sign(key, sh).Serialize(), byte(txscript.SigHashAll))
	setSignetSolution(blk, nil, wire.TxWitness{sig, pub})
	hash = blk.BlockHash()
	if err := b.checkSignetBlockSolution(blk, &hash); err != nil {
		t.Fatalf("signed block: %v", err)
	}
	// The solution commits to the header's time.
	blk.Header.Timestamp = blk.Header.Timestamp.Add(time.Second)
	hash = blk.BlockHash()
	if err := b.checkSignetBlockSolution(blk, &hash); !errors.Is(err, ErrBadSignetBlockSig) {
		t.Fatalf("tampered block: %v", err)
	}
	// The genesis block needs no solution.
	g := *p.GenesisHash
	if err := b.checkSignetBlockSolution(p.GenesisBlock, &g); err != nil {
		t.Fatal(err)
	}
	// An OP_TRUE challenge accepts a block without a solution, but not one
	// without a witness commitment.
	pt := chaincfg.CustomSignetParams([]byte{txscript.OP_1}, nil)
	bt := &BlockChain{params: &pt}
	blk = signetBlock(&pt)
	hash = blk.BlockHash()
	if err := bt.checkSignetBlockSolution(blk, &hash); err != nil {
		t.Fatalf("OP_TRUE challenge: %v", err)
	}
	blk.Transactions[0].TxOut = blk.Transactions[0].TxOut[:1]
	if err := bt.checkSignetBlockSolution(blk, &hash); !errors.Is(err, ErrBadSignetBlockSig) {
		t.Fatalf("no commitment: %v", err)
	}
}

// TestSignetParsing covers malformed solutions.
func TestSignetParsing(t *testing.T) {
	tests := []struct {
		name string
		sol  []byte
	}{
		{"empty script length missing", []byte{}},
		{"script longer than data", []byte{5, 1}},
		{"non-canonical size", []byte{0xfd, 0x01, 0x00}},
		{"witness count too big", []byte{0, 9}},
		{"trailing bytes", []byte{0, 0, 7}},
	}
	pt := chaincfg.CustomSignetParams([]byte{txscript.OP_1}, nil)
	for _, tc := range tests {
		blk := signetBlock(&pt)
		out := blk.Transactions[0].TxOut[1]
		_, cleared, _ := extractSignetSolution(out.PkScript)
		out.PkScript = appendPush(cleared[:len(cleared)-len(signetHeader)-1],
			append(append([]byte{}, signetHeader...), append([]byte{0xaa}, tc.sol...)[1:]...))
		if len(tc.sol) == 0 {
			// A header with no data is not a solution at all.
			if _, _, err := signetTxs(blk, pt.SignetChallenge); err != nil {
				t.Errorf("%s: %v", tc.name, err)
			}
			continue
		}
		if _, _, err := signetTxs(blk, pt.SignetChallenge); err == nil {
			t.Errorf("%s: accepted", tc.name)
		}
	}
}

package standalone

import (
	"crypto/sha256"

	"github.com/btcsuite/btcd/chaincfg/chainhash"
	"github.com/tern-org/ternd/wire"
)

// witnessCommitmentHeader is the start of a BIP141 witness commitment output
// script: OP_RETURN, a 36-byte push, and the 0xaa21a9ed tag.
var witnessCommitmentHeader = [6]byte{0x6a, 0x24, 0xaa, 0x21, 0xa9, 0xed}

// WitnessCommitmentScriptLen is the length of a commitment output script:
// the 6-byte header and the 32-byte commitment.
const WitnessCommitmentScriptLen = 38

// hashMerkleBranches returns sha256d(left || right).
func hashMerkleBranches(left, right *chainhash.Hash) chainhash.Hash {
	var buf [2 * chainhash.HashSize]byte
	copy(buf[:chainhash.HashSize], left[:])
	copy(buf[chainhash.HashSize:], right[:])
	first := sha256.Sum256(buf[:])
	return sha256.Sum256(first[:])
}

// CalcMerkleRoot returns the merkle root of hashes (Core's ComputeMerkleRoot)
// and whether the tree is mutated: two identical hashes paired at some level,
// the ambiguity of CVE-2012-2459 that lets a duplicated transaction list keep
// the same root. hashes is used as scratch space and is overwritten; one
// spare element of capacity saves a copy when a level has an odd count.
func CalcMerkleRoot(hashes []chainhash.Hash) (root chainhash.Hash, mutated bool) {
	if len(hashes) == 0 {
		return chainhash.Hash{}, false
	}
	for len(hashes) > 1 {
		for i := 0; i+1 < len(hashes); i += 2 {
			if hashes[i] == hashes[i+1] {
				mutated = true
			}
		}
		if len(hashes)%2 == 1 {
			hashes = append(hashes, hashes[len(hashes)-1])
		}
		for i := 0; i < len(hashes)/2; i++ {
			hashes[i] = hashMerkleBranches(&hashes[2*i], &hashes[2*i+1])
		}
		hashes = hashes[:len(hashes)/2]
	}
	return hashes[0], mutated
}

// BlockMerkleRoot computes the merkle root of a block's transactions and
// whether the tree is mutated.
func BlockMerkleRoot(txs []*wire.MsgTx) (chainhash.Hash, bool) {
	hashes := make([]chainhash.Hash, len(txs), len(txs)+1)
	for i, tx := range txs {
		hashes[i] = tx.TxHash()
	}
	return CalcMerkleRoot(hashes)
}

// WitnessMerkleRoot computes the BIP141 witness root: the merkle root of the
// wtxids with the coinbase's replaced by zero. txHashes, when it holds the
// txids of all of txs, saves hashing the transactions without witness data,
// whose wtxid is their txid; pass nil otherwise.
func WitnessMerkleRoot(txs []*wire.MsgTx, txHashes []chainhash.Hash) chainhash.Hash {
	hashes := make([]chainhash.Hash, len(txs), len(txs)+1)
	for i, tx := range txs {
		switch {
		case i == 0:
		case len(txHashes) == len(txs) && !tx.HasWitness():
			hashes[i] = txHashes[i]
		default:
			hashes[i] = tx.WitnessHash()
		}
	}
	root, _ := CalcMerkleRoot(hashes)
	return root
}

// WitnessCommitmentIndex returns the index of the coinbase output holding
// the witness commitment (the last matching one, as Core), or -1.
func WitnessCommitmentIndex(coinbase *wire.MsgTx) int {
	idx := -1
	for i, out := range coinbase.TxOut {
		s := out.PkScript
		if len(s) >= WitnessCommitmentScriptLen && [6]byte(s[:6]) == witnessCommitmentHeader {
			idx = i
		}
	}
	return idx
}

// WitnessCommitment returns sha256d(witnessRoot || nonce), the 32 bytes a
// commitment output carries after its 6-byte header.
func WitnessCommitment(witnessRoot *chainhash.Hash, nonce []byte) chainhash.Hash {
	buf := make([]byte, 0, 64)
	buf = append(buf, witnessRoot[:]...)
	buf = append(buf, nonce...)
	return chainhash.DoubleHashH(buf)
}

// WitnessCommitmentScript returns the output script that commits to
// witnessRoot with nonce: the header, then the commitment.
func WitnessCommitmentScript(witnessRoot *chainhash.Hash, nonce []byte) []byte {
	c := WitnessCommitment(witnessRoot, nonce)
	script := make([]byte, 0, WitnessCommitmentScriptLen)
	script = append(script, witnessCommitmentHeader[:]...)
	return append(script, c[:]...)
}

// AddWitnessCommitment gives the block's coinbase the BIP141 reserved value
// (32 zero bytes) as its witness and appends the commitment output, for
// block builders (templates, test generators). Call it once the block's
// transactions are final; the header's merkle root must be computed after
// it. It returns the commitment output script.
func AddWitnessCommitment(block *wire.MsgBlock) []byte {
	coinbase := block.Transactions[0]
	nonce := make([]byte, 32)
	coinbase.TxIn[0].Witness = wire.TxWitness{nonce}
	root := WitnessMerkleRoot(block.Transactions, nil)
	script := WitnessCommitmentScript(&root, nonce)
	coinbase.AddTxOut(&wire.TxOut{Value: 0, PkScript: script})
	return script
}

package blockfilter

import (
	"fmt"

	"github.com/btcsuite/btcd/chaincfg/chainhash"
	"github.com/tern-org/ternd/wire"
)

// Parameters of BIP158's basic filter.
const (
	// BasicType is the basic filter's type byte in BIP157 messages and
	// the "basic" filtertype of the RPCs.
	BasicType = 0

	// BasicP is the Golomb-Rice parameter of the basic filter.
	BasicP = 19

	// BasicM is the inverse false-positive rate of the basic filter.
	BasicM = 784931
)

// opReturn is the opcode whose outputs the basic filter leaves out: they
// can never be spent, so no wallet watches them.
const opReturn = 0x6a

// BlockKey returns the SipHash key of a block's filters: the first 16
// bytes of its hash in internal byte order.
func BlockKey(hash *chainhash.Hash) Key {
	var k Key
	copy(k[:], hash[:KeySize])
	return k
}

// BasicItems returns the items of the basic filter of block: every output
// script that is neither empty nor starts with OP_RETURN, and every
// non-empty script in spent, the scripts of the outputs the block's
// non-coinbase inputs spend in block order. Duplicates are left for New to
// drop. It fails with ErrSpentCount when spent does not have one script per
// non-coinbase input.
func BasicItems(block *wire.MsgBlock, spent [][]byte) ([][]byte, error) {
	inputs := 0
	outputs := 0
	for i, tx := range block.Transactions {
		if i > 0 {
			inputs += len(tx.TxIn)
		}
		outputs += len(tx.TxOut)
	}
	if inputs != len(spent) {
		return nil, filterError(ErrSpentCount, fmt.Sprintf("block %s has %d spending inputs, "+
			"%d spent scripts given", block.BlockHash(), inputs, len(spent)))
	}
	items := make([][]byte, 0, outputs+len(spent))
	for _, tx := range block.Transactions {
		for _, out := range tx.TxOut {
			if len(out.PkScript) == 0 || out.PkScript[0] == opReturn {
				continue
			}
			items = append(items, out.PkScript)
		}
	}
	for _, s := range spent {
		if len(s) > 0 {
			items = append(items, s)
		}
	}
	return items, nil
}

// BuildBasic returns the basic filter of block, whose hash is hash, given
// the scripts its non-coinbase inputs spend in block order (see
// BasicItems).
func BuildBasic(block *wire.MsgBlock, hash *chainhash.Hash, spent [][]byte) (*Filter, error) {
	items, err := BasicItems(block, spent)
	if err != nil {
		return nil, err
	}
	return New(BasicP, BasicM, BlockKey(hash), items)
}

// FilterHash returns the hash of a serialized filter: double SHA-256 of
// its bytes, CompactSize(N) included.
func FilterHash(raw []byte) chainhash.Hash {
	return chainhash.DoubleHashH(raw)
}

// MakeHeader returns the filter header of a block: double SHA-256 of its
// filter hash followed by the previous block's filter header (all zeros
// for the genesis block).
func MakeHeader(filterHash, prevHeader *chainhash.Hash) chainhash.Hash {
	var buf [2 * chainhash.HashSize]byte
	copy(buf[:], filterHash[:])
	copy(buf[chainhash.HashSize:], prevHeader[:])
	return chainhash.DoubleHashH(buf[:])
}

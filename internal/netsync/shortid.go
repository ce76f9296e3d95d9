package netsync

import (
	"crypto/sha256"
	"encoding/binary"

	"github.com/btcsuite/btcd/chaincfg/chainhash"
	"github.com/tern-org/ternd/internal/siphash"
	"github.com/tern-org/ternd/wire"
)

// CompactBlockVersion is the only BIP152 version ternd speaks: version 2,
// whose short ids are of wtxids (Core's CMPCTBLOCKS_VERSION).
const CompactBlockVersion = 2

// shortIDMask keeps the low 48 bits of a SipHash: a BIP152 short id.
const shortIDMask = 1<<48 - 1

// ShortIDKeys returns the SipHash-2-4 keys of a compact block's short ids:
// the first 16 bytes of SHA256(header || nonce), as two little-endian
// 64-bit integers (BIP152).
func ShortIDKeys(header *wire.BlockHeader, nonce uint64) (k0, k1 uint64) {
	buf := make([]byte, 0, wire.MaxBlockHeaderPayload+8)
	buf = header.AppendBytes(buf)
	buf = binary.LittleEndian.AppendUint64(buf, nonce)
	sum := sha256.Sum256(buf)
	return binary.LittleEndian.Uint64(sum[0:8]), binary.LittleEndian.Uint64(sum[8:16])
}

// ShortID returns the 6-byte short id (in the low 48 bits) of a wtxid
// under the keys of ShortIDKeys.
func ShortID(k0, k1 uint64, wtxid *chainhash.Hash) uint64 {
	return siphash.Hash256(k0, k1, (*[32]byte)(wtxid)) & shortIDMask
}

// NewCompactBlock builds the version-2 compact block of block with nonce:
// the coinbase prefilled, every other transaction by the short id of its
// wtxid (Core's CBlockHeaderAndShortTxIDs).
func NewCompactBlock(block *wire.MsgBlock, nonce uint64) *wire.MsgCmpctBlock {
	msg := &wire.MsgCmpctBlock{Header: block.Header, Nonce: nonce}
	if len(block.Transactions) == 0 {
		return msg
	}
	k0, k1 := ShortIDKeys(&block.Header, nonce)
	msg.PrefilledTxs = []wire.PrefilledTx{{Index: 0, Tx: block.Transactions[0]}}
	msg.ShortIDs = make([]uint64, 0, len(block.Transactions)-1)
	for _, tx := range block.Transactions[1:] {
		w := tx.WitnessHash()
		msg.ShortIDs = append(msg.ShortIDs, ShortID(k0, k1, &w))
	}
	return msg
}

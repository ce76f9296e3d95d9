package netsync

import (
	"crypto/sha256"
	"encoding/binary"
	"math/bits"

	"github.com/btcsuite/btcd/chaincfg/chainhash"
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
	return sipHash256(k0, k1, wtxid) & shortIDMask
}

// sipRound is one SipHash round.
func sipRound(v0, v1, v2, v3 uint64) (uint64, uint64, uint64, uint64) {
	v0 += v1
	v1 = bits.RotateLeft64(v1, 13)
	v1 ^= v0
	v0 = bits.RotateLeft64(v0, 32)
	v2 += v3
	v3 = bits.RotateLeft64(v3, 16)
	v3 ^= v2
	v0 += v3
	v3 = bits.RotateLeft64(v3, 21)
	v3 ^= v0
	v2 += v1
	v1 = bits.RotateLeft64(v1, 17)
	v1 ^= v2
	v2 = bits.RotateLeft64(v2, 32)
	return v0, v1, v2, v3
}

// sipHash24 is SipHash-2-4 of msg under the key (k0, k1), the general
// form, kept for the reference vectors that check sipHash256.
func sipHash24(k0, k1 uint64, msg []byte) uint64 {
	v0 := k0 ^ 0x736f6d6570736575
	v1 := k1 ^ 0x646f72616e646f6d
	v2 := k0 ^ 0x6c7967656e657261
	v3 := k1 ^ 0x7465646279746573
	n := len(msg)
	for len(msg) >= 8 {
		m := binary.LittleEndian.Uint64(msg)
		v3 ^= m
		v0, v1, v2, v3 = sipRound(v0, v1, v2, v3)
		v0, v1, v2, v3 = sipRound(v0, v1, v2, v3)
		v0 ^= m
		msg = msg[8:]
	}
	last := uint64(n) << 56
	for i, b := range msg {
		last |= uint64(b) << (8 * i)
	}
	v3 ^= last
	v0, v1, v2, v3 = sipRound(v0, v1, v2, v3)
	v0, v1, v2, v3 = sipRound(v0, v1, v2, v3)
	v0 ^= last
	v2 ^= 0xff
	for i := 0; i < 4; i++ {
		v0, v1, v2, v3 = sipRound(v0, v1, v2, v3)
	}
	return v0 ^ v1 ^ v2 ^ v3
}

// sipHash256 is SipHash-2-4 of a 32-byte hash, unrolled without
// allocation (Core's SipHashUint256): the hot loop of reconstruction runs
// it once per pooled transaction.
func sipHash256(k0, k1 uint64, h *chainhash.Hash) uint64 {
	v0 := k0 ^ 0x736f6d6570736575
	v1 := k1 ^ 0x646f72616e646f6d
	v2 := k0 ^ 0x6c7967656e657261
	v3 := k1 ^ 0x7465646279746573
	for i := 0; i < 32; i += 8 {
		m := binary.LittleEndian.Uint64(h[i:])
		v3 ^= m
		v0, v1, v2, v3 = sipRound(v0, v1, v2, v3)
		v0, v1, v2, v3 = sipRound(v0, v1, v2, v3)
		v0 ^= m
	}
	const last = uint64(32) << 56
	v3 ^= last
	v0, v1, v2, v3 = sipRound(v0, v1, v2, v3)
	v0, v1, v2, v3 = sipRound(v0, v1, v2, v3)
	v0 ^= last
	v2 ^= 0xff
	for i := 0; i < 4; i++ {
		v0, v1, v2, v3 = sipRound(v0, v1, v2, v3)
	}
	return v0 ^ v1 ^ v2 ^ v3
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

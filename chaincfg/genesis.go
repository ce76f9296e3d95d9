package chaincfg

import (
	"encoding/hex"
	"time"

	"github.com/btcsuite/btcd/chaincfg/chainhash"
	"github.com/tern-org/ternd/wire"
)

// genesisReward is the 50 BTC output of every genesis coinbase, in satoshis.
const genesisReward = 50 * 1e8

// pushData returns the script push of b as Bitcoin Core's CScript << vector
// writes it: a direct push below 76 bytes, OP_PUSHDATA1 up to 255.
func pushData(b []byte) []byte {
	if len(b) < 0x4c {
		return append([]byte{byte(len(b))}, b...)
	}
	return append([]byte{0x4c, byte(len(b))}, b...)
}

// mustHex decodes constant hex; it panics only on a programming error in
// this package's own constants.
func mustHex(s string) []byte {
	b, err := hex.DecodeString(s)
	if err != nil {
		panic("chaincfg: bad hex constant " + s)
	}
	return b
}

// newHashFromStr parses a constant display-order hash.
func newHashFromStr(s string) *chainhash.Hash {
	h, err := chainhash.NewHashFromStr(s)
	if err != nil {
		panic("chaincfg: bad hash constant " + s)
	}
	return h
}

// genesisCoinbase builds a genesis coinbase as Bitcoin Core's
// CreateGenesisBlock does: the script pushes 486604799 (0x1d00ffff), the
// number 4 and the timestamp message, and one 50 BTC output pays
// outputScript.
func genesisCoinbase(message string, outputScript []byte) *wire.MsgTx {
	script := pushData([]byte{0xff, 0xff, 0x00, 0x1d}) // CScriptNum(486604799)
	script = append(script, pushData([]byte{0x04})...) // CScriptNum(4)
	script = append(script, pushData([]byte(message))...)
	tx := wire.NewMsgTx(1)
	tx.AddTxIn(&wire.TxIn{
		PreviousOutPoint: wire.OutPoint{Index: wire.MaxPrevOutIndex},
		SignatureScript:  script,
		Sequence:         wire.MaxTxInSequenceNum,
	})
	tx.AddTxOut(wire.NewTxOut(genesisReward, outputScript))
	return tx
}

// genesisBlock builds a genesis block around coinbase; the merkle root of a
// single transaction is its txid.
func genesisBlock(coinbase *wire.MsgTx, timestamp int64, bits, nonce uint32) *wire.MsgBlock {
	return &wire.MsgBlock{
		Header: wire.BlockHeader{
			Version:    1,
			MerkleRoot: coinbase.TxHash(),
			Timestamp:  time.Unix(timestamp, 0),
			Bits:       bits,
			Nonce:      nonce,
		},
		Transactions: []*wire.MsgTx{coinbase},
	}
}

// satoshiMessage and satoshiKey make the coinbase of the mainnet, testnet3,
// signet and regtest genesis blocks.
const (
	satoshiMessage = "The Times 03/Jan/2009 Chancellor on brink of second bailout for banks"
	satoshiKey     = "04678afdb0fe5548271967f1a67130b7105cd6a828e03909a67962e0ea1f61deb649" +
		"f6bc3f4cef38c4f35504e51ec112de5c384df7ba0b8d578a4c702b6bf11d5f"
	testnet4Message = "03/May/2024 000000000000000000001ebd58c244970b3aa9d783bb001011fbe8ea8e98e00e"
)

// satoshiCoinbase returns a fresh copy of the original genesis coinbase.
func satoshiCoinbase() *wire.MsgTx {
	return genesisCoinbase(satoshiMessage, append(pushData(mustHex(satoshiKey)), 0xac))
}

// testnet4Coinbase returns the testnet4 genesis coinbase, which pays a
// 33-byte all-zero key with OP_CHECKSIG.
func testnet4Coinbase() *wire.MsgTx {
	return genesisCoinbase(testnet4Message, append(pushData(make([]byte, 33)), 0xac))
}

// The genesis blocks of the five networks and their hashes, computed.
var (
	genesisBlockMain     = genesisBlock(satoshiCoinbase(), 1231006505, 0x1d00ffff, 2083236893)
	genesisHashMain      = genesisBlockMain.BlockHash()
	genesisBlockTestNet3 = genesisBlock(satoshiCoinbase(), 1296688602, 0x1d00ffff, 414098458)
	genesisHashTestNet3  = genesisBlockTestNet3.BlockHash()
	genesisBlockTestNet4 = genesisBlock(testnet4Coinbase(), 1714777860, 0x1d00ffff, 393743547)
	genesisHashTestNet4  = genesisBlockTestNet4.BlockHash()
	genesisBlockSigNet   = genesisBlock(satoshiCoinbase(), 1598918400, 0x1e0377ae, 52613770)
	genesisHashSigNet    = genesisBlockSigNet.BlockHash()
	genesisBlockRegTest  = genesisBlock(satoshiCoinbase(), 1296688602, 0x207fffff, 2)
	genesisHashRegTest   = genesisBlockRegTest.BlockHash()
)

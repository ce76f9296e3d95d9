package main

import (
	"bufio"
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"time"

	"github.com/btcsuite/btcd/btcec/v2"
	"github.com/btcsuite/btcd/btcec/v2/ecdsa"
	"github.com/tern-org/ternd/chaincfg"
	"github.com/tern-org/ternd/txscript"
	"github.com/tern-org/ternd/wire"
)

// chainSpec is what the generated chain depends on; it names the cache file.
type chainSpec struct {
	blocks     int  // blocks after genesis
	txPerBlock int  // spends per block after the split
	pool       int  // outputs of the split transaction
	signed     bool // P2WPKH outputs and real signatures (else OP_TRUE)
}

// cacheName is the cache file's name for s.
func (s chainSpec) cacheName() string {
	return fmt.Sprintf("syncbench-v1-b%d-t%d-p%d-s%t.blocks", s.blocks, s.txPerBlock, s.pool, s.signed)
}

// genChain is a generated chain: serialized blocks in height order from 1.
type genChain struct {
	blocks [][]byte
	txs    int
	tip    string // hash of the last block, hex in RPC byte order
}

// signer pays pool outputs to one key's P2WPKH script and signs spends.
type signer struct {
	key        *btcec.PrivateKey
	pub        []byte
	pkScript   []byte
	scriptCode []byte
}

// newSigner makes a signer with a fixed key.
func newSigner() *signer {
	key, _ := btcec.PrivKeyFromBytes(bytes.Repeat([]byte{0x42}, 32))
	pub := key.PubKey().SerializeCompressed()
	pkh := txscript.Hash160(pub)
	return &signer{
		key:        key,
		pub:        pub,
		pkScript:   append([]byte{0x00, 0x14}, pkh...),
		scriptCode: append(append([]byte{0x76, 0xa9, 0x14}, pkh...), 0x88, 0xac),
	}
}

// sign gives input 0 of tx (spending value) its witness.
func (s *signer) sign(tx *wire.MsgTx, value int64) error {
	hash, err := txscript.CalcWitnessSigHash(s.scriptCode, nil, txscript.SigHashAll, tx, 0, value)
	if err != nil {
		return err
	}
	sig := append(ecdsa.Sign(s.key, hash).Serialize(), byte(txscript.SigHashAll))
	tx.TxIn[0].Witness = wire.TxWitness{sig, s.pub}
	return nil
}

// makeChain generates the chain of s whose tip is ten minutes before now.
func makeChain(s chainSpec, now time.Time) (*genChain, error) {
	if s.blocks < 103 || s.txPerBlock < 1 || s.pool < s.txPerBlock {
		return nil, errors.New("chain: need at least 103 blocks, 1 spend per block and a pool of at least one block's spends")
	}
	params := chaincfg.RegressionNetParams
	m := newBlockMaker(&params)
	const spacing = 600
	genesis := params.GenesisBlock.Header.Timestamp.Unix()
	firstDelta := now.Unix() - 600 - int64(s.blocks-1)*spacing - genesis
	if firstDelta < 1 {
		firstDelta = 1
	}
	var sg *signer
	outScript := opTrue
	if s.signed {
		sg = newSigner()
		outScript = sg.pkScript
	}
	c := &genChain{}
	var last *wire.MsgBlock
	add := func(blk *wire.MsgBlock) {
		c.blocks = append(c.blocks, blk.Bytes())
		c.txs += len(blk.Transactions)
		last = blk
	}
	first := m.next(nil, 0, firstDelta, false)
	add(first)
	for i := 1; i < 101; i++ {
		add(m.next(nil, 0, spacing, false))
	}
	// The split: the first coinbase into s.pool equal outputs.
	cbValue := first.Transactions[0].TxOut[0].Value
	split := wire.NewMsgTx(2)
	split.AddTxIn(&wire.TxIn{PreviousOutPoint: wire.OutPoint{Hash: first.Transactions[0].TxHash()},
		Sequence: wire.MaxTxInSequenceNum})
	each := cbValue / int64(s.pool)
	for range s.pool {
		split.AddTxOut(&wire.TxOut{Value: each, PkScript: outScript})
	}
	add(m.next([]*wire.MsgTx{split}, cbValue-each*int64(s.pool), spacing, false))
	type coin struct {
		op    wire.OutPoint
		value int64
	}
	pool := make([]coin, 0, s.pool)
	h := split.TxHash()
	for i := range split.TxOut {
		pool = append(pool, coin{wire.OutPoint{Hash: h, Index: uint32(i)}, each})
	}
	const fee = 200 // about 2 sat/vB for a P2WPKH spend
	for len(c.blocks) < s.blocks {
		txs := make([]*wire.MsgTx, 0, s.txPerBlock)
		for range s.txPerBlock {
			in := pool[0]
			pool = pool[1:]
			tx := spendTx(in.op, in.value, fee, outScript)
			if sg != nil {
				if err := sg.sign(tx, in.value); err != nil {
					return nil, err
				}
			}
			txs = append(txs, tx)
			pool = append(pool, coin{wire.OutPoint{Hash: tx.TxHash()}, tx.TxOut[0].Value})
		}
		add(m.next(txs, fee*int64(len(txs)), spacing, sg != nil))
	}
	hash := last.BlockHash()
	c.tip = hash.String()
	return c, nil
}

// cacheMagic starts a cache file.
const cacheMagic = "syncbench-chain-v1\n"

// maxCachedBlock bounds one block read back from the cache.
const maxCachedBlock = 4 << 20

// writeChain writes c to w: the magic, the block count, then each block
// as a 4-byte little-endian length and its bytes.
func writeChain(w io.Writer, c *genChain) error {
	bw := bufio.NewWriter(w)
	bw.WriteString(cacheMagic)
	var n [4]byte
	binary.LittleEndian.PutUint32(n[:], uint32(len(c.blocks)))
	bw.Write(n[:])
	for _, b := range c.blocks {
		binary.LittleEndian.PutUint32(n[:], uint32(len(b)))
		bw.Write(n[:])
		bw.Write(b)
	}
	return bw.Flush()
}

// readChain reads what writeChain wrote, decoding every block to count
// transactions and find the tip.
func readChain(r io.Reader) (*genChain, error) {
	br := bufio.NewReader(r)
	magic := make([]byte, len(cacheMagic))
	if _, err := io.ReadFull(br, magic); err != nil || string(magic) != cacheMagic {
		return nil, errors.New("chain cache: bad magic")
	}
	var n [4]byte
	if _, err := io.ReadFull(br, n[:]); err != nil {
		return nil, fmt.Errorf("chain cache: %w", err)
	}
	count := binary.LittleEndian.Uint32(n[:])
	c := &genChain{}
	for i := uint32(0); i < count; i++ {
		if _, err := io.ReadFull(br, n[:]); err != nil {
			return nil, fmt.Errorf("chain cache: block %d: %w", i, err)
		}
		size := binary.LittleEndian.Uint32(n[:])
		if size > maxCachedBlock {
			return nil, fmt.Errorf("chain cache: block %d of %d bytes", i, size)
		}
		b := make([]byte, size)
		if _, err := io.ReadFull(br, b); err != nil {
			return nil, fmt.Errorf("chain cache: block %d: %w", i, err)
		}
		blk := new(wire.MsgBlock)
		if _, err := blk.DeserializeBytes(b); err != nil {
			return nil, fmt.Errorf("chain cache: block %d: %w", i, err)
		}
		c.blocks = append(c.blocks, b)
		c.txs += len(blk.Transactions)
		if i == count-1 {
			h := blk.BlockHash()
			c.tip = h.String()
		}
	}
	if len(c.blocks) == 0 {
		return nil, errors.New("chain cache: no blocks")
	}
	return c, nil
}

// cacheDir is where generated chains are kept: the user cache folder, or
// the temporary folder when there is none.
func cacheDir() string {
	if d, err := os.UserCacheDir(); err == nil {
		return filepath.Join(d, "ternd-syncbench")
	}
	return filepath.Join(os.TempDir(), "ternd-syncbench")
}

// loadOrMakeChain reads the chain of s from dir, or generates it and
// writes it there (through a temporary file, renamed into place).
func loadOrMakeChain(s chainSpec, dir string) (*genChain, bool, error) {
	path := filepath.Join(dir, s.cacheName())
	if f, err := os.Open(path); err == nil {
		c, err := readChain(f)
		f.Close()
		if err == nil {
			return c, true, nil
		}
		logf("ignoring cache %s: %v", path, err)
	}
	c, err := makeChain(s, time.Now())
	if err != nil {
		return nil, false, err
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return c, false, nil // the cache is only a convenience
	}
	f, err := os.CreateTemp(dir, "tmp-*")
	if err != nil {
		return c, false, nil
	}
	werr := writeChain(f, c)
	if cerr := f.Close(); werr == nil {
		werr = cerr
	}
	if werr == nil {
		werr = os.Rename(f.Name(), path)
	}
	if werr != nil {
		os.Remove(f.Name())
		logf("not caching the chain: %v", werr)
	}
	return c, false, nil
}

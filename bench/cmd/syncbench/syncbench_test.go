package main

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/btcsuite/btcd/chaincfg/chainhash"
	"github.com/tern-org/ternd/chaincfg"
	"github.com/tern-org/ternd/txscript"
	"github.com/tern-org/ternd/wire"
)

// checkChain checks the consensus rules a syncing node applies to the
// generated blocks, short of a full node: headers link from genesis, meet
// the target, carry the right merkle root and times after the parent;
// coinbases carry their BIP34 height and pay at most subsidy plus fees;
// every input spends an unspent output, outputs never exceed inputs, and
// every input's script passes ternd's script engine with the standard
// flags (witness included); blocks with witness data carry a correct BIP141
// commitment. It returns the number of transactions. (The module cannot
// import ternd's blockchain, whose goleveldb is not in bench/go.sum; the
// end-to-end run, where ternd and btcd both accept the chain over P2P, is
// the full check.)
func checkChain(blocks [][]byte, params *chaincfg.Params, now time.Time) (int, error) {
	utxos := map[wire.OutPoint]*wire.TxOut{}
	prev := *params.GenesisHash
	prevTime := params.GenesisBlock.Header.Timestamp
	target := compactToBig(params.PowLimitBits)
	m := newBlockMaker(params)
	txs := 0
	for i, raw := range blocks {
		height := int32(i + 1)
		blk := new(wire.MsgBlock)
		if _, err := blk.DeserializeBytes(raw); err != nil {
			return 0, fmt.Errorf("block %d: %v", height, err)
		}
		hdr := blk.Header
		if hdr.PrevBlock != prev {
			return 0, fmt.Errorf("block %d: prev %s, want %s", height, hdr.PrevBlock, prev)
		}
		h := blk.BlockHash()
		if hashToBig(&h).Cmp(target) > 0 {
			return 0, fmt.Errorf("block %d: hash above the target", height)
		}
		if !hdr.Timestamp.After(prevTime) || hdr.Timestamp.After(now) {
			return 0, fmt.Errorf("block %d: time %v (parent %v, now %v)", height, hdr.Timestamp, prevTime, now)
		}
		if hdr.MerkleRoot != txRoot(blk.Transactions) {
			return 0, fmt.Errorf("block %d: bad merkle root", height)
		}
		cb := blk.Transactions[0]
		if !bytes.HasPrefix(cb.TxIn[0].SignatureScript, heightScript(height)) {
			return 0, fmt.Errorf("block %d: coinbase without its height", height)
		}
		var fees int64
		hasWitness := false
		for j, tx := range blk.Transactions[1:] {
			if tx.HasWitness() {
				hasWitness = true
			}
			var in int64
			spent := make([]*wire.TxOut, len(tx.TxIn))
			for k, ti := range tx.TxIn {
				out, ok := utxos[ti.PreviousOutPoint]
				if !ok {
					return 0, fmt.Errorf("block %d tx %d input %d: spends a missing output", height, j+1, k)
				}
				spent[k] = out
				in += out.Value
			}
			fetcher := txscript.NewMultiPrevOutFetcher(nil)
			for k, ti := range tx.TxIn {
				fetcher.AddPrevOut(ti.PreviousOutPoint, spent[k])
			}
			hashes := txscript.NewTxSigHashes(tx, fetcher)
			for k := range tx.TxIn {
				e, err := txscript.NewEngine(spent[k].PkScript, tx, k, txscript.StandardVerifyFlags,
					nil, hashes, spent[k].Value, fetcher)
				if err == nil {
					err = e.Execute()
				}
				if err != nil {
					return 0, fmt.Errorf("block %d tx %d input %d: %v", height, j+1, k, err)
				}
				delete(utxos, tx.TxIn[k].PreviousOutPoint)
			}
			var out int64
			for _, o := range tx.TxOut {
				out += o.Value
			}
			if out > in {
				return 0, fmt.Errorf("block %d tx %d: outputs %d above inputs %d", height, j+1, out, in)
			}
			fees += in - out
		}
		var cbOut int64
		for _, o := range cb.TxOut {
			cbOut += o.Value
		}
		if cbOut > m.subsidy(height)+fees {
			return 0, fmt.Errorf("block %d: coinbase pays %d, more than %d", height, cbOut, m.subsidy(height)+fees)
		}
		if hasWitness {
			root := witnessRoot(blk.Transactions)
			w := cb.TxIn[0].Witness
			if len(w) != 1 || len(w[0]) != 32 {
				return 0, fmt.Errorf("block %d: coinbase witness nonce missing", height)
			}
			c := chainhash.DoubleHashH(append(root[:], w[0]...))
			want := append([]byte{0x6a, 0x24, 0xaa, 0x21, 0xa9, 0xed}, c[:]...)
			if !bytes.Equal(cb.TxOut[len(cb.TxOut)-1].PkScript, want) {
				return 0, fmt.Errorf("block %d: bad witness commitment", height)
			}
		}
		for _, tx := range blk.Transactions {
			th := tx.TxHash()
			for k, o := range tx.TxOut {
				utxos[wire.OutPoint{Hash: th, Index: uint32(k)}] = o
			}
		}
		txs += len(blk.Transactions)
		prev, prevTime = h, hdr.Timestamp
	}
	return txs, nil
}

// TestMakeChain generates small chains, signed and not, and checks them
// block by block.
func TestMakeChain(t *testing.T) {
	now := time.Now()
	tests := []struct {
		name string
		spec chainSpec
		txs  int
	}{
		{"signed", chainSpec{blocks: 110, txPerBlock: 5, pool: 12, signed: true}, 110 + 1 + 8*5},
		{"op_true", chainSpec{blocks: 120, txPerBlock: 7, pool: 7, signed: false}, 120 + 1 + 18*7},
		// A halving inside the chain (regtest halves every 150 blocks).
		{"halving", chainSpec{blocks: 160, txPerBlock: 2, pool: 4, signed: true}, 160 + 1 + 58*2},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			c, err := makeChain(tc.spec, now)
			if err != nil {
				t.Fatal(err)
			}
			if len(c.blocks) != tc.spec.blocks || c.txs != tc.txs {
				t.Fatalf("%d blocks, %d txs; want %d, %d", len(c.blocks), c.txs, tc.spec.blocks, tc.txs)
			}
			got, err := checkChain(c.blocks, &chaincfg.RegressionNetParams, now)
			if err != nil {
				t.Fatal(err)
			}
			if got != c.txs {
				t.Fatalf("checked %d txs, chain says %d", got, c.txs)
			}
			last := new(wire.MsgBlock)
			if _, err := last.DeserializeBytes(c.blocks[len(c.blocks)-1]); err != nil {
				t.Fatal(err)
			}
			if h := last.BlockHash(); h.String() != c.tip {
				t.Fatalf("tip %s, last block %s", c.tip, h)
			}
			// The tip is recent: BIP16 by time in btcd, and out of
			// initial download for both nodes.
			if d := now.Sub(last.Header.Timestamp); d < 0 || d > time.Hour {
				t.Fatalf("tip %v before now", d)
			}
			t.Logf("%d blocks, %d transactions checked", len(c.blocks), got)
		})
	}
}

// TestCheckChainCatches makes sure checkChain notices a broken signature,
// a wrong merkle root, a spend of a missing output and an overpaying
// coinbase, so TestMakeChain's pass means something.
func TestCheckChainCatches(t *testing.T) {
	now := time.Now()
	c, err := makeChain(chainSpec{blocks: 104, txPerBlock: 2, pool: 4, signed: true}, now)
	if err != nil {
		t.Fatal(err)
	}
	params := &chaincfg.RegressionNetParams
	// Each damage rebuilds block 103 (the first with signed spends) so
	// proof of work and links still hold, and keeps only blocks 1-103.
	rebuild := func(damage func(m *blockMaker, txs []*wire.MsgTx) *wire.MsgBlock) [][]byte {
		blk := new(wire.MsgBlock)
		if _, err := blk.DeserializeBytes(c.blocks[102]); err != nil {
			t.Fatal(err)
		}
		m := newBlockMaker(params)
		prev := new(wire.MsgBlock)
		if _, err := prev.DeserializeBytes(c.blocks[101]); err != nil {
			t.Fatal(err)
		}
		m.tip, m.height, m.time = prev.BlockHash(), 102, prev.Header.Timestamp
		out := append([][]byte(nil), c.blocks[:102]...)
		return append(out, damage(m, blk.Transactions[1:]).Bytes())
	}
	cases := map[string]func(m *blockMaker, txs []*wire.MsgTx) *wire.MsgBlock{
		"bad signature": func(m *blockMaker, txs []*wire.MsgTx) *wire.MsgBlock {
			txs[0].TxIn[0].Witness[0][10] ^= 1
			return m.next(txs, 400, 600, true)
		},
		"bad merkle root": func(m *blockMaker, txs []*wire.MsgTx) *wire.MsgBlock {
			blk := m.next(txs, 400, 600, true)
			blk.Header.MerkleRoot[0] ^= 1
			return blk
		},
		"missing output": func(m *blockMaker, txs []*wire.MsgTx) *wire.MsgBlock {
			txs[0].TxIn[0].PreviousOutPoint.Index = 999
			return m.next(txs, 400, 600, true)
		},
		"coinbase overpays": func(m *blockMaker, txs []*wire.MsgTx) *wire.MsgBlock {
			return m.next(txs, 401, 600, true)
		},
	}
	intact := rebuild(func(m *blockMaker, txs []*wire.MsgTx) *wire.MsgBlock { return m.next(txs, 400, 600, true) })
	if _, err := checkChain(intact, params, now.Add(time.Hour)); err != nil {
		t.Fatalf("intact rebuild: %v", err)
	}
	for name, damage := range cases {
		if _, err := checkChain(rebuild(damage), params, now.Add(time.Hour)); err == nil {
			t.Errorf("%s: not caught", name)
		} else {
			t.Logf("%s: %v", name, err)
		}
	}
}

// TestMakeChainBadSpec rejects specifications that cannot make a chain.
func TestMakeChainBadSpec(t *testing.T) {
	for _, s := range []chainSpec{
		{blocks: 50, txPerBlock: 1, pool: 1},
		{blocks: 200, txPerBlock: 0, pool: 1},
		{blocks: 200, txPerBlock: 5, pool: 4},
	} {
		if _, err := makeChain(s, time.Now()); err == nil {
			t.Errorf("%+v: no error", s)
		}
	}
}

// TestChainCache writes a chain, reads it back (from the cache on the
// second call) and refuses damaged files.
func TestChainCache(t *testing.T) {
	dir := t.TempDir()
	s := chainSpec{blocks: 105, txPerBlock: 3, pool: 3, signed: true}
	c1, cached, err := loadOrMakeChain(s, dir)
	if err != nil || cached {
		t.Fatalf("first load: cached %v, err %v", cached, err)
	}
	c2, cached, err := loadOrMakeChain(s, dir)
	if err != nil || !cached {
		t.Fatalf("second load: cached %v, err %v", cached, err)
	}
	if c1.tip != c2.tip || c1.txs != c2.txs || len(c1.blocks) != len(c2.blocks) {
		t.Fatalf("cache changed the chain: %s/%d/%d vs %s/%d/%d", c1.tip, c1.txs, len(c1.blocks),
			c2.tip, c2.txs, len(c2.blocks))
	}
	for i := range c1.blocks {
		if !bytes.Equal(c1.blocks[i], c2.blocks[i]) {
			t.Fatalf("block %d differs", i+1)
		}
	}
	var buf bytes.Buffer
	if err := writeChain(&buf, c1); err != nil {
		t.Fatal(err)
	}
	good := buf.Bytes()
	bad := map[string][]byte{
		"empty":     nil,
		"magic":     append([]byte("x"), good[1:]...),
		"truncated": good[:len(good)-10],
		"huge":      append(append([]byte(cacheMagic), 1, 0, 0, 0), 0xff, 0xff, 0xff, 0xff),
		"no blocks": append([]byte(cacheMagic), 0, 0, 0, 0),
	}
	for name, data := range bad {
		if _, err := readChain(bytes.NewReader(data)); err == nil {
			t.Errorf("%s: no error", name)
		}
	}
	// A damaged cache file is regenerated.
	path := filepath.Join(dir, s.cacheName())
	if err := os.WriteFile(path, good[:40], 0o644); err != nil {
		t.Fatal(err)
	}
	c3, cached, err := loadOrMakeChain(s, dir)
	if err != nil || cached || c3.txs != c1.txs {
		t.Fatalf("damaged cache: cached %v, err %v", cached, err)
	}
}

// TestMedian checks medianOf and the per-node medians.
func TestMedian(t *testing.T) {
	floats := []struct {
		in   []float64
		want float64
	}{
		{nil, 0},
		{[]float64{3}, 3},
		{[]float64{5, 1, 3}, 3},
		{[]float64{4, 1, 3, 2}, 2.5},
	}
	for _, tc := range floats {
		in := append([]float64(nil), tc.in...)
		if got := medianOf(tc.in); got != tc.want {
			t.Errorf("medianOf(%v) = %v, want %v", tc.in, got, tc.want)
		}
		for i := range in {
			if in[i] != tc.in[i] {
				t.Errorf("medianOf changed its input")
			}
		}
	}
	if got := medianOf([]int64{7, 1, 100}); got != 7 {
		t.Errorf("int64 median %d", got)
	}
	runs := []result{
		{node: "ternd", blocks: 10, txs: 100, seconds: 3, cpu: 4 * time.Second, hwmKB: 300},
		{node: "btcd", blocks: 10, txs: 100, seconds: 9, cpu: 9 * time.Second, hwmKB: 900},
		{node: "ternd", blocks: 10, txs: 100, seconds: 1, cpu: 6 * time.Second, hwmKB: 100},
		{node: "btcd", blocks: 10, txs: 100, seconds: 7, cpu: 7 * time.Second, hwmKB: 700},
		{node: "ternd", blocks: 10, txs: 100, seconds: 2, cpu: 5 * time.Second, hwmKB: 200},
	}
	meds, counts := median(runs)
	want := []result{
		{node: "ternd", blocks: 10, txs: 100, seconds: 2, cpu: 5 * time.Second, hwmKB: 200},
		{node: "btcd", blocks: 10, txs: 100, seconds: 8, cpu: 8 * time.Second, hwmKB: 800},
	}
	if len(meds) != 2 || meds[0] != want[0] || meds[1] != want[1] || counts[0] != 3 || counts[1] != 2 {
		t.Fatalf("median = %+v %v, want %+v [3 2]", meds, counts, want)
	}
	if r := meds[0]; r.blocksPerSec() != 5 || r.txPerSec() != 50 {
		t.Errorf("rates %v %v", r.blocksPerSec(), r.txPerSec())
	}
	if (result{blocks: 1}).blocksPerSec() != 0 {
		t.Error("rate with no time")
	}
}

// TestPrintReport checks the tables' rows and the ternd ÷ btcd line.
func TestPrintReport(t *testing.T) {
	cfg := &config{spec: chainSpec{signed: true}, runs: 2, source: "ternd"}
	chain := &genChain{blocks: make([][]byte, 2000), txs: 100000}
	runs := []result{
		{node: "ternd", blocks: 2000, txs: 100000, seconds: 10, cpu: 15 * time.Second, hwmKB: 100 << 10, srcCPU: time.Second},
		{node: "btcd", blocks: 2000, txs: 100000, seconds: 20, cpu: 30 * time.Second, hwmKB: 200 << 10, srcCPU: 3 * time.Second},
		{node: "ternd", blocks: 2000, txs: 100000, seconds: 10, cpu: 15 * time.Second, hwmKB: 100 << 10},
		{node: "btcd", blocks: 2000, txs: 100000, seconds: 20, cpu: 30 * time.Second, hwmKB: 200 << 10, srcCPU: time.Second},
	}
	var out strings.Builder
	printReport(&out, cfg, chain, runs, "1 1 1", "2 2 2")
	s := out.String()
	for _, want := range []string{
		"2000 blocks, 100000 transactions (P2WPKH spends with real ECDSA signatures)",
		"| 2 | btcd | 20.00 | 100 | 5000 | 30.0 | 200.0 | 1.0 |",
		"| ternd | 2 | 10.00 | 200 | 10000 | 15.0 | 150 | 100.0 | 0.5 |",
		"| btcd | 2 | 20.00 | 100 | 5000 | 30.0 | 300 | 200.0 | 2.0 |",
		"| median | 2.00 | 0.50 | 0.50 |",
		"load average 1 1 1 -> 2 2 2",
	} {
		if !strings.Contains(s, want) {
			t.Errorf("report lacks %q:\n%s", want, s)
		}
	}
}

// TestCheckSubmitReplies accepts null results only.
func TestCheckSubmitReplies(t *testing.T) {
	tests := []struct {
		data string
		want int
		ok   bool
	}{
		{`[{"result":null,"error":null,"id":1},{"result":null,"id":2}]`, 2, true},
		{`[{"result":null,"error":null,"id":1}]`, 2, false},
		{`[{"result":"duplicate","error":null,"id":1}]`, 1, false},
		{`[{"result":null,"error":{"code":-22,"message":"bad"},"id":1}]`, 1, false},
		{`{"result":null}`, 1, false},
		{``, 0, false},
	}
	for i, tc := range tests {
		err := checkSubmitReplies([]byte(tc.data), tc.want)
		if (err == nil) != tc.ok {
			t.Errorf("case %d: err %v, want ok %v", i, err, tc.ok)
		}
	}
}

// TestSubmitBatchBody checks the batch's shape.
func TestSubmitBatchBody(t *testing.T) {
	got := string(submitBatchBody([][]byte{{0x01, 0xab}, {0xff}}, 7))
	want := `[{"jsonrpc":"2.0","id":7,"method":"submitblock","params":["01ab"]},` +
		`{"jsonrpc":"2.0","id":8,"method":"submitblock","params":["ff"]}]`
	if got != want {
		t.Fatalf("got %s\nwant %s", got, want)
	}
}

// TestParseFlags checks defaults and rejected values.
func TestParseFlags(t *testing.T) {
	cfg, err := parseFlags(nil)
	if err != nil {
		t.Fatal(err)
	}
	if cfg.spec != (chainSpec{blocks: 2000, txPerBlock: 52, pool: 10000, signed: true}) ||
		fmt.Sprint(cfg.nodes) != "[ternd btcd]" || cfg.source != "ternd" || cfg.runs != 1 {
		t.Fatalf("defaults %+v", cfg)
	}
	for _, args := range [][]string{
		{"-nodes", "bitcoind"}, {"-source", "x"}, {"-runs", "0"}, {"-src", "x"}, {"extra"},
	} {
		if _, err := parseFlags(args); err == nil {
			t.Errorf("%q: no error", args)
		}
	}
}

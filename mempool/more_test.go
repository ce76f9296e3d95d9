package mempool

import (
	"bytes"
	"encoding/binary"
	"math/rand"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/btcsuite/btcd/chaincfg/chainhash"
	"github.com/tern-org/ternd/txscript"
	"github.com/tern-org/ternd/wire"
)

func TestPersistence(t *testing.T) {
	h := newHarness(t, nil)
	coins := h.fund(4, 100000, 10, false)
	a := h.tx(coins[0:1], 99000)
	b := h.tx(outs(a), 98000)
	c := h.tx(coins[1:2], 99000)
	for _, tx := range []*wire.MsgTx{a, b, c} {
		h.mustAccept(tx)
	}
	bid := b.TxHash()
	h.pool.PrioritiseTransaction(&bid, 5000)
	var ghost chainhash.Hash
	ghost[0] = 1
	h.pool.PrioritiseTransaction(&ghost, -7)
	cid := c.TxHash()
	h.pool.AddUnbroadcast(&cid)
	h.pool.AddUnbroadcast(&ghost) // not pooled: ignored
	old := h.tx(coins[2:3], 99000)
	h.now = h.now.Add(-400 * time.Hour)
	h.mustAccept(old)
	h.now = h.now.Add(400 * time.Hour)

	path := filepath.Join(t.TempDir(), "mempool.dat")
	if err := h.pool.Dump(path); err != nil {
		t.Fatal(err)
	}
	entries, _ := os.ReadDir(filepath.Dir(path))
	if len(entries) != 1 {
		t.Fatalf("temporary file left: %v", entries)
	}

	// A fresh pool over the same chain: parents come before children in
	// the file, the old one has expired, deltas survive.
	h2 := newHarness(t, nil)
	h2.chain = h.chain
	h2.pool.cfg.FetchUTXO = h.chain.fetch
	st, err := h2.pool.Load(path)
	if err != nil {
		t.Fatal(err)
	}
	if st.Read != 4 || st.Accepted != 3 || st.Expired != 1 || len(st.Txs) != 3 {
		t.Fatalf("load stats %+v", st)
	}
	for _, d := range st.Txs {
		if !h2.pool.IsTransactionInPool(&d.TxHash) {
			t.Fatalf("load returned %v, not pooled", d.TxHash)
		}
	}
	d, ok := h2.pool.TxDesc(&bid)
	if !ok || d.FeeDelta != 5000 || d.AncestorCount != 2 {
		t.Fatalf("b after load: %+v", d)
	}
	if h2.pool.FeeDeltas()[ghost] != -7 {
		t.Fatal("ghost delta lost")
	}
	if u := h2.pool.Unbroadcast(); len(u) != 1 || u[0] != cid {
		t.Fatalf("unbroadcast %v", u)
	}
	h2.pool.RemoveTransaction(&cid, true)
	if h2.pool.Info().UnbroadcastCount != 0 {
		t.Fatal("removed tx still unbroadcast")
	}
	d0, _ := h.pool.TxDesc(&bid)
	if !d.Added.Equal(d0.Added) {
		t.Fatalf("time %v != %v", d.Added, d0.Added)
	}
	h2.checkInvariants()

	// Version 2 (XOR key) files load too.
	raw, _ := os.ReadFile(path)
	key := []byte{1, 2, 3, 4, 5, 6, 7, 8}
	var v2 bytes.Buffer
	binary.Write(&v2, binary.LittleEndian, uint64(2))
	v2.WriteByte(8)
	v2.Write(key)
	body := raw[8:]
	for i, ch := range body {
		v2.WriteByte(ch ^ key[(17+i)%8])
	}
	p2 := filepath.Join(t.TempDir(), "v2.dat")
	os.WriteFile(p2, v2.Bytes(), 0o600)
	h3 := newHarness(t, nil)
	h3.chain = h.chain
	h3.pool.cfg.FetchUTXO = h.chain.fetch
	if st, err := h3.pool.Load(p2); err != nil || st.Accepted != 3 {
		t.Fatalf("v2 load %+v %v", st, err)
	}
	// A missing file is fine; a bad version is not.
	if _, err := h3.pool.Load(filepath.Join(t.TempDir(), "none")); err != nil {
		t.Fatal(err)
	}
	os.WriteFile(p2, []byte{9, 0, 0, 0, 0, 0, 0, 0}, 0o600)
	if _, err := h3.pool.Load(p2); err == nil {
		t.Fatal("bad version loaded")
	}
}

func TestPrioritiseAndMiningOrder(t *testing.T) {
	h := newHarness(t, nil)
	coins := h.fund(3, 100000, 10, false)
	lowParent := h.tx(coins[0:1], 99900) // 100 sat
	h.mustAccept(lowParent)
	mid := h.tx(coins[1:2], 99000) // 1000 sat
	h.mustAccept(mid)
	// CPFP: a child paying 5000 lifts its parent's package above mid.
	child := h.tx(outs(lowParent), 94900)
	h.mustAccept(child)
	md := h.pool.MiningDescs()
	if md[0].TxHash != lowParent.TxHash() || md[len(md)-1].TxHash != mid.TxHash() {
		// lowParent's ancestor score is its own 100 sat (min of own and
		// ancestors); child's is (5100)/(2*vsize) which beats mid.
		t.Logf("order: %v %v %v", md[0].TxHash, md[1].TxHash, md[2].TxHash)
	}
	if md[0].TxHash != child.TxHash() {
		t.Fatalf("child package not first: %v", md[0].TxHash)
	}
	// Prioritise mid above everything.
	mh := mid.TxHash()
	h.pool.PrioritiseTransaction(&mh, 100000)
	if md := h.pool.MiningDescs(); md[0].TxHash != mh || md[0].ModifiedFee() != 101000 {
		t.Fatalf("prioritised tx not first")
	}
	h.checkInvariants()
	// A delta set before arrival applies on arrival, and can pay the
	// min relay fee.
	free := h.tx(coins[2:3], 100000)
	fh := free.TxHash()
	h.reject(free, ErrMinRelayFee)
	h.pool.PrioritiseTransaction(&fh, 1000)
	h.mustAccept(free)
	h.checkInvariants()
	var rates []FeeRate
	h.pool.ByFeeRate(func(d *TxDesc) bool {
		rates = append(rates, feeRateOf(d.ModifiedFee(), d.VSize))
		return true
	})
	for i := 1; i < len(rates); i++ {
		if rates[i] > rates[i-1] {
			t.Fatalf("fee-rate index out of order: %v", rates)
		}
	}
}

// TestRandomOperations drives the pool through random accepts,
// replacements, removals, blocks and prioritisations and checks the
// incremental bookkeeping against a recomputation after every step.
func TestRandomOperations(t *testing.T) {
	rng := rand.New(rand.NewSource(1))
	h := newHarness(t, func(c *Config) { c.Policy.MaxMempoolBytes = 20000 })
	var avail []spendable
	avail = append(avail, h.fund(40, 1000000, 10, false)...)
	steps := 600
	accepted, maxCount := 0, 0
	reasons := map[string]int{}
	if testing.Short() {
		steps = 150
	}
	for step := 0; step < steps; step++ {
		if step%10 == 0 {
			avail = append(avail, h.fund(5, 1000000, 10, false)...)
		}
		switch op := rng.Intn(12); {
		case op < 8 && len(avail) > 0:
			n := 1 + rng.Intn(2)
			if n > len(avail) {
				n = len(avail)
			}
			var ins []spendable
			var total int64
			for i := 0; i < n; i++ {
				k := rng.Intn(len(avail))
				ins = append(ins, avail[k])
				total += avail[k].amount
				if rng.Intn(4) != 0 { // sometimes keep it, to make conflicts
					avail = append(avail[:k], avail[k+1:]...)
				}
			}
			fee := int64(100 + rng.Intn(5000))
			nout := 1 + rng.Intn(3)
			vals := make([]int64, nout)
			for i := range vals {
				vals[i] = (total - fee) / int64(nout)
			}
			if vals[0] < 1000 {
				continue
			}
			tx := h.tx(ins, vals...)
			acc, _, err := h.pool.ProcessTransaction(tx, true, Tag(rng.Intn(3)))
			if err == nil {
				avail = append(avail, outs(tx)...)
			}
			accepted += len(acc)
			if err != nil {
				reasons[RejectReason(err)]++
			}
		case op == 8:
			ids := h.pool.TxHashes()
			if len(ids) > 0 && rng.Intn(3) == 0 {
				id := ids[rng.Intn(len(ids))]
				h.pool.RemoveTransaction(&id, true)
			}
		case op == 9:
			ids := h.pool.TxHashes()
			if len(ids) > 0 {
				id := ids[rng.Intn(len(ids))]
				h.pool.PrioritiseTransaction(&id, int64(rng.Intn(2000)-1000))
			}
		case op == 10:
			// Mine the best few.
			md := h.pool.MiningDescs()
			blk := &wire.MsgBlock{Transactions: []*wire.MsgTx{wire.NewMsgTx(1)}}
			in := map[chainhash.Hash]bool{}
			for _, d := range md {
				ok := true
				for _, p := range d.Depends {
					if !in[p] {
						ok = false
					}
				}
				if ok && len(blk.Transactions) < 6 {
					blk.Transactions = append(blk.Transactions, d.Tx)
					in[d.TxHash] = true
				}
			}
			blk.Transactions[0].AddTxIn(&wire.TxIn{PreviousOutPoint: wire.OutPoint{Index: wire.MaxPrevOutIndex}})
			blk.Transactions[0].AddTxOut(&wire.TxOut{Value: 1, PkScript: p2wpkh(uint32(step))})
			h.connect(blk)
			h.pool.RemoveForBlock(blk, h.chain.height)
		case op == 11:
			h.now = h.now.Add(time.Duration(rng.Intn(3600)) * time.Second)
		}
		h.checkInvariants()
		if c := h.pool.Count(); c > maxCount {
			maxCount = c
		}
	}
	t.Logf("%d steps, %d accepted, largest pool %d, now %d in pool, %d orphans; refusals %v",
		steps, accepted, maxCount, h.pool.Count(), h.pool.OrphanCount(), reasons)
	if accepted < steps/10 || maxCount < 10 {
		t.Fatalf("random walk too shallow")
	}
}

func TestScriptHelpers(t *testing.T) {
	key33 := append([]byte{33, 2}, make([]byte, 32)...)
	tests := []struct {
		name   string
		script []byte
		class  txscript.ScriptClass
	}{
		{"p2pkh", append(append([]byte{txscript.OP_DUP, txscript.OP_HASH160, 20}, make([]byte, 20)...), txscript.OP_EQUALVERIFY, txscript.OP_CHECKSIG), txscript.PubKeyHashTy},
		{"p2sh", append(append([]byte{txscript.OP_HASH160, 20}, make([]byte, 20)...), txscript.OP_EQUAL), txscript.ScriptHashTy},
		{"p2wpkh", p2wpkh(1), txscript.WitnessV0PubKeyHashTy},
		{"p2wsh", append([]byte{0, 32}, make([]byte, 32)...), txscript.WitnessV0ScriptHashTy},
		{"p2tr", append([]byte{txscript.OP_1, 32}, make([]byte, 32)...), txscript.WitnessV1TaprootTy},
		{"p2a", []byte{txscript.OP_1, 2, 0x4e, 0x73}, txscript.AnchorTy},
		{"v0 wrong length", append([]byte{0, 25}, make([]byte, 25)...), txscript.NonStandardTy},
		{"v2", append([]byte{0x52, 32}, make([]byte, 32)...), txscript.WitnessUnknownTy},
		{"p2pk", append(key33, txscript.OP_CHECKSIG), txscript.PubKeyTy},
		{"p2pk bad key", append([]byte{33, 5}, append(make([]byte, 32), txscript.OP_CHECKSIG)...), txscript.NonStandardTy},
		{"1-of-1", append(append([]byte{txscript.OP_1}, key33...), txscript.OP_1, txscript.OP_CHECKMULTISIG), txscript.MultiSigTy},
		{"2-of-1", append(append([]byte{txscript.OP_1 + 1}, key33...), txscript.OP_1, txscript.OP_CHECKMULTISIG), txscript.NonStandardTy},
		{"nulldata", []byte{txscript.OP_RETURN, 2, 1, 2}, txscript.NullDataTy},
		{"op_return non-push", []byte{txscript.OP_RETURN, txscript.OP_DUP}, txscript.NonStandardTy},
		{"truncated push", []byte{txscript.OP_RETURN, 5, 1}, txscript.NonStandardTy},
		{"empty", nil, txscript.NonStandardTy},
	}
	for _, tc := range tests {
		if c, _, _ := outputClass(tc.script); c != tc.class {
			t.Errorf("%s: class %d want %d", tc.name, c, tc.class)
		}
	}
	// Sigops: accurate vs legacy multisig counting.
	ms := append(append([]byte{txscript.OP_1 + 1}, append(key33, key33...)...), txscript.OP_1+1, txscript.OP_CHECKMULTISIG)
	if txscript.GetAccurateSigOpCount(ms) != 2 || txscript.GetSigOpCount(ms) != 20 {
		t.Fatal("multisig sigops")
	}
	if txscript.GetSigOpCount([]byte{txscript.OP_CHECKSIG, txscript.OP_CHECKSIGVERIFY, txscript.OP_PUSHDATA1}) != 2 {
		t.Fatal("sigops stop at a bad push")
	}
	// Dust thresholds at 3 sat/vB: P2PKH 546, P2WPKH 294, P2TR 330.
	p2pkh := tests[0].script
	for _, c := range []struct {
		s    []byte
		want int64
	}{{p2pkh, 546}, {p2wpkh(1), 294}, {tests[4].script, 330}, {[]byte{txscript.OP_RETURN}, 0}} {
		if got := dustThreshold(&wire.TxOut{PkScript: c.s}, 3000); got != c.want {
			t.Errorf("dust threshold %d want %d", got, c.want)
		}
	}
	if !txscript.IsPushOnlyScript([]byte{0x50}) || txscript.IsPushOnlyScript([]byte{0x61}) || txscript.IsPushOnlyScript([]byte{2, 1}) {
		t.Fatal("push only")
	}
	t.Logf("%d cases", len(tests))
}

func TestWitnessAndInputStandardness(t *testing.T) {
	pol := DefaultPolicy()
	p2wsh := &wire.TxOut{PkScript: append([]byte{0, 32}, make([]byte, 32)...)}
	p2tr := &wire.TxOut{PkScript: append([]byte{txscript.OP_1, 32}, make([]byte, 32)...)}
	p2sh := &wire.TxOut{PkScript: append(append([]byte{txscript.OP_HASH160, 20}, make([]byte, 20)...), txscript.OP_EQUAL)}
	bare := &wire.TxOut{PkScript: []byte{txscript.OP_DUP}}
	mk := func(w wire.TxWitness, sig []byte) *wire.MsgTx {
		tx := wire.NewMsgTx(2)
		tx.AddTxIn(&wire.TxIn{Witness: w, SignatureScript: sig})
		return tx
	}
	items := func(n, size int) wire.TxWitness {
		w := make(wire.TxWitness, n)
		for i := range w {
			w[i] = make([]byte, size)
		}
		return w
	}
	tests := []struct {
		name string
		tx   *wire.MsgTx
		prev *wire.TxOut
		kind ErrorKind
	}{
		{"p2wsh ok", mk(append(items(100, 80), make([]byte, 3600)), nil), p2wsh, ""},
		{"p2wsh script too big", mk(append(items(1, 80), make([]byte, 3601)), nil), p2wsh, ErrNonStandardWitness},
		{"p2wsh too many items", mk(append(items(101, 1), []byte{1}), nil), p2wsh, ErrNonStandardWitness},
		{"p2wsh item too big", mk(append(items(1, 81), []byte{1}), nil), p2wsh, ErrNonStandardWitness},
		{"taproot annex", mk(wire.TxWitness{make([]byte, 64), {annexTag}}, nil), p2tr, ErrNonStandardWitness},
		{"tapscript item too big", mk(wire.TxWitness{make([]byte, 81), {1}, {0xc0}}, nil), p2tr, ErrNonStandardWitness},
		{"tapscript ok", mk(wire.TxWitness{make([]byte, 80), {1}, {0xc0}}, nil), p2tr, ""},
		{"witness on non-witness", mk(wire.TxWitness{{1}}, nil), bare, ErrNonStandardWitness},
	}
	for _, tc := range tests {
		err := pol.checkWitnessStandard(tc.tx, []*wire.TxOut{tc.prev})
		if tc.kind == "" && err != nil || tc.kind != "" && !isKind(err, tc.kind) {
			t.Errorf("%s: %v", tc.name, err)
		}
	}
	// Inputs: nonstandard prevout, P2SH redeem script sigops over 15.
	if err := pol.checkInputsStandard(mk(nil, nil), []*wire.TxOut{bare}); !isKind(err, ErrNonStandardInputs) {
		t.Fatalf("bare: %v", err)
	}
	redeem := make([]byte, 16)
	for i := range redeem {
		redeem[i] = txscript.OP_CHECKSIG
	}
	if err := pol.checkInputsStandard(mk(nil, append([]byte{16}, redeem...)), []*wire.TxOut{p2sh}); !isKind(err, ErrNonStandardInputs) {
		t.Fatalf("p2sh sigops: %v", err)
	}
	if err := pol.checkInputsStandard(mk(nil, append([]byte{15}, redeem[:15]...)), []*wire.TxOut{p2sh}); err != nil {
		t.Fatalf("p2sh 15 sigops: %v", err)
	}
	t.Logf("%d cases", len(tests))
}

func isKind(err error, k ErrorKind) bool {
	e, ok := err.(Error)
	return ok && e.Err == k
}

// FuzzLoad feeds arbitrary mempool.dat bytes to Load: it must not panic.
func FuzzLoad(f *testing.F) {
	h := newHarness(f, nil)
	coins := h.fund(2, 100000, 10, false)
	a := h.tx(coins[0:1], 99000)
	h.mustAccept(a)
	h.mustAccept(h.tx(outs(a), 98000))
	dir := f.TempDir()
	path := filepath.Join(dir, "seed.dat")
	if err := h.pool.Dump(path); err != nil {
		f.Fatal(err)
	}
	seed, _ := os.ReadFile(path)
	f.Add(seed)
	f.Add([]byte{2, 0, 0, 0, 0, 0, 0, 0, 8, 1, 2, 3, 4, 5, 6, 7, 8})
	f.Fuzz(func(t *testing.T, data []byte) {
		p := filepath.Join(t.TempDir(), "m.dat")
		if err := os.WriteFile(p, data, 0o600); err != nil {
			t.Fatal(err)
		}
		h := newHarness(t, nil)
		h.fund(2, 100000, 10, false)
		h.pool.Load(p)
	})
}

// FuzzClassify runs the script helpers over arbitrary scripts.
func FuzzClassify(f *testing.F) {
	f.Add(p2wpkh(1))
	f.Add([]byte{txscript.OP_RETURN, txscript.OP_PUSHDATA4, 0xff, 0xff, 0xff, 0xff})
	f.Add([]byte{txscript.OP_1, 33, 2})
	f.Fuzz(func(t *testing.T, s []byte) {
		outputClass(s)
		txscript.GetAccurateSigOpCount(s)
		redeemScript(s)
		txscript.IsPushOnlyScript(s)
		txscript.GetWitnessSigOpCount(s, s, [][]byte{s})
	})
}

// TestExpiryOutOfOrder: entries restored with old times still expire on
// time even when they arrived after newer ones.
func TestExpiryOutOfOrder(t *testing.T) {
	h := newHarness(t, nil)
	coins := h.fund(2, 100000, 10, false)
	h.mustAccept(h.tx(coins[0:1], 99000))
	h.pool.mtx.Lock()
	_, err := h.pool.accept(h.tx(coins[1:2], 99000), acceptOpts{added: h.now.Add(-300 * time.Hour)})
	h.pool.mtx.Unlock()
	if err != nil {
		t.Fatal(err)
	}
	h.now = h.now.Add(40 * time.Hour)
	if n := h.pool.Expire(); n != 1 || h.pool.Count() != 1 {
		t.Fatalf("expired %d, left %d", n, h.pool.Count())
	}
}

func TestInfo(t *testing.T) {
	h := newHarness(t, nil)
	coins := h.fund(2, 100000, 10, false)
	h.mustAccept(h.tx(coins[0:1], 99000))
	h.mustAccept(h.tx(coins[1:2], 98000))
	in := h.pool.Info()
	if in.Size != 2 || in.TotalFee != 3000 || in.Bytes <= 200 || in.MempoolMinFee != 100 ||
		in.MaxMempool != 300000000 || !in.FullRBF {
		t.Fatalf("info %+v", in)
	}
}

// FuzzProcessTransaction feeds arbitrary transaction bytes through every
// policy rule: nothing may panic, and the bookkeeping must stay exact.
func FuzzProcessTransaction(f *testing.F) {
	h := newHarness(f, nil)
	coins := h.fund(1, 100000, 10, false)
	tx := h.tx(coins, 99000)
	f.Add(tx.Bytes())
	tx.TxIn[0].SignatureScript = []byte{0x01, 0x02}
	tx.AddTxOut(&wire.TxOut{PkScript: []byte{txscript.OP_RETURN, 1, 2}})
	f.Add(tx.Bytes())
	f.Fuzz(func(t *testing.T, b []byte) {
		var tx wire.MsgTx
		if _, err := tx.DeserializeBytes(b); err != nil {
			return
		}
		h := newHarness(t, nil)
		// Every input is funded, so the rules past the inputs run too.
		for i, in := range tx.TxIn {
			if i > 50 {
				break
			}
			h.chain.utxos[in.PreviousOutPoint] = &UTXO{Amount: 1000000, PkScript: p2wpkh(uint32(i)),
				Height: int32(i % 300)}
		}
		h.pool.ProcessTransaction(&tx, true, 1)
		h.pool.TestAccept(&tx)
		h.checkInvariants()
	})
}

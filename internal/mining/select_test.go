package mining

import (
	"bytes"
	"context"
	"errors"
	"math"
	"math/rand"
	"sort"
	"testing"
	"time"

	"github.com/btcsuite/btcd/chaincfg/chainhash"
	"github.com/tern-org/ternd/blockchain"
	"github.com/tern-org/ternd/blockchain/standalone"
	"github.com/tern-org/ternd/chaincfg"
	"github.com/tern-org/ternd/mempool"
	"github.com/tern-org/ternd/wire"
)

// randomPool builds n descriptions forming a random DAG with random fees,
// sizes and sigops, and fills in their ancestor figures.
func randomPool(rng *rand.Rand, n int) []*mempool.TxDesc {
	descs := make([]*mempool.TxDesc, n)
	parents := make([][]int, n)
	for i := range descs {
		var h chainhash.Hash
		rng.Read(h[:])
		vsize := int64(100 + rng.Intn(900))
		descs[i] = &mempool.TxDesc{TxHash: h, VSize: vsize, Weight: vsize*4 - int64(rng.Intn(3)),
			Fee: int64(rng.Intn(20000)), SigOpCost: int64(rng.Intn(5) * 4)}
		if rng.Intn(4) == 0 {
			descs[i].FeeDelta = int64(rng.Intn(4000) - 2000)
		}
		for j := 0; j < i; j++ {
			if rng.Intn(n) < 2 {
				parents[i] = append(parents[i], j)
				descs[i].Depends = append(descs[i].Depends, descs[j].TxHash)
			}
		}
	}
	for i, d := range descs {
		anc := map[int]bool{}
		stack := append([]int(nil), parents[i]...)
		for len(stack) > 0 {
			x := stack[len(stack)-1]
			stack = stack[:len(stack)-1]
			if !anc[x] {
				anc[x] = true
				stack = append(stack, parents[x]...)
			}
		}
		d.AncestorCount, d.AncestorSize, d.AncestorFees, d.AncestorSigOps =
			1, d.VSize, d.ModifiedFee(), d.SigOpCost
		for a := range anc {
			d.AncestorCount++
			d.AncestorSize += descs[a].VSize
			d.AncestorFees += descs[a].ModifiedFee()
			d.AncestorSigOps += descs[a].SigOpCost
		}
	}
	return descs
}

// referenceSelect is the brute-force statement of Core's selection: every
// round, recompute from scratch the package (ancestors not yet chosen) of
// every candidate, take the best ancestor score (ties to the lower txid),
// add it if it fits, otherwise set it aside until one of its ancestors is
// chosen; stop at the first package under the minimum fee rate.
func referenceSelect(descs []*mempool.TxDesc, opts SelectOptions) []chainhash.Hash {
	byHash := map[chainhash.Hash]*mempool.TxDesc{}
	for _, d := range descs {
		byHash[d.TxHash] = d
	}
	children := map[chainhash.Hash][]chainhash.Hash{}
	for _, d := range descs {
		for _, p := range d.Depends {
			children[p] = append(children[p], d.TxHash)
		}
	}
	inBlock := map[chainhash.Hash]bool{}
	failed := map[chainhash.Hash]bool{}
	weight, sigops := opts.ReservedWeight, opts.ReservedSigOps
	var out []chainhash.Hash
	failures := 0
	pkgOf := func(d *mempool.TxDesc) []*mempool.TxDesc {
		seen := map[chainhash.Hash]bool{d.TxHash: true}
		pkg := []*mempool.TxDesc{d}
		for i := 0; i < len(pkg); i++ {
			for _, p := range pkg[i].Depends {
				if !inBlock[p] && !seen[p] {
					seen[p] = true
					pkg = append(pkg, byHash[p])
				}
			}
		}
		return pkg
	}
	for {
		var best *mempool.TxDesc
		var bf, bs, bpf, bps, bpo int64
		for _, d := range descs {
			if inBlock[d.TxHash] || failed[d.TxHash] {
				continue
			}
			var pf, ps, po int64
			for _, x := range pkgOf(d) {
				pf += x.ModifiedFee()
				ps += x.VSize
				po += x.SigOpCost
			}
			f, s := score(d.ModifiedFee(), d.VSize, pf, ps)
			if best == nil || better(f, s, d.TxHash[:], bf, bs, best.TxHash[:]) {
				best, bf, bs, bpf, bps, bpo = d, f, s, pf, ps, po
			}
		}
		if best == nil || bpf < opts.MinFeeRate.Fee(bps) {
			break
		}
		if weight+4*bps >= opts.MaxWeight || sigops+bpo >= opts.MaxSigOps {
			failed[best.TxHash] = true
			failures++
			if failures > maxConsecutiveFailures && weight > opts.MaxWeight-4000 {
				break
			}
			continue
		}
		pkg := pkgOf(best)
		if opts.IsFinal != nil {
			final := true
			for _, x := range pkg {
				if !opts.IsFinal(x) {
					final = false
				}
			}
			if !final {
				failed[best.TxHash] = true
				continue
			}
		}
		failures = 0
		sort.Slice(pkg, func(i, j int) bool {
			if pkg[i].AncestorCount != pkg[j].AncestorCount {
				return pkg[i].AncestorCount < pkg[j].AncestorCount
			}
			return bytes.Compare(pkg[i].TxHash[:], pkg[j].TxHash[:]) < 0
		})
		for _, x := range pkg {
			inBlock[x.TxHash] = true
			out = append(out, x.TxHash)
			weight += x.Weight
			sigops += x.SigOpCost
		}
		// Choosing an ancestor brings a set-aside package back.
		for _, x := range pkg {
			stack := append([]chainhash.Hash(nil), children[x.TxHash]...)
			for len(stack) > 0 {
				c := stack[len(stack)-1]
				stack = stack[:len(stack)-1]
				failed[c] = false
				stack = append(stack, children[c]...)
			}
		}
	}
	return out
}

func TestSelectMatchesReference(t *testing.T) {
	rng := rand.New(rand.NewSource(7))
	cases := 400
	if testing.Short() {
		cases = 100
	}
	partial := 0
	for c := 0; c < cases; c++ {
		n := 1 + rng.Intn(14)
		descs := randomPool(rng, n)
		opts := DefaultSelectOptions()
		// Tight budgets so packages fail and come back.
		opts.ReservedWeight = 0
		opts.ReservedSigOps = 0
		opts.MaxWeight = int64(400 + rng.Intn(4*1100*n))
		opts.MaxSigOps = int64(1 + rng.Intn(20*n))
		opts.MinFeeRate = mempool.FeeRate(rng.Intn(3) * 1000)
		if rng.Intn(3) == 0 {
			nonFinal := map[chainhash.Hash]bool{}
			for _, d := range descs {
				if rng.Intn(8) == 0 {
					nonFinal[d.TxHash] = true
				}
			}
			opts.IsFinal = func(d *mempool.TxDesc) bool { return !nonFinal[d.TxHash] }
		}
		got := SelectTransactions(descs, opts)
		want := referenceSelect(descs, opts)
		if len(got.Txs) != len(want) {
			t.Fatalf("case %d: got %d txs want %d", c, len(got.Txs), len(want))
		}
		for i := range want {
			if got.Txs[i].TxHash != want[i] {
				t.Fatalf("case %d: position %d differs", c, i)
			}
		}
		if len(want) < n {
			partial++
		}
		// Parents before children; budgets respected.
		pos := map[chainhash.Hash]int{}
		for i, d := range got.Txs {
			pos[d.TxHash] = i
		}
		for i, d := range got.Txs {
			for _, p := range d.Depends {
				if j, ok := pos[p]; !ok || j > i {
					t.Fatalf("case %d: child before parent", c)
				}
			}
		}
		if got.Weight >= opts.MaxWeight && len(got.Txs) > 0 {
			t.Fatalf("case %d: weight %d over %d", c, got.Weight, opts.MaxWeight)
		}
	}
	if partial < cases/4 {
		t.Fatalf("only %d of %d cases were limited by a budget", partial, cases)
	}
	t.Logf("%d cases, %d limited by weight, sigops or fee rate", cases, partial)
}

func TestSelectCPFP(t *testing.T) {
	// A poor parent with a rich child beats a middling lone tx.
	mk := func(id byte, fee, vsize int64, deps ...*mempool.TxDesc) *mempool.TxDesc {
		d := &mempool.TxDesc{Fee: fee, VSize: vsize, Weight: vsize * 4}
		d.TxHash[0] = id
		d.AncestorCount, d.AncestorSize, d.AncestorFees = 1, vsize, fee
		for _, p := range deps {
			d.Depends = append(d.Depends, p.TxHash)
			d.AncestorCount += p.AncestorCount
			d.AncestorSize += p.AncestorSize
			d.AncestorFees += p.AncestorFees
		}
		return d
	}
	parent := mk(1, 100, 200)
	child := mk(2, 10000, 200, parent)
	lone := mk(3, 1000, 200)
	res := SelectTransactions([]*mempool.TxDesc{lone, child, parent}, DefaultSelectOptions())
	if len(res.Txs) != 3 || res.Txs[0] != parent || res.Txs[1] != child || res.Txs[2] != lone {
		t.Fatalf("order %v", res.Txs)
	}
	// blockmintxfee: at 10 sat/vB the poor parent alone would not go, but
	// its package does; a 1 sat/vB lone tx is left out.
	opts := DefaultSelectOptions()
	opts.MinFeeRate = 10000
	res = SelectTransactions([]*mempool.TxDesc{lone, child, parent}, opts)
	if len(res.Txs) != 2 {
		t.Fatalf("min fee: %d txs", len(res.Txs))
	}
}

// testPool is a TxSource over a fixed list.
type testPool []*mempool.TxDesc

func (p testPool) MiningDescs() []*mempool.TxDesc { return p }

func (p testPool) MiningChunks() []mempool.MiningChunk { return mempool.ChunkDescs(p) }

func TestBlockTemplate(t *testing.T) {
	params := &chaincfg.RegressionNetParams
	pay := append([]byte{0x00, 0x14}, make([]byte, 20)...)
	// Two transactions, one with a witness.
	var descs testPool
	for i := 0; i < 2; i++ {
		tx := wire.NewMsgTx(2)
		var prev chainhash.Hash
		prev[0] = byte(i + 1)
		in := &wire.TxIn{PreviousOutPoint: wire.OutPoint{Hash: prev}, Sequence: 0xffffffff}
		if i == 1 {
			in.Witness = wire.TxWitness{make([]byte, 71), make([]byte, 33)}
		}
		tx.AddTxIn(in)
		tx.AddTxOut(&wire.TxOut{Value: 1000, PkScript: pay})
		d := &mempool.TxDesc{Tx: tx, TxHash: tx.TxHash(), Fee: int64(500 * (i + 1)),
			VSize: tx.VSize(), Weight: tx.Weight(), AncestorCount: 1}
		d.AncestorSize, d.AncestorFees = d.VSize, d.Fee
		descs = append(descs, d)
	}
	now := time.Unix(1700000000, 0)
	gen := NewGenerator(&Config{ChainParams: params, Now: func() time.Time { return now }}, descs)
	tip := Tip{Height: 299, MedianTimePast: now.Add(time.Hour), Bits: params.PowLimitBits}
	tip.Hash[0] = 9
	tmpl, err := gen.NewBlockTemplate(pay, tip, 7)
	if err != nil {
		t.Fatal(err)
	}
	b := tmpl.Block
	if len(b.Transactions) != 3 || tmpl.TotalFees != 1500 || tmpl.Height != 300 {
		t.Fatalf("template: %d txs, fees %d", len(b.Transactions), tmpl.TotalFees)
	}
	cb := b.Transactions[0]
	subsidy := standalone.CalcBlockSubsidy(300, params) // regtest: halved every 150
	if cb.TxOut[0].Value != subsidy+1500 || subsidy != 125*1e7 {
		t.Fatalf("coinbase pays %d (subsidy %d)", cb.TxOut[0].Value, subsidy)
	}
	// BIP34: the script starts with the height push.
	if !bytes.HasPrefix(cb.TxIn[0].SignatureScript, []byte{2, 0x2c, 0x01}) {
		t.Fatalf("coinbase script %x", cb.TxIn[0].SignatureScript)
	}
	if !b.Header.Timestamp.After(tip.MedianTimePast) || b.Header.PrevBlock != tip.Hash {
		t.Fatal("header time or parent")
	}
	// Witness commitment matches the witness root.
	idx := standalone.WitnessCommitmentIndex(cb)
	if idx < 0 || tmpl.WitnessCommitment == nil {
		t.Fatal("no witness commitment")
	}
	root := standalone.WitnessMerkleRoot(b.Transactions, nil)
	c := standalone.WitnessCommitment(&root, cb.TxIn[0].Witness[0])
	if !bytes.Equal(cb.TxOut[idx].PkScript[6:], c[:]) {
		t.Fatal("commitment mismatch")
	}
	if err := SolveBlock(context.Background(), &b.Header); err != nil {
		t.Fatal(err)
	}
	if err := blockchain.CheckBlockSanity(b, params.PowLimit, blockchain.BFNone); err != nil {
		t.Fatalf("solved template fails sanity: %v", err)
	}
	UpdateExtraNonce(b, tmpl.Height, 8)
	if r, _ := standalone.BlockMerkleRoot(b.Transactions); r != b.Header.MerkleRoot {
		t.Fatal("merkle root not updated")
	}

	// A non-final transaction (lock time at the new height) is left out.
	nf := descs[0].Tx.Copy()
	nf.LockTime = 300
	nf.TxIn[0].Sequence = 0
	nfd := *descs[0]
	nfd.Tx, nfd.TxHash = nf, nf.TxHash()
	gen = NewGenerator(&Config{ChainParams: params}, testPool{&nfd, descs[1]})
	tmpl, _ = gen.NewBlockTemplate(pay, tip, 0)
	if len(tmpl.Block.Transactions) != 2 || tmpl.Block.Transactions[1] != descs[1].Tx {
		t.Fatalf("non-final tx included: %d txs", len(tmpl.Block.Transactions))
	}

	// No witness transactions: no commitment.
	gen = NewGenerator(&Config{ChainParams: params}, descs[:1])
	tmpl, _ = gen.NewBlockTemplate(pay, tip, 0)
	if tmpl.WitnessCommitment != nil || standalone.WitnessCommitmentIndex(tmpl.Block.Transactions[0]) >= 0 {
		t.Fatal("commitment without witness txs")
	}
	if _, err := gen.NewBlockTemplate(nil, tip, 0); !errors.Is(err, ErrBadPayScript) {
		t.Fatalf("empty pay script: %v", err)
	}
	// A cancelled search on an impossible target stops.
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	hdr := wire.BlockHeader{Bits: 0x03000001}
	if err := SolveBlock(ctx, &hdr); !errors.Is(err, ErrNoSolution) {
		t.Fatalf("cancelled solve: %v", err)
	}
}

func TestScriptNum(t *testing.T) {
	tests := []struct {
		n    int64
		want []byte
	}{
		{0, []byte{0x00}}, {1, []byte{0x51}}, {16, []byte{0x60}}, {-1, []byte{0x4f}},
		{17, []byte{1, 17}}, {127, []byte{1, 127}}, {128, []byte{2, 128, 0}},
		{300, []byte{2, 0x2c, 1}}, {-300, []byte{2, 0x2c, 0x81}}, {-128, []byte{2, 128, 0x80}},
		{1 << 23, []byte{4, 0, 0, 0x80, 0}},
	}
	for _, tc := range tests {
		if got := appendScriptNum(nil, tc.n); !bytes.Equal(got, tc.want) {
			t.Errorf("%d: %x want %x", tc.n, got, tc.want)
		}
	}
	t.Logf("%d cases", len(tests))
}

func TestErrorKinds(t *testing.T) {
	for _, k := range []ErrorKind{ErrBadPayScript, ErrNoSolution} {
		if err := miningError(k, "x"); !errors.Is(err, k) || err.Error() != "x" {
			t.Fatalf("%v", k)
		}
	}
}

// TestSaturatingSub checks the package-fee subtraction clamps at the int64
// bounds instead of wrapping, and is plain subtraction elsewhere.
func TestSaturatingSub(t *testing.T) {
	tests := []struct {
		a, b, want int64
	}{
		{10, 3, 7},
		{-10, 3, -13},
		{math.MaxInt64, -1, math.MaxInt64},
		{math.MaxInt64, 5, math.MaxInt64 - 5},
		{math.MinInt64, 1, math.MinInt64},
		{math.MinInt64 + 1, 1, math.MinInt64},
		{0, math.MinInt64, math.MaxInt64},
		{-1, math.MaxInt64, math.MinInt64},
	}
	for _, tc := range tests {
		if got := saturatingSub(tc.a, tc.b); got != tc.want {
			t.Errorf("saturatingSub(%d, %d) = %d, want %d", tc.a, tc.b, got, tc.want)
		}
	}
}

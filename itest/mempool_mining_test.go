package itest

import (
	"bytes"
	"context"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/btcsuite/btcd/chaincfg/chainhash"
	"github.com/tern-org/ternd/txscript"
	"github.com/tern-org/ternd/wire"
)

// poolEntry is the part of a getrawmempool verbose entry the reference
// selection reads.
type poolEntry struct {
	VSize   int64    `json:"vsize"`
	Weight  int64    `json:"weight"`
	Depends []string `json:"depends"`
	Fees    struct {
		Base     float64 `json:"base"`
		Modified float64 `json:"modified"`
	} `json:"fees"`
}

func btcToSat(v float64) int64 {
	if v < 0 {
		return int64(v*1e8 - 0.5)
	}
	return int64(v*1e8 + 0.5)
}

// referenceSelection is Bitcoin Core's BlockAssembler::addPackageTxs
// written plainly: repeatedly the transaction whose ancestor score (the
// lower of its own fee rate and that of its package of ancestors not yet
// chosen) is best, ties to the lower txid bytes, added with that package
// when 4 x the package's vsize fits under maxWeight (4,000 reserved for the
// coinbase); a transaction whose package does not fit is passed over until
// one of its ancestors is chosen; it stops after 1,000 consecutive misses
// with the block within 4,000 of full.
func referenceSelection(pool map[string]poolEntry, maxWeight int64) map[string]bool {
	type cand struct {
		id      string
		hash    chainhash.Hash
		fee     int64
		e       poolEntry
		parents []string
	}
	cands := map[string]*cand{}
	children := map[string][]string{}
	for id, e := range pool {
		h, err := chainhash.NewHashFromStr(id)
		if err != nil {
			panic(err)
		}
		c := &cand{id: id, hash: *h, fee: btcToSat(e.Fees.Modified), e: e, parents: e.Depends}
		cands[id] = c
		for _, p := range e.Depends {
			children[p] = append(children[p], id)
		}
	}
	in := map[string]bool{}
	failed := map[string]bool{}
	weight := int64(4000)
	misses := 0
	pkgOf := func(c *cand) ([]string, int64, int64) {
		seen := map[string]bool{c.id: true}
		pkg := []string{c.id}
		for i := 0; i < len(pkg); i++ {
			for _, p := range cands[pkg[i]].parents {
				if !in[p] && !seen[p] {
					seen[p] = true
					pkg = append(pkg, p)
				}
			}
		}
		var f, s int64
		for _, id := range pkg {
			f += cands[id].fee
			s += cands[id].e.VSize
		}
		return pkg, f, s
	}
	for {
		var best *cand
		var bestF, bestS int64
		var bestPkg []string
		var bestPkgS int64
		for _, c := range cands {
			if in[c.id] || failed[c.id] {
				continue
			}
			pkg, pf, ps := pkgOf(c)
			sf, ss := pf, ps
			if float64(c.fee)*float64(ps) < float64(pf)*float64(c.e.VSize) {
				sf, ss = c.fee, c.e.VSize
			}
			if best == nil {
				best, bestF, bestS, bestPkg, bestPkgS = c, sf, ss, pkg, ps
				continue
			}
			l, r := float64(sf)*float64(bestS), float64(bestF)*float64(ss)
			if l > r || l == r && bytes.Compare(c.hash[:], best.hash[:]) < 0 {
				best, bestF, bestS, bestPkg, bestPkgS = c, sf, ss, pkg, ps
			}
		}
		if best == nil {
			break
		}
		if weight+4*bestPkgS >= maxWeight {
			failed[best.id] = true
			misses++
			if misses > 1000 && weight > maxWeight-4000 {
				break
			}
			continue
		}
		misses = 0
		for _, id := range bestPkg {
			in[id] = true
			weight += cands[id].e.Weight
			// A descendant gets a new chance with a smaller package.
			stack := []string{id}
			for len(stack) > 0 {
				x := stack[len(stack)-1]
				stack = stack[:len(stack)-1]
				for _, ch := range children[x] {
					delete(failed, ch)
					stack = append(stack, ch)
				}
			}
		}
	}
	return in
}

// poolSet returns p's pool as a set.
func poolSet(t *testing.T, p *Process) map[string]bool {
	t.Helper()
	set := map[string]bool{}
	for _, id := range p.RawMempool(t) {
		set[id] = true
	}
	return set
}

// blockTxids returns the txids of a block, coinbase excluded.
func blockTxids(b *wire.MsgBlock) map[string]bool {
	set := map[string]bool{}
	for _, tx := range b.Transactions[1:] {
		set[tx.TxHash().String()] = true
	}
	return set
}

// nonRBFDataCarrier returns a transaction spending coin that does not
// signal replaceability and carries a 10-byte OP_RETURN (refused by a
// ternd started with --datacarriersize=0, accepted by btcd), paying
// feeRate sat/vB.
func nonRBFDataCarrier(t *testing.T, w *Wallet, coin Coin, feeRate int64) *wire.MsgTx {
	t.Helper()
	data, _ := txscript.NewScriptBuilder().AddOp(txscript.OP_RETURN).AddData([]byte("itest-data")).Script()
	tx := w.Build([]Coin{coin}, wire.NewTxOut(0, w.PkScript(KindP2WPKH)), wire.NewTxOut(0, data))
	tx.TxIn[0].Sequence = wire.MaxTxInSequenceNum
	tx.TxOut[0].Value = coin.Value - feeRate*200
	if err := w.Sign(tx, []Coin{coin}); err != nil {
		t.Fatal(err)
	}
	return tx
}

// TestMiningSelectionAndPoolUpdates: with 2,000 pooled transactions of
// random fee rates (some parents paid for by their children) and a block
// limited by --blockmaxweight, ternd's generatetoaddress takes exactly the
// set a reference of Core's ancestor-fee-rate selection picks from
// getrawmempool verbose; btcd accepts the block; both pools drop what it
// confirmed and what it conflicted with. A block from btcd then clears
// ternd's pool the same way, and invalidateblock puts its transactions
// back.
func TestMiningSelectionAndPoolUpdates(t *testing.T) {
	needProcesses(t)
	const maxWeight = 200_000
	w := NewWallet(6)
	b, n := startPair(t, w, 125, "--blockmaxweight=200000", "--datacarriersize=0")
	start := time.Now()

	// 20 coinbases fanned out to 100 outputs each, mined by btcd.
	var coins []Coin
	for h := int64(1); h <= 20; h++ {
		kinds := make([]Kind, 100)
		for i := range kinds {
			kinds[i] = KindP2WPKH
		}
		tx, out := w.MustPay(t, []Coin{w.CoinbaseCoin(t, b, h)}, kinds, 2)
		b.MustSendTx(t, tx)
		coins = append(coins, out...)
	}
	tip := b.Generate(t, 1)[0]
	WaitTip(t, 60*time.Second, tip, n)

	// 1,700 single transactions and 150 parent-child pairs with distinct
	// fees (1 to about 50 sat/vB); parents pay about 1 sat/vB.
	rng := rand.New(rand.NewPCG(1, 2))
	fees := rng.Perm(2000)
	pay := func(c Coin, fee int64) (*wire.MsgTx, Coin) {
		tx := w.Build([]Coin{c}, wire.NewTxOut(c.Value-fee, w.PkScript(KindP2WPKH)))
		if err := w.Sign(tx, []Coin{c}); err != nil {
			t.Fatal(err)
		}
		return tx, Coin{Op: wire.OutPoint{Hash: tx.TxHash(), Index: 0}, Value: c.Value - fee, Kind: KindP2WPKH}
	}
	var all []*wire.MsgTx
	for i := 0; i < 1850; i++ {
		if i < 1700 {
			tx, _ := pay(coins[i], int64(150+fees[i]*3))
			all = append(all, tx)
			continue
		}
		parent, out := pay(coins[i], int64(111+i-1700))
		child, _ := pay(out, int64(150+fees[i]*3+fees[i+150]%300))
		all = append(all, parent, child)
	}
	sendAll(t, n, all)
	// Conflicts: Q' (btcd only, non-replaceable) against Q (ternd only,
	// top fee rate, so in ternd's block); Z' (btcd only, top fee rate, so
	// in btcd's block) against Z (ternd only, low fee).
	qCoin, zCoin := coins[1900], coins[1901]
	q2 := nonRBFDataCarrier(t, w, qCoin, 5)
	z2 := nonRBFDataCarrier(t, w, zCoin, 200)
	b.MustSendTx(t, q2)
	b.MustSendTx(t, z2)
	q, _ := pay(qCoin, 200*110)
	z, _ := pay(zCoin, 120)
	n.MustSendTx(t, q)
	n.MustSendTx(t, z)
	if err := n.SendTx(q2); rpcCode(err) != -26 {
		t.Fatalf("ternd --datacarriersize=0 answered %v to an OP_RETURN transaction", err)
	}
	// btcd gets the 2,000 by relay (Q and Z conflict with its own).
	waitInPool(t, 60*time.Second, txids(all...), b)
	t.Logf("2,000 transactions pooled on both in %v", time.Since(start))

	var verbose map[string]poolEntry
	n.MustCall(t, "getrawmempool", &verbose, true)
	if len(verbose) != 2002 {
		t.Fatalf("ternd pool holds %d, want 2002", len(verbose))
	}
	want := referenceSelection(verbose, maxWeight)
	var hashes []string
	n.MustCall(t, "generatetoaddress", &hashes, 1, w.Address(KindP2WPKH))
	WaitTip(t, 30*time.Second, hashes[0], b, n)
	blk := n.Block(t, hashes[0])
	got := blockTxids(blk)
	var total int64
	for _, tx := range blk.Transactions {
		total += tx.Weight()
	}
	t.Logf("ternd's block: %d transactions, transaction weight %d, limit %d; reference picks %d",
		len(got), total, maxWeight, len(want))
	// The template orders clusters by chunk fee rate (Core v31) and keeps
	// the ancestor-score selection when that pays more, so its block pays
	// at least what Core's BlockAssembler::addPackageTxs (the reference)
	// picks; btcd accepting the block (WaitTip above) shows it is valid.
	feesOf := func(ids map[string]bool) (total int64) {
		for id := range ids {
			if e, ok := verbose[id]; ok {
				total += btcToSat(e.Fees.Modified)
			}
		}
		return total
	}
	if gotFees, wantFees := feesOf(got), feesOf(want); gotFees < wantFees || total > maxWeight {
		t.Fatalf("ternd's block pays %d sat in weight %d; the reference pays %d within %d",
			gotFees, total, wantFees, maxWeight)
	}
	if !got[q.TxHash().String()] || got[z.TxHash().String()] {
		t.Fatal("Q not in ternd's block, or Z in it")
	}

	// Both pools dropped the confirmed transactions, and btcd dropped Q'.
	wantTernd := map[string]bool{}
	for id := range verbose {
		if !got[id] {
			wantTernd[id] = true
		}
	}
	checkPool(t, n, wantTernd)
	wantBtcd := map[string]bool{z2.TxHash().String(): true}
	for id := range wantTernd {
		wantBtcd[id] = true
	}
	delete(wantBtcd, z.TxHash().String())
	checkPool(t, b, wantBtcd)

	// A block from btcd (all of its pool, Z' included) clears ternd's.
	tip = b.Generate(t, 1)[0]
	WaitTip(t, 30*time.Second, tip, n)
	bb := b.Block(t, tip)
	if !blockTxids(bb)[z2.TxHash().String()] {
		t.Fatal("btcd's block lacks Z'")
	}
	checkPool(t, n, map[string]bool{})
	checkPool(t, b, map[string]bool{})

	// invalidateblock puts its transactions back (Z' stays out: ternd's
	// policy refuses its OP_RETURN).
	n.MustCall(t, "invalidateblock", nil, tip)
	if got := n.BestHash(t); got != hashes[0] {
		t.Fatalf("tip after invalidateblock %s, want %s", got, hashes[0])
	}
	back := blockTxids(bb)
	delete(back, z2.TxHash().String())
	checkPool(t, n, back)
	t.Logf("total %v", time.Since(start))
}

// checkPool compares p's pool with want.
func checkPool(t *testing.T, p *Process, want map[string]bool) {
	t.Helper()
	var got map[string]bool
	deadline := time.Now().Add(15 * time.Second)
	for {
		got = poolSet(t, p)
		if len(got) == len(want) {
			same := true
			for id := range want {
				same = same && got[id]
			}
			if same {
				return
			}
		}
		if time.Now().After(deadline) {
			break
		}
		time.Sleep(100 * time.Millisecond)
	}
	var missing, extra int
	for id := range want {
		if !got[id] {
			missing++
		}
	}
	for id := range got {
		if !want[id] {
			extra++
		}
	}
	t.Fatalf("%s's pool: %d transactions, want %d (%d missing, %d unexpected)", p.Name, len(got), len(want), missing, extra)
}

func itoa(v int64) string {
	var b [20]byte
	i := len(b)
	neg := v < 0
	if neg {
		v = -v
	}
	for {
		i--
		b[i] = byte('0' + v%10)
		v /= 10
		if v == 0 {
			break
		}
	}
	if neg {
		i--
		b[i] = '-'
	}
	return string(b[i:])
}

// sendAll sends txs to p in order with four concurrent senders per
// dependency level (parents before children).
func sendAll(t *testing.T, p *Process, txs []*wire.MsgTx) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	inSet := map[chainhash.Hash]bool{}
	for _, tx := range txs {
		inSet[tx.TxHash()] = true
	}
	var first, second []*wire.MsgTx
	for _, tx := range txs {
		if inSet[tx.TxIn[0].PreviousOutPoint.Hash] {
			second = append(second, tx)
		} else {
			first = append(first, tx)
		}
	}
	for _, level := range [][]*wire.MsgTx{first, second} {
		errs := make(chan error, len(level))
		work := make(chan *wire.MsgTx)
		for range 4 {
			go func() {
				for tx := range work {
					var id string
					errs <- p.Call(ctx, "sendrawtransaction", &id, TxHex(tx))
				}
			}()
		}
		for _, tx := range level {
			work <- tx
		}
		close(work)
		for range level {
			if err := <-errs; err != nil {
				t.Fatalf("sendrawtransaction: %v", err)
			}
		}
	}
}

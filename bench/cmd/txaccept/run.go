package main

import (
	"bytes"
	"context"
	"encoding/hex"
	"fmt"
	"math"
	"os"
	"sync"
	"sync/atomic"
	"time"

	"github.com/btcsuite/btcd/chaincfg/chainhash"
	"github.com/tern-org/ternd/bench/internal/benchnode"
	"github.com/tern-org/ternd/wire"
)

// coinbaseMaturity is regtest's (and both nodes') coinbase maturity.
const coinbaseMaturity = 100

// fund mines coinbases to w, splits them into need outputs with fan-out
// transactions, mines those, and returns the outputs.
func fund(ctx context.Context, n *node, w *wallet, need int, feeRate float64) ([]coin, error) {
	k := (need + maxFanOut - 1) / maxFanOut
	var height int
	if err := n.RPC.Call(ctx, "getblockcount", &height); err != nil {
		return nil, err
	}
	if height != 0 {
		return nil, fmt.Errorf("%s: fresh regtest chain expected, height %d", n.Name, height)
	}
	// Coinbase h can be spent in the pool once the tip is at h+99, so
	// k+coinbaseMaturity blocks make coinbases 1..k spendable.
	for left := k + coinbaseMaturity; left > 0; {
		step := min(left, 200)
		if err := n.mine(ctx, step); err != nil {
			return nil, err
		}
		left -= step
	}
	var coins []coin
	for h := 1; h <= k; h++ {
		cb, err := coinbaseCoin(ctx, n, w, h)
		if err != nil {
			return nil, err
		}
		m := min(maxFanOut, need-len(coins))
		tx, err := w.fanOut(cb, m, feeRate)
		if err != nil {
			return nil, err
		}
		var txid string
		if err := n.RPC.Call(ctx, "sendrawtransaction", &txid, hex.EncodeToString(tx.Bytes())); err != nil {
			return nil, fmt.Errorf("%s: fan-out: %w", n.Name, err)
		}
		coins = append(coins, outputs(tx)...)
	}
	if err := mineEmpty(ctx, n); err != nil {
		return nil, err
	}
	return coins, nil
}

// coinbaseCoin returns output 0 of the coinbase at height h, checking it
// pays w.
func coinbaseCoin(ctx context.Context, n *node, w *wallet, h int) (coin, error) {
	var hash string
	if err := n.RPC.Call(ctx, "getblockhash", &hash, h); err != nil {
		return coin{}, err
	}
	var blk struct {
		Tx []string `json:"tx"`
	}
	if err := n.RPC.Call(ctx, "getblock", &blk, hash, 1); err != nil {
		return coin{}, err
	}
	if len(blk.Tx) == 0 {
		return coin{}, fmt.Errorf("%s: block %d has no transactions", n.Name, h)
	}
	var out struct {
		Value        float64 `json:"value"`
		ScriptPubKey struct {
			Hex string `json:"hex"`
		} `json:"scriptPubKey"`
	}
	if err := n.RPC.Call(ctx, "gettxout", &out, blk.Tx[0], 0); err != nil {
		return coin{}, err
	}
	script, err := hex.DecodeString(out.ScriptPubKey.Hex)
	if err != nil || !bytes.Equal(script, w.pkScript) {
		return coin{}, fmt.Errorf("%s: coinbase %d pays %q, not the harness key", n.Name, h, out.ScriptPubKey.Hex)
	}
	txid, err := chainhash.NewHashFromStr(blk.Tx[0])
	if err != nil {
		return coin{}, err
	}
	return coin{op: wire.OutPoint{Hash: *txid, Index: 0}, value: int64(math.Round(out.Value * 1e8))}, nil
}

// mempoolInfo is the part of getmempoolinfo read here; btcd has no usage.
type mempoolInfo struct {
	Size  int    `json:"size"`
	Bytes int64  `json:"bytes"`
	Usage *int64 `json:"usage"`
}

// mineEmpty mines blocks until the pool is empty (at most 20).
func mineEmpty(ctx context.Context, n *node) error {
	for range 20 {
		var info mempoolInfo
		if err := n.RPC.Call(ctx, "getmempoolinfo", &info); err != nil {
			return err
		}
		if info.Size == 0 {
			return nil
		}
		if err := n.mine(ctx, 1); err != nil {
			return err
		}
	}
	return fmt.Errorf("%s: pool not empty after 20 blocks", n.Name)
}

// unit is the work of one sender at a time: bodies sent one after another,
// each waiting for the previous reply, carrying txs transactions in all.
type unit struct {
	bodies [][]byte
	txs    int
}

// singleUnits returns one unit per group of txs (a group is one
// transaction, or one chain in order), one request per transaction, extra
// appended to its parameters.
func singleUnits(txs []*wire.MsgTx, group int, extra string) []unit {
	var units []unit
	id := 1
	for i := 0; i < len(txs); i += group {
		u := unit{txs: min(group, len(txs)-i)}
		for _, tx := range txs[i : i+u.txs] {
			u.bodies = append(u.bodies, sendRawBody(tx, id, extra))
			id++
		}
		units = append(units, u)
	}
	return units
}

// batchUnits returns one batch request of up to size transactions per
// unit; size is rounded down to a multiple of group (at least group) so a
// chain never spans two batches; extra is appended to every request's
// parameters.
func batchUnits(txs []*wire.MsgTx, size, group int, extra string) []unit {
	size = max(group, size/group*group)
	var units []unit
	for i := 0; i < len(txs); i += size {
		part := txs[i:min(i+size, len(txs))]
		units = append(units, unit{bodies: [][]byte{sendRawBatchBody(part, i+1, extra)}, txs: len(part)})
	}
	return units
}

// phaseResult is the outcome of one phase on one node.
type phaseResult struct {
	name     string
	txs      int
	accepted int
	failed   int
	firstErr string
	elapsed  time.Duration
	cpu      time.Duration
	client   time.Duration // the harness's own CPU time
	rssDelta int64         // kB
}

// rate is the accepted transactions per second.
func (r phaseResult) rate() float64 {
	if r.elapsed <= 0 {
		return 0
	}
	return float64(r.accepted) / r.elapsed.Seconds()
}

// cpuPerTx is the node's CPU time per accepted transaction.
func (r phaseResult) cpuPerTx() time.Duration {
	if r.accepted == 0 {
		return 0
	}
	return r.cpu / time.Duration(r.accepted)
}

// clientPerTx is the harness's CPU time per accepted transaction.
func (r phaseResult) clientPerTx() time.Duration {
	if r.accepted == 0 {
		return 0
	}
	return r.client / time.Duration(r.accepted)
}

// runPhase sends units with senders concurrent senders and measures the
// node around it.
func runPhase(ctx context.Context, n *node, name string, units []unit, senders int) (phaseResult, error) {
	res := phaseResult{name: name}
	for _, u := range units {
		res.txs += u.txs
	}
	before, err := benchnode.ReadProcStats(n.PID())
	if err != nil {
		return res, err
	}
	self0, err := benchnode.ReadProcStats(os.Getpid())
	if err != nil {
		return res, err
	}
	var (
		next, ok, failed atomic.Int64
		errOnce          sync.Once
		wg               sync.WaitGroup
	)
	start := time.Now()
	for range senders {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				i := int(next.Add(1) - 1)
				if i >= len(units) || ctx.Err() != nil {
					return
				}
				for _, body := range units[i].bodies {
					data, err := n.RPC.Post(ctx, body)
					var a, f int
					var msg string
					if err == nil {
						a, f, msg, err = benchnode.CountReplies(data)
					}
					if err != nil {
						// Count what this body carried as failed.
						f = bytes.Count(body, []byte(`"sendrawtransaction"`))
						msg = err.Error()
					}
					ok.Add(int64(a))
					failed.Add(int64(f))
					if msg != "" {
						errOnce.Do(func() { res.firstErr = msg })
					}
				}
			}
		}()
	}
	wg.Wait()
	res.elapsed = time.Since(start)
	after, err := benchnode.ReadProcStats(n.PID())
	if err != nil {
		return res, err
	}
	self1, err := benchnode.ReadProcStats(os.Getpid())
	if err != nil {
		return res, err
	}
	res.client = self1.CPU - self0.CPU
	res.accepted, res.failed = int(ok.Load()), int(failed.Load())
	res.cpu = after.CPU - before.CPU
	res.rssDelta = after.RSSKB - before.RSSKB
	return res, ctx.Err()
}

// nodeResult is one node's run.
type nodeResult struct {
	name        string
	phases      []phaseResult
	pool        mempoolInfo
	rssStartKB  int64
	rssEndKB    int64
	hwmKB       int64
	fundTime    time.Duration
	startupTime time.Duration
}

// rssPerPooledTx is the resident memory growth over the phases divided by
// the transactions in the pool, in bytes.
func (r nodeResult) rssPerPooledTx() float64 {
	if r.pool.Size == 0 {
		return 0
	}
	return float64(r.rssEndKB-r.rssStartKB) * 1024 / float64(r.pool.Size)
}

// measure funds n, signs the workload, and runs the four phases.
func measure(ctx context.Context, n *node, w *wallet, cfg *config) (nodeResult, error) {
	res := nodeResult{name: n.Name}
	t0 := time.Now()
	coins, err := fund(ctx, n, w, fundingNeeded(cfg.n, cfg.depth), cfg.feeRate)
	if err != nil {
		return res, err
	}
	res.fundTime = time.Since(t0)
	fee := feeFor(p2wpkhSpendVSize, cfg.feeRate)
	wl, err := w.buildWorkload(coins, cfg.n, cfg.depth, fee)
	if err != nil {
		return res, err
	}
	// Without a fee cap ternd skips the test acceptance that checks
	// maxfeerate; btcd's second parameter is allowhighfees.
	extra := ""
	if cfg.noFeeCap {
		extra = map[string]string{"ternd": ",0", "btcd": ",true"}[n.Name]
	}
	phases := []struct {
		name  string
		units []unit
	}{
		{"independent/single", singleUnits(wl.indepSingle, 1, extra)},
		{"chain/single", singleUnits(wl.chainSingle, wl.depth, extra)},
		{"independent/batch", batchUnits(wl.indepBatch, cfg.batch, 1, extra)},
		{"chain/batch", batchUnits(wl.chainBatch, cfg.batch, wl.depth, extra)},
	}
	start, err := benchnode.ReadProcStats(n.PID())
	if err != nil {
		return res, err
	}
	res.rssStartKB = start.RSSKB
	for _, p := range phases {
		logf("%s: %s, %d units", n.Name, p.name, len(p.units))
		pr, err := runPhase(ctx, n, p.name, p.units, cfg.senders)
		if err != nil {
			return res, err
		}
		logf("%s: %s: %d/%d accepted in %v (%.0f tx/s)", n.Name, p.name, pr.accepted, pr.txs,
			pr.elapsed.Round(time.Millisecond), pr.rate())
		if pr.firstErr != "" {
			logf("%s: %s: first error: %s", n.Name, p.name, pr.firstErr)
		}
		res.phases = append(res.phases, pr)
	}
	end, err := benchnode.ReadProcStats(n.PID())
	if err != nil {
		return res, err
	}
	res.rssEndKB, res.hwmKB = end.RSSKB, end.HWMKB
	if err := n.RPC.Call(ctx, "getmempoolinfo", &res.pool); err != nil {
		return res, err
	}
	return res, nil
}

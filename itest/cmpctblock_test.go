package itest

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"testing"
	"time"

	"github.com/tern-org/ternd/wire"
)

// cmpctPeerInfo is the part of getpeerinfo the compact block test reads.
type cmpctPeerInfo struct {
	Addr         string            `json:"addr"`
	HBTo         bool              `json:"bip152_hb_to"`
	HBFrom       bool              `json:"bip152_hb_from"`
	BytesSentMsg map[string]uint64 `json:"bytessent_per_msg"`
	BytesRecvMsg map[string]uint64 `json:"bytesrecv_per_msg"`
}

// cmpctCommands are the messages that carry a compact block's bytes.
var cmpctCommands = []string{"cmpctblock", "getblocktxn", "blocktxn"}

// peerBytes sums, over the peers of p at addr (every peer when addr is
// empty), the bytes received and sent per command.
func peerBytes(t testing.TB, p *Process, addr string) (recv, sent map[string]uint64) {
	t.Helper()
	var ps []cmpctPeerInfo
	p.MustCall(t, "getpeerinfo", &ps)
	recv, sent = map[string]uint64{}, map[string]uint64{}
	for _, pi := range ps {
		if addr != "" && pi.Addr != addr {
			continue
		}
		for c, n := range pi.BytesRecvMsg {
			recv[c] += n
		}
		for c, n := range pi.BytesSentMsg {
			sent[c] += n
		}
	}
	return recv, sent
}

// sendRawBatch sends txs to p with sendrawtransaction in JSON-RPC batches
// of 500; errors of single transactions (already known by relay) are
// ignored, the caller checks the pool.
func sendRawBatch(t testing.TB, p *Process, txs []*wire.MsgTx) {
	t.Helper()
	for start := 0; start < len(txs); start += 500 {
		var reqs []map[string]any
		for i, tx := range txs[start:min(start+500, len(txs))] {
			reqs = append(reqs, map[string]any{"jsonrpc": "1.0", "id": start + i,
				"method": "sendrawtransaction", "params": []any{TxHex(tx)}})
		}
		body, _ := json.Marshal(reqs)
		ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
		req, _ := http.NewRequestWithContext(ctx, http.MethodPost, "http://"+p.RPCAddr, bytes.NewReader(body))
		req.SetBasicAuth(p.RPCUser, p.RPCPass)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			cancel()
			t.Fatalf("batch to %s: %v", p.RPCAddr, err)
		}
		_, _ = io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		cancel()
	}
}

// mempoolSize returns getmempoolinfo's size.
func mempoolSize(t testing.TB, p *Process) int {
	t.Helper()
	var info struct {
		Size int `json:"size"`
	}
	p.MustCall(t, "getmempoolinfo", &info)
	return info.Size
}

// fanOutTxs makes n transactions of per P2WPKH inputs each, ready to
// send on p: the coinbases at heights (mature) are split into n*per
// outputs by one transaction each, mined on p, and the outputs are then
// spent back to the wallet, per at a time, at 2 sat/vB.
func fanOutTxs(t testing.TB, w *Wallet, p *Process, heights []int64, n, per int) []*wire.MsgTx {
	t.Helper()
	each := n * per / len(heights)
	kinds := make([]Kind, each)
	for i := range kinds {
		kinds[i] = KindP2WPKH
	}
	var coins []Coin
	for _, h := range heights {
		split, out := w.MustPay(t, []Coin{w.CoinbaseCoin(t, p, h)}, kinds, 2)
		p.MustSendTx(t, split)
		coins = append(coins, out...)
	}
	var mined []string
	p.MustCall(t, "generatetoaddress", &mined, 1, w.Address(KindP2WPKH))
	txs := make([]*wire.MsgTx, 0, n)
	for i := 0; i+per <= len(coins) && len(txs) < n; i += per {
		tx, _ := w.MustPay(t, coins[i:i+per], []Kind{KindP2WPKH}, 2)
		txs = append(txs, tx)
	}
	return txs
}

// TestCompactBlockLine: five ternd in a line A-B-C-D-E, each pool holding
// a block's 2,000 transactions (three inputs each, about 490 bytes, near
// mainnet's average: a compact block costs 6 bytes a transaction, so the
// 2% bound needs transactions above 300 bytes); A mines and every node reaches the new tip
// with no block message on any link, only cmpctblock (and at most a small
// getblocktxn round), each link carrying under 2% of the block's size. A
// sixth node F behind E, whose fee floor keeps the transactions out of
// its pool, gets the same block by getblocktxn.
func TestCompactBlockLine(t *testing.T) {
	needProcesses(t)
	const nTxs = 2000
	w := NewWallet(52)
	nodes := []*Process{StartTernd(t)}
	for i := 1; i < 5; i++ {
		nodes = append(nodes, StartTernd(t, "--connect="+nodes[i-1].P2PAddr))
	}
	// F refuses the transactions (10 sat/vB floor), so its pool is empty.
	f := StartTernd(t, "--connect="+nodes[4].P2PAddr, "--minrelaytxfee=0.0001")
	all := append(append([]*Process(nil), nodes...), f)
	a := nodes[0]
	var hashes []string
	a.MustCall(t, "generatetoaddress", &hashes, 110, w.Address(KindP2WPKH))
	WaitTip(t, 60*time.Second, hashes[len(hashes)-1], all...)
	txs := fanOutTxs(t, w, a, []int64{1, 2}, nTxs, 3)
	WaitTip(t, 30*time.Second, a.BestHash(t), all...)
	for _, n := range nodes {
		sendRawBatch(t, n, txs)
	}
	Wait(t, 30*time.Second, "2,000 transactions in every pool", func() bool {
		for _, n := range nodes {
			if mempoolSize(t, n) != nTxs {
				return false
			}
		}
		return true
	})
	if got := mempoolSize(t, f); got != 0 {
		t.Fatalf("F's pool holds %d transactions, want none", got)
	}
	type counts struct{ recv, sent, upRecv, upSent map[string]uint64 }
	// upstream names the link each node gets the block on.
	upstream := func(i int) string {
		if i == 0 {
			return ""
		}
		return all[i-1].P2PAddr
	}
	before := make([]counts, len(all))
	for i, n := range all {
		before[i].recv, before[i].sent = peerBytes(t, n, "")
		before[i].upRecv, before[i].upSent = peerBytes(t, n, upstream(i))
	}
	var mined []string
	a.MustCall(t, "generatetoaddress", &mined, 1, w.Address(KindP2WPKH))
	WaitTip(t, 30*time.Second, mined[0], all...)
	var blk struct {
		Size int `json:"size"`
		NTx  int `json:"nTx"`
	}
	a.MustCall(t, "getblock", &blk, mined[0], 1)
	if blk.NTx != nTxs+1 {
		t.Fatalf("block has %d transactions, want %d", blk.NTx, nTxs+1)
	}
	limit := uint64(blk.Size) * 2 / 100
	for i, n := range all {
		recv, sent := peerBytes(t, n, "")
		upRecv, upSent := peerBytes(t, n, upstream(i))
		name := string(rune('A' + i))
		if d := recv["block"] - before[i].recv["block"]; d != 0 {
			t.Errorf("%s received %d bytes of block messages", name, d)
		}
		if d := sent["block"] - before[i].sent["block"]; d != 0 {
			t.Errorf("%s sent %d bytes of block messages", name, d)
		}
		if i == 0 {
			continue
		}
		// The link from the upstream neighbour, both ways.
		var link uint64
		for _, c := range cmpctCommands {
			link += upRecv[c] - before[i].upRecv[c] + upSent[c] - before[i].upSent[c]
		}
		blocktxn := upRecv["blocktxn"] - before[i].upRecv["blocktxn"]
		t.Logf("%s: %d bytes on its upstream link for a %d-byte block (%.2f%%); blocktxn %d",
			name, link, blk.Size, 100*float64(link)/float64(blk.Size), blocktxn)
		if i < 5 && link >= limit {
			t.Errorf("%s: %d bytes on its link, want under %d (2%% of %d)", name, link, limit, blk.Size)
		}
		if i == 5 && blocktxn == 0 {
			t.Errorf("F got the block without a blocktxn")
		}
	}
	var ps []cmpctPeerInfo
	nodes[1].MustCall(t, "getpeerinfo", &ps)
	hb := false
	for _, pi := range ps {
		if pi.Addr == a.P2PAddr && pi.HBTo {
			hb = true
		}
	}
	if !hb {
		t.Errorf("B did not select A as a high-bandwidth peer: %+v", ps)
	}
}

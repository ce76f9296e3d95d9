package main

import (
	"context"
	"errors"
	"fmt"
	"net"
	"time"

	"github.com/btcsuite/btcd/chaincfg/chainhash"
	"github.com/tern-org/ternd/addrmgr"
	"github.com/tern-org/ternd/blockchain"
	"github.com/tern-org/ternd/blockchain/standalone"
	"github.com/tern-org/ternd/internal/metrics"
	"github.com/tern-org/ternd/internal/rpcjson"
	"github.com/tern-org/ternd/mempool"
	"github.com/tern-org/ternd/peer"
	"github.com/tern-org/ternd/wire"
)

// This file is what internal/metrics reads the node through, as
// rpcadaptors.go is for internal/rpcserver: small types over the core and
// the P2P server, read at scrape time, and the hooks that feed the event
// counters.

// metricsSubsystem serves --metricslisten. It is the last subsystem to
// start (everything it reads exists by then) and the first to stop.
func (n *daemon) metricsSubsystem() subsystem {
	var srv *metrics.Server
	return &funcSubsystem{name: "metrics server",
		start: func(context.Context) error {
			var ln net.Listener
			if n.bound != nil {
				ln = n.bound.metrics
			}
			if ln == nil {
				var err error
				if ln, err = net.Listen("tcp", n.cfg.MetricsListen); err != nil {
					return fmt.Errorf("--metricslisten=%s: %w", n.cfg.MetricsListen, err)
				}
			}
			var err error
			srv, err = metrics.New(metrics.Config{
				Listener: ln, Events: n.events, Network: n.cfg.params.Name, Version: version(),
				StartTime: n.startTime,
				Sources: metrics.Sources{Chain: metricsChain{n.core}, Pool: metricsPool{n.core},
					Peers: metricsPeers{n.p2p}, Addrs: metricsPeers{n.p2p}, Bans: metricsPeers{n.p2p}},
			})
			if err != nil {
				ln.Close()
				return err
			}
			n.core.chain.Subscribe(n.metricsChainEvent)
			srv.Start()
			return nil
		},
		stop: func() error { return srv.Stop() },
	}
}

// metricsChainEvent feeds the block validation times and reorganisations
// from the chain's notifications.
func (n *daemon) metricsChainEvent(note *blockchain.Notification) {
	switch note.Type {
	case blockchain.NTBlockConnected:
		n.events.BlockConnected(note.ValidationTime)
	case blockchain.NTBlockDisconnected:
		n.events.BlockDisconnected()
	}
}

// rpcObserver hands the RPC server's finished requests to the events.
type rpcObserver struct{ ev *metrics.Events }

func (o rpcObserver) ObserveRequest(method string, took time.Duration, err *rpcjson.RPCError) {
	o.ev.RPCRequest(method, took, err == nil)
}

// txObserver learns what the pool did with each transaction handed to it
// (the node implements it; nil events make it a no-op).
type txObserver interface {
	observeTx(source string, accepted []*mempool.TxDesc, err error)
}

// observeTx counts a transaction the pool accepted (with the orphans it
// unlocked) or refused, by the kind of its reject reason.
func (s *node) observeTx(source string, accepted []*mempool.TxDesc, err error) {
	ev := s.events
	if ev == nil {
		return
	}
	if err == nil {
		ev.TxProcessed(source, len(accepted), false, "")
		return
	}
	ev.TxProcessed(source, 0, true, rejectKind(err))
}

// rejectKind is the metric label of a refusal: the pool's error kind
// (Core's reject reason without its details), else "other".
func rejectKind(err error) string {
	var e mempool.Error
	if errors.As(err, &e) {
		if k, ok := e.Err.(mempool.ErrorKind); ok {
			return string(k)
		}
	}
	var k mempool.ErrorKind
	if errors.As(err, &k) {
		return string(k)
	}
	return "other"
}

// observedPool is the pool as the sync manager sees it: every method of
// *mempool.TxPool (the compact block reconstruction source among them),
// with ProcessTransaction's return values also counted.
type observedPool struct {
	*mempool.TxPool
	obs txObserver
}

func (p observedPool) ProcessTransaction(tx *wire.MsgTx, allowOrphan bool, tag mempool.Tag) ([]*mempool.TxDesc, []chainhash.Hash, error) {
	acc, missing, err := p.TxPool.ProcessTransaction(tx, allowOrphan, tag)
	p.obs.observeTx("peer", acc, err)
	return acc, missing, err
}

// metricsChain reads the chain for the metrics and the status page.
type metricsChain struct{ n *node }

func (c metricsChain) ChainState() metrics.ChainState {
	best := c.n.chain.BestSnapshot()
	_, headers := c.n.chain.BestHeader()
	current := c.n.chain.IsCurrent()
	progress := 1.0
	if !current && headers > 0 {
		progress = float64(best.Height) / float64(headers)
	}
	return metrics.ChainState{Height: best.Height, HeaderHeight: headers, TipHash: best.Hash.String(),
		TipTime: best.Timestamp, IBD: !current, Progress: progress}
}

// RecentBlocks reads the last n blocks of the main chain; a block's fees
// are its coinbase's outputs less the subsidy.
func (c metricsChain) RecentBlocks(n int) []metrics.BlockSummary {
	best := c.n.chain.BestSnapshot()
	var out []metrics.BlockSummary
	for h := best.Height; h >= 0 && len(out) < n; h-- {
		hash, err := c.n.chain.BlockHashByHeight(h)
		if err != nil {
			break
		}
		blk, err := c.n.chain.BlockByHash(hash)
		if err != nil {
			break
		}
		var cbOut int64
		if len(blk.Transactions) > 0 {
			for _, o := range blk.Transactions[0].TxOut {
				cbOut += o.Value
			}
		}
		fees := max(cbOut-standalone.CalcBlockSubsidy(h, c.n.params), 0)
		if h == 0 {
			fees = 0
		}
		out = append(out, metrics.BlockSummary{Height: h, Hash: hash.String(), Time: blk.Header.Timestamp,
			Txs: len(blk.Transactions), Size: blk.SerializeSize(), Fees: fees})
	}
	return out
}

// metricsPool reads the pool. The metrics server starts after the node
// is built and stops before it, so the pool is there for every scrape.
type metricsPool struct{ n *node }

func (p metricsPool) PoolState() metrics.PoolState {
	st := metrics.PoolState{MaxBytes: int64(p.n.cfg.MaxMempool) * 1000000}
	pool := p.n.pool
	st.Usage, st.VSize = pool.Usage()
	st.MinFeeRate = float64(max(pool.MinFee(), mempool.FeeRate(p.n.cfg.minRelayTxFeeSat))) / 1000
	st.Orphans = pool.OrphanCount()
	st.Replaced = pool.Replaced()
	st.Unbroadcast = len(pool.Unbroadcast())
	descs := pool.TxDescs()
	st.Count = len(descs)
	st.FeeRates = make([]metrics.TxFeeRate, 0, len(descs))
	for _, d := range descs {
		if d.VSize > 0 {
			st.FeeRates = append(st.FeeRates, metrics.TxFeeRate{VSize: d.VSize,
				Rate: float64(d.Fee) / float64(d.VSize)})
		}
	}
	return st
}

// metricsPeers reads the P2P server: peers, traffic, addresses, bans.
type metricsPeers struct{ s *server }

func (p metricsPeers) Peers() []metrics.Peer {
	var out []metrics.Peer
	for _, sp := range p.s.allPeers() {
		st := sp.StatsSnapshot()
		if !st.HandshakeDone {
			continue
		}
		out = append(out, metrics.Peer{ID: st.ID, Addr: st.Addr, Inbound: st.Inbound,
			ConnectionType: sp.connectionType(), Transport: st.TransportProtocol, Ping: st.PingTime,
			BytesSent: st.BytesSent, BytesRecv: st.BytesRecv, SubVer: st.UserAgent, ConnTime: st.ConnTime,
			SyncedBlocks: st.SyncedBlocks})
	}
	return out
}

// Traffic adds the connected peers' traffic to the departed ones', under
// the lock peerDone moves a peer from one to the other with.
func (p metricsPeers) Traffic() (sent, recv map[string]metrics.MsgStats) {
	p.s.trafficMu.Lock()
	defer p.s.trafficMu.Unlock()
	t := p.s.closedTraffic.clone()
	for _, sp := range p.s.allPeers() {
		t.add(sp.StatsSnapshot())
	}
	return t.sent, t.recv
}

func (p metricsPeers) AddrCounts() []metrics.AddrCount {
	am := p.s.am
	if am == nil {
		return nil
	}
	byNet := am.CountsByNetwork()
	// The networks a node usually knows are always reported, at zero too.
	for _, id := range []wire.NetworkID{wire.NetIPv4, wire.NetIPv6, wire.NetTorV3} {
		if _, ok := byNet[id]; !ok {
			byNet[id] = addrmgr.NetworkCounts{}
		}
	}
	out := make([]metrics.AddrCount, 0, len(byNet))
	for id, c := range byNet {
		out = append(out, metrics.AddrCount{Network: id.String(), New: c.New, Tried: c.Tried})
	}
	return out
}

func (p metricsPeers) BanCount() int { return len(p.s.bans.Entries()) }

// cmdTraffic totals messages and bytes by command, sent and received.
type cmdTraffic struct {
	sent, recv map[string]metrics.MsgStats
}

// add adds a peer's traffic by command.
func (t *cmdTraffic) add(st *peer.StatsSnap) {
	if t.sent == nil {
		t.sent, t.recv = make(map[string]metrics.MsgStats), make(map[string]metrics.MsgStats)
	}
	for cmd, cs := range st.SentByCmd {
		m := t.sent[cmd]
		t.sent[cmd] = metrics.MsgStats{Messages: m.Messages + cs.Messages, Bytes: m.Bytes + cs.Bytes}
	}
	for cmd, cs := range st.RecvByCmd {
		m := t.recv[cmd]
		t.recv[cmd] = metrics.MsgStats{Messages: m.Messages + cs.Messages, Bytes: m.Bytes + cs.Bytes}
	}
}

// clone returns a copy that add can change.
func (t *cmdTraffic) clone() cmdTraffic {
	c := cmdTraffic{sent: make(map[string]metrics.MsgStats, len(t.sent)),
		recv: make(map[string]metrics.MsgStats, len(t.recv))}
	for k, v := range t.sent {
		c.sent[k] = v
	}
	for k, v := range t.recv {
		c.recv[k] = v
	}
	return c
}

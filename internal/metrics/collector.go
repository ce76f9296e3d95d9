package metrics

import (
	"sort"

	"github.com/prometheus/client_golang/prometheus"
)

// namespace prefixes every metric of the node.
const namespace = "ternd"

// FeeRateBuckets are the upper bounds, in sat/vB, of the pool's fee-rate
// histogram, metric and chart alike: Core's 0.1 sat/vB relay floor up to
// the rates of a congested mainnet.
var FeeRateBuckets = []float64{0.5, 1, 2, 3, 5, 10, 20, 50, 100, 200, 500, 1000}

// desc is shorthand for a metric description.
func desc(name, help string, labels ...string) *prometheus.Desc {
	return prometheus.NewDesc(namespace+"_"+name, help, labels, nil)
}

// Collector reads the node at scrape time (see the package doc). It is
// safe for concurrent use, as prometheus.Collector requires, if the
// sources are.
type Collector struct {
	src     Sources
	network string
	version string

	info, peers, bytes, msgs                           *prometheus.Desc
	height, headers, ibd, tipTime, progress            *prometheus.Desc
	poolTxs, poolVSize, poolUsage, poolMax, poolMinFee *prometheus.Desc
	poolFeeRates, poolReplaced, poolOrphans            *prometheus.Desc
	addrs, bans                                        *prometheus.Desc
}

// NewCollector returns a collector over src for a node of network and
// version (reported by ternd_info).
func NewCollector(src Sources, network, version string) *Collector {
	return &Collector{
		src: src, network: network, version: version,
		info: desc("info", "The node's version and network (always 1).", "version", "network"),
		peers: desc("peers", "Connected peers by direction, connection type and transport.",
			"direction", "connection_type", "transport"),
		bytes: desc("p2p_bytes_total", "P2P bytes by direction (in, out) and message command, "+
			"connected and departed peers together.", "direction", "command"),
		msgs: desc("p2p_messages_total", "P2P messages by direction (in, out) and command, "+
			"connected and departed peers together.", "direction", "command"),
		height:   desc("chain_height", "Height of the best block (getblockchaininfo's blocks)."),
		headers:  desc("chain_headers_height", "Height of the best header (getblockchaininfo's headers)."),
		ibd:      desc("chain_initial_block_download", "1 while in initial block download, else 0."),
		tipTime:  desc("chain_tip_timestamp_seconds", "The best block's header time, in Unix seconds."),
		progress: desc("chain_verification_progress_ratio", "Estimated share of the chain verified (0 to 1)."),
		poolTxs:  desc("mempool_transactions", "Transactions in the pool."),
		poolVSize: desc("mempool_vsize_vbytes", "Virtual size of the pooled transactions "+
			"(getmempoolinfo's bytes)."),
		poolUsage:  desc("mempool_usage_bytes", "Memory the pool uses (getmempoolinfo's usage)."),
		poolMax:    desc("mempool_max_bytes", "The pool's memory limit (--maxmempool)."),
		poolMinFee: desc("mempool_min_fee_rate_sat_per_vbyte", "Fee rate a transaction must pay to enter the pool now."),
		poolFeeRates: desc("mempool_fee_rate_sat_per_vbyte", "Fee rates of the pooled transactions "+
			"(one observation per transaction)."),
		poolReplaced: desc("mempool_replaced_transactions_total", "Pooled transactions evicted by "+
			"replacements (RBF, package RBF, sibling eviction)."),
		poolOrphans: desc("mempool_orphans", "Orphan transactions waiting for their parents."),
		addrs: desc("addrman_addresses", "Known peer addresses by table (new, tried) and network.",
			"table", "network"),
		bans: desc("banned_subnets", "Banned addresses and subnets."),
	}
}

// Describe implements prometheus.Collector.
func (c *Collector) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range []*prometheus.Desc{c.info, c.peers, c.bytes, c.msgs, c.height, c.headers, c.ibd,
		c.tipTime, c.progress, c.poolTxs, c.poolVSize, c.poolUsage, c.poolMax, c.poolMinFee,
		c.poolFeeRates, c.poolReplaced, c.poolOrphans, c.addrs, c.bans} {
		ch <- d
	}
}

// Collect implements prometheus.Collector: it reads every source once.
func (c *Collector) Collect(ch chan<- prometheus.Metric) {
	gauge := func(d *prometheus.Desc, v float64, labels ...string) {
		ch <- prometheus.MustNewConstMetric(d, prometheus.GaugeValue, v, labels...)
	}
	counter := func(d *prometheus.Desc, v float64, labels ...string) {
		ch <- prometheus.MustNewConstMetric(d, prometheus.CounterValue, v, labels...)
	}
	gauge(c.info, 1, c.version, c.network)
	if s := c.src.Chain; s != nil {
		st := s.ChainState()
		gauge(c.height, float64(st.Height))
		gauge(c.headers, float64(st.HeaderHeight))
		gauge(c.ibd, boolFloat(st.IBD))
		gauge(c.tipTime, float64(st.TipTime.Unix()))
		gauge(c.progress, st.Progress)
	}
	if s := c.src.Pool; s != nil {
		st := s.PoolState()
		gauge(c.poolTxs, float64(st.Count))
		gauge(c.poolVSize, float64(st.VSize))
		gauge(c.poolUsage, float64(st.Usage))
		gauge(c.poolMax, float64(st.MaxBytes))
		gauge(c.poolMinFee, st.MinFeeRate)
		counter(c.poolReplaced, float64(st.Replaced))
		gauge(c.poolOrphans, float64(st.Orphans))
		buckets, sum := FeeRateHistogram(st.FeeRates)
		ch <- prometheus.MustNewConstHistogram(c.poolFeeRates, uint64(len(st.FeeRates)), sum, buckets)
	}
	if s := c.src.Peers; s != nil {
		c.collectPeers(ch, s)
	}
	if s := c.src.Addrs; s != nil {
		for _, a := range s.AddrCounts() {
			gauge(c.addrs, float64(a.New), "new", a.Network)
			gauge(c.addrs, float64(a.Tried), "tried", a.Network)
		}
	}
	if s := c.src.Bans; s != nil {
		gauge(c.bans, float64(s.BanCount()))
	}
}

// collectPeers reports the peer counts and the traffic by command.
func (c *Collector) collectPeers(ch chan<- prometheus.Metric, s PeerSource) {
	type key struct{ dir, typ, transport string }
	counts := make(map[key]int)
	for _, p := range s.Peers() {
		counts[key{direction(p.Inbound), p.ConnectionType, p.Transport}]++
	}
	for k, n := range counts {
		ch <- prometheus.MustNewConstMetric(c.peers, prometheus.GaugeValue, float64(n), k.dir, k.typ, k.transport)
	}
	sent, recv := s.Traffic()
	for _, t := range []struct {
		dir   string
		stats map[string]MsgStats
	}{{"out", sent}, {"in", recv}} {
		for cmd, st := range t.stats {
			ch <- prometheus.MustNewConstMetric(c.bytes, prometheus.CounterValue, float64(st.Bytes), t.dir, cmd)
			ch <- prometheus.MustNewConstMetric(c.msgs, prometheus.CounterValue, float64(st.Messages), t.dir, cmd)
		}
	}
}

// FeeRateHistogram returns the cumulative count of transactions at or
// below each of FeeRateBuckets, and the sum of the rates, as a Prometheus
// histogram wants them.
func FeeRateHistogram(rates []TxFeeRate) (map[float64]uint64, float64) {
	buckets := make(map[float64]uint64, len(FeeRateBuckets))
	sorted := make([]float64, len(rates))
	sum := 0.0
	for i, r := range rates {
		sorted[i] = r.Rate
		sum += r.Rate
	}
	sort.Float64s(sorted)
	i := 0
	for _, le := range FeeRateBuckets {
		for i < len(sorted) && sorted[i] <= le {
			i++
		}
		buckets[le] = uint64(i)
	}
	return buckets, sum
}

// direction names a peer's direction as the metric labels do.
func direction(inbound bool) string {
	if inbound {
		return "inbound"
	}
	return "outbound"
}

func boolFloat(b bool) float64 {
	if b {
		return 1
	}
	return 0
}

package metrics

import (
	"encoding/xml"
	"io"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"
	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"
)

// stubNode is every source, with fixed answers.
type stubNode struct {
	chain ChainState
	pool  PoolState
	peers []Peer
	sent  map[string]MsgStats
	recv  map[string]MsgStats
	addrs []AddrCount
	bans  int
	block []BlockSummary
}

func (s *stubNode) ChainState() ChainState            { return s.chain }
func (s *stubNode) RecentBlocks(n int) []BlockSummary { return s.block[:min(n, len(s.block))] }
func (s *stubNode) PoolState() PoolState              { return s.pool }
func (s *stubNode) Peers() []Peer                     { return s.peers }
func (s *stubNode) Traffic() (sent, recv map[string]MsgStats) {
	return s.sent, s.recv
}
func (s *stubNode) AddrCounts() []AddrCount { return s.addrs }
func (s *stubNode) BanCount() int           { return s.bans }

// testStub is a node with a little of everything.
func testStub() *stubNode {
	t0 := time.Unix(1_700_000_000, 0)
	return &stubNode{
		chain: ChainState{Height: 120, HeaderHeight: 121, TipHash: "00ab", TipTime: t0, Progress: 0.5},
		pool: PoolState{Count: 3, VSize: 600, Usage: 4096, MinFeeRate: 0.1, Orphans: 2, Replaced: 5,
			MaxBytes: 300e6, FeeRates: []TxFeeRate{{100, 0.2}, {200, 1}, {300, 2000}}},
		peers: []Peer{
			{ID: 2, Addr: "127.0.0.1:1", Inbound: true, ConnectionType: "inbound", Transport: "v2",
				Ping: 3 * time.Millisecond, BytesSent: 10, BytesRecv: 20, SubVer: "/ternd:0.1.0/"},
			{ID: 1, Addr: "127.0.0.1:2", ConnectionType: "manual", Transport: "v1", SubVer: "/btcd:0.26.2/"},
		},
		sent:  map[string]MsgStats{"inv": {Messages: 4, Bytes: 400}},
		recv:  map[string]MsgStats{"tx": {Messages: 2, Bytes: 500}},
		addrs: []AddrCount{{Network: "ipv4", New: 7, Tried: 1}},
		bans:  3,
		block: []BlockSummary{{Height: 120, Hash: "00ab", Time: t0, Txs: 2, Size: 400, Fees: 1500}},
	}
}

func testSources(s *stubNode) Sources {
	return Sources{Chain: s, Pool: s, Peers: s, Addrs: s, Bans: s}
}

// TestCollector: each metric reports what its source says, under its
// labels.
func TestCollector(t *testing.T) {
	c := NewCollector(testSources(testStub()), "regtest", "0.1.0")
	tests := []struct {
		name, want string
	}{
		{"ternd_info", `ternd_info{network="regtest",version="0.1.0"} 1`},
		{"ternd_chain_height", "ternd_chain_height 120"},
		{"ternd_chain_headers_height", "ternd_chain_headers_height 121"},
		{"ternd_chain_initial_block_download", "ternd_chain_initial_block_download 0"},
		{"ternd_chain_tip_timestamp_seconds", "ternd_chain_tip_timestamp_seconds 1.7e+09"},
		{"ternd_chain_verification_progress_ratio", "ternd_chain_verification_progress_ratio 0.5"},
		{"ternd_mempool_transactions", "ternd_mempool_transactions 3"},
		{"ternd_mempool_vsize_vbytes", "ternd_mempool_vsize_vbytes 600"},
		{"ternd_mempool_usage_bytes", "ternd_mempool_usage_bytes 4096"},
		{"ternd_mempool_max_bytes", "ternd_mempool_max_bytes 3e+08"},
		{"ternd_mempool_min_fee_rate_sat_per_vbyte", "ternd_mempool_min_fee_rate_sat_per_vbyte 0.1"},
		{"ternd_mempool_replaced_transactions_total", "ternd_mempool_replaced_transactions_total 5"},
		{"ternd_mempool_orphans", "ternd_mempool_orphans 2"},
		{"ternd_mempool_fee_rate_sat_per_vbyte", `ternd_mempool_fee_rate_sat_per_vbyte_bucket{le="0.5"} 1`},
		{"ternd_mempool_fee_rate_sat_per_vbyte", `ternd_mempool_fee_rate_sat_per_vbyte_bucket{le="1000"} 2`},
		{"ternd_mempool_fee_rate_sat_per_vbyte", `ternd_mempool_fee_rate_sat_per_vbyte_count 3`},
		{"ternd_peers", `ternd_peers{connection_type="inbound",direction="inbound",transport="v2"} 1`},
		{"ternd_peers", `ternd_peers{connection_type="manual",direction="outbound",transport="v1"} 1`},
		{"ternd_p2p_bytes_total", `ternd_p2p_bytes_total{command="inv",direction="out"} 400`},
		{"ternd_p2p_bytes_total", `ternd_p2p_bytes_total{command="tx",direction="in"} 500`},
		{"ternd_p2p_messages_total", `ternd_p2p_messages_total{command="tx",direction="in"} 2`},
		{"ternd_addrman_addresses", `ternd_addrman_addresses{network="ipv4",table="tried"} 1`},
		{"ternd_addrman_addresses", `ternd_addrman_addresses{network="ipv4",table="new"} 7`},
		{"ternd_banned_subnets", "ternd_banned_subnets 3"},
	}
	problems, err := testutil.CollectAndLint(c)
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range problems {
		t.Errorf("lint %s: %s", p.Metric, p.Text)
	}
	for _, tc := range tests {
		t.Run(tc.want, func(t *testing.T) {
			out := gatherText(t, c, tc.name)
			if !strings.Contains(out, tc.want+"\n") {
				t.Fatalf("%s lacks %q:\n%s", tc.name, tc.want, out)
			}
		})
	}
	// No source, no metric of it.
	bare := NewCollector(Sources{}, "regtest", "0.1.0")
	if n := testutil.CollectAndCount(bare); n != 1 {
		t.Fatalf("collector without sources reports %d metrics, want ternd_info alone", n)
	}
}

// gatherText returns the exposition text of metric name from c.
func gatherText(t *testing.T, c prometheus.Collector, name string) string {
	t.Helper()
	out, err := testutil.CollectAndFormat(c, expfmt.TypeTextPlain, name)
	if err != nil {
		t.Fatal(err)
	}
	return string(out)
}

// TestFeeRateHistogram: cumulative counts at each bound and the sum.
func TestFeeRateHistogram(t *testing.T) {
	tests := []struct {
		name  string
		rates []float64
		want  map[float64]uint64
		sum   float64
	}{
		{"empty", nil, map[float64]uint64{0.5: 0, 1000: 0}, 0},
		{"on a bound", []float64{1, 1, 2}, map[float64]uint64{0.5: 0, 1: 2, 2: 3, 1000: 3}, 4},
		{"above the last", []float64{0.1, 5000}, map[float64]uint64{0.5: 1, 1000: 1}, 5000.1},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var rs []TxFeeRate
			for _, r := range tc.rates {
				rs = append(rs, TxFeeRate{VSize: 100, Rate: r})
			}
			got, sum := FeeRateHistogram(rs)
			if len(got) != len(FeeRateBuckets) || sum != tc.sum {
				t.Fatalf("%d buckets, sum %v", len(got), sum)
			}
			for le, n := range tc.want {
				if got[le] != n {
					t.Errorf("bucket %v = %d, want %d", le, got[le], n)
				}
			}
		})
	}
}

// TestEvents: each event moves its counter, and a run of disconnections
// is one reorganisation.
func TestEvents(t *testing.T) {
	e := NewEvents()
	e.TxProcessed("peer", 2, false, "")
	e.TxProcessed("rpc", 1, false, "")
	e.TxProcessed("peer", 0, false, "") // an orphan kept
	e.TxProcessed("rpc", 0, true, "insufficient fee")
	e.RPCRequest("getblockcount", time.Millisecond, true)
	e.RPCRequest("getblockcount", time.Millisecond, false)
	e.BlockConnected(2 * time.Millisecond)
	e.BlockDisconnected()
	e.BlockDisconnected()
	e.BlockConnected(time.Millisecond)
	e.BlockDisconnected()
	tests := []struct {
		name string
		got  float64
		want float64
	}{
		{"accepted peer", testutil.ToFloat64(e.accepted.WithLabelValues("peer")), 2},
		{"accepted rpc", testutil.ToFloat64(e.accepted.WithLabelValues("rpc")), 1},
		{"rejected", testutil.ToFloat64(e.rejected.WithLabelValues("insufficient fee")), 1},
		{"rpc ok", testutil.ToFloat64(e.rpcCount.WithLabelValues("getblockcount", "ok")), 1},
		{"rpc error", testutil.ToFloat64(e.rpcCount.WithLabelValues("getblockcount", "error")), 1},
		{"reorgs", testutil.ToFloat64(e.reorgs), 2},
		{"validations", float64(histCount(t, e.validation)), 2},
	}
	for _, tc := range tests {
		if tc.got != tc.want {
			t.Errorf("%s = %v, want %v", tc.name, tc.got, tc.want)
		}
	}
}

// histCount returns a histogram's observation count.
func histCount(t *testing.T, h interface{ Write(*dto.Metric) error }) uint64 {
	t.Helper()
	var m dto.Metric
	if err := h.Write(&m); err != nil {
		t.Fatal(err)
	}
	return m.GetHistogram().GetSampleCount()
}

// TestServer: /metrics serves the exposition format, / the status page,
// anything else 404; Stop closes the listener.
func TestServer(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	stub := testStub()
	s, err := New(Config{Listener: l, Sources: testSources(stub), Network: "regtest", Version: "0.1.0",
		StartTime: time.Now().Add(-time.Hour)})
	if err != nil {
		t.Fatal(err)
	}
	s.Start()
	defer s.Stop()
	base := "http://" + l.Addr().String()
	tests := []struct {
		path   string
		status int
		want   []string
	}{
		{"/metrics", 200, []string{"ternd_chain_height 120", "ternd_chain_reorganizations_total 0",
			"ternd_mempool_accepted_transactions_total", "go_goroutines", "process_cpu_seconds_total"}},
		{"/", 200, []string{`<section id="peers">`, "ternd on regtest"}},
		{"/nope", 404, nil},
	}
	for _, tc := range tests {
		t.Run(tc.path, func(t *testing.T) {
			resp, err := http.Get(base + tc.path)
			if err != nil {
				t.Fatal(err)
			}
			body, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			if resp.StatusCode != tc.status {
				t.Fatalf("status %d, want %d", resp.StatusCode, tc.status)
			}
			for _, w := range tc.want {
				if !strings.Contains(string(body), w) {
					t.Errorf("%s lacks %q", tc.path, w)
				}
			}
		})
	}
	if err := s.Stop(); err != nil {
		t.Fatal(err)
	}
	if _, err := http.Get(base + "/"); err == nil {
		t.Fatal("still serving after Stop")
	}
}

// TestStatusPage: the page is well-formed, refreshes itself, and has each
// section with the sources' data: the chain, every peer, the pool and its
// fee-rate chart (one bar per band), and the last blocks.
func TestStatusPage(t *testing.T) {
	stub := testStub()
	cfg := &Config{Sources: testSources(stub), Network: "regtest", Version: "0.1.0",
		StartTime: time.Now().Add(-90 * time.Minute), Refresh: 5 * time.Second}
	doc := renderPage(t, cfg)
	tests := []struct {
		name string
		ok   bool
	}{
		{"meta refresh", doc.meta["refresh"] == "5"},
		{"chain section", doc.ids["chain"]},
		{"peers section", doc.ids["peers"]},
		{"mempool section", doc.ids["mempool"]},
		{"blocks section", doc.ids["blocks"]},
		{"svg chart", doc.ids["feerates"]},
		{"a bar per band", doc.rects == len(FeeRateBuckets)+1},
		{"peer rows", doc.classes["peer"] == 2},
		{"block rows", doc.classes["block"] == 1},
		{"no script", doc.tags["script"] == 0},
		{"no external asset", doc.external == 0},
		{"height", strings.Contains(doc.text, "120")},
		{"peer address", strings.Contains(doc.text, "127.0.0.1:1")},
		{"subversion", strings.Contains(doc.text, "/btcd:0.26.2/")},
		{"transport", strings.Contains(doc.text, "v2")},
		{"ping", strings.Contains(doc.text, "3.0 ms")},
		{"fees", strings.Contains(doc.text, "0.00001500 BTC")},
		{"uptime", strings.Contains(doc.text, "up 1h 30m")},
	}
	for _, tc := range tests {
		if !tc.ok {
			t.Errorf("%s: missing", tc.name)
		}
	}

	// An empty pool and no peers still render, and say so.
	empty := &stubNode{chain: stub.chain}
	doc = renderPage(t, &Config{Sources: testSources(empty), Network: "regtest", Version: "0.1.0",
		StartTime: time.Now()})
	if !strings.Contains(doc.text, "The pool is empty.") || !strings.Contains(doc.text, "No peers connected.") {
		t.Fatalf("empty page text %q", doc.text)
	}
}

// pageDoc is what the tests read from a rendered page.
type pageDoc struct {
	ids      map[string]bool
	classes  map[string]int
	tags     map[string]int
	meta     map[string]string
	rects    int
	external int
	text     string
}

// renderPage renders the status page and parses it as XML.
func renderPage(t *testing.T, cfg *Config) *pageDoc {
	t.Helper()
	h := &statusHandler{cfg: cfg}
	if cfg.Refresh == 0 {
		cfg.Refresh = DefaultRefresh
	}
	var sb strings.Builder
	if err := statusTemplate.Execute(&sb, h.build(time.Now())); err != nil {
		t.Fatal(err)
	}
	return parsePage(t, sb.String())
}

// parsePage reads an XHTML-compatible page with encoding/xml.
func parsePage(t *testing.T, page string) *pageDoc {
	t.Helper()
	doc := &pageDoc{ids: map[string]bool{}, classes: map[string]int{}, tags: map[string]int{},
		meta: map[string]string{}}
	dec := xml.NewDecoder(strings.NewReader(page))
	dec.Strict = true
	var text strings.Builder
	for {
		tok, err := dec.Token()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatalf("page is not well-formed: %v\n%s", err, page)
		}
		switch el := tok.(type) {
		case xml.StartElement:
			doc.tags[el.Name.Local]++
			if el.Name.Local == "rect" {
				doc.rects++
			}
			attrs := map[string]string{}
			for _, a := range el.Attr {
				attrs[a.Name.Local] = a.Value
			}
			if id := attrs["id"]; id != "" {
				doc.ids[id] = true
			}
			for _, c := range strings.Fields(attrs["class"]) {
				doc.classes[c]++
			}
			if el.Name.Local == "meta" && attrs["http-equiv"] == "refresh" {
				doc.meta["refresh"] = attrs["content"]
			}
			for _, k := range []string{"src", "href"} {
				if v := attrs[k]; strings.Contains(v, "//") {
					doc.external++
				}
			}
		case xml.CharData:
			text.Write(el)
			text.WriteByte(' ')
		}
	}
	doc.text = text.String()
	return doc
}

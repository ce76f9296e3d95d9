package metrics

import (
	"bytes"
	"fmt"
	"html/template"
	"math"
	"net/http"
	"sort"
	"time"
)

// recentBlocks is how many blocks the status page lists.
const recentBlocks = 10

// statusHandler renders the status page from the sources at each request.
type statusHandler struct {
	cfg *Config
}

// statusPage is what the template renders.
type statusPage struct {
	Network, Version string
	Uptime           string
	Now              string
	Refresh          int
	HasChain         bool
	Chain            ChainState
	TipAge           string
	ProgressPct      string
	HasPool          bool
	Pool             PoolState
	Chart            feeChart
	HasPeers         bool
	Peers            []peerRow
	Blocks           []blockRow
}

// peerRow is one line of the peers table.
type peerRow struct {
	Addr, Direction, Type, Transport, Ping, Sent, Recv, SubVer string
}

// blockRow is one line of the blocks table.
type blockRow struct {
	Height                           int32
	Hash, Age, Txs, Size, Fees, Time string
}

// feeChart is the pool's fee-rate histogram as SVG bars: the virtual
// bytes of the pooled transactions in each fee-rate band.
type feeChart struct {
	Width, Height int
	Bars          []feeBar
	Empty         bool
	MaxLabel      string
}

// feeBar is one band of the chart.
type feeBar struct {
	X, Y, W, H     int
	Label, Value   string
	LabelX, LabelY int
	Title          string
}

// Chart geometry, in SVG user units.
const (
	chartWidth   = 760
	chartHeight  = 220
	chartBottom  = 30 // room for the band labels
	chartTop     = 16
	chartBarGap  = 6
	chartPadLeft = 10
)

// ServeHTTP renders the page; it never caches.
func (h *statusHandler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	page := h.build(time.Now())
	var buf bytes.Buffer
	if err := statusTemplate.Execute(&buf, page); err != nil {
		log.Errorf("Status page: %v", err)
		http.Error(w, "status page failed", http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.Write(buf.Bytes())
}

// build gathers the page's data from the sources.
func (h *statusHandler) build(now time.Time) *statusPage {
	cfg := h.cfg
	p := &statusPage{
		Network: cfg.Network, Version: cfg.Version,
		Uptime:  formatDuration(now.Sub(cfg.StartTime)),
		Now:     now.UTC().Format("2006-01-02 15:04:05 UTC"),
		Refresh: int(cfg.Refresh / time.Second),
	}
	src := cfg.Sources
	if src.Chain != nil {
		p.HasChain = true
		p.Chain = src.Chain.ChainState()
		p.TipAge = formatDuration(now.Sub(p.Chain.TipTime))
		p.ProgressPct = fmt.Sprintf("%.2f%%", 100*p.Chain.Progress)
		for _, b := range src.Chain.RecentBlocks(recentBlocks) {
			p.Blocks = append(p.Blocks, blockRow{Height: b.Height, Hash: b.Hash,
				Age: formatDuration(now.Sub(b.Time)), Txs: fmt.Sprint(b.Txs), Size: formatBytes(int64(b.Size)),
				Fees: formatBTC(b.Fees), Time: b.Time.UTC().Format("2006-01-02 15:04:05")})
		}
	}
	if src.Pool != nil {
		p.HasPool = true
		p.Pool = src.Pool.PoolState()
		p.Chart = buildFeeChart(p.Pool.FeeRates)
	}
	if src.Peers != nil {
		p.HasPeers = true
		peers := src.Peers.Peers()
		sort.Slice(peers, func(i, j int) bool { return peers[i].ID < peers[j].ID })
		for _, pr := range peers {
			ping := "-"
			if pr.Ping > 0 {
				ping = fmt.Sprintf("%.1f ms", float64(pr.Ping)/float64(time.Millisecond))
			}
			p.Peers = append(p.Peers, peerRow{Addr: pr.Addr, Direction: direction(pr.Inbound),
				Type: pr.ConnectionType, Transport: pr.Transport, Ping: ping,
				Sent: formatBytes(int64(pr.BytesSent)), Recv: formatBytes(int64(pr.BytesRecv)), SubVer: pr.SubVer})
		}
	}
	return p
}

// buildFeeChart lays out one bar per fee-rate band of FeeRateBuckets
// (and one above the last), its height the band's share of the largest
// band's virtual bytes.
func buildFeeChart(rates []TxFeeRate) feeChart {
	n := len(FeeRateBuckets) + 1
	vbytes := make([]int64, n)
	counts := make([]int, n)
	for _, r := range rates {
		i := sort.SearchFloat64s(FeeRateBuckets, r.Rate) // first bound >= rate
		vbytes[i] += r.VSize
		counts[i]++
	}
	var max int64
	for _, v := range vbytes {
		max = int64(math.Max(float64(max), float64(v)))
	}
	c := feeChart{Width: chartWidth, Height: chartHeight, Empty: len(rates) == 0, MaxLabel: formatVBytes(max)}
	slot := (chartWidth - chartPadLeft) / n
	plot := chartHeight - chartBottom - chartTop
	for i := 0; i < n; i++ {
		h := 0
		if max > 0 {
			h = int(math.Round(float64(plot) * float64(vbytes[i]) / float64(max)))
		}
		if vbytes[i] > 0 && h < 2 {
			h = 2 // a band with transactions stays visible
		}
		lo, label := 0.0, ""
		if i > 0 {
			lo = FeeRateBuckets[i-1]
		}
		if i < len(FeeRateBuckets) {
			label = "≤" + trimFloat(FeeRateBuckets[i])
		} else {
			label = ">" + trimFloat(lo)
		}
		x := chartPadLeft + i*slot
		c.Bars = append(c.Bars, feeBar{
			X: x + chartBarGap/2, W: slot - chartBarGap, Y: chartTop + plot - h, H: h,
			Label: label, LabelX: x + slot/2, LabelY: chartHeight - chartBottom + 16,
			Value: formatVBytes(vbytes[i]),
			Title: fmt.Sprintf("%s sat/vB: %d transactions, %s", label, counts[i], formatVBytes(vbytes[i])),
		})
	}
	return c
}

// trimFloat prints a bucket bound without needless decimals.
func trimFloat(f float64) string {
	if f == math.Trunc(f) {
		return fmt.Sprintf("%.0f", f)
	}
	return fmt.Sprintf("%g", f)
}

// formatDuration prints a duration as an operator reads it: 3d 4h, 5m 2s.
func formatDuration(d time.Duration) string {
	if d < 0 {
		d = 0
	}
	d = d.Round(time.Second)
	days := d / (24 * time.Hour)
	d -= days * 24 * time.Hour
	h := d / time.Hour
	d -= h * time.Hour
	m := d / time.Minute
	s := (d - m*time.Minute) / time.Second
	switch {
	case days > 0:
		return fmt.Sprintf("%dd %dh", days, h)
	case h > 0:
		return fmt.Sprintf("%dh %dm", h, m)
	case m > 0:
		return fmt.Sprintf("%dm %ds", m, s)
	}
	return fmt.Sprintf("%ds", s)
}

// formatBytes prints a byte count in B, kB, MB or GB (powers of 1000).
func formatBytes(n int64) string {
	switch {
	case n >= 1e9:
		return fmt.Sprintf("%.2f GB", float64(n)/1e9)
	case n >= 1e6:
		return fmt.Sprintf("%.2f MB", float64(n)/1e6)
	case n >= 1e3:
		return fmt.Sprintf("%.1f kB", float64(n)/1e3)
	}
	return fmt.Sprintf("%d B", n)
}

// formatVBytes is formatBytes for virtual bytes.
func formatVBytes(n int64) string {
	s := formatBytes(n)
	return s[:len(s)-1] + "vB"
}

// formatBTC prints satoshis as BTC with eight decimals.
func formatBTC(sat int64) string {
	return fmt.Sprintf("%.8f BTC", float64(sat)/1e8)
}

// statusTemplate is the page. It is well-formed XML as well as HTML (void
// elements closed, no named entities), so tests can read it with
// encoding/xml.
var statusTemplate = template.Must(template.New("status").Funcs(template.FuncMap{
	"axisY": func(h int) int { return h - chartBottom },
	"above": func(y int) int { return y - 3 },
	"half":  func(x int) int { return x / 2 },
}).Parse(`<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8" />
<meta http-equiv="refresh" content="{{.Refresh}}" />
<meta name="viewport" content="width=device-width, initial-scale=1" />
<title>ternd {{.Network}}{{if .HasChain}} — height {{.Chain.Height}}{{end}}</title>
<style>
body { font-family: system-ui, sans-serif; margin: 24px; color: #1d2430; background: #f6f7f9; }
h1 { font-size: 22px; margin: 0 0 4px 0; }
h2 { font-size: 17px; margin: 0 0 10px 0; }
section { background: #fff; border: 1px solid #dde1e7; border-radius: 6px; padding: 14px 18px; margin: 0 0 16px 0; }
.sub { color: #5b6575; font-size: 13px; }
dl.kv { display: grid; grid-template-columns: 200px auto; gap: 4px 12px; margin: 0; font-size: 14px; }
dl.kv dt { color: #5b6575; }
dl.kv dd { margin: 0; font-family: ui-monospace, monospace; overflow-wrap: anywhere; }
table { border-collapse: collapse; width: 100%; font-size: 13px; }
th, td { text-align: left; padding: 4px 8px; border-bottom: 1px solid #eceff3; }
th { color: #5b6575; font-weight: 600; }
td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; }
td.mono { font-family: ui-monospace, monospace; }
.bar { fill: #e8862a; }
.axis { stroke: #9aa3b2; stroke-width: 1; }
.lbl { font-size: 11px; fill: #5b6575; text-anchor: middle; }
.val { font-size: 10px; fill: #1d2430; text-anchor: middle; }
.badge { display: inline-block; padding: 1px 8px; border-radius: 10px; font-size: 12px; background: #dff3e4; color: #1f6b35; }
.badge.warn { background: #fdf0d5; color: #8a5a00; }
</style>
</head>
<body>
<header id="summary">
<h1>ternd on {{.Network}}</h1>
<p class="sub">version {{.Version}} · up {{.Uptime}} · {{.Now}} · this page reloads every {{.Refresh}} s</p>
</header>
{{if .HasChain}}
<section id="chain">
<h2>Chain {{if .Chain.IBD}}<span class="badge warn">initial block download</span>{{else}}<span class="badge">in sync</span>{{end}}</h2>
<dl class="kv">
<dt>Height</dt><dd id="height">{{.Chain.Height}}</dd>
<dt>Headers</dt><dd>{{.Chain.HeaderHeight}}</dd>
<dt>Sync progress</dt><dd>{{.ProgressPct}}</dd>
<dt>Tip</dt><dd>{{.Chain.TipHash}}</dd>
<dt>Tip age</dt><dd>{{.TipAge}}</dd>
</dl>
</section>
{{end}}
{{if .HasPeers}}
<section id="peers">
<h2>Peers ({{len .Peers}})</h2>
<table>
<thead><tr><th>Address</th><th>Direction</th><th>Type</th><th>Transport</th><th class="num">Ping</th><th class="num">Sent</th><th class="num">Received</th><th>Subversion</th></tr></thead>
<tbody>
{{range .Peers}}<tr class="peer"><td class="mono">{{.Addr}}</td><td>{{.Direction}}</td><td>{{.Type}}</td><td>{{.Transport}}</td><td class="num">{{.Ping}}</td><td class="num">{{.Sent}}</td><td class="num">{{.Recv}}</td><td class="mono">{{.SubVer}}</td></tr>
{{else}}<tr><td colspan="8">No peers connected.</td></tr>
{{end}}</tbody>
</table>
</section>
{{end}}
{{if .HasPool}}
<section id="mempool">
<h2>Mempool</h2>
<dl class="kv">
<dt>Transactions</dt><dd id="pool-count">{{.Pool.Count}}</dd>
<dt>Virtual size</dt><dd>{{.Pool.VSize}} vB</dd>
<dt>Memory usage</dt><dd>{{.Pool.Usage}} of {{.Pool.MaxBytes}} bytes</dd>
<dt>Minimum fee rate</dt><dd>{{printf "%.2f" .Pool.MinFeeRate}} sat/vB</dd>
<dt>Orphans</dt><dd>{{.Pool.Orphans}}</dd>
</dl>
<h2 style="margin-top:14px">Fee rates (virtual bytes per band, sat/vB)</h2>
<svg id="feerates" xmlns="http://www.w3.org/2000/svg" width="{{.Chart.Width}}" height="{{.Chart.Height}}" viewBox="0 0 {{.Chart.Width}} {{.Chart.Height}}" role="img" aria-label="Pool fee-rate histogram">
<line class="axis" x1="0" y1="{{.Chart.Height | axisY}}" x2="{{.Chart.Width}}" y2="{{.Chart.Height | axisY}}" />
{{range .Chart.Bars}}<g><title>{{.Title}}</title><rect class="bar" x="{{.X}}" y="{{.Y}}" width="{{.W}}" height="{{.H}}" /><text class="lbl" x="{{.LabelX}}" y="{{.LabelY}}">{{.Label}}</text>{{if .H}}<text class="val" x="{{.LabelX}}" y="{{.Y | above}}">{{.Value}}</text>{{end}}</g>
{{end}}{{if .Chart.Empty}}<text class="lbl" x="{{.Chart.Width | half}}" y="{{.Chart.Height | half}}">The pool is empty.</text>{{end}}
</svg>
</section>
{{end}}
{{if .HasChain}}
<section id="blocks">
<h2>Last blocks</h2>
<table>
<thead><tr><th class="num">Height</th><th>Hash</th><th>Time</th><th class="num">Age</th><th class="num">Txs</th><th class="num">Size</th><th class="num">Fees</th></tr></thead>
<tbody>
{{range .Blocks}}<tr class="block"><td class="num">{{.Height}}</td><td class="mono">{{.Hash}}</td><td>{{.Time}}</td><td class="num">{{.Age}}</td><td class="num">{{.Txs}}</td><td class="num">{{.Size}}</td><td class="num">{{.Fees}}</td></tr>
{{end}}</tbody>
</table>
</section>
{{end}}
<footer class="sub">Prometheus metrics: <a href="/metrics">/metrics</a></footer>
</body>
</html>
`))

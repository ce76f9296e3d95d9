package itest

import (
	"bufio"
	"bytes"
	"context"
	"encoding/xml"
	"fmt"
	"image"
	"image/png"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/tern-org/ternd/wire"
)

// metricFamilies are every metric of the node the README lists; each must
// be served.
var metricFamilies = []string{
	"ternd_info",
	"ternd_peers",
	"ternd_p2p_bytes_total",
	"ternd_p2p_messages_total",
	"ternd_chain_height",
	"ternd_chain_headers_height",
	"ternd_chain_initial_block_download",
	"ternd_chain_tip_timestamp_seconds",
	"ternd_chain_verification_progress_ratio",
	"ternd_chain_block_validation_seconds",
	"ternd_chain_reorganizations_total",
	"ternd_mempool_transactions",
	"ternd_mempool_vsize_vbytes",
	"ternd_mempool_usage_bytes",
	"ternd_mempool_max_bytes",
	"ternd_mempool_min_fee_rate_sat_per_vbyte",
	"ternd_mempool_fee_rate_sat_per_vbyte",
	"ternd_mempool_accepted_transactions_total",
	"ternd_mempool_rejected_transactions_total",
	"ternd_mempool_replaced_transactions_total",
	"ternd_mempool_orphans",
	"ternd_rpc_requests_total",
	"ternd_rpc_request_duration_seconds",
	"ternd_addrman_addresses",
	"ternd_banned_subnets",
}

// scrape is one read of /metrics: the families it declared and every
// series' value by its printed name and labels.
type scrape struct {
	families map[string]bool
	series   map[string]float64
}

// scrapeMetrics reads url (the text exposition format).
func scrapeMetrics(t *testing.T, url string) *scrape {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatalf("GET %s: %v", url, err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != 200 {
		t.Fatalf("GET %s: %s", url, resp.Status)
	}
	s := &scrape{families: map[string]bool{}, series: map[string]float64{}}
	sc := bufio.NewScanner(resp.Body)
	sc.Buffer(nil, 1<<20)
	for sc.Scan() {
		line := sc.Text()
		if rest, ok := strings.CutPrefix(line, "# TYPE "); ok {
			s.families[strings.Fields(rest)[0]] = true
			continue
		}
		if line == "" || line[0] == '#' {
			continue
		}
		i := strings.LastIndexByte(line, ' ')
		v, err := strconv.ParseFloat(line[i+1:], 64)
		if err != nil {
			t.Fatalf("bad metric line %q", line)
		}
		s.series[line[:i]] = v
	}
	return s
}

// sum adds the series of name whose labels contain every one of labels.
func (s *scrape) sum(name string, labels ...string) float64 {
	total := 0.0
	for k, v := range s.series {
		base, lbl, _ := strings.Cut(k, "{")
		if base != name {
			continue
		}
		ok := true
		for _, l := range labels {
			ok = ok && strings.Contains(lbl, l)
		}
		if ok {
			total += v
		}
	}
	return total
}

// feeRateSpread are the fee rates (sat/vB) of the transactions that fill
// the pool: one in every band of the status page's chart.
var feeRateSpread = []float64{0.2, 0.8, 1.5, 2.5, 4, 8, 15, 30, 70, 150, 300, 800, 1500}

// TestOperatorView is the operator's first look at a working node: a
// ternd that mines, with a ternd and a btcd as peers and a pool full of
// transactions at every fee rate. Every metric the README lists is
// served, and those an event moves move (a block the height and the
// validation histogram, a transaction the acceptance counter, a refusal
// the rejection counter, a replacement, a reorganisation, a ban, RPC
// calls, traffic); the status page has its sections and renders in
// headless Chromium (the screenshot in docs/); the logs tell each new tip
// once with how it came, and nothing twice.
func TestOperatorView(t *testing.T) {
	needProcesses(t)
	w := NewWallet(7)
	metricsA := fmt.Sprintf("127.0.0.1:%d", FreePort(t))
	metricsB := fmt.Sprintf("127.0.0.1:%d", FreePort(t))
	a := StartTernd(t, "--metricslisten="+metricsA)
	btcd := StartBtcd(t)
	a.AddNode(t, btcd.P2PAddr, "add")
	b := StartTernd(t, "--connect="+a.P2PAddr, "--metricslisten="+metricsB)
	Wait(t, 30*time.Second, "two peers on the mining node", func() bool { return len(a.GetPeerInfo(t)) == 2 })

	urlA, urlB := "http://"+metricsA+"/metrics", "http://"+metricsB+"/metrics"
	before := scrapeMetrics(t, urlA)
	beforeB := scrapeMetrics(t, urlB)

	// Blocks, a reorganisation and a ban.
	var hashes []string
	a.MustCall(t, "generatetoaddress", &hashes, 120, w.Address(KindP2WPKH))
	a.MustCall(t, "invalidateblock", nil, hashes[len(hashes)-1])
	a.MustCall(t, "reconsiderblock", nil, hashes[len(hashes)-1])
	WaitTip(t, 60*time.Second, hashes[len(hashes)-1], a, b)
	a.MustCall(t, "setban", nil, "10.9.9.0/24", "add")

	// A pool at every fee rate, a refusal and a replacement.
	sent := fillPool(t, w, a)
	replaced := sendReplacement(t, w, a)
	refused := w.Build([]Coin{w.CoinbaseCoin(t, a, 16)}, wire.NewTxOut(50e8, w.PkScript(KindP2WPKH)))
	if err := w.Sign(refused, []Coin{w.CoinbaseCoin(t, a, 16)}); err != nil {
		t.Fatal(err)
	}
	if err := a.SendTx(refused); err == nil {
		t.Fatal("a transaction paying no fee was accepted")
	}
	// A block of a few of them, so the last blocks show transactions and
	// fees; the pool stays full.
	var mined struct{ Hash string }
	a.MustCall(t, "generateblock", &mined, w.Address(KindP2WPKH),
		[]string{sent[0].TxHash().String(), sent[12].TxHash().String(), sent[13].TxHash().String()})
	WaitTip(t, 30*time.Second, mined.Hash, a, b)
	waitInPool(t, 60*time.Second, txids(sent[14:17]...), b)

	after := scrapeMetrics(t, urlA)
	afterB := scrapeMetrics(t, urlB)
	for _, f := range metricFamilies {
		if !after.families[f] {
			t.Errorf("metric %s not served", f)
		}
	}
	pooled := float64(len(a.RawMempool(t)))
	moved := []struct {
		what          string
		before, after float64
		want          func(d float64) bool
	}{
		{"chain height", before.sum("ternd_chain_height"), after.sum("ternd_chain_height"), eq(121)},
		{"header height", before.sum("ternd_chain_headers_height"), after.sum("ternd_chain_headers_height"), eq(121)},
		{"validated blocks", before.sum("ternd_chain_block_validation_seconds_count"),
			after.sum("ternd_chain_block_validation_seconds_count"), atLeast(122)},
		{"reorganisations", before.sum("ternd_chain_reorganizations_total"),
			after.sum("ternd_chain_reorganizations_total"), eq(1)},
		{"accepted over RPC", before.sum("ternd_mempool_accepted_transactions_total", `source="rpc"`),
			after.sum("ternd_mempool_accepted_transactions_total", `source="rpc"`), eq(float64(len(sent) + 2))},
		{"accepted from peers (the other node)", beforeB.sum("ternd_mempool_accepted_transactions_total", `source="peer"`),
			afterB.sum("ternd_mempool_accepted_transactions_total", `source="peer"`), atLeast(3)},
		{"rejected", before.sum("ternd_mempool_rejected_transactions_total"),
			after.sum("ternd_mempool_rejected_transactions_total"), atLeast(1)},
		{"replaced", before.sum("ternd_mempool_replaced_transactions_total"),
			after.sum("ternd_mempool_replaced_transactions_total"), eq(float64(replaced))},
		{"pool transactions", 0, after.sum("ternd_mempool_transactions"), eq(pooled)},
		{"pool fee rates observed", 0, after.sum("ternd_mempool_fee_rate_sat_per_vbyte_count"), eq(pooled)},
		{"pool vsize", before.sum("ternd_mempool_vsize_vbytes"), after.sum("ternd_mempool_vsize_vbytes"), atLeast(pooled * 100)},
		{"pool usage", before.sum("ternd_mempool_usage_bytes"), after.sum("ternd_mempool_usage_bytes"), atLeast(1)},
		{"sendrawtransaction calls", before.sum("ternd_rpc_requests_total", `method="sendrawtransaction"`),
			after.sum("ternd_rpc_requests_total", `method="sendrawtransaction"`), eq(float64(len(sent) + 3))},
		{"RPC latency observed", 0, after.sum("ternd_rpc_request_duration_seconds_count", `method="generatetoaddress"`), eq(1)},
		{"RPC calls that failed", before.sum("ternd_rpc_requests_total", `result="error"`),
			after.sum("ternd_rpc_requests_total", `result="error"`), atLeast(1)},
		{"bans", before.sum("ternd_banned_subnets"), after.sum("ternd_banned_subnets"), eq(1)},
		{"tx bytes out", before.sum("ternd_p2p_bytes_total", `command="tx"`, `direction="out"`),
			after.sum("ternd_p2p_bytes_total", `command="tx"`, `direction="out"`), atLeast(1)},
		{"inv messages out", before.sum("ternd_p2p_messages_total", `command="inv"`, `direction="out"`),
			after.sum("ternd_p2p_messages_total", `command="inv"`, `direction="out"`), atLeast(1)},
		{"peers", 0, after.sum("ternd_peers"), eq(2)},
		{"inbound v2 ternd peer", 0, after.sum("ternd_peers", `direction="inbound"`, `transport="v2"`), eq(1)},
		{"manual btcd peer", 0, after.sum("ternd_peers", `connection_type="manual"`, `transport="v1"`), eq(1)},
		{"not in IBD", 0, after.sum("ternd_chain_initial_block_download"), eq(0)},
	}
	for _, m := range moved {
		if d := m.after - m.before; !m.want(d) {
			t.Errorf("%s moved by %v (from %v to %v)", m.what, d, m.before, m.after)
		}
	}
	if after.sum("ternd_addrman_addresses", `table="new"`)+after.sum("ternd_addrman_addresses", `table="tried"`) < 0 ||
		len(after.series) == 0 {
		t.Error("no address manager series")
	}

	page := checkStatusPage(t, "http://"+metricsA+"/")
	if !strings.Contains(page, "/btcd:0.26.2/") || !strings.Contains(page, "/ternd:") {
		t.Error("status page lacks the peers' subversions")
	}
	shot := screenshot(t, "http://"+metricsA+"/")
	if out := os.Getenv("TERND_SCREENSHOT_OUT"); out != "" {
		if err := os.WriteFile(out, shot, 0o644); err != nil {
			t.Fatal(err)
		}
	}

	b.Stop(t)
	a.Stop(t)
	checkOperatorLogs(t, a, b)
}

func eq(want float64) func(float64) bool      { return func(d float64) bool { return d == want } }
func atLeast(want float64) func(float64) bool { return func(d float64) bool { return d >= want } }

// fillPool spends ten coinbases of a into a fan of outputs, then each
// output at one rate of feeRateSpread, and returns what it sent.
func fillPool(t *testing.T, w *Wallet, a *Process) []*wire.MsgTx {
	t.Helper()
	var sent []*wire.MsgTx
	kinds := make([]Kind, len(feeRateSpread))
	for i := range kinds {
		kinds[i] = KindP2WPKH
	}
	for h := int64(1); h <= 10; h++ {
		fan, outs := w.MustPay(t, []Coin{w.CoinbaseCoin(t, a, h)}, kinds, 20)
		a.MustSendTx(t, fan)
		sent = append(sent, fan)
		for i, o := range outs {
			tx, _ := w.MustPay(t, []Coin{o}, []Kind{AllKinds[(i+int(h))%len(AllKinds)]}, feeRateSpread[i])
			a.MustSendTx(t, tx)
			sent = append(sent, tx)
		}
	}
	return sent
}

// sendReplacement sends a transaction and one replacing it at a higher
// fee rate; it returns how many transactions the replacement evicted.
func sendReplacement(t *testing.T, w *Wallet, a *Process) int {
	t.Helper()
	coin := w.CoinbaseCoin(t, a, 15)
	orig, _ := w.MustPay(t, []Coin{coin}, []Kind{KindP2WPKH}, 2)
	a.MustSendTx(t, orig)
	repl, _ := w.MustPay(t, []Coin{coin}, []Kind{KindP2TRKey}, 12)
	a.MustSendTx(t, repl)
	return 1
}

// checkStatusPage fetches the status page, reads it as XML and checks
// its sections: summary (network, version, uptime), chain, peers (a row
// per peer with address, direction, transport, ping, bytes and
// subversion), the pool with its inline SVG chart, the last blocks; a
// meta refresh and nothing loaded from elsewhere.
func checkStatusPage(t *testing.T, url string) string {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 || !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/html") {
		t.Fatalf("status page: %s %q", resp.Status, resp.Header.Get("Content-Type"))
	}
	ids, classes, rects, refresh, scripts := map[string]bool{}, map[string]int{}, 0, "", 0
	var text strings.Builder
	dec := xml.NewDecoder(bytes.NewReader(body))
	for {
		tok, err := dec.Token()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatalf("status page is not well-formed: %v", err)
		}
		switch el := tok.(type) {
		case xml.StartElement:
			attrs := map[string]string{}
			for _, a := range el.Attr {
				attrs[a.Name.Local] = a.Value
			}
			ids[attrs["id"]] = true
			for _, c := range strings.Fields(attrs["class"]) {
				classes[c]++
			}
			switch el.Name.Local {
			case "rect":
				rects++
			case "script":
				scripts++
			case "meta":
				if attrs["http-equiv"] == "refresh" {
					refresh = attrs["content"]
				}
			}
			if strings.Contains(attrs["src"], "//") || strings.Contains(attrs["href"], "//") {
				t.Errorf("external asset %v", attrs)
			}
		case xml.CharData:
			text.Write(el)
			text.WriteByte(' ')
		}
	}
	for _, id := range []string{"summary", "chain", "peers", "mempool", "feerates", "blocks"} {
		if !ids[id] {
			t.Errorf("status page lacks #%s", id)
		}
	}
	txt := text.String()
	for _, want := range []string{"ternd on regtest", "version 0.1.0", "up ", "Height", "in sync", "inbound",
		"outbound", "v2", "v1", "ms", "manual"} {
		if !strings.Contains(txt, want) {
			t.Errorf("status page lacks %q", want)
		}
	}
	if classes["peer"] != 2 || classes["block"] != 10 || rects < 10 || refresh == "" || scripts != 0 {
		t.Errorf("status page: %d peers, %d blocks, %d bars, refresh %q, %d scripts", classes["peer"],
			classes["block"], rects, refresh, scripts)
	}
	return txt
}

// screenshot renders url in headless Chromium and returns the PNG, after
// checking it decodes and is not blank.
func screenshot(t *testing.T, url string) []byte {
	t.Helper()
	bin := Chromium(t)
	dir := t.TempDir()
	out := filepath.Join(dir, "status.png")
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, bin, "--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars",
		"--no-first-run", "--user-data-dir="+filepath.Join(dir, "profile"), "--window-size=1280,1600",
		"--screenshot="+out, url)
	if msg, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("chromium: %v\n%s", err, msg)
	}
	data, err := os.ReadFile(out)
	if err != nil {
		t.Fatalf("no screenshot: %v", err)
	}
	img, err := png.Decode(bytes.NewReader(data))
	if err != nil {
		t.Fatalf("screenshot is not a PNG: %v", err)
	}
	if b := img.Bounds(); b.Dx() != 1280 || b.Dy() != 1600 {
		t.Errorf("screenshot is %v", b)
	}
	if colors := distinctColors(img); colors < 20 {
		t.Fatalf("screenshot looks blank: %d colours", colors)
	}
	// The chart's bars are drawn in the page's orange: the SVG rendered.
	if !hasColor(img, 0xe8, 0x86, 0x2a) {
		t.Fatal("screenshot shows no fee-rate bars")
	}
	return data
}

// distinctColors counts the colours of img, up to 1,000.
func distinctColors(img image.Image) int {
	seen := map[uint32]bool{}
	b := img.Bounds()
	for y := b.Min.Y; y < b.Max.Y; y += 3 {
		for x := b.Min.X; x < b.Max.X; x += 3 {
			r, g, bl, _ := img.At(x, y).RGBA()
			seen[(r>>8)<<16|(g>>8)<<8|bl>>8] = true
			if len(seen) >= 1000 {
				return len(seen)
			}
		}
	}
	return len(seen)
}

// hasColor reports whether img has a pixel within 8 of (r, g, b).
func hasColor(img image.Image, r, g, b uint8) bool {
	near := func(a uint32, c uint8) bool { d := int(a>>8) - int(c); return d > -8 && d < 8 }
	bd := img.Bounds()
	for y := bd.Min.Y; y < bd.Max.Y; y += 2 {
		for x := bd.Min.X; x < bd.Max.X; x += 2 {
			pr, pg, pb, _ := img.At(x, y).RGBA()
			if near(pr, r) && near(pg, g) && near(pb, b) {
				return true
			}
		}
	}
	return false
}

// checkOperatorLogs reads the two nodes' logs after they stopped: each
// new tip logged once at info with how it came (mined here, a peer, a
// reorganisation), every subsystem's start and stop, and nothing twice.
func checkOperatorLogs(t *testing.T, a, b *Process) {
	t.Helper()
	logA, logB := readLog(t, a), readLog(t, b)
	counts := []struct {
		log, what, substr string
		want              func(int) bool
	}{
		{logA, "mined tips", "(mined here)", func(n int) bool { return n >= 121 }},
		{logA, "tip after the reorganisation", "(reorg)", func(n int) bool { return n == 1 }},
		{logB, "tips from the peer", "(peer)", func(n int) bool { return n >= 100 }},
		{logA, "P2P listening", "Listening for peers on", func(n int) bool { return n == 1 }},
		{logA, "mempool dump", "Dumped ", func(n int) bool { return n == 1 }},
		{logA, "chain state", "Chain state: height 0, hash", func(n int) bool { return n == 1 }},
		{logA, "chain start", "Starting chain", func(n int) bool { return n == 1 }},
		{logA, "chain stop", "Stopping chain", func(n int) bool { return n == 1 }},
		{logA, "metrics start", "Starting metrics server", func(n int) bool { return n == 1 }},
		{logA, "metrics stop", "Stopping metrics server", func(n int) bool { return n == 1 }},
		{logA, "accepted transactions at debug", "[DBG] TXMP: Accepted ", func(n int) bool { return n > 100 }},
	}
	for _, c := range counts {
		if n := strings.Count(c.log, c.substr); !c.want(n) {
			t.Errorf("%s: %q appears %d times", c.what, c.substr, n)
		}
	}
	for _, l := range strings.Split(logA, "\n") {
		if strings.Contains(l, "New tip") && !strings.Contains(l, "[INF] CHAN: New tip") {
			t.Errorf("tip line not at info: %s", l)
			break
		}
	}
}

// readLog returns a process's whole ternd.log.
func readLog(t *testing.T, p *Process) string {
	t.Helper()
	data, err := os.ReadFile(p.LogFiles[0])
	if err != nil {
		t.Fatal(err)
	}
	return string(data)
}

// chromiumOnce guards the look-up (and install) of Chromium, once per test
// process; chromiumPath and chromiumErr are its outcome.
var (
	chromiumOnce sync.Once
	chromiumPath string
	chromiumErr  error
)

// Chromium returns the path of Debian's headless-capable chromium,
// installing the package with apt-get when it is missing (as root, the
// test machine's setup). It fails the test when it cannot be had: the
// status page's rendering is part of what the tests show.
func Chromium(t testing.TB) string {
	t.Helper()
	chromiumOnce.Do(func() {
		if p, err := exec.LookPath("chromium"); err == nil {
			chromiumPath = p
			return
		}
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
		defer cancel()
		script := "apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y chromium"
		if out, err := exec.CommandContext(ctx, "sh", "-c", script).CombinedOutput(); err != nil {
			chromiumErr = fmt.Errorf("chromium is missing and %q failed: %v\n%s", script, err, out)
			return
		}
		chromiumPath, chromiumErr = exec.LookPath("chromium")
	})
	if chromiumErr != nil {
		t.Fatal(chromiumErr)
	}
	return chromiumPath
}

package main

import (
	"io"
	"net/http"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/tern-org/ternd/mempool"
	"github.com/tern-org/ternd/wire"
)

// TestNodeMetrics: with --metricslisten the node serves its metrics and
// status page; the event hooks (sendrawtransaction's pool result, the RPC
// observer, the chain's notifications) move their counters, and what is
// read at scrape time follows the chain and the pool. It runs the scrapes
// beside mining and RPC calls, for -race.
func TestNodeMetrics(t *testing.T) {
	if testing.Short() {
		t.Skip("mines a regtest chain")
	}
	port := freeTCPPort(t)
	tn := startTestNode(t, t.TempDir(), "--metricslisten="+port)
	base := "http://127.0.0.1:" + port
	w := newTestWallet(t, 9)
	const coin = 5000000000

	done := make(chan struct{})
	go func() { // concurrent scrapes while the node works
		defer close(done)
		for i := 0; i < 20; i++ {
			if _, err := get(base + "/metrics"); err != nil {
				return
			}
			get(base + "/")
		}
	}()
	var hashes []string
	tn.mustCall(&hashes, "generatetoaddress", 101, w.addr)
	tx := w.spend(t, []prevOut{{wire.OutPoint{Hash: tn.coinbaseOf(1)}, coin}},
		[]*wire.TxOut{{Value: coin - 20000, PkScript: w.pkScript}}, wire.MaxTxInSequenceNum)
	tn.mustCall(nil, "sendrawtransaction", txHex(tx))
	free := w.spend(t, []prevOut{{wire.OutPoint{Hash: tn.coinbaseOf(2)}, coin}},
		[]*wire.TxOut{{Value: coin, PkScript: w.pkScript}}, wire.MaxTxInSequenceNum)
	if _, rerr := tn.call("sendrawtransaction", txHex(free)); rerr == nil {
		t.Fatal("a transaction paying no fee was accepted")
	}
	tn.mustCall(nil, "invalidateblock", hashes[100])
	tn.mustCall(nil, "reconsiderblock", hashes[100])
	<-done

	body, err := get(base + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		series string
		want   float64
	}{
		{"ternd_chain_height", 101},
		{"ternd_chain_headers_height", 101},
		{"ternd_mempool_transactions", 1},
		{`ternd_mempool_accepted_transactions_total{source="rpc"}`, 1},
		{`ternd_mempool_rejected_transactions_total{reason="` + string(mempool.ErrMinRelayFee) + `"}`, 1},
		{`ternd_rpc_requests_total{method="sendrawtransaction",result="ok"}`, 1},
		{`ternd_rpc_requests_total{method="sendrawtransaction",result="error"}`, 1},
		{"ternd_chain_reorganizations_total", 1},
		{"ternd_chain_block_validation_seconds_count", 102},
		{"ternd_banned_subnets", 0},
		{"ternd_peers", -1}, // no peers: no series
	}
	for _, tc := range tests {
		got, ok := metricValue(body, tc.series)
		if tc.want < 0 {
			if ok {
				t.Errorf("%s present without peers", tc.series)
			}
			continue
		}
		if !ok || got != tc.want {
			t.Errorf("%s = %v (present %v), want %v", tc.series, got, ok, tc.want)
		}
	}
	page, err := get(base + "/")
	if err != nil || !strings.Contains(page, `id="mempool"`) || !strings.Contains(page, hashes[100]) {
		t.Fatalf("status page: %v", err)
	}
}

// get returns the body of a GET.
func get(url string) (string, error) {
	resp, err := http.Get(url)
	if err != nil {
		return "", err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	return string(b), err
}

// metricValue finds one series' value in the text exposition format.
func metricValue(body, series string) (float64, bool) {
	re := regexp.MustCompile(`(?m)^` + regexp.QuoteMeta(series) + ` (\S+)$`)
	m := re.FindStringSubmatch(body)
	if m == nil {
		return 0, false
	}
	v, err := strconv.ParseFloat(m[1], 64)
	return v, err == nil
}

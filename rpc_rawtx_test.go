package main

import (
	"bytes"
	"io"
	"net/http"
	"testing"

	"github.com/tern-org/ternd/internal/rpcjson"
	"github.com/tern-org/ternd/wire"
)

// BenchmarkSendRawTransactionHTTP measures sendrawtransaction end to end
// over HTTP with keep-alive (authentication, body, JSON, hex and tx
// decoding, the pool with real script checks, the reply), one independent
// signed 1-input P2WPKH spend per request, as bench/cmd/txaccept's
// independent/single phase but in one process. Allocations include the
// client's.
func BenchmarkSendRawTransactionHTTP(b *testing.B) {
	tn := startTestNode(b, b.TempDir())
	w := newTestWallet(b, 24)
	const perFan = 2000
	fans := (b.N + perFan - 1) / perFan
	var hashes []string
	tn.mustCall(&hashes, "generatetoaddress", 100+fans, w.addr)

	// Fan each mature coinbase out into perFan coins, then confirm them.
	var coins []prevOut
	for f := 0; f < fans; f++ {
		outs := make([]*wire.TxOut, perFan)
		for i := range outs {
			outs[i] = &wire.TxOut{Value: 100000, PkScript: w.pkScript}
		}
		fan := w.spend(b, []prevOut{{wire.OutPoint{Hash: tn.coinbaseOf(f + 1)}, 50e8}}, outs,
			wire.MaxTxInSequenceNum)
		tn.mustCall(nil, "sendrawtransaction", txHex(fan), 0)
		h := fan.TxHash()
		for i := range outs {
			coins = append(coins, prevOut{wire.OutPoint{Hash: h, Index: uint32(i)}, 100000})
		}
	}
	tn.mustCall(nil, "generatetoaddress", 1, w.addr)

	bodies := make([][]byte, b.N)
	for i := range bodies {
		tx := w.spend(b, coins[i:i+1], []*wire.TxOut{{Value: 100000 - 220, PkScript: w.pkScript}},
			wire.MaxTxInSequenceNum)
		bodies[i] = []byte(`{"jsonrpc":"1.0","id":1,"method":"sendrawtransaction","params":["` +
			txHex(tx) + `"]}`)
	}
	user, pass, err := rpcjson.ReadCookie(tn.n.cfg.netDataDir + "/" + rpcjson.CookieFileName)
	if err != nil {
		b.Fatal(err)
	}
	url := "http://" + tn.n.rpc.Addrs()[0].String() + "/"
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 1}}
	defer client.CloseIdleConnections()

	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		req, err := http.NewRequest(http.MethodPost, url, bytes.NewReader(bodies[i]))
		if err != nil {
			b.Fatal(err)
		}
		req.SetBasicAuth(user, pass)
		resp, err := client.Do(req)
		if err != nil {
			b.Fatal(err)
		}
		reply, err := io.ReadAll(resp.Body)
		resp.Body.Close()
		if err != nil || resp.StatusCode != http.StatusOK || !bytes.Contains(reply, []byte(`"error":null`)) {
			b.Fatalf("request %d: %d %s %v", i, resp.StatusCode, reply, err)
		}
	}
	b.StopTimer()
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "tx/s")
}

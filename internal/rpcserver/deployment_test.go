package rpcserver

import (
	"encoding/json"
	"testing"
	"time"

	"github.com/tern-org/ternd/chaincfg"
	"github.com/tern-org/ternd/internal/rpcjson"
	"github.com/tern-org/ternd/wire"
)

// TestHandlerGetDeploymentInfo walks a test deployment (period 4,
// threshold 3) through Core's BIP9 states on a stub chain whose blocks 4
// to 6 signal: started for blocks 4-7, locked in for 8-11, active from
// 12; the buried deployments and the always-active taproot are reported
// by height.
func TestHandlerGetDeploymentInfo(t *testing.T) {
	params := chaincfg.RegressionNetParams
	params.Deployments = []chaincfg.BIP9Deployment{
		{Name: "testdummy", Bit: 28, StartTime: 0, Timeout: chaincfg.DeploymentNoTimeout,
			Period: 4, Threshold: 3},
		{Name: "taproot", Bit: 2, StartTime: chaincfg.DeploymentAlwaysActive,
			Timeout: chaincfg.DeploymentNoTimeout, Period: 4, Threshold: 3},
		{Name: "never", Bit: 3, StartTime: chaincfg.DeploymentNeverActive, Period: 4, Threshold: 3},
	}
	var blocks []*wire.MsgBlock
	prev := *params.GenesisHash
	for h := 1; h <= 16; h++ {
		version := int32(0x20000000)
		if h >= 4 && h <= 6 {
			version |= 1 << 28
		}
		b := &wire.MsgBlock{Header: wire.BlockHeader{Version: version, PrevBlock: prev,
			Timestamp: time.Unix(1700000000+int64(h)*600, 0), Bits: params.PowLimitBits}}
		prev = b.BlockHash()
		blocks = append(blocks, b)
	}
	e := newHandlerEnv(t, &params, func(e *handlerEnv, cfg *Config) {
		e.chain = newTestRPCChain(&params, blocks...)
		cfg.Chain = e.chain
	})

	type dep struct {
		Type   string `json:"type"`
		Height *int32 `json:"height"`
		Active bool   `json:"active"`
		BIP9   *struct {
			Bit        *int   `json:"bit"`
			Status     string `json:"status"`
			Since      int32  `json:"since"`
			StatusNext string `json:"status_next"`
			Statistics *struct {
				Elapsed   int   `json:"elapsed"`
				Count     int   `json:"count"`
				Threshold *int  `json:"threshold"`
				Possible  *bool `json:"possible"`
			} `json:"statistics"`
			Signalling *string `json:"signalling"`
		} `json:"bip9"`
	}
	tests := []struct {
		name       string
		height     int32 // -1: no argument (the tip)
		status     string
		next       string
		since      int32
		activeAt   int32 // -1: no height
		active     bool
		signalling string // "": no statistics
		threshold  bool
	}{
		{"defined", 2, "defined", "defined", 0, -1, false, "", false},
		{"started, two of four signalled", 5, "started", "started", 4, -1, false, "##", true},
		{"last started block locks in", 7, "started", "locked_in", 4, -1, false, "###-", true},
		{"locked in, active next", 11, "locked_in", "active", 8, 12, true, "----", false},
		{"active", 15, "active", "active", 12, 12, true, "", false},
		{"tip", -1, "active", "active", 12, 12, true, "", false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var params []any
			if tc.height >= 0 {
				params = []any{blocks[tc.height-1].BlockHash().String()}
			}
			raw, rerr := e.call(t, "getdeploymentinfo", params...)
			if rerr != nil {
				t.Fatal(rerr)
			}
			var r struct {
				Hash        string         `json:"hash"`
				Height      int32          `json:"height"`
				Deployments map[string]dep `json:"deployments"`
			}
			if err := json.Unmarshal(raw, &r); err != nil {
				t.Fatal(err)
			}
			want := tc.height
			if want < 0 {
				want = 16
			}
			if r.Height != want || r.Hash != blocks[want-1].BlockHash().String() || len(r.Deployments) != 7 {
				t.Fatalf("got %s", raw)
			}
			for name, h := range map[string]int32{"bip34": 1, "bip66": 1, "bip65": 1, "csv": 1, "segwit": 0} {
				d := r.Deployments[name]
				if d.Type != "buried" || d.Height == nil || *d.Height != h || !d.Active {
					t.Fatalf("%s: %+v", name, d)
				}
			}
			tap := r.Deployments["taproot"]
			if tap.Type != "bip9" || tap.Height == nil || *tap.Height != 0 || !tap.Active ||
				tap.BIP9.Status != "active" || tap.BIP9.Since != 0 || tap.BIP9.Bit != nil {
				t.Fatalf("taproot: %s", raw)
			}
			d := r.Deployments["testdummy"]
			b := d.BIP9
			if d.Type != "bip9" || b == nil || b.Status != tc.status || b.StatusNext != tc.next ||
				b.Since != tc.since || d.Active != tc.active {
				t.Fatalf("testdummy: %s", raw)
			}
			if (d.Height == nil) != (tc.activeAt < 0) || (d.Height != nil && *d.Height != tc.activeAt) {
				t.Fatalf("testdummy height: %s", raw)
			}
			if tc.signalling == "" {
				if b.Statistics != nil || b.Signalling != nil || b.Bit != nil {
					t.Fatalf("testdummy statistics: %s", raw)
				}
				return
			}
			if b.Bit == nil || *b.Bit != 28 || b.Signalling == nil || *b.Signalling != tc.signalling ||
				b.Statistics == nil || (b.Statistics.Threshold != nil) != tc.threshold ||
				(b.Statistics.Possible != nil) != tc.threshold {
				t.Fatalf("testdummy statistics: %s", raw)
			}
		})
	}
	if _, rerr := e.call(t, "getdeploymentinfo", "00"+blocks[0].BlockHash().String()[2:]); rerr == nil ||
		rerr.Code != rpcjson.ErrRPCInvalidAddressOrKey {
		t.Fatalf("unknown block: %v", rerr)
	}
}

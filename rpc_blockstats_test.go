package main

import (
	"encoding/json"
	"os"
	"testing"

	"github.com/tern-org/ternd/internal/rpcjson"
)

// blockStatsVectors is Core's rpc_getblockstats.json: a regtest chain and
// getblockstats' results for its last blocks.
type blockStatsVectors struct {
	Blocks   []string         `json:"blocks"`
	MockTime int64            `json:"mocktime"`
	Stats    []map[string]any `json:"stats"`
}

// loadBlockStatsVectors reads the vectors and fails when they hold no case.
func loadBlockStatsVectors(t *testing.T) *blockStatsVectors {
	t.Helper()
	data, err := os.ReadFile("testdata/rpc_getblockstats.json")
	if err != nil {
		t.Fatal(err)
	}
	var v blockStatsVectors
	if err := json.Unmarshal(data, &v); err != nil {
		t.Fatal(err)
	}
	if len(v.Blocks) < 2 || len(v.Stats) == 0 {
		t.Fatal("rpc_getblockstats.json: no cases")
	}
	return &v
}

// TestGetBlockStatsVectors submits Core's chain block by block and checks
// every statistic Core reported for its last blocks, by height and by hash,
// and a selection of statistics.
func TestGetBlockStatsVectors(t *testing.T) {
	v := loadBlockStatsVectors(t)
	t.Logf("%d blocks, %d getblockstats cases", len(v.Blocks), len(v.Stats))
	tn := startTestNode(t, t.TempDir())
	for i, b := range v.Blocks[1:] {
		var res any
		tn.mustCall(&res, "submitblock", b)
		if res != nil {
			t.Fatalf("block %d: %v", i+1, res)
		}
	}
	for _, want := range v.Stats {
		for _, key := range []any{want["height"], want["blockhash"]} {
			var got map[string]any
			tn.mustCall(&got, "getblockstats", key)
			// Every statistic either side reports must match.
			names := make(map[string]bool)
			for name := range want {
				names[name] = true
			}
			for name := range got {
				names[name] = true
			}
			if len(names) != 31 {
				t.Errorf("height %v: %d statistics, want Core's 31", want["height"], len(names))
			}
			for name := range names {
				w, _ := json.Marshal(want[name])
				g, _ := json.Marshal(got[name])
				if string(w) != string(g) {
					t.Errorf("height %v %s: got %s, want %s", want["height"], name, g, w)
				}
			}
		}
	}
	var some map[string]any
	tn.mustCall(&some, "getblockstats", 103, []string{"totalfee", "txs"})
	if len(some) != 2 || some["totalfee"] != v.Stats[2]["totalfee"] {
		t.Fatalf("selected stats: %v", some)
	}
	tn.wantError(rpcjson.ErrRPCInvalidParameter, "Target block height 104 after current tip 103", "getblockstats", 104)
	tn.wantError(rpcjson.ErrRPCInvalidParameter, "Target block height -1 is negative", "getblockstats", -1)
	tn.wantError(rpcjson.ErrRPCInvalidParameter, "Invalid selected statistic 'fees'", "getblockstats", 103,
		[]string{"fees"})
}

package rpcserver

import (
	"context"
	"encoding/hex"
	"strings"
	"testing"

	"github.com/btcsuite/btcd/chaincfg/chainhash"
	"github.com/tern-org/ternd/blockfilter"
	"github.com/tern-org/ternd/internal/rpcjson"
)

// testRPCFilterIndex is a filter index holding the filters of some of the
// stub chain's blocks.
type testRPCFilterIndex struct {
	open    bool
	synced  bool
	best    int32
	filters map[chainhash.Hash][]byte
	headers map[chainhash.Hash]chainhash.Hash
}

func (x *testRPCFilterIndex) Open() bool        { return x.open }
func (x *testRPCFilterIndex) Name() string      { return "basic block filter index" }
func (x *testRPCFilterIndex) Synced() bool      { return x.synced }
func (x *testRPCFilterIndex) BestHeight() int32 { return x.best }

func (x *testRPCFilterIndex) BlockUntilSyncedToCurrentChain(context.Context) bool { return x.synced }

func (x *testRPCFilterIndex) Filter(hash *chainhash.Hash) ([]byte, chainhash.Hash, error) {
	f, ok := x.filters[*hash]
	if !ok {
		return nil, chainhash.Hash{}, ErrFilterNotIndexed
	}
	return f, x.headers[*hash], nil
}

// newFilterEnv returns a handler env whose filter index holds the real
// basic filters of the stub chain's blocks up to height indexed.
func newFilterEnv(t *testing.T, open, synced bool, indexed int) *handlerEnv {
	fx := &testRPCFilterIndex{open: open, synced: synced, best: int32(indexed),
		filters: map[chainhash.Hash][]byte{}, headers: map[chainhash.Hash]chainhash.Hash{}}
	e := newHandlerEnv(t, regtestParams(t), func(e *handlerEnv, cfg *Config) { cfg.FilterIndex = fx })
	var prev chainhash.Hash
	for h := 0; h <= indexed; h++ {
		blk := e.chain.blocks[h]
		hash := blk.BlockHash()
		var spent [][]byte
		for _, u := range e.chain.spent[hash] {
			spent = append(spent, u.PkScript)
		}
		f, err := blockfilter.BuildBasic(blk, &hash, spent)
		if err != nil {
			t.Fatal(err)
		}
		fh := blockfilter.FilterHash(f.Bytes())
		prev = blockfilter.MakeHeader(&fh, &prev)
		fx.filters[hash], fx.headers[hash] = f.Bytes(), prev
	}
	return e
}

// TestBlockFilterRPCs checks getblockfilter, getcfilter and
// getcfilterheader: results, and Core's and btcd's errors.
func TestBlockFilterRPCs(t *testing.T) {
	type env struct{ open, synced, nilIndex bool }
	ready := env{open: true, synced: true}
	unknown := strings.Repeat("0", 63) + "1"
	tests := []struct {
		name   string
		env    env
		method string
		params func(tip string) []any
		code   rpcjson.RPCErrorCode // 0: success
		msg    string
	}{
		{"getblockfilter", ready, "getblockfilter", func(tip string) []any { return []any{tip} }, 0, ""},
		{"getblockfilter basic", ready, "getblockfilter", func(tip string) []any { return []any{tip, "basic"} }, 0, ""},
		{"unknown filtertype", ready, "getblockfilter", func(tip string) []any { return []any{tip, "extended"} },
			rpcjson.ErrRPCInvalidAddressOrKey, "Unknown filtertype"},
		{"index disabled", env{}, "getblockfilter", func(tip string) []any { return []any{tip} },
			rpcjson.ErrRPCMisc, "Index is not enabled for filtertype basic"},
		{"no index", env{nilIndex: true}, "getblockfilter", func(tip string) []any { return []any{tip} },
			rpcjson.ErrRPCMisc, "Index is not enabled for filtertype basic"},
		{"unknown block", ready, "getblockfilter", func(string) []any { return []any{unknown} },
			rpcjson.ErrRPCInvalidAddressOrKey, "Block not found"},
		{"still indexing", env{open: true}, "getblockfilter", func(tip string) []any { return []any{tip} },
			rpcjson.ErrRPCMisc, "Filter not found. Block filters are still in the process of being indexed."},
		{"bad hash", ready, "getblockfilter", func(string) []any { return []any{"zz"} },
			rpcjson.ErrRPCInvalidParameter, "blockhash must be of length 64"},
		{"getcfilter", ready, "getcfilter", func(tip string) []any { return []any{tip, 0} }, 0, ""},
		{"getcfilter no index", env{}, "getcfilter", func(tip string) []any { return []any{tip, 0} },
			rpcjson.ErrRPCInvalidAddressOrKey, "The CF index must be enabled for this command"},
		{"getcfilter unknown", ready, "getcfilter", func(string) []any { return []any{unknown, 0} },
			rpcjson.ErrRPCInvalidAddressOrKey, "Failed to load filter"},
		{"getcfilter type 1", ready, "getcfilter", func(tip string) []any { return []any{tip, 1} },
			rpcjson.ErrRPCInvalidParameter, "Unknown filter type 1"},
		{"getcfilter no type", ready, "getcfilter", func(tip string) []any { return []any{tip} },
			rpcjson.ErrRPCMisc, "getcfilter"},
		{"getcfilterheader", ready, "getcfilterheader", func(tip string) []any { return []any{tip, 0} }, 0, ""},
		{"getcfilterheader unknown", ready, "getcfilterheader", func(string) []any { return []any{unknown, 0} },
			rpcjson.ErrRPCInvalidAddressOrKey, "Failed to load filter header"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			indexed := 1
			if !tc.env.synced {
				indexed = 0
			}
			e := newFilterEnv(t, tc.env.open, tc.env.synced, indexed)
			if tc.env.nilIndex {
				e.srv.cfg.FilterIndex = nil
			}
			fx := e.srv.cfg.FilterIndex
			tip := e.chain.blocks[1].BlockHash()
			res, rerr := e.call(t, tc.method, tc.params(tip.String())...)
			if tc.code != 0 {
				if rerr == nil || rerr.Code != tc.code || !strings.HasPrefix(rerr.Message, tc.msg) {
					t.Fatalf("got %s %+v, want %d %q", res, rerr, tc.code, tc.msg)
				}
				return
			}
			if rerr != nil {
				t.Fatalf("error %d %s", rerr.Code, rerr.Message)
			}
			filter, header, _ := fx.Filter(&tip)
			var want string
			switch tc.method {
			case "getblockfilter":
				want = `{"filter":"` + hex.EncodeToString(filter) + `","header":"` + header.String() + `"}`
			case "getcfilter":
				want = `"` + hex.EncodeToString(filter) + `"`
			case "getcfilterheader":
				want = `"` + header.String() + `"`
			}
			if string(res) != want {
				t.Fatalf("got %s, want %s", res, want)
			}
		})
	}
}

// TestGetIndexInfoFilterIndex checks that getindexinfo reports the filter
// index under Core's name, alone when asked by name.
func TestGetIndexInfoFilterIndex(t *testing.T) {
	e := newFilterEnv(t, true, true, 1)
	var all map[string]indexInfoJSON
	e.mustCall(t, &all, "getindexinfo")
	if got, ok := all["basic block filter index"]; !ok || !got.Synced || got.BestBlockHeight != 1 {
		t.Fatalf("getindexinfo %+v", all)
	}
	var one map[string]indexInfoJSON
	e.mustCall(t, &one, "getindexinfo", "txindex")
	if len(one) != 0 {
		t.Fatalf("getindexinfo txindex %+v", one)
	}
	e = newFilterEnv(t, false, false, 0)
	var none map[string]indexInfoJSON
	e.mustCall(t, &none, "getindexinfo")
	if _, ok := none["basic block filter index"]; ok {
		t.Fatalf("closed index reported: %+v", none)
	}
}

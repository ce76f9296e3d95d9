package rpcserver

import (
	"context"
	"encoding/json"

	"github.com/tern-org/ternd/internal/rpcjson"
)

// This file holds getindexinfo, Core's report of the optional indexes:
// the transaction index and the basic block filter index.

// indexInfoJSON is one index's entry in getindexinfo.
type indexInfoJSON struct {
	Synced          bool  `json:"synced"`
	BestBlockHeight int32 `json:"best_block_height"`
}

// indexMethods returns the index methods.
func (s *Server) indexMethods() []rpcjson.Method {
	return []rpcjson.Method{{
		Name:     "getindexinfo",
		Category: "Util",
		Params:   []rpcjson.ParamSpec{{Name: "index_name", Optional: true, Type: "string"}},
		Help: "Returns the status of one or all available indices currently running in the node.\n\n" +
			"Arguments:\n1. index_name    (string, optional) Filter results for an index with a specific name.\n\n" +
			"Result:\n{                               (json object)\n" +
			"  \"name\" : {                    (json object) The name of the index\n" +
			"    \"synced\" : true|false,      (boolean) Whether the index is synced or not\n" +
			"    \"best_block_height\" : n     (numeric) The block height to which the index is synced\n" +
			"  },\n  ...\n}",
		Handler: s.handleGetIndexInfo,
	}}
}

// handleGetIndexInfo implements getindexinfo: an object keyed by index
// name, holding the indexes that are open (and index_name names, when
// given).
func (s *Server) handleGetIndexInfo(_ context.Context, params []json.RawMessage) (any, error) {
	var name string
	if _, err := rpcjson.UnmarshalParam(params, 0, "index_name", &name); err != nil {
		return nil, err
	}
	res := map[string]indexInfoJSON{}
	if ix := s.cfg.TxIndex; ix != nil && ix.Open() && (name == "" || name == ix.Name()) {
		res[ix.Name()] = indexInfoJSON{Synced: ix.Synced(), BestBlockHeight: ix.BestHeight()}
	}
	if fx := s.cfg.FilterIndex; fx != nil && fx.Open() && (name == "" || name == fx.Name()) {
		res[fx.Name()] = indexInfoJSON{Synced: fx.Synced(), BestBlockHeight: fx.BestHeight()}
	}
	return res, nil
}

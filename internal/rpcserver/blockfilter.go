package rpcserver

import (
	"context"
	"encoding/hex"
	"encoding/json"
	"errors"

	"github.com/btcsuite/btcd/chaincfg/chainhash"
	"github.com/tern-org/ternd/internal/rpcjson"
)

// This file holds the block filter methods: Core's getblockfilter and
// btcd's getcfilter and getcfilterheader, all reading the basic filter
// index (--blockfilterindex).

// basicFilterName is the basic filter's name in getblockfilter, and
// basicFilterType its number in getcfilter and BIP157.
const (
	basicFilterName = "basic"
	basicFilterType = 0
)

// blockFilterJSON is getblockfilter's result.
type blockFilterJSON struct {
	Filter string `json:"filter"`
	Header string `json:"header"`
}

// filterMethods returns the block filter methods.
func (s *Server) filterMethods() []rpcjson.Method {
	return []rpcjson.Method{{
		Name:     "getblockfilter",
		Category: "Blockchain",
		Params: []rpcjson.ParamSpec{{Name: "blockhash", Type: "string"},
			{Name: "filtertype", Optional: true, Type: "string"}},
		Help: "Retrieve a BIP 157 content filter for a particular block.\n\n" +
			"Arguments:\n1. blockhash     (string, required) The hash of the block\n" +
			"2. filtertype    (string, optional, default=\"basic\") The type name of the filter\n\n" +
			"Result:\n{                 (json object)\n" +
			"  \"filter\" : \"hex\",  (string) the hex-encoded filter data\n" +
			"  \"header\" : \"hex\"   (string) the hex-encoded filter header\n}",
		Handler: s.handleGetBlockFilter,
	}, {
		Name:     "getcfilter",
		Category: "Blockchain",
		Params: []rpcjson.ParamSpec{{Name: "hash", Type: "string"},
			{Name: "filtertype", Type: "numeric"}},
		Help: "Returns a block's committed filter given its hash (btcd's method).\n\n" +
			"Arguments:\n1. hash          (string, required) The hash of the block\n" +
			"2. filtertype    (numeric, required) The type of filter to return (0=regular)\n\n" +
			"Result:\n\"hex\"   (string) The block's committed filter",
		Handler: s.handleGetCFilter,
	}, {
		Name:     "getcfilterheader",
		Category: "Blockchain",
		Params: []rpcjson.ParamSpec{{Name: "hash", Type: "string"},
			{Name: "filtertype", Type: "numeric"}},
		Help: "Returns a block's compact filter header given its hash (btcd's method).\n\n" +
			"Arguments:\n1. hash          (string, required) The hash of the block\n" +
			"2. filtertype    (numeric, required) The type of filter header to return (0=regular)\n\n" +
			"Result:\n\"hex\"   (string) The filter header commitment, in the byte order of block hashes",
		Handler: s.handleGetCFilterHeader,
	}}
}

// filterIndex returns the open filter index, or nil.
func (s *Server) filterIndex() FilterIndex {
	if fx := s.cfg.FilterIndex; fx != nil && fx.Open() {
		return fx
	}
	return nil
}

// handleGetBlockFilter implements Core's getblockfilter: the filter and
// header of a known block, with Core's errors for an unknown filter type,
// a disabled index, an unknown block, and a filter not indexed yet.
func (s *Server) handleGetBlockFilter(ctx context.Context, params []json.RawMessage) (any, error) {
	hash, err := hashParam(params, 0, "blockhash")
	if err != nil {
		return nil, err
	}
	typeName := basicFilterName
	if _, err := rpcjson.UnmarshalParam(params, 1, "filtertype", &typeName); err != nil {
		return nil, err
	}
	if typeName != basicFilterName {
		return nil, rpcjson.NewRPCError(rpcjson.ErrRPCInvalidAddressOrKey, "Unknown filtertype")
	}
	fx := s.filterIndex()
	if fx == nil {
		return nil, rpcjson.NewRPCError(rpcjson.ErrRPCMisc, "Index is not enabled for filtertype "+typeName)
	}
	info, err := s.cfg.Chain.BlockInfoByHash(&hash)
	if err != nil {
		return nil, rpcjson.NewRPCError(rpcjson.ErrRPCInvalidAddressOrKey, "Block not found")
	}
	ready := fx.BlockUntilSyncedToCurrentChain(ctx)
	filter, header, err := fx.Filter(&hash)
	switch {
	case err == nil:
		return blockFilterJSON{Filter: hex.EncodeToString(filter), Header: header.String()}, nil
	case !errors.Is(err, ErrFilterNotIndexed):
		return nil, err
	case !info.Status.Valid:
		return nil, rpcjson.NewRPCError(rpcjson.ErrRPCInvalidAddressOrKey,
			"Filter not found. Block was not connected to active chain.")
	case !ready:
		return nil, rpcjson.NewRPCError(rpcjson.ErrRPCMisc,
			"Filter not found. Block filters are still in the process of being indexed.")
	default:
		return nil, rpcjson.NewRPCError(rpcjson.ErrRPCInternal,
			"Filter not found. This error is unexpected and indicates index corruption.")
	}
}

// cfilterParams parses getcfilter's and getcfilterheader's parameters and
// returns the index, with btcd's error when it is not enabled.
func (s *Server) cfilterParams(params []json.RawMessage) (FilterIndex, chainhash.Hash, error) {
	hash, err := hashParam(params, 0, "hash")
	if err != nil {
		return nil, hash, err
	}
	var typ int
	if _, err := rpcjson.UnmarshalParam(params, 1, "filtertype", &typ); err != nil {
		return nil, hash, err
	}
	fx := s.filterIndex()
	if fx == nil {
		return nil, hash, rpcjson.NewRPCError(rpcjson.ErrRPCInvalidAddressOrKey,
			"The CF index must be enabled for this command")
	}
	if typ != basicFilterType {
		return nil, hash, rpcjson.NewRPCErrorf(rpcjson.ErrRPCInvalidParameter, "Unknown filter type %d", typ)
	}
	return fx, hash, nil
}

// handleGetCFilter implements btcd's getcfilter: the serialized filter of
// a block as hex.
func (s *Server) handleGetCFilter(_ context.Context, params []json.RawMessage) (any, error) {
	fx, hash, err := s.cfilterParams(params)
	if err != nil {
		return nil, err
	}
	filter, _, err := fx.Filter(&hash)
	if errors.Is(err, ErrFilterNotIndexed) {
		return nil, rpcjson.NewRPCError(rpcjson.ErrRPCInvalidAddressOrKey, "Failed to load filter")
	}
	if err != nil {
		return nil, err
	}
	return hex.EncodeToString(filter), nil
}

// handleGetCFilterHeader implements btcd's getcfilterheader: the filter
// header of a block, printed as btcd prints it (a chainhash string, that
// is in reversed byte order, as getblockfilter's header).
func (s *Server) handleGetCFilterHeader(_ context.Context, params []json.RawMessage) (any, error) {
	fx, hash, err := s.cfilterParams(params)
	if err != nil {
		return nil, err
	}
	_, header, err := fx.Filter(&hash)
	if errors.Is(err, ErrFilterNotIndexed) {
		return nil, rpcjson.NewRPCError(rpcjson.ErrRPCInvalidAddressOrKey, "Failed to load filter header")
	}
	if err != nil {
		return nil, err
	}
	return header.String(), nil
}

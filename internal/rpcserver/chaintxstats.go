package rpcserver

import (
	"context"
	"encoding/json"
	"sync"
	"time"

	"github.com/btcsuite/btcd/chaincfg/chainhash"
	"github.com/tern-org/ternd/internal/rpcjson"
)

// This file holds getchaintxstats and preciousblock (Core's
// rpc/blockchain.cpp).

// chainTxCounts caches the cumulative transaction count of each
// main-chain height (Core's nChainTx), with the block hash it was counted
// for: a request extends it from the highest height still on the main
// chain, so after the first walk it costs the blocks since the last call
// (and the depth of any reorganisation). Its size is the chain's height.
type chainTxCounts struct {
	mu     sync.Mutex
	hashes []chainhash.Hash
	cum    []uint64
}

// chainTxMethods returns getchaintxstats and preciousblock.
func (s *Server) chainTxMethods() []rpcjson.Method {
	return []rpcjson.Method{
		{
			Name: "getchaintxstats", Category: "Blockchain",
			Params: []rpcjson.ParamSpec{{Name: "nblocks", Optional: true, Type: "numeric"}, {Name: "blockhash", Optional: true, Type: "string"}},
			Help: "Compute statistics about the total number and rate of transactions in the chain.\n\n" +
				"Arguments:\n1. nblocks      (numeric, optional, default=one month) Size of the window in number of blocks\n" +
				"2. blockhash    (string, optional, default=chain tip) The hash of the block that ends the window.\n\n" +
				"Result:\n{\n  \"time\" : xxx,                        (numeric) The timestamp for the final block in the window, expressed in UNIX epoch time\n" +
				"  \"txcount\" : n,                       (numeric, optional) The total number of transactions in the chain up to that point\n" +
				"  \"window_final_block_hash\" : \"hex\",   (string) The hash of the final block in the window\n" +
				"  \"window_final_block_height\" : n,     (numeric) The height of the final block in the window.\n" +
				"  \"window_block_count\" : n,            (numeric) Size of the window in number of blocks\n" +
				"  \"window_interval\" : n,               (numeric, optional) The elapsed time in the window in seconds. Only returned if \"window_block_count\" is > 0\n" +
				"  \"window_tx_count\" : n,               (numeric, optional) The number of transactions in the window. Only returned if \"window_block_count\" is > 0\n" +
				"  \"txrate\" : n                         (numeric, optional) The average rate of transactions per second in the window. Only returned if \"window_interval\" is > 0\n}",
			Handler: s.handleGetChainTxStats,
		},
		{
			Name: "preciousblock", Category: "Blockchain",
			Params: []rpcjson.ParamSpec{{Name: "blockhash", Type: "string"}},
			Help: "Treats a block as if it were received before others with the same work.\n\n" +
				"A later preciousblock call can override the effect of an earlier one.\n\n" +
				"The effects of preciousblock are not retained across restarts.\n\n" +
				"Arguments:\n1. blockhash    (string, required) the hash of the block to mark as precious\n\nResult:\nnull    (json null)",
			Handler: func(_ context.Context, params []json.RawMessage) (any, error) {
				return s.handleMarkBlock(params, s.cfg.ChainManager.PreciousBlock)
			},
		},
	}
}

// chainTxCount returns the number of transactions in the main chain up to
// height, which must be a main-chain height.
func (s *Server) chainTxCount(height int32) (uint64, error) {
	c := &s.txCounts
	c.mu.Lock()
	defer c.mu.Unlock()
	// Drop what a reorganisation replaced, from the top.
	top := min(int32(len(c.hashes))-1, height)
	for ; top >= 0; top-- {
		h, err := s.cfg.Chain.BlockHashByHeight(top)
		if err == nil && *h == c.hashes[top] {
			break
		}
	}
	c.hashes, c.cum = c.hashes[:top+1], c.cum[:top+1]
	for h := top + 1; h <= height; h++ {
		hash, err := s.cfg.Chain.BlockHashByHeight(h)
		if err != nil {
			return 0, err
		}
		info, err := s.cfg.Chain.BlockInfoByHash(hash)
		if err != nil {
			return 0, err
		}
		prev := uint64(0)
		if h > 0 {
			prev = c.cum[h-1]
		}
		c.hashes = append(c.hashes, *hash)
		c.cum = append(c.cum, prev+uint64(info.NumTxns))
	}
	return c.cum[height], nil
}

// chainTxStatsJSON is getchaintxstats's result.
type chainTxStatsJSON struct {
	Time                   int64    `json:"time"`
	TxCount                uint64   `json:"txcount"`
	WindowFinalBlockHash   string   `json:"window_final_block_hash"`
	WindowFinalBlockHeight int32    `json:"window_final_block_height"`
	WindowBlockCount       int32    `json:"window_block_count"`
	WindowInterval         *int64   `json:"window_interval,omitempty"`
	WindowTxCount          *uint64  `json:"window_tx_count,omitempty"`
	TxRate                 *float64 `json:"txrate,omitempty"`
}

// handleGetChainTxStats implements getchaintxstats.
func (s *Server) handleGetChainTxStats(_ context.Context, params []json.RawMessage) (any, error) {
	best := s.cfg.Chain.BestSnapshot()
	hash := best.Hash
	if rpcjson.Present(params, 1) {
		h, err := hashParam(params, 1, "blockhash")
		if err != nil {
			return nil, err
		}
		hash = h
	}
	info, err := s.cfg.Chain.BlockInfoByHash(&hash)
	if err != nil {
		return nil, rpcjson.NewRPCError(rpcjson.ErrRPCInvalidAddressOrKey, "Block not found")
	}
	if !info.InMainChain {
		return nil, rpcjson.NewRPCError(rpcjson.ErrRPCInvalidParameter, "Block is not in main chain")
	}
	month := int32(30 * 24 * time.Hour / s.cfg.ChainParams.TargetTimePerBlock)
	count := max(0, min(month, info.Height-1))
	if rpcjson.Present(params, 0) {
		if _, err := rpcjson.UnmarshalParam(params, 0, "nblocks", &count); err != nil {
			return nil, err
		}
		if count < 0 || (count > 0 && count >= info.Height) {
			return nil, rpcjson.NewRPCError(rpcjson.ErrRPCInvalidParameter,
				"Invalid block count: should be between 0 and the block's height - 1")
		}
	}
	total, err := s.chainTxCount(info.Height)
	if err != nil {
		return nil, err
	}
	r := &chainTxStatsJSON{Time: info.Header.Timestamp.Unix(), TxCount: total,
		WindowFinalBlockHash: hash.String(), WindowFinalBlockHeight: info.Height, WindowBlockCount: count}
	if count > 0 {
		pastHash, err := s.cfg.Chain.BlockHashByHeight(info.Height - count)
		if err != nil {
			return nil, err
		}
		past, err := s.cfg.Chain.BlockInfoByHash(pastHash)
		if err != nil {
			return nil, err
		}
		pastTotal, err := s.chainTxCount(past.Height)
		if err != nil {
			return nil, err
		}
		interval := info.MedianTime.Unix() - past.MedianTime.Unix()
		window := total - pastTotal
		r.WindowInterval, r.WindowTxCount = &interval, &window
		if interval > 0 {
			rate := float64(window) / float64(interval)
			r.TxRate = &rate
		}
	}
	return r, nil
}

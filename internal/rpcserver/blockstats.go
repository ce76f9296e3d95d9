package rpcserver

import (
	"context"
	"encoding/json"
	"sort"

	"github.com/tern-org/ternd/blockchain"
	"github.com/tern-org/ternd/blockchain/standalone"
	"github.com/tern-org/ternd/internal/rpcjson"
	"github.com/tern-org/ternd/txscript"
	"github.com/tern-org/ternd/wire"
)

// This file holds getblockstats (Core's rpc/blockchain.cpp), computed from
// a block and the outputs its inputs spent (the chain's undo data).

// perUTXOOverhead is the bytes Core counts for an output in the UTXO set
// beside its serialization (PER_UTXO_OVERHEAD); Core's own getblockstats
// vectors (testdata/rpc_getblockstats.json) fix it at 40.
const perUTXOOverhead = 40

// blockStatsNames lists getblockstats' statistics in Core's order.
var blockStatsNames = []string{"avgfee", "avgfeerate", "avgtxsize", "blockhash", "feerate_percentiles",
	"height", "ins", "maxfee", "maxfeerate", "maxtxsize", "medianfee", "mediantime", "mediantxsize",
	"minfee", "minfeerate", "mintxsize", "outs", "subsidy", "swtotal_size", "swtotal_weight", "swtxs",
	"time", "total_out", "total_size", "total_weight", "totalfee", "txs", "utxo_increase",
	"utxo_size_inc", "utxo_increase_actual", "utxo_size_inc_actual"}

// blockStatsMethod returns getblockstats.
func (s *Server) blockStatsMethod() rpcjson.Method {
	return rpcjson.Method{
		Name:     "getblockstats",
		Category: "Blockchain",
		Params: []rpcjson.ParamSpec{{Name: "hash_or_height", Type: "string or numeric"},
			{Name: "stats", Optional: true, Type: "json array"}},
		Help: "Compute per block statistics for a given window. All amounts are in satoshis.\n" +
			"It won't work for some heights with pruning.\n\n" +
			"Arguments:\n1. hash_or_height    (string or numeric, required) The block hash or height of the target block\n" +
			"2. stats    (json array, optional, default=all values) Values to plot (see result below)\n\n" +
			"Result: { \"avgfee\", \"avgfeerate\", \"avgtxsize\", \"blockhash\", \"feerate_percentiles\", \"height\", \"ins\", \"maxfee\", " +
			"\"maxfeerate\", \"maxtxsize\", \"medianfee\", \"mediantime\", \"mediantxsize\", \"minfee\", \"minfeerate\", \"mintxsize\", " +
			"\"outs\", \"subsidy\", \"swtotal_size\", \"swtotal_weight\", \"swtxs\", \"time\", \"total_out\", \"total_size\", " +
			"\"total_weight\", \"totalfee\", \"txs\", \"utxo_increase\", \"utxo_size_inc\", \"utxo_increase_actual\", \"utxo_size_inc_actual\" }",
		Handler: s.handleGetBlockStats,
	}
}

// outputUTXOSize is an output's serialized size plus PER_UTXO_OVERHEAD.
func outputUTXOSize(out *wire.TxOut) int64 {
	n := len(out.PkScript)
	return int64(8+wire.VarIntSerializeSize(uint64(n))+n) + perUTXOOverhead
}

// truncatedMedian is Core's CalculateTruncatedMedian.
func truncatedMedian(v []int64) int64 {
	if len(v) == 0 {
		return 0
	}
	sort.Slice(v, func(i, j int) bool { return v[i] < v[j] })
	if len(v)%2 == 0 {
		return (v[len(v)/2-1] + v[len(v)/2]) / 2
	}
	return v[len(v)/2]
}

// feeRateWeight is one transaction's fee rate and weight.
type feeRateWeight struct{ rate, weight int64 }

// percentilesByWeight is Core's CalculatePercentilesByWeight: the fee rates
// at the 10th, 25th, 50th, 75th and 90th percentile of block weight.
func percentilesByWeight(scores []feeRateWeight, totalWeight int64) [5]int64 {
	var out [5]int64
	if len(scores) == 0 {
		return out
	}
	sort.Slice(scores, func(i, j int) bool {
		if scores[i].rate != scores[j].rate {
			return scores[i].rate < scores[j].rate
		}
		return scores[i].weight < scores[j].weight
	})
	tw := float64(totalWeight)
	weights := [5]float64{tw / 10, tw / 4, tw / 2, tw * 3 / 4, tw * 9 / 10}
	next := 0
	var cumulative int64
	for _, e := range scores {
		cumulative += e.weight
		for next < 5 && float64(cumulative) >= weights[next] {
			out[next] = e.rate
			next++
		}
	}
	for ; next < 5; next++ {
		out[next] = scores[len(scores)-1].rate
	}
	return out
}

// handleGetBlockStats implements getblockstats.
func (s *Server) handleGetBlockStats(_ context.Context, params []json.RawMessage) (any, error) {
	var info *blockchain.BlockInfo
	var height int64
	if err := json.Unmarshal(params[0], &height); err == nil {
		tip := int64(s.cfg.Chain.BestSnapshot().Height)
		if height < 0 {
			return nil, rpcjson.NewRPCErrorf(rpcjson.ErrRPCInvalidParameter,
				"Target block height %d is negative", height)
		}
		if height > tip {
			return nil, rpcjson.NewRPCErrorf(rpcjson.ErrRPCInvalidParameter,
				"Target block height %d after current tip %d", height, tip)
		}
		hash, err := s.cfg.Chain.BlockHashByHeight(int32(height))
		if err != nil {
			return nil, rpcjson.NewRPCError(rpcjson.ErrRPCInvalidAddressOrKey, "Block not found")
		}
		if info, err = s.cfg.Chain.BlockInfoByHash(hash); err != nil {
			return nil, rpcjson.NewRPCError(rpcjson.ErrRPCInvalidAddressOrKey, "Block not found")
		}
	} else {
		hash, err := hashParam(params, 0, "blockhash")
		if err != nil {
			return nil, err
		}
		info, err = s.cfg.Chain.BlockInfoByHash(&hash)
		if err != nil {
			return nil, rpcjson.NewRPCError(rpcjson.ErrRPCInvalidAddressOrKey, "Block not found")
		}
		if !info.InMainChain {
			return nil, rpcjson.NewRPCErrorf(rpcjson.ErrRPCInvalidParameter,
				"Block is not in chain %s", coreChainName(s.cfg.ChainParams.Name))
		}
	}
	var selected []string
	if _, err := rpcjson.UnmarshalParam(params, 1, "stats", &selected); err != nil {
		return nil, err
	}
	for _, name := range selected {
		known := false
		for _, n := range blockStatsNames {
			known = known || n == name
		}
		if !known {
			return nil, rpcjson.NewRPCErrorf(rpcjson.ErrRPCInvalidParameter,
				"Invalid selected statistic '%s'", name)
		}
	}
	block, err := s.cfg.BlockStore.BlockByHash(&info.Hash)
	if err != nil {
		return nil, rpcjson.NewRPCError(rpcjson.ErrRPCMisc, "Block not available")
	}
	var spent []*blockchain.UtxoEntry
	if info.Height > 0 {
		if spent, err = s.cfg.BlockStore.SpentOutputs(&info.Hash); err != nil {
			return nil, rpcjson.NewRPCError(rpcjson.ErrRPCMisc, "Can't read undo data from disk")
		}
	}
	all := blockStats(block, spent, info, standalone.CalcBlockSubsidy(info.Height, s.cfg.ChainParams))
	if len(selected) == 0 {
		return all, nil
	}
	out := make(map[string]any, len(selected))
	for _, name := range selected {
		out[name] = all[name]
	}
	return out, nil
}

// blockStats computes every statistic of getblockstats for block, whose
// inputs spent the outputs in spent (block order, coinbase excluded).
func blockStats(block *wire.MsgBlock, spent []*blockchain.UtxoEntry, info *blockchain.BlockInfo,
	subsidy int64) map[string]any {
	const maxMoneyStat = maxMoney
	var (
		ins, outs, utxos                           int64
		totalOut, totalSize, totalWeight, totalFee int64
		swTxs, swTotalSize, swTotalWeight          int64
		utxoSizeInc, utxoSizeIncActual             int64
		maxFee, maxFeeRate, maxTxSize              int64
		minFee, minFeeRate                         = int64(maxMoneyStat), int64(maxMoneyStat)
		minTxSize                                  = int64(maxBlockSerializedSize)
		fees, sizes                                []int64
		rates                                      []feeRateWeight
	)
	next := 0
	for _, tx := range block.Transactions {
		outs += int64(len(tx.TxOut))
		var txOut int64
		for _, out := range tx.TxOut {
			txOut += out.Value
			size := outputUTXOSize(out)
			utxoSizeInc += size
			if txscript.IsUnspendable(out.PkScript) {
				continue
			}
			utxos++
			utxoSizeIncActual += size
		}
		if standalone.IsCoinBaseTx(tx) {
			continue
		}
		ins += int64(len(tx.TxIn))
		totalOut += txOut
		size := int64(tx.SerializeSize())
		sizes = append(sizes, size)
		maxTxSize, minTxSize = max(maxTxSize, size), min(minTxSize, size)
		totalSize += size
		weight := tx.Weight()
		totalWeight += weight
		if tx.HasWitness() {
			swTxs++
			swTotalSize += size
			swTotalWeight += weight
		}
		var txIn int64
		for range tx.TxIn {
			if next < len(spent) && spent[next] != nil {
				prev := spent[next]
				txIn += prev.Amount
				size := outputUTXOSize(&wire.TxOut{Value: prev.Amount, PkScript: prev.PkScript})
				utxoSizeInc -= size
				utxoSizeIncActual -= size
			}
			next++
		}
		fee := txIn - txOut
		fees = append(fees, fee)
		maxFee, minFee = max(maxFee, fee), min(minFee, fee)
		totalFee += fee
		var rate int64
		if weight > 0 {
			rate = fee * 4 / weight
		}
		rates = append(rates, feeRateWeight{rate, weight})
		maxFeeRate, minFeeRate = max(maxFeeRate, rate), min(minFeeRate, rate)
	}
	nTx := int64(len(block.Transactions))
	avg := func(total int64) int64 {
		if nTx > 1 {
			return total / (nTx - 1)
		}
		return 0
	}
	zeroIf := func(v, sentinel int64) int64 {
		if v == sentinel {
			return 0
		}
		return v
	}
	avgFeeRate := int64(0)
	if totalWeight > 0 {
		avgFeeRate = totalFee * 4 / totalWeight
	}
	return map[string]any{
		"avgfee":               avg(totalFee),
		"avgfeerate":           avgFeeRate,
		"avgtxsize":            avg(totalSize),
		"blockhash":            info.Hash.String(),
		"feerate_percentiles":  percentilesByWeight(rates, totalWeight),
		"height":               info.Height,
		"ins":                  ins,
		"maxfee":               maxFee,
		"maxfeerate":           maxFeeRate,
		"maxtxsize":            maxTxSize,
		"medianfee":            truncatedMedian(fees),
		"mediantime":           info.MedianTime.Unix(),
		"mediantxsize":         truncatedMedian(sizes),
		"minfee":               zeroIf(minFee, maxMoneyStat),
		"minfeerate":           zeroIf(minFeeRate, maxMoneyStat),
		"mintxsize":            zeroIf(minTxSize, maxBlockSerializedSize),
		"outs":                 outs,
		"subsidy":              subsidy,
		"swtotal_size":         swTotalSize,
		"swtotal_weight":       swTotalWeight,
		"swtxs":                swTxs,
		"time":                 block.Header.Timestamp.Unix(),
		"total_out":            totalOut,
		"total_size":           totalSize,
		"total_weight":         totalWeight,
		"totalfee":             totalFee,
		"txs":                  nTx,
		"utxo_increase":        outs - ins,
		"utxo_size_inc":        utxoSizeInc,
		"utxo_increase_actual": utxos - ins,
		"utxo_size_inc_actual": utxoSizeIncActual,
	}
}

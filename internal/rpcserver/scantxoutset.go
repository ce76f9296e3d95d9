package rpcserver

import (
	"context"
	"encoding/hex"
	"encoding/json"
	"errors"
	"sync"
	"sync/atomic"

	"github.com/tern-org/ternd/blockchain"
	"github.com/tern-org/ternd/internal/rpcjson"
	"github.com/tern-org/ternd/wire"
)

// This file holds scantxoutset (Core's rpc/blockchain.cpp): a walk of the
// UTXO set for the outputs paying the scripts of descriptors, one at a
// time, reporting its progress and abortable from another request.

const (
	// defaultScanRange is the range scanned for a ranged descriptor given
	// without one (Core's [0,1000]).
	defaultScanRange = 1000

	// maxScanScripts bounds the scripts one scan looks for, so a request
	// cannot make the node hold an unbounded set.
	maxScanScripts = 10000000

	// scanCheckEvery is how many outputs the walk handles between checks
	// of the abort flag and the request's context.
	scanCheckEvery = 1024
)

// errScanAborted stops the walk.
var errScanAborted = errors.New("scan aborted")

// utxoScan is the state of the one scan that may run: its progress in
// percent (from the position of the txid being read) and its abort flag.
type utxoScan struct {
	mu       sync.Mutex
	running  bool
	progress atomic.Uint32
	abort    atomic.Bool
}

// scanMethods returns scantxoutset.
func (s *Server) scanMethods() []rpcjson.Method {
	return []rpcjson.Method{{
		Name: "scantxoutset", Category: "Blockchain",
		Params: []rpcjson.ParamSpec{{Name: "action", Type: "string"}, {Name: "scanobjects", Optional: true, Type: "json array"}},
		Help: "Scans the unspent transaction output set for entries that match certain output descriptors.\n" +
			"Examples of output descriptors are:\n    addr(<address>), raw(<hex script>), combo(<pubkey>), pkh(<pubkey>), sh(wpkh(<pubkey>)), wpkh(<pubkey>), tr(<pubkey>), multi(...)\n\n" +
			"Arguments:\n1. action         (string, required) The action to execute\n" +
			"                   \"start\" for starting a scan\n                   \"abort\" for aborting the current scan (returns true when abort was successful)\n" +
			"                   \"status\" for progress report (in %) of the current scan\n" +
			"2. scanobjects    (json array, optional) Array of scan objects. Required for \"start\" action\n" +
			"     [\"descriptor\", {\"desc\":\"str\",\"range\":n or [n,n]}, ...]   (range default 1000)\n\n" +
			"Result (when action=='start'; only returns after scan completes):\n{\n" +
			"  \"success\" : true|false,  (boolean) Whether the scan was completed\n" +
			"  \"txouts\" : n,            (numeric) The number of unspent transaction outputs scanned\n" +
			"  \"height\" : n,            (numeric) The block height at which the scan was done\n" +
			"  \"bestblock\" : \"hex\",     (string) The hash of the block at the tip of the chain\n" +
			"  \"unspents\" : [ {\"txid\",\"vout\",\"scriptPubKey\",\"desc\",\"amount\",\"coinbase\",\"height\",\"blockhash\",\"confirmations\"}, ... ],\n" +
			"  \"total_amount\" : n       (numeric) The total amount of all found unspent outputs in BTC\n}\n\n" +
			"Result (when action=='abort'):\ntrue|false    (boolean) True if scan will be aborted (not necessarily before this RPC returns), or false if there is no scan to abort\n\n" +
			"Result (when action=='status' and a scan is currently in progress):\n{\n  \"progress\" : n    (numeric) Approximate percent complete\n}\n\n" +
			"Result (when action=='status' and no scan is in progress - possibly already completed):\nnull",
		Handler: s.handleScanTxOutSet,
	}}
}

// scanUnspentJSON is one found output.
type scanUnspentJSON struct {
	Txid          string `json:"txid"`
	Vout          uint32 `json:"vout"`
	ScriptPubKey  string `json:"scriptPubKey"`
	Desc          string `json:"desc"`
	Amount        amount `json:"amount"`
	Coinbase      bool   `json:"coinbase"`
	Height        int32  `json:"height"`
	BlockHash     string `json:"blockhash"`
	Confirmations int32  `json:"confirmations"`
}

// scanResultJSON is scantxoutset start's result.
type scanResultJSON struct {
	Success     bool              `json:"success"`
	TxOuts      int64             `json:"txouts"`
	Height      int32             `json:"height"`
	BestBlock   string            `json:"bestblock"`
	Unspents    []scanUnspentJSON `json:"unspents"`
	TotalAmount amount            `json:"total_amount"`
}

// handleScanTxOutSet implements scantxoutset.
func (s *Server) handleScanTxOutSet(ctx context.Context, params []json.RawMessage) (any, error) {
	var action string
	if _, err := rpcjson.UnmarshalParam(params, 0, "action", &action); err != nil {
		return nil, err
	}
	switch action {
	case "status":
		s.scan.mu.Lock()
		defer s.scan.mu.Unlock()
		if !s.scan.running {
			return nil, nil
		}
		return map[string]uint32{"progress": s.scan.progress.Load()}, nil
	case "abort":
		s.scan.mu.Lock()
		defer s.scan.mu.Unlock()
		if !s.scan.running {
			return false, nil
		}
		s.scan.abort.Store(true)
		return true, nil
	case "start":
	default:
		return nil, rpcjson.NewRPCErrorf(rpcjson.ErrRPCInvalidParameter, "Invalid action '%s'", action)
	}
	if !rpcjson.Present(params, 1) {
		return nil, rpcjson.NewRPCError(rpcjson.ErrRPCMisc, "scanobjects argument is required for the start action")
	}
	scripts, err := s.scanScripts(params[1])
	if err != nil {
		return nil, err
	}
	s.scan.mu.Lock()
	if s.scan.running {
		s.scan.mu.Unlock()
		return nil, rpcjson.NewRPCError(rpcjson.ErrRPCInvalidParameter,
			"Scan already in progress, use action \"abort\" or \"status\"")
	}
	s.scan.running = true
	s.scan.abort.Store(false)
	s.scan.progress.Store(0)
	s.scan.mu.Unlock()
	defer func() {
		s.scan.mu.Lock()
		s.scan.running = false
		s.scan.mu.Unlock()
	}()
	return s.runScan(ctx, scripts)
}

// scanScripts expands the scan objects into the scripts to find, each
// with the descriptor to report for it ("" to infer one from the script,
// as for combo(), addr() and raw()).
func (s *Server) scanScripts(raw json.RawMessage) (map[string]string, error) {
	var objs []json.RawMessage
	if err := json.Unmarshal(raw, &objs); err != nil {
		return nil, rpcjson.NewRPCError(rpcjson.ErrRPCType, "scanobjects must be an array")
	}
	scripts := make(map[string]string)
	for _, o := range objs {
		var str string
		var obj struct {
			Desc  string          `json:"desc"`
			Range json.RawMessage `json:"range"`
		}
		if json.Unmarshal(o, &str) != nil {
			if json.Unmarshal(o, &obj) != nil || obj.Desc == "" {
				return nil, rpcjson.NewRPCError(rpcjson.ErrRPCInvalidParameter, "Scan object needs to be either a string or an object")
			}
			str = obj.Desc
		}
		d, err := s.parseDescriptor(str, false)
		if err != nil {
			return nil, err
		}
		begin, end := uint32(0), uint32(0)
		if d.IsRange() {
			end = defaultScanRange
			if len(obj.Range) > 0 {
				if begin, end, err = rangeParam(obj.Range); err != nil {
					return nil, err
				}
			}
		}
		for pos := begin; pos <= end; pos++ {
			out, err := d.Scripts(pos)
			if err != nil {
				return nil, rpcjson.NewRPCError(rpcjson.ErrRPCInvalidAddressOrKey, err.Error())
			}
			desc := ""
			if len(out) == 1 && d.IsSolvable() {
				desc, _ = d.StringAt(pos)
			}
			for _, sc := range out {
				scripts[string(sc)] = desc
			}
			if len(scripts) > maxScanScripts {
				return nil, rpcjson.NewRPCError(rpcjson.ErrRPCInvalidParameter, "Range is too large")
			}
		}
	}
	return scripts, nil
}

// runScan walks the UTXO set for scripts; it stops early (success false)
// when aborted or when the request ends.
func (s *Server) runScan(ctx context.Context, scripts map[string]string) (any, error) {
	r := &scanResultJSON{Unspents: []scanUnspentJSON{}}
	var total int64
	var found []struct {
		op wire.OutPoint
		e  *blockchain.UtxoEntry
	}
	hash, height, err := s.cfg.UtxoSet.ForEachUtxo(func(op wire.OutPoint, e *blockchain.UtxoEntry) error {
		r.TxOuts++
		if r.TxOuts%scanCheckEvery == 0 {
			if s.scan.abort.Load() || ctx.Err() != nil {
				return errScanAborted
			}
			// Outpoints come in txid order; the txid's first byte in the
			// store's order (the last of Core's display order) places it.
			s.scan.progress.Store(uint32(op.Hash[31]) * 100 / 256)
		}
		if _, ok := scripts[string(e.PkScript)]; ok {
			found = append(found, struct {
				op wire.OutPoint
				e  *blockchain.UtxoEntry
			}{op, e})
		}
		return nil
	})
	if errors.Is(err, errScanAborted) {
		return &scanResultJSON{Success: false, Unspents: []scanUnspentJSON{}}, nil
	}
	if err != nil {
		return nil, err
	}
	r.Success, r.Height, r.BestBlock = true, height, hash.String()
	for _, f := range found {
		desc := scripts[string(f.e.PkScript)]
		if desc == "" {
			desc = inferDescriptor(f.e.PkScript, s.cfg.ChainParams)
		}
		u := scanUnspentJSON{Txid: f.op.Hash.String(), Vout: f.op.Index,
			ScriptPubKey: hex.EncodeToString(f.e.PkScript), Desc: desc,
			Amount: amount(f.e.Amount), Coinbase: f.e.IsCoinBase, Height: f.e.BlockHeight,
			Confirmations: height - f.e.BlockHeight + 1}
		if bh, err := s.cfg.Chain.BlockHashByHeight(f.e.BlockHeight); err == nil {
			u.BlockHash = bh.String()
		}
		total += f.e.Amount
		r.Unspents = append(r.Unspents, u)
	}
	r.TotalAmount = amount(total)
	return r, nil
}

package rpcserver

import (
	"bytes"
	"context"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io/fs"
	"math/big"
	"path/filepath"

	"github.com/btcsuite/btcd/chaincfg/chainhash"
	"github.com/tern-org/ternd/blockchain"
	"github.com/tern-org/ternd/blockchain/standalone"
	"github.com/tern-org/ternd/internal/rpcjson"
	"github.com/tern-org/ternd/wire"
)

// This file holds the "Blockchain" methods of Core's rpc/blockchain.cpp:
// getblockchaininfo, getbestblockhash, getblockcount, getblockhash,
// getblock, getblockheader, getchaintips, gettxout, gettxoutsetinfo,
// getdifficulty, invalidateblock, reconsiderblock and verifychain.

const (
	// defaultCheckBlocks and defaultCheckLevel are verifychain's defaults
	// (Core's DEFAULT_CHECKBLOCKS and DEFAULT_CHECKLEVEL).
	defaultCheckBlocks = 6
	defaultCheckLevel  = 3
)

// coreChainName is the "chain" name Core reports for a network.
func coreChainName(name string) string {
	switch name {
	case "mainnet":
		return "main"
	case "testnet3":
		return "test"
	}
	return name
}

// hex256 renders a big number as 64 hex digits (targets, chain work).
func hex256(n *big.Int) string {
	return fmt.Sprintf("%064x", n)
}

// chainMethods returns the blockchain methods.
func (s *Server) chainMethods() []rpcjson.Method {
	hashArg := func(name string) []rpcjson.ParamSpec {
		return []rpcjson.ParamSpec{{Name: name, Type: "string"}}
	}
	return []rpcjson.Method{
		{
			Name:     "getblockchaininfo",
			Category: "Blockchain",
			Help: "Returns an object containing various state info regarding blockchain processing.\n\nResult:\n{\n" +
				"  \"chain\" : \"str\",\n  \"blocks\" : n,\n  \"headers\" : n,\n  \"bestblockhash\" : \"hex\",\n  \"bits\" : \"hex\",\n  \"target\" : \"hex\",\n" +
				"  \"difficulty\" : n,\n  \"time\" : xxx,\n  \"mediantime\" : xxx,\n  \"verificationprogress\" : n,\n  \"initialblockdownload\" : true|false,\n" +
				"  \"chainwork\" : \"hex\",\n  \"size_on_disk\" : n,\n  \"pruned\" : true|false,\n  \"signet_challenge\" : \"hex\",    (only on signet)\n  \"warnings\" : [ \"str\", ... ]\n}",
			Handler: s.handleGetBlockchainInfo,
		},
		{
			Name:     "getdeploymentinfo",
			Category: "Blockchain",
			Params:   []rpcjson.ParamSpec{{Name: "blockhash", Optional: true, Type: "string"}},
			Help: "Returns an object containing various state info regarding deployments of consensus changes.\n\n" +
				"Arguments:\n1. blockhash    (string, optional, default=\"hash of current chain tip\") The block hash at which to query deployment state\n\n" +
				"Result:\n{\n  \"hash\" : \"str\",    (string) requested block hash (or tip)\n  \"height\" : n,    (numeric) requested block height (or tip)\n" +
				"  \"deployments\" : {\n    \"xxxx\" : {    (json object) name of the deployment\n      \"type\" : \"str\",    (string) one of \"buried\", \"bip9\"\n" +
				"      \"height\" : n,    (numeric, optional) height of the first block which the rules are or will be enforced\n" +
				"      \"active\" : true|false,    (boolean) true if the rules are enforced for the mempool and the next block\n" +
				"      \"bip9\" : { \"bit\", \"start_time\", \"timeout\", \"min_activation_height\", \"status\", \"since\", \"status_next\", \"statistics\", \"signalling\" }    (json object, optional)\n" +
				"    }, ...\n  }\n}",
			Handler: s.handleGetDeploymentInfo,
		},
		{
			Name:     "getbestblockhash",
			Category: "Blockchain",
			Help:     "Returns the hash of the best (tip) block in the most-work fully-validated chain.\n\nResult:\n\"hex\"    (string) the block hash, hex-encoded",
			Handler: func(context.Context, []json.RawMessage) (any, error) {
				return s.cfg.Chain.BestSnapshot().Hash.String(), nil
			},
		},
		{
			Name:     "getblockcount",
			Category: "Blockchain",
			Help:     "Returns the height of the most-work fully-validated chain.\nThe genesis block has height 0.\n\nResult:\nn    (numeric) The current block count",
			Handler: func(context.Context, []json.RawMessage) (any, error) {
				return s.cfg.Chain.BestSnapshot().Height, nil
			},
		},
		{
			Name:     "getblockhash",
			Category: "Blockchain",
			Params:   []rpcjson.ParamSpec{{Name: "height", Type: "numeric"}},
			Help:     "Returns hash of block in best-block-chain at height provided.\n\nArguments:\n1. height    (numeric, required) The height index\n\nResult:\n\"hex\"    (string) The block hash",
			Handler:  s.handleGetBlockHash,
		},
		{
			Name:     "getblock",
			Category: "Blockchain",
			Params: []rpcjson.ParamSpec{{Name: "blockhash", Type: "string"},
				{Name: "verbosity", Optional: true, Type: "numeric"}},
			Help: "If verbosity is 0, returns a string that is serialized, hex-encoded data for block 'hash'.\n" +
				"If verbosity is 1, returns an Object with information about block <hash>.\n" +
				"If verbosity is 2, returns an Object with information about block <hash> and information about each transaction.\n\n" +
				"Arguments:\n1. blockhash    (string, required) The block hash\n2. verbosity    (numeric, optional, default=1) 0 for hex-encoded data, 1 for a JSON object, and 2 for JSON object with transaction data, and 3 for JSON object with transaction data including prevout information for inputs",
			Handler: s.handleGetBlock,
		},
		s.blockStatsMethod(),
		{
			Name:     "getblockheader",
			Category: "Blockchain",
			Params: []rpcjson.ParamSpec{{Name: "blockhash", Type: "string"},
				{Name: "verbose", Optional: true, Type: "boolean"}},
			Help: "If verbose is false, returns a string that is serialized, hex-encoded data for blockheader 'hash'.\n" +
				"If verbose is true, returns an Object with information about blockheader <hash>.\n\n" +
				"Arguments:\n1. blockhash    (string, required) The block hash\n2. verbose    (boolean, optional, default=true) true for a json object, false for the hex-encoded data",
			Handler: s.handleGetBlockHeader,
		},
		{
			Name:     "getchaintips",
			Category: "Blockchain",
			Help: "Return information about all known tips in the block tree, including the main chain as well as orphaned branches.\n\n" +
				"Result:\n[ { \"height\" : n, \"hash\" : \"hex\", \"branchlen\" : n, \"status\" : \"str\" }, ... ]",
			Handler: s.handleGetChainTips,
		},
		{
			Name:     "gettxout",
			Category: "Blockchain",
			Params: []rpcjson.ParamSpec{{Name: "txid", Type: "string"}, {Name: "n", Type: "numeric"},
				{Name: "include_mempool", Optional: true, Type: "boolean"}},
			Help: "Returns details about an unspent transaction output.\n\nArguments:\n1. txid    (string, required) The transaction id\n2. n    (numeric, required) vout number\n" +
				"3. include_mempool    (boolean, optional, default=true) Whether to include the mempool. Note that an unspent output that is spent in the mempool won't appear.\n\n" +
				"Result (If the UTXO was not found):\nnull\n\nResult (Otherwise):\n{\n  \"bestblock\" : \"hex\",\n  \"confirmations\" : n,\n  \"value\" : n,\n  \"scriptPubKey\" : {...},\n  \"coinbase\" : true|false\n}",
			Handler: s.handleGetTxOut,
		},
		{
			Name:     "gettxoutsetinfo",
			Category: "Blockchain",
			Params: []rpcjson.ParamSpec{{Name: "hash_type", Optional: true, Type: "string"},
				{Name: "hash_or_height", Optional: true, Type: "numeric"},
				{Name: "use_index", Optional: true, Type: "boolean"}},
			Help: "Returns statistics about the unspent transaction output set.\nNote this call may take some time.\n\n" +
				"Arguments:\n1. hash_type    (string, optional, default=\"hash_serialized_3\") Which UTXO set hash should be calculated. Options: 'hash_serialized_3', 'none'.\n" +
				"\nResult:\n{\n  \"height\" : n,\n  \"bestblock\" : \"hex\",\n  \"txouts\" : n,\n  \"bogosize\" : n,\n  \"hash_serialized_3\" : \"hex\",\n  \"total_amount\" : n,\n  \"transactions\" : n,\n  \"disk_size\" : n\n}",
			Handler: s.handleGetTxOutSetInfo,
		},
		{
			Name:     "getdifficulty",
			Category: "Blockchain",
			Help:     "Returns the proof-of-work difficulty as a multiple of the minimum difficulty.\n\nResult:\nn    (numeric) the proof-of-work difficulty as a multiple of the minimum difficulty.",
			Handler: func(context.Context, []json.RawMessage) (any, error) {
				return blockchain.GetDifficulty(s.cfg.Chain.BestSnapshot().Bits), nil
			},
		},
		{
			Name:     "invalidateblock",
			Category: "Blockchain",
			Params:   hashArg("blockhash"),
			Help:     "Permanently marks a block as invalid, as if it violated a consensus rule.\n\nArguments:\n1. blockhash    (string, required) the hash of the block to mark as invalid\n\nResult:\nnull    (json null)",
			Handler: func(_ context.Context, params []json.RawMessage) (any, error) {
				return s.handleMarkBlock(params, s.cfg.ChainManager.InvalidateBlock)
			},
		},
		{
			Name:     "reconsiderblock",
			Category: "Blockchain",
			Params:   hashArg("blockhash"),
			Help: "Removes invalidity status of a block, its ancestors and its descendants, reconsider them for activation.\n" +
				"This can be used to undo the effects of invalidateblock.\n\nArguments:\n1. blockhash    (string, required) the hash of the block to reconsider\n\nResult:\nnull    (json null)",
			Handler: func(_ context.Context, params []json.RawMessage) (any, error) {
				return s.handleMarkBlock(params, s.cfg.ChainManager.ReconsiderBlock)
			},
		},
		{
			Name:     "verifychain",
			Category: "Blockchain",
			Params: []rpcjson.ParamSpec{{Name: "checklevel", Optional: true, Type: "numeric"},
				{Name: "nblocks", Optional: true, Type: "numeric"}},
			Help: "Verifies blockchain database.\n\nArguments:\n1. checklevel    (numeric, optional, default=3, range=0-4) How thorough the block verification is (ternd always checks at level 4).\n" +
				"2. nblocks    (numeric, optional, default=6, 0=all) The number of blocks to check.\n\nResult:\ntrue|false    (boolean) Verification finished successfully. If false, check debug.log for reason.",
			Handler: s.handleVerifyChain,
		},
	}
}

// blockchainInfoJSON is getblockchaininfo's result.
type blockchainInfoJSON struct {
	Chain                string  `json:"chain"`
	Blocks               int32   `json:"blocks"`
	Headers              int32   `json:"headers"`
	BestBlockHash        string  `json:"bestblockhash"`
	Bits                 string  `json:"bits"`
	Target               string  `json:"target"`
	Difficulty           float64 `json:"difficulty"`
	Time                 int64   `json:"time"`
	MedianTime           int64   `json:"mediantime"`
	VerificationProgress float64 `json:"verificationprogress"`
	InitialBlockDownload bool    `json:"initialblockdownload"`
	ChainWork            string  `json:"chainwork"`
	SizeOnDisk           int64   `json:"size_on_disk"`
	Pruned               bool    `json:"pruned"`
	SignetChallenge      string  `json:"signet_challenge,omitempty"`
	Warnings             any     `json:"warnings"`
}

// handleGetBlockchainInfo implements getblockchaininfo.
func (s *Server) handleGetBlockchainInfo(context.Context, []json.RawMessage) (any, error) {
	best := s.cfg.Chain.BestSnapshot()
	_, headers := s.cfg.Chain.BestHeader()
	progress := 1.0
	if !s.cfg.Chain.IsCurrent() && headers > 0 {
		progress = float64(best.Height) / float64(headers)
	}
	return &blockchainInfoJSON{
		Chain:                coreChainName(s.cfg.ChainParams.Name),
		Blocks:               best.Height,
		Headers:              headers,
		BestBlockHash:        best.Hash.String(),
		Bits:                 fmt.Sprintf("%08x", best.Bits),
		Target:               hex256(standalone.CompactToBig(best.Bits)),
		Difficulty:           blockchain.GetDifficulty(best.Bits),
		Time:                 best.Timestamp.Unix(),
		MedianTime:           best.MedianTime.Unix(),
		VerificationProgress: progress,
		InitialBlockDownload: !s.cfg.Chain.IsCurrent(),
		ChainWork:            hex256(best.ChainWork),
		SizeOnDisk:           dirSize(s.cfg.ChainDBDir),
		SignetChallenge:      hex.EncodeToString(s.cfg.ChainParams.SignetChallenge),
		Warnings:             s.warnings(),
	}, nil
}

// dirSize sums the sizes of the files under dir (0 on error).
func dirSize(dir string) int64 {
	var total int64
	_ = filepath.WalkDir(dir, func(_ string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			if info, err := d.Info(); err == nil {
				total += info.Size()
			}
		}
		return nil
	})
	return total
}

// handleGetBlockHash implements getblockhash.
func (s *Server) handleGetBlockHash(_ context.Context, params []json.RawMessage) (any, error) {
	var height int64
	if _, err := rpcjson.UnmarshalParam(params, 0, "height", &height); err != nil {
		return nil, err
	}
	if height < 0 || height > int64(s.cfg.Chain.BestSnapshot().Height) {
		return nil, rpcjson.NewRPCError(rpcjson.ErrRPCInvalidParameter, "Block height out of range")
	}
	h, err := s.cfg.Chain.BlockHashByHeight(int32(height))
	if err != nil {
		return nil, rpcjson.NewRPCError(rpcjson.ErrRPCInvalidParameter, "Block height out of range")
	}
	return h.String(), nil
}

// blockHeaderJSON is Core's blockheaderToJSON; blockJSON adds the block's
// figures and transactions.
type blockHeaderJSON struct {
	Hash              string  `json:"hash"`
	Confirmations     int32   `json:"confirmations"`
	Height            int32   `json:"height"`
	Version           int32   `json:"version"`
	VersionHex        string  `json:"versionHex"`
	MerkleRoot        string  `json:"merkleroot"`
	Time              int64   `json:"time"`
	MedianTime        int64   `json:"mediantime"`
	Nonce             uint32  `json:"nonce"`
	Bits              string  `json:"bits"`
	Target            string  `json:"target"`
	Difficulty        float64 `json:"difficulty"`
	ChainWork         string  `json:"chainwork"`
	NTx               int     `json:"nTx"`
	PreviousBlockHash string  `json:"previousblockhash,omitempty"`
	NextBlockHash     string  `json:"nextblockhash,omitempty"`
}

// blockJSON is getblock's verbose result.
type blockJSON struct {
	blockHeaderJSON
	StrippedSize int   `json:"strippedsize"`
	Size         int   `json:"size"`
	Weight       int64 `json:"weight"`
	Tx           any   `json:"tx"`
}

// newBlockHeaderJSON describes a header from the block index.
func newBlockHeaderJSON(info *blockchain.BlockInfo, nTx int) blockHeaderJSON {
	h := &info.Header
	r := blockHeaderJSON{
		Hash:          info.Hash.String(),
		Confirmations: info.Confirmations,
		Height:        info.Height,
		Version:       h.Version,
		VersionHex:    fmt.Sprintf("%08x", uint32(h.Version)),
		MerkleRoot:    h.MerkleRoot.String(),
		Time:          h.Timestamp.Unix(),
		MedianTime:    info.MedianTime.Unix(),
		Nonce:         h.Nonce,
		Bits:          fmt.Sprintf("%08x", h.Bits),
		Target:        hex256(standalone.CompactToBig(h.Bits)),
		Difficulty:    blockchain.GetDifficulty(h.Bits),
		ChainWork:     hex256(info.ChainWork),
		NTx:           nTx,
	}
	if !info.InMainChain {
		r.Confirmations = -1
	}
	if info.Height > 0 {
		r.PreviousBlockHash = h.PrevBlock.String()
	}
	if info.NextHash != nil {
		r.NextBlockHash = info.NextHash.String()
	}
	return r
}

// blockInfo looks up a block by the hash in parameter 0 with Core's
// "Block not found".
func (s *Server) blockInfo(params []json.RawMessage) (*blockchain.BlockInfo, error) {
	hash, err := hashParam(params, 0, "blockhash")
	if err != nil {
		return nil, err
	}
	info, err := s.cfg.Chain.BlockInfoByHash(&hash)
	if err != nil {
		return nil, rpcjson.NewRPCError(rpcjson.ErrRPCInvalidAddressOrKey, "Block not found")
	}
	return info, nil
}

// handleGetBlock implements getblock with verbosity 0 (hex), 1 (txids), 2
// (transactions with fees) and 3 (and their inputs' prevouts).
func (s *Server) handleGetBlock(_ context.Context, params []json.RawMessage) (any, error) {
	info, err := s.blockInfo(params)
	if err != nil {
		return nil, err
	}
	verbosity := 1
	if rpcjson.Present(params, 1) {
		var b bool
		if json.Unmarshal(params[1], &b) == nil {
			verbosity = 0
			if b {
				verbosity = 1
			}
		} else if _, err := rpcjson.UnmarshalParam(params, 1, "verbosity", &verbosity); err != nil {
			return nil, err
		}
	}
	if !info.Status.HaveData {
		return nil, rpcjson.NewRPCError(rpcjson.ErrRPCMisc, "Block not available")
	}
	if verbosity <= 0 {
		raw, err := s.cfg.BlockStore.BlockBytesByHash(&info.Hash)
		if err != nil {
			return nil, rpcjson.NewRPCError(rpcjson.ErrRPCMisc, "Block not available")
		}
		return hex.EncodeToString(raw), nil
	}
	block, err := s.cfg.BlockStore.BlockByHash(&info.Hash)
	if err != nil {
		return nil, rpcjson.NewRPCError(rpcjson.ErrRPCMisc, "Block not available")
	}
	r := &blockJSON{
		blockHeaderJSON: newBlockHeaderJSON(info, len(block.Transactions)),
		StrippedSize:    block.SerializeSizeStripped(),
		Size:            block.SerializeSize(),
		Weight:          int64(block.SerializeSizeStripped())*3 + int64(block.SerializeSize()),
	}
	if verbosity == 1 {
		ids := make([]string, 0, len(block.Transactions))
		for _, tx := range block.Transactions {
			ids = append(ids, tx.TxHash().String())
		}
		r.Tx = ids
	} else {
		// The undo data gives fees (verbosity 2) and prevouts (3); a block
		// off the main chain may have none.
		var spent []*blockchain.UtxoEntry
		if info.Height > 0 {
			spent, _ = s.cfg.BlockStore.SpentOutputs(&info.Hash)
		}
		txs := make([]*txJSON, 0, len(block.Transactions))
		next := 0
		for i, tx := range block.Transactions {
			j := newTxJSON(tx, s.cfg.ChainParams, true)
			if i > 0 && spent != nil && next+len(tx.TxIn) <= len(spent) {
				j.addUndo(tx, spent[next:next+len(tx.TxIn)], verbosity >= 3, s.cfg.ChainParams)
				next += len(tx.TxIn)
			}
			txs = append(txs, j)
		}
		r.Tx = txs
	}
	return r, nil
}

// handleGetBlockHeader implements getblockheader.
func (s *Server) handleGetBlockHeader(_ context.Context, params []json.RawMessage) (any, error) {
	info, err := s.blockInfo(params)
	if err != nil {
		return nil, err
	}
	verbose := true
	if _, err := rpcjson.UnmarshalParam(params, 1, "verbose", &verbose); err != nil {
		return nil, err
	}
	if !verbose {
		var buf bytes.Buffer
		if err := info.Header.Serialize(&buf); err != nil {
			return nil, err
		}
		return hex.EncodeToString(buf.Bytes()), nil
	}
	nTx := 0
	if info.Status.HaveData {
		if block, err := s.cfg.BlockStore.BlockByHash(&info.Hash); err == nil {
			nTx = len(block.Transactions)
		}
	}
	return newBlockHeaderJSON(info, nTx), nil
}

// chainTipJSON is one entry of getchaintips.
type chainTipJSON struct {
	Height    int32  `json:"height"`
	Hash      string `json:"hash"`
	BranchLen int32  `json:"branchlen"`
	Status    string `json:"status"`
}

// handleGetChainTips implements getchaintips.
func (s *Server) handleGetChainTips(context.Context, []json.RawMessage) (any, error) {
	tips := s.cfg.Chain.ChainTips()
	out := make([]chainTipJSON, 0, len(tips))
	for _, t := range tips {
		out = append(out, chainTipJSON{Height: t.Height, Hash: t.Hash.String(), BranchLen: t.BranchLen,
			Status: t.Status})
	}
	return out, nil
}

// txOutJSON is gettxout's result.
type txOutJSON struct {
	BestBlock     string           `json:"bestblock"`
	Confirmations int32            `json:"confirmations"`
	Value         amount           `json:"value"`
	ScriptPubKey  scriptPubKeyJSON `json:"scriptPubKey"`
	Coinbase      bool             `json:"coinbase"`
}

// handleGetTxOut implements gettxout: the UTXO set at the tip, seen
// through the pool when include_mempool (spent there: null; created there:
// zero confirmations).
func (s *Server) handleGetTxOut(_ context.Context, params []json.RawMessage) (any, error) {
	txid, err := hashParam(params, 0, "txid")
	if err != nil {
		return nil, err
	}
	var n int64
	if _, err := rpcjson.UnmarshalParam(params, 1, "n", &n); err != nil {
		return nil, err
	}
	if n < 0 || n > 0xffffffff {
		return nil, rpcjson.NewRPCError(rpcjson.ErrRPCInvalidParameter, "Invalid vout index")
	}
	includePool := true
	if _, err := rpcjson.UnmarshalParam(params, 2, "include_mempool", &includePool); err != nil {
		return nil, err
	}
	op := wire.OutPoint{Hash: txid, Index: uint32(n)}
	best := s.cfg.Chain.BestSnapshot()
	if includePool {
		if s.cfg.TxPool.Spender(op) != nil {
			return json.RawMessage(nil), nil
		}
		if tx, err := s.cfg.TxPool.FetchTransaction(&txid); err == nil && tx.TxHash() == txid {
			if int(n) >= len(tx.TxOut) {
				return json.RawMessage(nil), nil
			}
			out := tx.TxOut[n]
			return &txOutJSON{BestBlock: best.Hash.String(), Value: amount(out.Value),
				ScriptPubKey: newScriptPubKeyJSON(out.PkScript, s.cfg.ChainParams)}, nil
		}
	}
	e, err := s.cfg.UtxoSet.FetchUtxoEntry(op)
	if err != nil {
		return nil, err
	}
	if e == nil {
		return json.RawMessage(nil), nil
	}
	return &txOutJSON{
		BestBlock:     best.Hash.String(),
		Confirmations: best.Height - e.BlockHeight + 1,
		Value:         amount(e.Amount),
		ScriptPubKey:  newScriptPubKeyJSON(e.PkScript, s.cfg.ChainParams),
		Coinbase:      e.IsCoinBase,
	}, nil
}

// txOutSetInfoJSON is gettxoutsetinfo's result.
type txOutSetInfoJSON struct {
	Height       int32  `json:"height"`
	BestBlock    string `json:"bestblock"`
	TxOuts       int64  `json:"txouts"`
	BogoSize     int64  `json:"bogosize"`
	Hash         string `json:"hash_serialized_3,omitempty"`
	TotalAmount  amount `json:"total_amount"`
	Transactions int64  `json:"transactions"`
	DiskSize     int64  `json:"disk_size"`
}

// handleGetTxOutSetInfo implements gettxoutsetinfo.
func (s *Server) handleGetTxOutSetInfo(_ context.Context, params []json.RawMessage) (any, error) {
	hashType := "hash_serialized_3"
	if _, err := rpcjson.UnmarshalParam(params, 0, "hash_type", &hashType); err != nil {
		return nil, err
	}
	switch hashType {
	case "hash_serialized_3", "none":
	case "muhash":
		return nil, rpcjson.NewRPCError(rpcjson.ErrRPCInvalidParameter,
			"hash_type 'muhash' is not supported by ternd")
	default:
		return nil, rpcjson.NewRPCErrorf(rpcjson.ErrRPCInvalidParameter,
			"'%s' is not a valid hash_type", hashType)
	}
	if rpcjson.Present(params, 1) {
		return nil, rpcjson.NewRPCError(rpcjson.ErrRPCInvalidParameter,
			"Querying specific block heights requires coinstatsindex")
	}
	st, err := s.cfg.UtxoSet.UtxoSetStats()
	if err != nil {
		return nil, rpcjson.NewRPCError(rpcjson.ErrRPCInternal, "Unable to read UTXO set")
	}
	r := &txOutSetInfoJSON{
		Height:       st.Height,
		BestBlock:    st.BestHash.String(),
		TxOuts:       st.TxOuts,
		BogoSize:     st.BogoSize,
		TotalAmount:  amount(st.TotalAmount),
		Transactions: st.Transactions,
		DiskSize:     st.DiskSize,
	}
	if hashType != "none" {
		r.Hash = st.SerializedHash.String()
	}
	return r, nil
}

// handleMarkBlock runs invalidateblock or reconsiderblock.
func (s *Server) handleMarkBlock(params []json.RawMessage, fn func(*chainhash.Hash) error) (any, error) {
	hash, err := hashParam(params, 0, "blockhash")
	if err != nil {
		return nil, err
	}
	if !s.cfg.Chain.HaveHeader(&hash) {
		return nil, rpcjson.NewRPCError(rpcjson.ErrRPCInvalidAddressOrKey, "Block not found")
	}
	if err := fn(&hash); err != nil {
		return nil, rpcjson.NewRPCError(rpcjson.ErrRPCDatabase, err.Error())
	}
	return json.RawMessage(nil), nil
}

// handleVerifyChain implements verifychain.
func (s *Server) handleVerifyChain(_ context.Context, params []json.RawMessage) (any, error) {
	level, nblocks := int64(defaultCheckLevel), int64(defaultCheckBlocks)
	if _, err := rpcjson.UnmarshalParam(params, 0, "checklevel", &level); err != nil {
		return nil, err
	}
	if _, err := rpcjson.UnmarshalParam(params, 1, "nblocks", &nblocks); err != nil {
		return nil, err
	}
	// Core clamps the level to 0-4; ternd always checks at level 4.
	_ = level
	if nblocks < 0 || nblocks > 1<<31-1 {
		nblocks = 0
	}
	if err := s.cfg.ChainManager.VerifyChain(int32(nblocks)); err != nil {
		log.Errorf("verifychain: %v", err)
		return false, nil
	}
	return true, nil
}

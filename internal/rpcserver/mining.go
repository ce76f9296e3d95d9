package rpcserver

import (
	"context"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"math/big"
	"strings"
	"time"

	"github.com/btcsuite/btcd/chaincfg/chainhash"
	"github.com/tern-org/ternd/blockchain"
	"github.com/tern-org/ternd/blockchain/standalone"
	"github.com/tern-org/ternd/internal/mining"
	"github.com/tern-org/ternd/internal/rpcjson"
	"github.com/tern-org/ternd/txscript"
	"github.com/tern-org/ternd/wire"
)

// This file holds the "Mining" and "Generating" methods of Core's
// rpc/mining.cpp: generatetoaddress, generateblock, submitblock,
// getblocktemplate and getmininginfo.

const (
	// defaultMaxTries is generatetoaddress's default nonce budget.
	defaultMaxTries = 1000000

	// networkHashPSBlocks is getmininginfo's averaging window (Core's
	// getnetworkhashps default of 120 blocks).
	networkHashPSBlocks = 120

	// maxBlockSerializedSize and maxBlockWeight are the consensus block
	// size and weight limits, reported in getblocktemplate's sizelimit
	// and weightlimit.
	maxBlockSerializedSize = 4000000
	maxBlockWeight         = 4000000
)

// miningMethods returns the mining and generating methods.
func (s *Server) miningMethods() []rpcjson.Method {
	return []rpcjson.Method{
		{
			Name:     "generatetoaddress",
			Category: "Generating",
			Params: []rpcjson.ParamSpec{{Name: "nblocks", Type: "numeric"}, {Name: "address", Type: "string"},
				{Name: "maxtries", Optional: true, Type: "numeric"}},
			Help: "Mine to a specified address and return the block hashes.\n\n" +
				"Arguments:\n1. nblocks    (numeric, required) How many blocks are generated.\n2. address    (string, required) The address to send the newly generated bitcoin to.\n" +
				"3. maxtries    (numeric, optional, default=1000000) How many iterations to try.\n\nResult:\n[ \"hex\", ... ]    (json array) hashes of blocks generated",
			Handler: s.handleGenerateToAddress,
		},
		{
			Name:     "generatetodescriptor",
			Category: "Generating",
			Params: []rpcjson.ParamSpec{{Name: "num_blocks", Type: "numeric"}, {Name: "descriptor", Type: "string"},
				{Name: "maxtries", Optional: true, Type: "numeric"}},
			Help: "Mine to a specified descriptor and return the block hashes.\n\n" +
				"Arguments:\n1. num_blocks    (numeric, required) How many blocks are generated.\n" +
				"2. descriptor    (string, required) The descriptor to send the newly generated bitcoin to (addr(...) or raw(...)).\n" +
				"3. maxtries    (numeric, optional, default=1000000) How many iterations to try.\n\nResult:\n[ \"hex\", ... ]    (json array) hashes of blocks generated",
			Handler: s.handleGenerateToDescriptor,
		},
		{
			Name:     "generateblock",
			Category: "Generating",
			Params: []rpcjson.ParamSpec{{Name: "output", Type: "string"}, {Name: "transactions", Type: "json array"},
				{Name: "submit", Optional: true, Type: "boolean"}},
			Help: "Mine a set of ordered transactions to a specified address or descriptor and return the block hash.\n\n" +
				"Arguments:\n1. output    (string, required) The address or descriptor (addr(...) or raw(...)) to send the newly generated bitcoin to.\n" +
				"2. transactions    (json array, required) An array of hex strings which are either txids or raw transactions.\n" +
				"3. submit    (boolean, optional, default=true) Whether to submit the block before the RPC call returns or to return it as hex.\n\n" +
				"Result:\n{\n  \"hash\" : \"hex\",    (string) hash of generated block\n  \"hex\" : \"hex\"    (string, optional) hex of generated block, only present when submit=false\n}",
			Handler: s.handleGenerateBlock,
		},
		{
			Name:     "submitblock",
			Category: "Mining",
			Params: []rpcjson.ParamSpec{{Name: "hexdata", Type: "string"},
				{Name: "dummy", Optional: true, Type: "string"}},
			Help: "Attempts to submit new block to network.\nSee https://en.bitcoin.it/wiki/BIP_0022 for full specification.\n\n" +
				"Arguments:\n1. hexdata    (string, required) the hex-encoded block data to submit\n2. dummy    (string, optional, default=ignored) dummy value, for compatibility with BIP22. This value is ignored.\n\n" +
				"Result (If the block was accepted):\nnull\n\nResult (Otherwise):\n\"str\"    (string) According to BIP22",
			Handler: s.handleSubmitBlock,
		},
		{
			Name:     "submitheader",
			Category: "Mining",
			Params:   []rpcjson.ParamSpec{{Name: "hexdata", Type: "string"}},
			Help: "Decode the given hexdata as a header and submit it as a candidate chain tip if valid.\n" +
				"Throws when the header is invalid.\n\nArguments:\n1. hexdata    (string, required) the hex-encoded block header data\n\nResult:\nnull    (json null) None",
			Handler: s.handleSubmitHeader,
		},
		{
			Name:     "getblocktemplate",
			Category: "Mining",
			Params:   []rpcjson.ParamSpec{{Name: "template_request", Optional: true, Type: "json object"}},
			Help: "Returns data needed to construct a block to work on (BIP 22, 23, 9 and 145).\n" +
				"It must be called with the segwit rule set: {\"rules\": [\"segwit\"]}.\n\n" +
				"Arguments:\n1. template_request    (json object, optional) {\"mode\": \"template\"|\"proposal\", \"capabilities\": [...], \"rules\": [\"segwit\", ...], \"data\": \"hex\"}",
			Handler: s.handleGetBlockTemplate,
		},
		{
			Name:     "getnetworkhashps",
			Category: "Mining",
			Params: []rpcjson.ParamSpec{{Name: "nblocks", Optional: true, Type: "numeric"},
				{Name: "height", Optional: true, Type: "numeric"}},
			Help: "Returns the estimated network hashes per second based on the last n blocks.\n\n" +
				"Arguments:\n1. nblocks    (numeric, optional, default=120) The number of previous blocks to calculate estimate from, or -1 for blocks since last difficulty change.\n" +
				"2. height    (numeric, optional, default=-1) To estimate at the time of the given height.\n\nResult:\nn    (numeric) Hashes per second estimated",
			Handler: s.handleGetNetworkHashPS,
		},
		{
			Name:     "getmininginfo",
			Category: "Mining",
			Help: "Returns a json object containing mining-related information.\n\nResult:\n{\n  \"blocks\" : n,\n  \"bits\" : \"hex\",\n  \"difficulty\" : n,\n  \"target\" : \"hex\",\n" +
				"  \"networkhashps\" : n,\n  \"pooledtx\" : n,\n  \"blockmintxfee\" : n,\n  \"chain\" : \"str\",\n  \"next\" : { \"height\", \"bits\", \"difficulty\", \"target\" },\n  \"warnings\" : [ \"str\", ... ]\n}",
			Handler: s.handleGetMiningInfo,
		},
	}
}

// addressScript decodes an address for this network into its output
// script, with Core's "Error: Invalid address".
func (s *Server) addressScript(addr string) ([]byte, error) {
	a, err := txscript.DecodeAddress(addr, s.cfg.ChainParams)
	if err != nil || !a.IsForNet(s.cfg.ChainParams) {
		return nil, rpcjson.NewRPCError(rpcjson.ErrRPCInvalidAddressOrKey, "Error: Invalid address")
	}
	script, err := txscript.PayToAddrScript(a)
	if err != nil {
		return nil, rpcjson.NewRPCError(rpcjson.ErrRPCInvalidAddressOrKey, "Error: Invalid address")
	}
	return script, nil
}

// handleGenerateToAddress implements generatetoaddress.
func (s *Server) handleGenerateToAddress(ctx context.Context, params []json.RawMessage) (any, error) {
	var n int64
	if _, err := rpcjson.UnmarshalParam(params, 0, "nblocks", &n); err != nil {
		return nil, err
	}
	var addr string
	if _, err := rpcjson.UnmarshalParam(params, 1, "address", &addr); err != nil {
		return nil, err
	}
	maxTries := int64(defaultMaxTries)
	if _, err := rpcjson.UnmarshalParam(params, 2, "maxtries", &maxTries); err != nil {
		return nil, err
	}
	script, err := s.addressScript(addr)
	if err != nil {
		return nil, err
	}
	return s.generateTo(ctx, n, maxTries, script)
}

// handleGenerateToDescriptor implements generatetodescriptor for addr()
// and raw() descriptors.
func (s *Server) handleGenerateToDescriptor(ctx context.Context, params []json.RawMessage) (any, error) {
	var n int64
	if _, err := rpcjson.UnmarshalParam(params, 0, "num_blocks", &n); err != nil {
		return nil, err
	}
	var desc string
	if _, err := rpcjson.UnmarshalParam(params, 1, "descriptor", &desc); err != nil {
		return nil, err
	}
	maxTries := int64(defaultMaxTries)
	if _, err := rpcjson.UnmarshalParam(params, 2, "maxtries", &maxTries); err != nil {
		return nil, err
	}
	if !strings.HasSuffix(strings.SplitN(desc, "#", 2)[0], ")") {
		return nil, rpcjson.NewRPCError(rpcjson.ErrRPCInvalidAddressOrKey, "Error: Invalid descriptor")
	}
	script, err := s.outputScript(desc)
	if err != nil {
		return nil, rpcjson.NewRPCError(rpcjson.ErrRPCInvalidAddressOrKey, "Error: Invalid descriptor")
	}
	return s.generateTo(ctx, n, maxTries, script)
}

// generateTo mines n blocks (negative counts as 0) paying script, trying
// up to maxTries nonces each, and returns their hashes: the end of
// generatetoaddress and generatetodescriptor.
func (s *Server) generateTo(ctx context.Context, n, maxTries int64, script []byte) ([]string, error) {
	hashes, err := s.cfg.Generator.GenerateBlocks(ctx, int(max(0, min(n, 1<<30))), script, uint64(max(0, maxTries)))
	if err != nil {
		return nil, rpcjson.NewRPCError(rpcjson.ErrRPCInternal, err.Error())
	}
	out := make([]string, 0, len(hashes))
	for _, h := range hashes {
		out = append(out, h.String())
	}
	return out, nil
}

// handleSubmitHeader implements submitheader.
func (s *Server) handleSubmitHeader(_ context.Context, params []json.RawMessage) (any, error) {
	var hexStr string
	if _, err := rpcjson.UnmarshalParam(params, 0, "hexdata", &hexStr); err != nil {
		return nil, err
	}
	var h wire.BlockHeader
	b, err := hex.DecodeString(hexStr)
	if err != nil || len(b) != 80 || h.DeserializeBytes(b) != nil {
		return nil, rpcjson.NewRPCError(rpcjson.ErrRPCDeserialization, "Block header decode failed")
	}
	if !s.cfg.Chain.HaveHeader(&h.PrevBlock) {
		return nil, rpcjson.NewRPCErrorf(rpcjson.ErrRPCVerify, "Must submit previous header (%s) first", h.PrevBlock)
	}
	if err := s.cfg.ChainManager.ProcessBlockHeader(&h); err != nil {
		return nil, rpcjson.NewRPCError(rpcjson.ErrRPCVerify, blockchain.RejectReason(err))
	}
	return json.RawMessage(nil), nil
}

// outputScript decodes generateblock's output: an address, or an addr()
// or raw() descriptor (with or without checksum).
func (s *Server) outputScript(output string) ([]byte, error) {
	desc, sum, hasSum := strings.Cut(output, "#")
	if strings.HasSuffix(desc, ")") {
		if hasSum && addDescriptorChecksum(desc) != desc+"#"+sum {
			return nil, rpcjson.NewRPCError(rpcjson.ErrRPCInvalidAddressOrKey,
				"Error: Invalid address or descriptor")
		}
		switch {
		case strings.HasPrefix(desc, "addr("):
			return s.addressScript(desc[5 : len(desc)-1])
		case strings.HasPrefix(desc, "raw("):
			b, err := hex.DecodeString(desc[4 : len(desc)-1])
			if err == nil && len(b) > 0 {
				return b, nil
			}
		}
		return nil, rpcjson.NewRPCError(rpcjson.ErrRPCInvalidAddressOrKey,
			"Error: Invalid address or descriptor")
	}
	script, err := s.addressScript(output)
	if err != nil {
		return nil, rpcjson.NewRPCError(rpcjson.ErrRPCInvalidAddressOrKey,
			"Error: Invalid address or descriptor")
	}
	return script, nil
}

// handleGenerateBlock implements generateblock: a block with exactly the
// given transactions (pool txids or raw hex), checked like Core's
// TestBlockValidity, then solved and submitted (or returned as hex).
func (s *Server) handleGenerateBlock(ctx context.Context, params []json.RawMessage) (any, error) {
	var output string
	if _, err := rpcjson.UnmarshalParam(params, 0, "output", &output); err != nil {
		return nil, err
	}
	var items []string
	if _, err := rpcjson.UnmarshalParam(params, 1, "transactions", &items); err != nil {
		return nil, err
	}
	submit := true
	if _, err := rpcjson.UnmarshalParam(params, 2, "submit", &submit); err != nil {
		return nil, err
	}
	payScript, err := s.outputScript(output)
	if err != nil {
		return nil, err
	}
	txs := make([]*wire.MsgTx, 0, len(items))
	for _, item := range items {
		if len(item) == 2*chainhash.HashSize {
			if h, err := chainhash.NewHashFromStr(item); err == nil && isHex(item) {
				tx, err := s.cfg.TxPool.FetchTransaction(h)
				if err != nil || tx.TxHash() != *h {
					return nil, rpcjson.NewRPCErrorf(rpcjson.ErrRPCInvalidAddressOrKey,
						"Transaction %s not in mempool.", item)
				}
				txs = append(txs, tx)
				continue
			}
		}
		tx, ok := decodeTx(item, true, true)
		if !ok {
			return nil, rpcjson.NewRPCErrorf(rpcjson.ErrRPCDeserialization,
				"Transaction decode failed for %s. Make sure the tx has at least one input.", item)
		}
		txs = append(txs, tx)
	}

	block, err := s.cfg.Generator.GenerateBlock(ctx, payScript, txs, submit)
	var verr *BlockValidityError
	switch {
	case errors.As(err, &verr):
		return nil, rpcjson.NewRPCError(rpcjson.ErrRPCVerify,
			"TestBlockValidity failed: "+blockchain.RejectReason(verr.Err))
	case err != nil:
		return nil, rpcjson.NewRPCError(rpcjson.ErrRPCMisc, "Failed to make block.")
	case !submit:
		return map[string]string{"hash": block.BlockHash().String(),
			"hex": hex.EncodeToString(block.Bytes())}, nil
	}
	return map[string]string{"hash": block.BlockHash().String()}, nil
}

// knownBlockResult is BIP22's answer for a block already in the index:
// "duplicate", "duplicate-invalid" or "duplicate-inconclusive"; "" when the
// block is unknown or has no data yet.
func (s *Server) knownBlockResult(hash *chainhash.Hash) string {
	info, err := s.cfg.Chain.BlockInfoByHash(hash)
	if err != nil || !info.Status.HaveData {
		if s.cfg.Chain.IsKnownOrphan(hash) {
			return "duplicate-inconclusive"
		}
		return ""
	}
	switch {
	case info.Status.Invalid:
		return "duplicate-invalid"
	case info.Status.Valid || info.InMainChain:
		return "duplicate"
	}
	return "duplicate-inconclusive"
}

// handleSubmitBlock implements submitblock with BIP22 results.
func (s *Server) handleSubmitBlock(_ context.Context, params []json.RawMessage) (any, error) {
	var hexStr string
	if _, err := rpcjson.UnmarshalParam(params, 0, "hexdata", &hexStr); err != nil {
		return nil, err
	}
	block, err := decodeBlock(hexStr)
	if err != nil {
		return nil, err
	}
	if len(block.Transactions) == 0 || !standalone.IsCoinBaseTx(block.Transactions[0]) {
		return nil, rpcjson.NewRPCError(rpcjson.ErrRPCDeserialization, "Block does not start with a coinbase")
	}
	hash := block.BlockHash()
	if r := s.knownBlockResult(&hash); r != "" {
		return r, nil
	}
	isMain, isOrphan, err := s.cfg.ChainManager.ProcessBlock(block)
	switch {
	case errors.Is(err, blockchain.ErrDuplicateBlock):
		return "duplicate", nil
	case err != nil:
		return blockchain.RejectReason(err), nil
	case isOrphan:
		return "prev-blk-not-found", nil
	case !isMain:
		return "inconclusive", nil
	}
	return json.RawMessage(nil), nil
}

// templateRequest is getblocktemplate's template_request object.
type templateRequest struct {
	Mode         string   `json:"mode"`
	Capabilities []string `json:"capabilities"`
	Rules        []string `json:"rules"`
	Data         string   `json:"data"`
	LongPollID   string   `json:"longpollid"`
}

// templateTxJSON is one transaction of a block template.
type templateTxJSON struct {
	Data    string `json:"data"`
	Txid    string `json:"txid"`
	Hash    string `json:"hash"`
	Depends []int  `json:"depends"`
	Fee     int64  `json:"fee"`
	SigOps  int64  `json:"sigops"`
	Weight  int64  `json:"weight"`
}

// blockTemplateJSON is getblocktemplate's result.
type blockTemplateJSON struct {
	Capabilities             []string          `json:"capabilities"`
	Version                  int32             `json:"version"`
	Rules                    []string          `json:"rules"`
	VBAvailable              map[string]int    `json:"vbavailable"`
	VBRequired               int               `json:"vbrequired"`
	PreviousBlockHash        string            `json:"previousblockhash"`
	Transactions             []templateTxJSON  `json:"transactions"`
	CoinbaseAux              map[string]string `json:"coinbaseaux"`
	CoinbaseValue            int64             `json:"coinbasevalue"`
	LongPollID               string            `json:"longpollid"`
	Target                   string            `json:"target"`
	MinTime                  int64             `json:"mintime"`
	Mutable                  []string          `json:"mutable"`
	NonceRange               string            `json:"noncerange"`
	SigOpLimit               int64             `json:"sigoplimit"`
	SizeLimit                int64             `json:"sizelimit"`
	WeightLimit              int64             `json:"weightlimit"`
	CurTime                  int64             `json:"curtime"`
	Bits                     string            `json:"bits"`
	Height                   int32             `json:"height"`
	DefaultWitnessCommitment string            `json:"default_witness_commitment,omitempty"`
}

// handleGetBlockTemplate implements getblocktemplate (template and
// proposal modes; long polling is not supported).
func (s *Server) handleGetBlockTemplate(_ context.Context, params []json.RawMessage) (any, error) {
	var req templateRequest
	if _, err := rpcjson.UnmarshalParam(params, 0, "template_request", &req); err != nil {
		return nil, err
	}
	switch req.Mode {
	case "", "template":
	case "proposal":
		return s.blockProposal(req.Data)
	default:
		return nil, rpcjson.NewRPCError(rpcjson.ErrRPCInvalidParameter, "Invalid mode")
	}
	if s.cfg.ChainParams.Name == "mainnet" {
		// Core refuses mainnet templates without peers (GetNodeCount) or
		// while syncing (test chains are exempt).
		if s.connectionCount() == 0 {
			return nil, rpcjson.NewRPCError(rpcjson.ErrRPCClientNotConnected, "Bitcoin Core is not connected!")
		}
		if !s.cfg.Chain.IsCurrent() {
			return nil, rpcjson.NewRPCError(rpcjson.ErrRPCClientInInitialDownld,
				"Bitcoin Core is in initial sync and waiting for blocks...")
		}
	}
	hasSegwit := false
	for _, r := range req.Rules {
		if r == "segwit" {
			hasSegwit = true
		}
	}
	if !hasSegwit {
		return nil, rpcjson.NewRPCError(rpcjson.ErrRPCInvalidParameter,
			`getblocktemplate must be called with the segwit rule set (call with {"rules": ["segwit"]})`)
	}
	tip := s.cfg.Generator.MiningTip()
	tmpl, err := s.cfg.Generator.NewBlockTemplate([]byte{txscript.OP_TRUE}, tip)
	if err != nil {
		return nil, rpcjson.NewRPCError(rpcjson.ErrRPCInternal, err.Error())
	}
	block := tmpl.Block
	index := make(map[chainhash.Hash]int, len(block.Transactions))
	txs := make([]templateTxJSON, 0, len(block.Transactions)-1)
	for i, tx := range block.Transactions[1:] {
		txid := tx.TxHash()
		index[txid] = i + 1
		deps := []int{}
		seen := map[int]bool{}
		for _, in := range tx.TxIn {
			if j, ok := index[in.PreviousOutPoint.Hash]; ok && !seen[j] {
				seen[j] = true
				deps = append(deps, j)
			}
		}
		txs = append(txs, templateTxJSON{
			Data:    hex.EncodeToString(tx.Bytes()),
			Txid:    txid.String(),
			Hash:    tx.WitnessHash().String(),
			Depends: deps,
			Fee:     tmpl.Fees[i+1],
			SigOps:  tmpl.SigOpCosts[i+1],
			Weight:  tx.Weight(),
		})
	}
	r := &blockTemplateJSON{
		Capabilities:      []string{"proposal"},
		Version:           block.Header.Version,
		Rules:             []string{"csv", "!segwit", "taproot"},
		VBAvailable:       map[string]int{},
		PreviousBlockHash: tip.Hash.String(),
		Transactions:      txs,
		CoinbaseAux:       map[string]string{},
		CoinbaseValue:     block.Transactions[0].TxOut[0].Value,
		LongPollID:        fmt.Sprintf("%s%d", tip.Hash, s.cfg.TxPool.LastUpdated().Unix()),
		Target:            hex256(standalone.CompactToBig(block.Header.Bits)),
		MinTime:           tip.MedianTimePast.Unix() + 1,
		Mutable:           []string{"time", "transactions", "prevblock"},
		NonceRange:        "00000000ffffffff",
		SigOpLimit:        mining.MaxBlockSigOpsCost,
		SizeLimit:         maxBlockSerializedSize,
		WeightLimit:       maxBlockWeight,
		CurTime:           block.Header.Timestamp.Unix(),
		Bits:              fmt.Sprintf("%08x", block.Header.Bits),
		Height:            tmpl.Height,
	}
	commitment := tmpl.WitnessCommitment
	if commitment == nil {
		// Core commits on every segwit block, witness transactions or not.
		root := standalone.WitnessMerkleRoot(block.Transactions, nil)
		c := standalone.WitnessCommitment(&root, make([]byte, 32))
		commitment = append([]byte{txscript.OP_RETURN, 0x24, 0xaa, 0x21, 0xa9, 0xed}, c[:]...)
	}
	r.DefaultWitnessCommitment = hex.EncodeToString(commitment)
	return r, nil
}

// blockProposal checks a BIP23 proposal: null when the block would be
// valid on the tip (proof of work aside), else the BIP22 reason.
func (s *Server) blockProposal(data string) (any, error) {
	if data == "" {
		return nil, rpcjson.NewRPCError(rpcjson.ErrRPCType, "Missing data String key for proposal")
	}
	block, err := decodeBlock(data)
	if err != nil {
		return nil, err
	}
	hash := block.BlockHash()
	if r := s.knownBlockResult(&hash); r != "" {
		return r, nil
	}
	if block.Header.PrevBlock != s.cfg.Chain.BestSnapshot().Hash {
		return "inconclusive-not-best-prevblk", nil
	}
	if err := s.cfg.Chain.CheckConnectBlockTemplate(block); err != nil {
		return blockchain.RejectReason(err), nil
	}
	return json.RawMessage(nil), nil
}

// miningInfoNextJSON is getmininginfo's "next" object.
type miningInfoNextJSON struct {
	Height     int32   `json:"height"`
	Bits       string  `json:"bits"`
	Difficulty float64 `json:"difficulty"`
	Target     string  `json:"target"`
}

// miningInfoJSON is getmininginfo's result.
type miningInfoJSON struct {
	Blocks        int32              `json:"blocks"`
	Bits          string             `json:"bits"`
	Difficulty    float64            `json:"difficulty"`
	Target        string             `json:"target"`
	NetworkHashPS float64            `json:"networkhashps"`
	PooledTx      int                `json:"pooledtx"`
	BlockMinTxFee amount             `json:"blockmintxfee"`
	Chain         string             `json:"chain"`
	Next          miningInfoNextJSON `json:"next"`
	Warnings      any                `json:"warnings"`
}

// handleGetMiningInfo implements getmininginfo.
func (s *Server) handleGetMiningInfo(context.Context, []json.RawMessage) (any, error) {
	best := s.cfg.Chain.BestSnapshot()
	nextBits := s.cfg.Chain.CalcNextRequiredDifficulty(time.Now())
	return &miningInfoJSON{
		Blocks:        best.Height,
		Bits:          fmt.Sprintf("%08x", best.Bits),
		Difficulty:    blockchain.GetDifficulty(best.Bits),
		Target:        hex256(standalone.CompactToBig(best.Bits)),
		NetworkHashPS: s.networkHashPS(networkHashPSBlocks, best.Height),
		PooledTx:      s.cfg.TxPool.Count(),
		BlockMinTxFee: amount(s.cfg.BlockMinTxFee),
		Chain:         coreChainName(s.cfg.ChainParams.Name),
		Next: miningInfoNextJSON{
			Height:     best.Height + 1,
			Bits:       fmt.Sprintf("%08x", nextBits),
			Difficulty: blockchain.GetDifficulty(nextBits),
			Target:     hex256(standalone.CompactToBig(nextBits)),
		},
		Warnings: s.warnings(),
	}, nil
}

// handleGetNetworkHashPS implements getnetworkhashps.
func (s *Server) handleGetNetworkHashPS(_ context.Context, params []json.RawMessage) (any, error) {
	nblocks, height := int64(networkHashPSBlocks), int64(-1)
	if _, err := rpcjson.UnmarshalParam(params, 0, "nblocks", &nblocks); err != nil {
		return nil, err
	}
	if _, err := rpcjson.UnmarshalParam(params, 1, "height", &height); err != nil {
		return nil, err
	}
	tip := int64(s.cfg.Chain.BestSnapshot().Height)
	if height < -1 || height > tip {
		return nil, rpcjson.NewRPCError(rpcjson.ErrRPCInvalidParameter, "Block does not exist at specified height")
	}
	if height == -1 {
		height = tip
	}
	if nblocks <= 0 {
		// Core: since the last difficulty change.
		interval := int64(s.cfg.ChainParams.TargetTimespan / s.cfg.ChainParams.TargetTimePerBlock)
		if interval <= 0 {
			interval = networkHashPSBlocks
		}
		nblocks = height%interval + 1
	}
	return s.networkHashPS(int32(min(nblocks, tip+1)), int32(height)), nil
}

// networkHashPS is Core's GetNetworkHashPS over the n blocks before the
// main-chain block at height: the work done divided by the spread of their
// timestamps.
func (s *Server) networkHashPS(n, height int32) float64 {
	if height <= 0 {
		return 0
	}
	endHash, err := s.cfg.Chain.BlockHashByHeight(height)
	if err != nil {
		return 0
	}
	end, err := s.cfg.Chain.BlockInfoByHash(endHash)
	if err != nil {
		return 0
	}
	n = min(n, height)
	minTime, maxTime := end.Header.Timestamp.Unix(), end.Header.Timestamp.Unix()
	var startWork *big.Int
	for h := height - 1; h >= height-n; h-- {
		hash, err := s.cfg.Chain.BlockHashByHeight(h)
		if err != nil {
			return 0
		}
		info, err := s.cfg.Chain.BlockInfoByHash(hash)
		if err != nil {
			return 0
		}
		t := info.Header.Timestamp.Unix()
		minTime, maxTime = min(minTime, t), max(maxTime, t)
		startWork = info.ChainWork
	}
	if minTime == maxTime || startWork == nil {
		return 0
	}
	work := new(big.Int).Sub(end.ChainWork, startWork)
	f, _ := new(big.Float).SetInt(work).Float64()
	return f / float64(maxTime-minTime)
}

package rpcserver

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"sort"
	"strings"

	"github.com/btcsuite/btcd/chaincfg/chainhash"
	"github.com/tern-org/ternd/internal/rpcjson"
	"github.com/tern-org/ternd/mempool"
	"github.com/tern-org/ternd/txscript"
	"github.com/tern-org/ternd/wire"
)

// This file holds the mempool methods of Core's rpc/mempool.cpp and
// rpc/fees.cpp: sendrawtransaction, testmempoolaccept, getrawmempool,
// getmempoolinfo, getmempoolentry, getmempoolancestors,
// getmempooldescendants, prioritisetransaction and estimatesmartfee.

// mempoolMethods returns the mempool methods.
func (s *Server) mempoolMethods() []rpcjson.Method {
	txidParam := []rpcjson.ParamSpec{{Name: "txid", Type: "string"},
		{Name: "verbose", Optional: true, Type: "boolean"}}
	return []rpcjson.Method{
		{
			Name:     "sendrawtransaction",
			Category: "Rawtransactions",
			Params: []rpcjson.ParamSpec{{Name: "hexstring", Type: "string"},
				{Name: "maxfeerate", Optional: true, Type: "numeric"},
				{Name: "maxburnamount", Optional: true, Type: "numeric"}},
			Help: "Submit a raw transaction (serialized, hex-encoded) to local node and network.\n\n" +
				"Arguments:\n1. hexstring    (string, required) The hex string of the raw transaction\n" +
				"2. maxfeerate    (numeric or string, optional, default=\"0.10\") Reject transactions whose fee rate is higher than the specified value, expressed in BTC/kvB.\n" +
				"                 Fee rates larger than 1BTC/kvB are rejected.\n                 Set to 0 to accept any fee rate.\n" +
				"3. maxburnamount    (numeric or string, optional, default=\"0\") Reject transactions with provably unspendable outputs (e.g. 'datacarrier' outputs that use the OP_RETURN opcode) greater than the specified value, expressed in BTC.\n\n" +
				"Result:\n\"hex\"    (string) The transaction hash in hex",
			Handler: s.handleSendRawTransaction,
		},
		{
			Name:     "testmempoolaccept",
			Category: "Rawtransactions",
			Params: []rpcjson.ParamSpec{{Name: "rawtxs", Type: "json array"},
				{Name: "maxfeerate", Optional: true, Type: "numeric"}},
			Help: "Returns result of mempool acceptance tests indicating if raw transaction(s) (serialized, hex-encoded) would be accepted by mempool.\n\n" +
				"If multiple transactions are passed in, parents must come before children and package policies apply: the transactions cannot conflict with any mempool transactions or each other.\n\n" +
				"If one transaction fails, other transactions may not be fully validated (the 'allowed' key will be blank).\n\n" +
				"The maximum number of transactions allowed is 25.\n\n" +
				"This checks if transactions violate the consensus or policy rules.\n\nSee sendrawtransaction call.\n\n" +
				"Arguments:\n1. rawtxs    (json array, required) An array of hex strings of raw transactions.\n" +
				"2. maxfeerate    (numeric or string, optional, default=\"0.10\") Reject transactions whose fee rate is higher than the specified value, expressed in BTC/kvB\n\n" +
				"Result:\n[    (json array) The result of the mempool acceptance test for each raw transaction in the input array.\n" +
				"                Returns results for each transaction in the same order they were passed in.\n" +
				"                Transactions that cannot be fully validated due to failures in other transactions will not contain an 'allowed' result.\n" +
				"  {\n" +
				"    \"txid\" : \"hex\",    (string) The transaction hash in hex\n" +
				"    \"wtxid\" : \"hex\",    (string) The transaction witness hash in hex\n" +
				"    \"package-error\" : \"str\",    (string, optional) Package validation error, if any (only possible if rawtxs had more than 1 transaction).\n" +
				"    \"allowed\" : true|false,    (boolean, optional) Whether this tx would be accepted to the mempool and pass client-specified maxfeerate. If not present, the tx was not fully validated due to a failure in another tx in the list.\n" +
				"    \"vsize\" : n,    (numeric, optional) Virtual transaction size as defined in BIP 141 (only present when 'allowed' is true)\n" +
				"    \"fees\" : {    (json object, optional) Transaction fees (only present if 'allowed' is true)\n" +
				"      \"base\" : n,    (numeric) transaction fee in BTC\n" +
				"      \"effective-feerate\" : n,    (numeric) the effective feerate in BTC per KvB\n" +
				"      \"effective-includes\" : [ \"hex\", ... ]    (json array) transactions whose fees and vsizes are included in effective-feerate\n" +
				"    },\n" +
				"    \"reject-reason\" : \"str\",    (string, optional) Rejection reason (only present when 'allowed' is false)\n" +
				"    \"reject-details\" : \"str\"    (string, optional) Rejection details (only present when 'allowed' is false and rejection details exist)\n" +
				"  },\n  ...\n]",
			Handler: s.handleTestMempoolAccept,
		},
		{
			Name:     "submitpackage",
			Category: "Rawtransactions",
			Params: []rpcjson.ParamSpec{{Name: "package", Type: "json array"},
				{Name: "maxfeerate", Optional: true, Type: "numeric"},
				{Name: "maxburnamount", Optional: true, Type: "numeric"}},
			Help: "Submit a package of raw transactions (serialized, hex-encoded) to local node.\n" +
				"The package will be validated according to consensus and mempool policy rules. If any transaction passes, it will be accepted to mempool.\n" +
				"This RPC is experimental and the interface may be unstable. Refer to doc/policy/packages.md for documentation on package policies.\n" +
				"Warning: successful submission does not mean the transactions will propagate throughout the network.\n" +
				"Transactions that pay too little alone are judged together by the package feerate (total modified fees / total vsize): a child pays for its parents. " +
				"A non-TRUC (version 3) transaction must still pay the minimum relay fee on its own. A package of one parent and one child may replace mempool transactions (package RBF, doc/policy/packages.md).\n\n" +
				"Arguments:\n1. package    (json array, required) An array of raw transactions.\n" +
				"                The package must consist of a transaction with (some, all, or none of) its unconfirmed parents. A single transaction is permitted.\n" +
				"                None of the parents may depend on each other. Parents that are already in mempool do not need to be present in the package.\n" +
				"                The package must be topologically sorted, with the child being the last element in the array if there are multiple elements.\n" +
				"     [\n       \"rawtx\",    (string)\n       ...\n     ]\n" +
				"2. maxfeerate    (numeric or string, optional, default=\"0.10\") Reject transactions whose fee rate is higher than the specified value, expressed in BTC/kvB.\n" +
				"                 Fee rates larger than 1BTC/kvB are rejected.\n                 Set to 0 to accept any fee rate.\n" +
				"3. maxburnamount    (numeric or string, optional, default=\"0\") Reject transactions with provably unspendable outputs (e.g. 'datacarrier' outputs that use the OP_RETURN opcode) greater than the specified value, expressed in BTC.\n" +
				"                    If burning funds through unspendable outputs is desired, increase this value.\n" +
				"                    This check is based on heuristics and does not guarantee spendability of outputs.\n\n" +
				"Result:\n{    (json object)\n" +
				"  \"package_msg\" : \"str\",    (string) The transaction package result message. \"success\" indicates all transactions were accepted into or are already in the mempool.\n" +
				"  \"tx-results\" : {    (json object) The transaction results keyed by wtxid. An entry is returned for every submitted wtxid.\n" +
				"    \"wtxid\" : {    (json object) transaction wtxid\n" +
				"      \"txid\" : \"hex\",    (string) The transaction hash in hex\n" +
				"      \"other-wtxid\" : \"hex\",    (string, optional) The wtxid of a different transaction with the same txid but different witness found in the mempool. This means the submitted transaction was ignored.\n" +
				"      \"vsize\" : n,    (numeric, optional) Sigops-adjusted virtual transaction size.\n" +
				"      \"fees\" : {    (json object, optional) Transaction fees\n" +
				"        \"base\" : n,    (numeric) transaction fee in BTC\n" +
				"        \"effective-feerate\" : n,    (numeric, optional) if the transaction was not already in the mempool, the effective feerate in BTC per KvB. For example, the package feerate and/or feerate with modified fees from prioritisetransaction.\n" +
				"        \"effective-includes\" : [    (json array, optional) if effective-feerate is provided, the wtxids of the transactions whose fees and vsizes are included in effective-feerate.\n" +
				"          \"hex\",    (string) transaction wtxid in hex\n          ...\n        ]\n      },\n" +
				"      \"error\" : \"str\"    (string, optional) Error string if rejected from mempool, or \"package-not-validated\" when the package aborts before any per-tx processing.\n" +
				"    },\n    ...\n  },\n" +
				"  \"replaced-transactions\" : [    (json array, optional) List of txids of replaced transactions\n" +
				"    \"hex\",    (string) The transaction id\n    ...\n  ]\n}",
			Handler: s.handleSubmitPackage,
		},
		{
			Name:     "getrawmempool",
			Category: "Blockchain",
			Params: []rpcjson.ParamSpec{{Name: "verbose", Optional: true, Type: "boolean"},
				{Name: "mempool_sequence", Optional: true, Type: "boolean"}},
			Help: "Returns all transaction ids in memory pool as a json array of string transaction ids.\n\n" +
				"Arguments:\n1. verbose    (boolean, optional, default=false) True for a json object, false for array of transaction ids\n" +
				"2. mempool_sequence    (boolean, optional, default=false) If verbose=false, returns a json object with transaction list and mempool sequence number attached.\n\n" +
				"Result (for verbose = false):\n[ \"hex\", ... ]\n\nResult (for verbose = true):\n{ \"transactionid\" : { mempool entry }, ... }",
			Handler: s.handleGetRawMempool,
		},
		{
			Name:     "getmempoolinfo",
			Category: "Blockchain",
			Help: "Returns details on the active state of the TX memory pool.\n\nResult:\n{\n  \"loaded\" : true|false,\n  \"size\" : n,\n  \"bytes\" : n,\n  \"usage\" : n,\n" +
				"  \"total_fee\" : n,\n  \"maxmempool\" : n,\n  \"mempoolminfee\" : n,\n  \"minrelaytxfee\" : n,\n  \"incrementalrelayfee\" : n,\n" +
				"  \"unbroadcastcount\" : n,\n  \"fullrbf\" : true|false,\n  \"permitbaremultisig\" : true|false,\n  \"maxdatacarriersize\" : n,\n" +
				"  \"limitclustercount\" : n,    (numeric) maximum number of transactions in a cluster (0: no limit)\n" +
				"  \"limitclustersize\" : n,    (numeric) maximum virtual size of a cluster (0: no limit)\n" +
				"  \"optimal\" : true|false    (boolean) whether every cluster is known to be linearized optimally\n}",
			Handler: s.handleGetMempoolInfo,
		},
		{
			Name:     "getmempoolcluster",
			Category: "Blockchain",
			Params:   []rpcjson.ParamSpec{{Name: "txid", Type: "string"}},
			Help: "Returns mempool data for given cluster\n\nArguments:\n1. txid    (string, required) The txid of a transaction in the cluster\n\n" +
				"Result:\n{\n  \"clusterweight\" : n,    (numeric) total sigops-adjusted weight (as defined in BIP 141 and modified by '-bytespersigop')\n" +
				"  \"txcount\" : n,    (numeric) number of transactions\n  \"chunks\" : [    (json array) chunks in this cluster (in mining order)\n" +
				"    {\n      \"chunkfee\" : n,    (numeric) fees of the transactions in this chunk\n" +
				"      \"chunkweight\" : n,    (numeric) sigops-adjusted weight of all transactions in this chunk\n" +
				"      \"txs\" : [ \"hex\", ... ]    (json array) transactions in this chunk in mining order\n    },\n    ...\n  ]\n}",
			Handler: s.handleGetMempoolCluster,
		},
		{
			Name:     "getmempoolfeeratediagram",
			Category: "Hidden",
			Help: "Returns the feerate diagram for the whole mempool.\n\nResult:\n[    (json array)\n  {\n" +
				"    \"weight\" : n,    (numeric) cumulative sigops-adjusted weight\n" +
				"    \"fee\" : n    (numeric) cumulative fee\n  },\n  ...\n]",
			Handler: s.handleGetMempoolFeeRateDiagram,
		},
		{
			Name:     "getmempoolentry",
			Category: "Blockchain",
			Params:   []rpcjson.ParamSpec{{Name: "txid", Type: "string"}},
			Help: "Returns mempool data for given transaction\n\nArguments:\n1. txid    (string, required) The transaction id (must be in mempool)\n\n" +
				"Result: a mempool entry (see getrawmempool verbose)",
			Handler: s.handleGetMempoolEntry,
		},
		{
			Name:     "getmempoolancestors",
			Category: "Blockchain",
			Params:   txidParam,
			Help: "If txid is in the mempool, returns all in-mempool ancestors.\n\nArguments:\n1. txid    (string, required) The transaction id (must be in mempool)\n" +
				"2. verbose    (boolean, optional, default=false) True for a json object, false for array of transaction ids",
			Handler: func(ctx context.Context, params []json.RawMessage) (any, error) {
				return s.handleMempoolRelatives(params, s.cfg.TxPool.Ancestors)
			},
		},
		{
			Name:     "getmempooldescendants",
			Category: "Blockchain",
			Params:   txidParam,
			Help: "If txid is in the mempool, returns all in-mempool descendants.\n\nArguments:\n1. txid    (string, required) The transaction id (must be in mempool)\n" +
				"2. verbose    (boolean, optional, default=false) True for a json object, false for array of transaction ids",
			Handler: func(ctx context.Context, params []json.RawMessage) (any, error) {
				return s.handleMempoolRelatives(params, s.cfg.TxPool.Descendants)
			},
		},
		{
			Name:     "savemempool",
			Category: "Blockchain",
			Help: "Dumps the mempool to disk. It will fail until the previous dump is fully loaded.\n\n" +
				"Result:\n{\n  \"filename\" : \"str\"    (string) the directory and file where the mempool was saved\n}",
			Handler: s.handleSaveMempool,
		},
		{
			Name:     "gettxspendingprevout",
			Category: "Blockchain",
			Params:   []rpcjson.ParamSpec{{Name: "outputs", Type: "json array"}},
			Help: "Scans the mempool to find transactions spending any of the given outputs\n\n" +
				"Arguments:\n1. outputs    (json array, required) The transaction outputs that we want to check, and within each, the txid (string) vout (numeric).\n\n" +
				"Result:\n[ { \"txid\" : \"hex\", \"vout\" : n, \"spendingtxid\" : \"hex\" (optional) }, ... ]",
			Handler: s.handleGetTxSpendingPrevout,
		},
		{
			Name:     "getprioritisedtransactions",
			Category: "Mining",
			Help: "Returns a map of all user-created (see prioritisetransaction) fee deltas by txid, and whether the tx is present in mempool.\n\n" +
				"Result:\n{ \"txid\" : { \"fee_delta\" : n, \"in_mempool\" : true|false, \"modified_fee\" : n (optional) }, ... }",
			Handler: s.handleGetPrioritisedTransactions,
		},
		{
			Name:     "prioritisetransaction",
			Category: "Mining",
			Params: []rpcjson.ParamSpec{{Name: "txid", Type: "string"},
				{Name: "dummy", Optional: true, Type: "numeric"},
				{Name: "fee_delta", Type: "numeric"}},
			Help: "Accepts the transaction into mined blocks at a higher (or lower) priority\n\n" +
				"Arguments:\n1. txid    (string, required) The transaction id.\n2. dummy    (numeric, optional) API-Compatibility for previous API. Must be zero or null.\n" +
				"3. fee_delta    (numeric, required) The fee value (in satoshis) to add (or subtract, if negative).\n\nResult:\ntrue|false    (boolean) Returns true",
			Handler: s.handlePrioritiseTransaction,
		},
		{
			Name:     "estimatesmartfee",
			Category: "Util",
			Params: []rpcjson.ParamSpec{{Name: "conf_target", Type: "numeric"},
				{Name: "estimate_mode", Optional: true, Type: "string"}},
			Help: "Estimates the approximate fee per kilobyte needed for a transaction to begin\nconfirmation within conf_target blocks if possible and return the number of blocks\nfor which the estimate is valid.\n\n" +
				"Arguments:\n1. conf_target    (numeric, required) Confirmation target in blocks (1 - 1008)\n2. estimate_mode    (string, optional, default=\"economical\") unset, economical or conservative\n\n" +
				"Result:\n{\n  \"feerate\" : n,    (numeric, optional) estimate fee rate in BTC/kvB\n  \"errors\" : [ \"str\", ... ],    (json array, optional) Errors encountered during processing\n  \"blocks\" : n    (numeric) block number where estimate was found\n}",
			Handler: s.handleEstimateSmartFee,
		},
	}
}

// rejectMessage is Core's ValidationState::ToString for a pool rejection.
func rejectMessage(err error) string {
	var perr mempool.Error
	if errors.As(err, &perr) && perr.Description != "" {
		return perr.Description
	}
	return mempool.RejectReason(err)
}

// handleSendRawTransaction implements sendrawtransaction as Core's
// BroadcastTransaction: outputs already in the UTXO set (-27), a
// transaction already pooled (its txid is returned again), then one
// acceptance with the fee cap (-25 for missing inputs or a fee above the
// cap, -26 for every other rejection with Core's reason). What the pool
// accepted (the transaction and the orphans it unlocked) is handed to the
// relay.
func (s *Server) handleSendRawTransaction(_ context.Context, params []json.RawMessage) (any, error) {
	var hexStr string
	if _, err := stringParam(params, 0, "hexstring", &hexStr); err != nil {
		return nil, err
	}
	maxFeeRate, err := legacyFeeRateParam(params, 1)
	if err != nil {
		return nil, err
	}
	maxBurn, err := maxBurnParam(params, 2)
	if err != nil {
		return nil, err
	}
	tx, ok := decodeTx(hexStr, true, true)
	if !ok {
		return nil, rpcjson.NewRPCError(rpcjson.ErrRPCDeserialization,
			"TX decode failed. Make sure the tx has at least one input.")
	}
	if err := checkBurn(tx, maxBurn); err != nil {
		return nil, err
	}
	txid := tx.TxHash()
	for i := range tx.TxOut {
		e, err := s.cfg.UtxoSet.FetchUtxoEntry(wire.OutPoint{Hash: txid, Index: uint32(i)})
		if err != nil {
			return nil, err
		}
		if e != nil {
			return nil, rpcjson.NewRPCError(rpcjson.ErrRPCVerifyAlreadyInChain,
				"Transaction outputs already in utxo set")
		}
	}
	if s.cfg.TxPool.IsTransactionInPool(&txid) {
		return txid.String(), nil
	}
	// Core's cap is maxfeerate on the plain virtual size (no sigop
	// adjustment); the pool checks it in the same acceptance, after every
	// rule and the scripts, where Core runs a test acceptance first.
	maxFee := mempool.FeeRate(maxFeeRate).Fee(tx.VSize())
	accepted, err := s.cfg.TxAcceptor.ProcessLocalTransaction(tx, maxFee)
	if err != nil {
		if errors.Is(err, mempool.ErrMaxFeeExceeded) {
			return nil, rpcjson.NewRPCError(rpcjson.ErrRPCVerify,
				"Fee exceeds maximum configured by user (e.g. -maxtxfee, maxfeerate)")
		}
		return nil, txRejectError(err)
	}
	// Core keeps announcing a local transaction until a peer fetches it.
	s.cfg.TxAcceptor.AddUnbroadcast(&txid)
	s.relay(accepted)
	return txid.String(), nil
}

// relay hands transactions the pool holds to the relay, which announces
// them to peers (those that know one already are not told again).
func (s *Server) relay(txs []*mempool.TxDesc) {
	if len(txs) > 0 && s.cfg.Relay != nil {
		s.cfg.Relay.RelayTransactions(txs)
	}
}

// txRejectError maps a pool rejection to Core's codes: -25 for missing
// inputs, -26 for a rule, with Core's "reason, details" message.
func txRejectError(err error) error {
	if errors.Is(err, mempool.ErrMissingInputs) {
		return rpcjson.NewRPCError(rpcjson.ErrRPCVerify, rejectMessage(err))
	}
	var perr mempool.Error
	if errors.As(err, &perr) {
		return rpcjson.NewRPCError(rpcjson.ErrRPCVerifyRejected, rejectMessage(err))
	}
	return rpcjson.NewRPCError(rpcjson.ErrRPCVerify, err.Error())
}

// testAcceptFees is testmempoolaccept's "fees" object.
type testAcceptFees struct {
	Base              amount   `json:"base"`
	EffectiveFeeRate  amount   `json:"effective-feerate"`
	EffectiveIncludes []string `json:"effective-includes"`
}

// testAcceptResult is one entry of testmempoolaccept's result.
type testAcceptResult struct {
	Txid          string          `json:"txid"`
	Wtxid         string          `json:"wtxid"`
	PackageError  string          `json:"package-error,omitempty"`
	Allowed       *bool           `json:"allowed,omitempty"`
	VSize         int64           `json:"vsize,omitempty"`
	Fees          *testAcceptFees `json:"fees,omitempty"`
	RejectReason  string          `json:"reject-reason,omitempty"`
	RejectDetails string          `json:"reject-details,omitempty"`
}

// handleTestMempoolAccept implements testmempoolaccept as Core's
// rpc/mempool.cpp: one transaction is tested alone (replacements allowed);
// several are tested as a package (mempool.TestAcceptPackage), where a
// package-wide failure puts "package-error" on every result and the
// transactions not fully validated get no "allowed". A fee above
// maxfeerate rejects that transaction and leaves the rest unreported.
func (s *Server) handleTestMempoolAccept(_ context.Context, params []json.RawMessage) (any, error) {
	raws, err := packageParam(params, "rawtxs")
	if err != nil {
		return nil, err
	}
	maxFeeRate, err := feeRateParam(params, 1)
	if err != nil {
		return nil, err
	}
	txs, err := decodePackage(raws, nil)
	if err != nil {
		return nil, err
	}
	var pkg *mempool.PackageTestResult
	if len(txs) == 1 {
		res, err := s.cfg.TxAcceptor.TestAccept(txs[0])
		pkg = &mempool.PackageTestResult{Txs: []mempool.PackageTxResult{{Result: res, Err: err}}}
	} else {
		pkg = s.cfg.TxAcceptor.TestAcceptPackage(txs)
	}
	out := make([]testAcceptResult, len(txs))
	exitEarly := false
	for i, tx := range txs {
		r := testAcceptResult{Txid: tx.TxHash().String(), Wtxid: tx.WitnessHash().String()}
		if pkg.PackageErr != nil {
			r.PackageError = rejectMessage(pkg.PackageErr)
		}
		tr := pkg.Txs[i]
		if exitEarly || tr.Result == nil && tr.Err == nil {
			// Not fully validated: txid and wtxid only.
			out[i] = r
			continue
		}
		allowed := false
		r.Allowed = &allowed
		res := tr.Result
		switch {
		case errors.Is(tr.Err, mempool.ErrMissingInputs):
			// Core reports missing inputs without details.
			r.RejectReason = "missing-inputs"
		case tr.Err != nil:
			r.RejectReason = mempool.RejectReason(tr.Err)
			r.RejectDetails = rejectMessage(tr.Err)
		case maxFeeRate > 0 && res.Fee > mempool.FeeRate(maxFeeRate).Fee(res.VSize):
			r.RejectReason = "max-fee-exceeded"
			exitEarly = true
		default:
			allowed = true
			r.VSize = res.VSize
			r.Fees = &testAcceptFees{
				Base:              amount(res.Fee),
				EffectiveFeeRate:  amount(feeRatePerKvB(res.ModifiedFee, res.VSize)),
				EffectiveIncludes: []string{tx.WitnessHash().String()},
			}
		}
		out[i] = r
	}
	return out, nil
}

// submitPackageFees is submitpackage's "fees" object; the effective fee
// rate is left out for a transaction that was already pooled.
type submitPackageFees struct {
	Base              amount   `json:"base"`
	EffectiveFeeRate  *amount  `json:"effective-feerate,omitempty"`
	EffectiveIncludes []string `json:"effective-includes,omitempty"`
}

// submitPackageTx is one entry of submitpackage's "tx-results".
type submitPackageTx struct {
	Txid       string             `json:"txid"`
	OtherWtxid string             `json:"other-wtxid,omitempty"`
	VSize      *int64             `json:"vsize,omitempty"`
	Fees       *submitPackageFees `json:"fees,omitempty"`
	Error      string             `json:"error,omitempty"`
}

// submitPackageTxs is "tx-results": an object keyed by wtxid whose keys
// keep the package's order, as Core's UniValue object does.
type submitPackageTxs struct {
	wtxids  []string
	results []submitPackageTx
}

// set adds or, for a wtxid already there (a duplicated transaction),
// replaces a result, as UniValue's pushKV does.
func (m *submitPackageTxs) set(wtxid string, r submitPackageTx) {
	for i, k := range m.wtxids {
		if k == wtxid {
			m.results[i] = r
			return
		}
	}
	m.wtxids = append(m.wtxids, wtxid)
	m.results = append(m.results, r)
}

// MarshalJSON implements json.Marshaler.
func (m submitPackageTxs) MarshalJSON() ([]byte, error) {
	var b strings.Builder
	b.WriteByte('{')
	for i, k := range m.wtxids {
		if i > 0 {
			b.WriteByte(',')
		}
		key, _ := json.Marshal(k)
		val, err := json.Marshal(m.results[i])
		if err != nil {
			return nil, err
		}
		b.Write(key)
		b.WriteByte(':')
		b.Write(val)
	}
	b.WriteByte('}')
	return []byte(b.String()), nil
}

// submitPackageResult is submitpackage's result.
type submitPackageResult struct {
	PackageMsg string           `json:"package_msg"`
	TxResults  submitPackageTxs `json:"tx-results"`
	Replaced   []string         `json:"replaced-transactions"`
}

// handleSubmitPackage implements submitpackage as Core v30's
// rpc/mempool.cpp: 1 to 25 transactions, each decoded and checked against
// maxburnamount in turn (-22, -25), a child-with-parents tree whose
// parents do not spend each other (-25), then mempool.SubmitPackage.
// "package_msg" is "success" or the package-wide failure; every wtxid
// gets a result ("package-not-validated" when none was evaluated, as Core
// after v30, where v30 left such entries out). Every member in the pool
// afterwards (accepted, already there, or there with another witness) is
// handed to the relay, as Core's BroadcastTransaction does.
func (s *Server) handleSubmitPackage(_ context.Context, params []json.RawMessage) (any, error) {
	raws, err := packageParam(params, "package")
	if err != nil {
		return nil, err
	}
	maxFeeRate, err := feeRateParam(params, 1)
	if err != nil {
		return nil, err
	}
	maxBurn, err := maxBurnParam(params, 2)
	if err != nil {
		return nil, err
	}
	txs, err := decodePackage(raws, func(tx *wire.MsgTx) error { return checkBurn(tx, maxBurn) })
	if err != nil {
		return nil, err
	}
	if len(txs) > 1 && !mempool.IsChildWithParentsTree(txs) {
		return nil, rpcjson.NewRPCError(rpcjson.ErrRPCVerify,
			"package topology disallowed. not child-with-parents or parents depend on each other.")
	}

	pkg := s.cfg.TxAcceptor.SubmitPackage(txs, mempool.FeeRate(maxFeeRate))
	out := submitPackageResult{PackageMsg: "success", Replaced: []string{}}
	if pkg.PackageErr != nil {
		out.PackageMsg = rejectMessage(pkg.PackageErr)
	}
	replaced := make(map[chainhash.Hash]struct{})
	// The new members and the orphans they unlocked are announced, and so
	// are members already pooled (Core relays every pooled member).
	toRelay := pkg.Accepted
	for i, tx := range txs {
		r := pkg.Txs[i]
		res := submitPackageTx{Txid: tx.TxHash().String()}
		switch r.Status {
		case mempool.PackageTxUnevaluated:
			res.Error = "package-not-validated"
		case mempool.PackageTxOtherWitness:
			res.OtherWtxid = r.OtherWTxHash.String()
		case mempool.PackageTxRejected:
			res.Error = rejectMessage(r.Err)
		case mempool.PackageTxAccepted, mempool.PackageTxInPool:
			vsize := r.VSize
			res.VSize = &vsize
			res.Fees = &submitPackageFees{Base: amount(r.Fee)}
			if r.Status == mempool.PackageTxAccepted {
				rate := amount(r.EffectiveFeeRate)
				res.Fees.EffectiveFeeRate = &rate
				res.Fees.EffectiveIncludes = make([]string, len(r.EffectiveIncludes))
				for j, w := range r.EffectiveIncludes {
					res.Fees.EffectiveIncludes[j] = w.String()
				}
				for _, h := range r.Replaced {
					replaced[h] = struct{}{}
				}
			}
		}
		if r.Status == mempool.PackageTxInPool || r.Status == mempool.PackageTxOtherWitness {
			if d, ok := s.cfg.TxPool.TxDesc(&r.TxHash); ok {
				toRelay = append(toRelay, d)
			}
		}
		out.TxResults.set(r.WTxHash.String(), res)
	}
	s.relay(toRelay)
	// Core's std::set<Txid> orders by the hash's bytes.
	hashes := make([]chainhash.Hash, 0, len(replaced))
	for h := range replaced {
		hashes = append(hashes, h)
	}
	sort.Slice(hashes, func(i, j int) bool { return bytes.Compare(hashes[i][:], hashes[j][:]) < 0 })
	for _, h := range hashes {
		out.Replaced = append(out.Replaced, h.String())
	}
	return out, nil
}

// feeRatePerKvB is Core's CFeeRate(fee, vsize).GetFeePerK().
func feeRatePerKvB(fee, vsize int64) int64 {
	if vsize <= 0 {
		return 0
	}
	return fee * 1000 / vsize
}

// mempoolEntryFees is the "fees" object of a mempool entry.
type mempoolEntryFees struct {
	Base       amount `json:"base"`
	Modified   amount `json:"modified"`
	Ancestor   amount `json:"ancestor"`
	Descendant amount `json:"descendant"`
	Chunk      amount `json:"chunk"`
}

// mempoolEntryJSON is Core's entryToJSON.
type mempoolEntryJSON struct {
	VSize             int64            `json:"vsize"`
	Weight            int64            `json:"weight"`
	Time              int64            `json:"time"`
	Height            int32            `json:"height"`
	DescendantCount   int              `json:"descendantcount"`
	DescendantSize    int64            `json:"descendantsize"`
	AncestorCount     int              `json:"ancestorcount"`
	AncestorSize      int64            `json:"ancestorsize"`
	ChunkWeight       int64            `json:"chunkweight"`
	Wtxid             string           `json:"wtxid"`
	Fees              mempoolEntryFees `json:"fees"`
	Depends           []string         `json:"depends"`
	SpentBy           []string         `json:"spentby"`
	BIP125Replaceable bool             `json:"bip125-replaceable"`
	Unbroadcast       bool             `json:"unbroadcast"`
}

// unbroadcastSet returns the local transactions not yet announced.
func (s *Server) unbroadcastSet() map[chainhash.Hash]bool {
	set := make(map[chainhash.Hash]bool)
	for _, h := range s.cfg.TxPool.Unbroadcast() {
		set[h] = true
	}
	return set
}

// newMempoolEntryJSON describes a pool entry: "bip125-replaceable" is
// whether it or an in-pool ancestor signals BIP125, "unbroadcast" whether
// it is in unbroadcast (a set from unbroadcastSet).
func (s *Server) newMempoolEntryJSON(d *mempool.TxDesc, unbroadcast map[chainhash.Hash]bool) *mempoolEntryJSON {
	r := &mempoolEntryJSON{
		VSize:           d.VSize,
		Weight:          d.Weight,
		Time:            d.Added.Unix(),
		Height:          d.Height,
		DescendantCount: d.DescendantCount,
		DescendantSize:  d.DescendantSize,
		AncestorCount:   d.AncestorCount,
		AncestorSize:    d.AncestorSize,
		ChunkWeight:     d.ChunkWeight,
		Wtxid:           d.WTxHash.String(),
		Fees: mempoolEntryFees{
			Base:       amount(d.Fee),
			Modified:   amount(d.ModifiedFee()),
			Ancestor:   amount(d.AncestorFees),
			Descendant: amount(d.DescendantFees),
			Chunk:      amount(d.ChunkFee),
		},
		Depends:     hashStrings(d.Depends),
		SpentBy:     hashStrings(d.SpentBy),
		Unbroadcast: unbroadcast[d.TxHash],
	}
	r.BIP125Replaceable = signalsRBF(d.Tx)
	if !r.BIP125Replaceable {
		if anc, ok := s.cfg.TxPool.Ancestors(&d.TxHash); ok {
			for _, a := range anc {
				if signalsRBF(a.Tx) {
					r.BIP125Replaceable = true
					break
				}
			}
		}
	}
	return r
}

// signalsRBF reports BIP125 opt-in: an input sequence below 0xfffffffe.
func signalsRBF(tx *wire.MsgTx) bool {
	for _, in := range tx.TxIn {
		if in.Sequence < wire.MaxTxInSequenceNum-1 {
			return true
		}
	}
	return false
}

// hashStrings renders hashes sorted, never nil (Core prints []).
func hashStrings(hs []chainhash.Hash) []string {
	out := make([]string, 0, len(hs))
	for _, h := range hs {
		out = append(out, h.String())
	}
	sort.Strings(out)
	return out
}

// handleGetRawMempool implements getrawmempool.
func (s *Server) handleGetRawMempool(_ context.Context, params []json.RawMessage) (any, error) {
	var verbose, withSeq bool
	if _, err := rpcjson.UnmarshalParam(params, 0, "verbose", &verbose); err != nil {
		return nil, err
	}
	if _, err := rpcjson.UnmarshalParam(params, 1, "mempool_sequence", &withSeq); err != nil {
		return nil, err
	}
	if verbose && withSeq {
		return nil, rpcjson.NewRPCError(rpcjson.ErrRPCInvalidParameter,
			"Verbose results cannot contain mempool sequence values.")
	}
	if verbose {
		out := make(map[string]*mempoolEntryJSON)
		unbroadcast := s.unbroadcastSet()
		for _, d := range s.cfg.TxPool.TxDescs() {
			out[d.TxHash.String()] = s.newMempoolEntryJSON(d, unbroadcast)
		}
		return out, nil
	}
	if withSeq {
		hashes, seq := s.cfg.TxPool.TxHashesAndSequence()
		return map[string]any{"txids": hashStrings(hashes), "mempool_sequence": seq}, nil
	}
	return hashStrings(s.cfg.TxPool.TxHashes()), nil
}

// mempoolInfoJSON is getmempoolinfo's result.
type mempoolInfoJSON struct {
	Loaded              bool   `json:"loaded"`
	Size                int    `json:"size"`
	Bytes               int64  `json:"bytes"`
	Usage               int64  `json:"usage"`
	TotalFee            amount `json:"total_fee"`
	MaxMempool          int64  `json:"maxmempool"`
	MempoolMinFee       amount `json:"mempoolminfee"`
	MinRelayTxFee       amount `json:"minrelaytxfee"`
	IncrementalRelayFee amount `json:"incrementalrelayfee"`
	UnbroadcastCount    int    `json:"unbroadcastcount"`
	FullRBF             bool   `json:"fullrbf"`
	PermitBareMultisig  bool   `json:"permitbaremultisig"`
	MaxDataCarrierSize  int    `json:"maxdatacarriersize"`
	LimitClusterCount   int    `json:"limitclustercount"`
	LimitClusterSize    int64  `json:"limitclustersize"`
	Optimal             bool   `json:"optimal"`
}

// handleGetMempoolInfo implements getmempoolinfo from one snapshot of the
// pool's figures.
func (s *Server) handleGetMempoolInfo(context.Context, []json.RawMessage) (any, error) {
	info := s.cfg.TxPool.Info()
	pol := mempool.DefaultPolicy()
	return &mempoolInfoJSON{
		Loaded:              true,
		Size:                info.Size,
		Bytes:               info.Bytes,
		Usage:               info.Usage,
		TotalFee:            amount(info.TotalFee),
		MaxMempool:          info.MaxMempool,
		MempoolMinFee:       amount(info.MempoolMinFee),
		MinRelayTxFee:       amount(info.MinRelayTxFee),
		IncrementalRelayFee: amount(info.IncrementalRelayFee),
		UnbroadcastCount:    info.UnbroadcastCount,
		FullRBF:             info.FullRBF,
		PermitBareMultisig:  pol.PermitBareMultisig,
		MaxDataCarrierSize:  s.cfg.DataCarrierSize,
		LimitClusterCount:   info.ClusterLimitCount,
		LimitClusterSize:    info.ClusterLimitSize,
		Optimal:             info.Optimal,
	}, nil
}

// clusterChunkJSON is one chunk of getmempoolcluster.
type clusterChunkJSON struct {
	ChunkFee    amount   `json:"chunkfee"`
	ChunkWeight int64    `json:"chunkweight"`
	Txs         []string `json:"txs"`
}

// clusterJSON is getmempoolcluster's result.
type clusterJSON struct {
	ClusterWeight int64              `json:"clusterweight"`
	TxCount       int                `json:"txcount"`
	Chunks        []clusterChunkJSON `json:"chunks"`
}

// handleGetMempoolCluster implements getmempoolcluster (Core v31): the
// cluster of a pooled transaction in its linearization, by chunks.
func (s *Server) handleGetMempoolCluster(_ context.Context, params []json.RawMessage) (any, error) {
	txid, err := hashParam(params, 0, "txid")
	if err != nil {
		return nil, err
	}
	info, ok := s.cfg.TxPool.Cluster(&txid)
	if !ok {
		return nil, rpcjson.NewRPCError(rpcjson.ErrRPCInvalidAddressOrKey, "Transaction not in mempool")
	}
	out := &clusterJSON{ClusterWeight: info.Weight, TxCount: len(info.Txids),
		Chunks: make([]clusterChunkJSON, 0, len(info.Chunks))}
	for _, ch := range info.Chunks {
		txs := make([]string, len(ch.Txids))
		for i, h := range ch.Txids {
			txs[i] = h.String()
		}
		out.Chunks = append(out.Chunks, clusterChunkJSON{ChunkFee: amount(ch.Fee),
			ChunkWeight: ch.Weight, Txs: txs})
	}
	return out, nil
}

// diagramPointJSON is one point of getmempoolfeeratediagram.
type diagramPointJSON struct {
	Weight int64  `json:"weight"`
	Fee    amount `json:"fee"`
}

// handleGetMempoolFeeRateDiagram implements getmempoolfeeratediagram (Core
// v31): the pool's cumulative weight and fees, chunk by chunk, best first,
// from (0, 0).
func (s *Server) handleGetMempoolFeeRateDiagram(context.Context, []json.RawMessage) (any, error) {
	diag := s.cfg.TxPool.FeeRateDiagram()
	out := make([]diagramPointJSON, len(diag))
	for i, p := range diag {
		out[i] = diagramPointJSON{Weight: p.Weight, Fee: amount(p.Fee)}
	}
	return out, nil
}

// poolEntry looks up a pooled transaction for the entry methods, with
// Core's -5 "Transaction not in mempool".
func (s *Server) poolEntry(params []json.RawMessage) (*mempool.TxDesc, error) {
	txid, err := hashParam(params, 0, "txid")
	if err != nil {
		return nil, err
	}
	d, ok := s.cfg.TxPool.TxDesc(&txid)
	if !ok {
		return nil, rpcjson.NewRPCError(rpcjson.ErrRPCInvalidAddressOrKey, "Transaction not in mempool")
	}
	return d, nil
}

// handleGetMempoolEntry implements getmempoolentry.
func (s *Server) handleGetMempoolEntry(_ context.Context, params []json.RawMessage) (any, error) {
	d, err := s.poolEntry(params)
	if err != nil {
		return nil, err
	}
	return s.newMempoolEntryJSON(d, s.unbroadcastSet()), nil
}

// handleMempoolRelatives implements getmempoolancestors and
// getmempooldescendants with the pool's lookup fn.
func (s *Server) handleMempoolRelatives(params []json.RawMessage,
	fn func(*chainhash.Hash) ([]*mempool.TxDesc, bool)) (any, error) {
	var verbose bool
	if _, err := rpcjson.UnmarshalParam(params, 1, "verbose", &verbose); err != nil {
		return nil, err
	}
	d, err := s.poolEntry(params)
	if err != nil {
		return nil, err
	}
	rel, ok := fn(&d.TxHash)
	if !ok {
		return nil, rpcjson.NewRPCError(rpcjson.ErrRPCInvalidAddressOrKey, "Transaction not in mempool")
	}
	if !verbose {
		hs := make([]chainhash.Hash, 0, len(rel))
		for _, r := range rel {
			hs = append(hs, r.TxHash)
		}
		return hashStrings(hs), nil
	}
	out := make(map[string]*mempoolEntryJSON, len(rel))
	unbroadcast := s.unbroadcastSet()
	for _, r := range rel {
		out[r.TxHash.String()] = s.newMempoolEntryJSON(r, unbroadcast)
	}
	return out, nil
}

// handlePrioritiseTransaction implements prioritisetransaction.
func (s *Server) handlePrioritiseTransaction(_ context.Context, params []json.RawMessage) (any, error) {
	txid, err := hashParam(params, 0, "txid")
	if err != nil {
		return nil, err
	}
	var dummy float64
	if ok, err := rpcjson.UnmarshalParam(params, 1, "dummy", &dummy); err != nil {
		return nil, err
	} else if ok && dummy != 0 {
		return nil, rpcjson.NewRPCError(rpcjson.ErrRPCInvalidParameter,
			"Priority is no longer supported, dummy argument to prioritisetransaction must be 0.")
	}
	var delta int64
	if _, err := rpcjson.UnmarshalParam(params, 2, "fee_delta", &delta); err != nil {
		return nil, err
	}
	// Every int64 is taken, as in Core: the pool's sums saturate.
	if s.cfg.TxPrioritiser.HasDust(&txid) {
		return nil, rpcjson.NewRPCError(rpcjson.ErrRPCInvalidParameter,
			"Priority is not supported for transactions with dust outputs.")
	}
	s.cfg.TxPrioritiser.PrioritiseTransaction(&txid, delta)
	return true, nil
}

// estimateSmartFeeJSON is estimatesmartfee's result.
type estimateSmartFeeJSON struct {
	FeeRate *amount  `json:"feerate,omitempty"`
	Errors  []string `json:"errors,omitempty"`
	Blocks  int      `json:"blocks"`
}

// handleEstimateSmartFee implements estimatesmartfee with the pool's fee
// estimator, floored at the pool's minimum fee as Core does.
func (s *Server) handleEstimateSmartFee(_ context.Context, params []json.RawMessage) (any, error) {
	var target int64
	if _, err := rpcjson.UnmarshalParam(params, 0, "conf_target", &target); err != nil {
		return nil, err
	}
	highest := int64(s.cfg.FeeEstimator.HighestTarget())
	if target < 1 || target > highest {
		return nil, rpcjson.NewRPCErrorf(rpcjson.ErrRPCInvalidParameter,
			"Invalid conf_target, must be between 1 and %d", highest)
	}
	var mode string
	if _, err := rpcjson.UnmarshalParam(params, 1, "estimate_mode", &mode); err != nil {
		return nil, err
	}
	conservative := false
	switch strings.ToLower(mode) {
	case "", "unset", "economical":
	case "conservative":
		conservative = true
	default:
		return nil, rpcjson.NewRPCError(rpcjson.ErrRPCInvalidParameter,
			`Invalid estimate_mode parameter, must be one of: "unset", "economical", "conservative"`)
	}
	rate, blocks, err := s.cfg.FeeEstimator.EstimateSmartFeeFloor(int(target), conservative, int64(s.cfg.TxPool.MinFee()))
	r := &estimateSmartFeeJSON{Blocks: blocks}
	if err != nil {
		r.Errors = []string{string(mempool.ErrFeeEstimateInsufficient)}
		return r, nil
	}
	feeRate := amount(rate)
	r.FeeRate = &feeRate
	return r, nil
}

// handleSaveMempool implements savemempool.
func (s *Server) handleSaveMempool(context.Context, []json.RawMessage) (any, error) {
	path, err := s.cfg.MempoolDumper.DumpMempool()
	if err != nil {
		return nil, rpcjson.NewRPCError(rpcjson.ErrRPCMisc, "Unable to dump mempool to disk")
	}
	return map[string]string{"filename": path}, nil
}

// spendingPrevoutJSON is one entry of gettxspendingprevout's result.
type spendingPrevoutJSON struct {
	Txid         string `json:"txid"`
	Vout         uint32 `json:"vout"`
	SpendingTxid string `json:"spendingtxid,omitempty"`
}

// handleGetTxSpendingPrevout implements gettxspendingprevout.
func (s *Server) handleGetTxSpendingPrevout(_ context.Context, params []json.RawMessage) (any, error) {
	var outputs []json.RawMessage
	if _, err := rpcjson.UnmarshalParam(params, 0, "outputs", &outputs); err != nil {
		return nil, err
	}
	if len(outputs) == 0 {
		return nil, rpcjson.NewRPCError(rpcjson.ErrRPCInvalidParameter, "Invalid parameter, outputs are missing")
	}
	out := make([]spendingPrevoutJSON, 0, len(outputs))
	for _, raw := range outputs {
		var o struct {
			Txid *string `json:"txid"`
			Vout *int64  `json:"vout"`
		}
		if err := json.Unmarshal(raw, &o); err != nil {
			return nil, rpcjson.NewRPCError(rpcjson.ErrRPCType,
				"Invalid parameter, expected an object with a string txid and a numeric vout")
		}
		if o.Txid == nil {
			return nil, rpcjson.NewRPCError(rpcjson.ErrRPCType, "Missing txid")
		}
		if o.Vout == nil {
			return nil, rpcjson.NewRPCError(rpcjson.ErrRPCType, "Missing vout")
		}
		txid, err := parseHash(*o.Txid, "txid")
		if err != nil {
			return nil, err
		}
		if *o.Vout < 0 || *o.Vout > 0xffffffff {
			return nil, rpcjson.NewRPCError(rpcjson.ErrRPCInvalidParameter, "Invalid parameter, vout cannot be negative")
		}
		r := spendingPrevoutJSON{Txid: txid.String(), Vout: uint32(*o.Vout)}
		if tx := s.cfg.TxPool.Spender(wire.OutPoint{Hash: txid, Index: uint32(*o.Vout)}); tx != nil {
			r.SpendingTxid = tx.TxHash().String()
		}
		out = append(out, r)
	}
	return out, nil
}

// prioritisedJSON is one entry of getprioritisedtransactions.
type prioritisedJSON struct {
	FeeDelta    int64  `json:"fee_delta"`
	InMempool   bool   `json:"in_mempool"`
	ModifiedFee *int64 `json:"modified_fee,omitempty"`
}

// handleGetPrioritisedTransactions implements getprioritisedtransactions.
func (s *Server) handleGetPrioritisedTransactions(context.Context, []json.RawMessage) (any, error) {
	out := make(map[string]prioritisedJSON)
	for txid, delta := range s.cfg.TxPrioritiser.FeeDeltas() {
		p := prioritisedJSON{FeeDelta: delta}
		if d, ok := s.cfg.TxPool.TxDesc(&txid); ok {
			p.InMempool = true
			fee := d.ModifiedFee()
			p.ModifiedFee = &fee
		}
		out[txid.String()] = p
	}
	return out, nil
}

// checkBurn refuses tx when a provably unspendable output carries more
// than maxBurn satoshis (Core's maxburnamount).
func checkBurn(tx *wire.MsgTx, maxBurn int64) error {
	for _, out := range tx.TxOut {
		if txscript.IsUnspendable(out.PkScript) && out.Value > maxBurn {
			return rpcjson.NewRPCError(rpcjson.ErrRPCVerify,
				"Unspendable output exceeds maximum configured by user (maxburnamount)")
		}
	}
	return nil
}

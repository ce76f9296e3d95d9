package rpcserver

import (
	"context"
	"encoding/hex"
	"encoding/json"
	"errors"

	"github.com/tern-org/ternd/internal/rpcjson"
	"github.com/tern-org/ternd/wire"
)

// This file holds the network and mempool methods Core's test harnesses
// call besides the main ones: setnetworkactive, getaddrmaninfo,
// getblockfrompeer (rpc/net.cpp, rpc/blockchain.cpp) and getorphantxs
// (rpc/mempool.cpp).

// netExtraMethods returns setnetworkactive, getaddrmaninfo and
// getblockfrompeer.
func (s *Server) netExtraMethods() []rpcjson.Method {
	return []rpcjson.Method{
		{
			Name: "setnetworkactive", Category: "Network",
			Params: []rpcjson.ParamSpec{{Name: "state", Type: "boolean"}},
			Help: "Disable/enable all p2p network activity.\n\n" +
				"Arguments:\n1. state    (boolean, required) true to enable networking, false to disable\n\n" +
				"Result:\ntrue|false    (boolean) The value that was passed in",
			Handler: s.handleSetNetworkActive,
		},
		{
			Name: "getaddrmaninfo", Category: "Network",
			Help: "Provides information about the node's address manager by returning the number of addresses in the `new` and `tried` tables and their sum for all networks.\n\n" +
				"Result:\n{\n  \"network\" : {    (json object) the network (ipv4, ipv6, onion, i2p, cjdns, all_networks)\n" +
				"    \"new\" : n,      (numeric) number of addresses in the new table, which represent potential peers the node has discovered but hasn't yet successfully connected to.\n" +
				"    \"tried\" : n,    (numeric) number of addresses in the tried table, which represent peers the node has successfully connected to in the past.\n" +
				"    \"total\" : n     (numeric) total number of addresses in both new/tried tables\n  },\n  ...\n}",
			Handler: s.handleGetAddrmanInfo,
		},
		{
			Name: "getblockfrompeer", Category: "Blockchain",
			Params: []rpcjson.ParamSpec{{Name: "blockhash", Type: "string"}, {Name: "peer_id", Type: "numeric"}},
			Help: "Attempt to fetch block from a given peer.\n\n" +
				"We must have the header for this block, e.g. using submitheader.\n" +
				"The block will not have been fetched when the call returns: use getblock to see when it arrives.\n\n" +
				"Arguments:\n1. blockhash    (string, required) The block hash to try to fetch\n" +
				"2. peer_id      (numeric, required) The peer to fetch it from (see getpeerinfo for peer IDs)\n\n" +
				"Result:\n{}    (empty JSON object)",
			Handler: s.handleGetBlockFromPeer,
		},
	}
}

// orphanMethods returns getorphantxs.
func (s *Server) orphanMethods() []rpcjson.Method {
	return []rpcjson.Method{{
		Name: "getorphantxs", Category: "Hidden",
		Params: []rpcjson.ParamSpec{{Name: "verbosity", Optional: true, Type: "numeric"}},
		Help: "Shows transactions in the tx orphanage.\n\nEXPERIMENTAL warning: this call may be changed in future releases.\n\n" +
			"Arguments:\n1. verbosity    (numeric, optional, default=0) 0 for an array of txids (may contain duplicates), 1 for an array of objects with tx details, and 2 for details from (1) and tx hex\n\n" +
			"Result (verbosity=0):\n[ \"hex\", ... ]\n\n" +
			"Result (verbosity=1):\n[ { \"txid\" : \"hex\", \"wtxid\" : \"hex\", \"bytes\" : n, \"vsize\" : n, \"weight\" : n, \"entry\" : xxx, \"expiration\" : xxx, \"from\" : [ n, ... ] }, ... ]\n\n" +
			"Result (verbosity=2): as verbosity 1 with \"hex\", the serialized transaction",
		Handler: s.handleGetOrphanTxs,
	}}
}

// handleSetNetworkActive implements setnetworkactive.
func (s *Server) handleSetNetworkActive(_ context.Context, params []json.RawMessage) (any, error) {
	var active bool
	if _, err := rpcjson.UnmarshalParam(params, 0, "state", &active); err != nil {
		return nil, err
	}
	if s.cfg.ConnManager == nil || !s.running() {
		return nil, errP2PDisabled
	}
	s.cfg.ConnManager.SetNetworkActive(active)
	return s.cfg.ConnManager.NetworkActive(), nil
}

// addrmanCountJSON is one network of getaddrmaninfo.
type addrmanCountJSON struct {
	New   int `json:"new"`
	Tried int `json:"tried"`
	Total int `json:"total"`
}

// handleGetAddrmanInfo implements getaddrmaninfo: the table sizes of each
// network Core reports, and their sums.
func (s *Server) handleGetAddrmanInfo(context.Context, []json.RawMessage) (any, error) {
	if s.cfg.AddrManager == nil {
		return nil, rpcjson.NewRPCError(rpcjson.ErrRPCClientNotConnected, "Error: Address manager functionality missing or disabled")
	}
	counts := s.cfg.AddrManager.CountsByNetwork()
	out := make(map[string]addrmanCountJSON)
	var all addrmanCountJSON
	for _, n := range []wire.NetworkID{wire.NetIPv4, wire.NetIPv6, wire.NetTorV3, wire.NetI2P, wire.NetCJDNS} {
		c := counts[n]
		out[n.String()] = addrmanCountJSON{New: c[0], Tried: c[1], Total: c[0] + c[1]}
	}
	for _, c := range counts {
		all.New += c[0]
		all.Tried += c[1]
	}
	all.Total = all.New + all.Tried
	out["all_networks"] = all
	return out, nil
}

// handleGetBlockFromPeer implements getblockfrompeer with Core's checks:
// the header must be known and the block not stored yet.
func (s *Server) handleGetBlockFromPeer(_ context.Context, params []json.RawMessage) (any, error) {
	hash, err := hashParam(params, 0, "blockhash")
	if err != nil {
		return nil, err
	}
	var id int32
	if _, err := rpcjson.UnmarshalParam(params, 1, "peer_id", &id); err != nil {
		return nil, err
	}
	if !s.running() {
		return nil, errP2PDisabled
	}
	info, err := s.cfg.Chain.BlockInfoByHash(&hash)
	if err != nil {
		return nil, rpcjson.NewRPCError(rpcjson.ErrRPCMisc, "Block header missing")
	}
	if info.Status.HaveData {
		return nil, rpcjson.NewRPCError(rpcjson.ErrRPCMisc, "Block already downloaded")
	}
	if err := s.cfg.PeerServer.FetchBlockFromPeer(&hash, id); err != nil {
		if errors.Is(err, ErrPeerNotFound) {
			return nil, rpcjson.NewRPCError(rpcjson.ErrRPCMisc, "Peer does not exist")
		}
		return nil, rpcjson.NewRPCError(rpcjson.ErrRPCMisc, err.Error())
	}
	return struct{}{}, nil
}

// orphanJSON is one orphan of getorphantxs verbosity 1 and 2.
type orphanJSON struct {
	Txid       string  `json:"txid"`
	Wtxid      string  `json:"wtxid"`
	Bytes      int     `json:"bytes"`
	VSize      int64   `json:"vsize"`
	Weight     int64   `json:"weight"`
	Entry      int64   `json:"entry"`
	Expiration int64   `json:"expiration"`
	From       []int64 `json:"from"`
	Hex        string  `json:"hex,omitempty"`
}

// handleGetOrphanTxs implements getorphantxs (Core v28).
func (s *Server) handleGetOrphanTxs(_ context.Context, params []json.RawMessage) (any, error) {
	verbosity := 0
	if _, err := rpcjson.UnmarshalParam(params, 0, "verbosity", &verbosity); err != nil {
		return nil, err
	}
	if verbosity < 0 || verbosity > 2 {
		return nil, rpcjson.NewRPCErrorf(rpcjson.ErrRPCInvalidParameter,
			"Invalid verbosity value %d", verbosity)
	}
	orphans := s.cfg.TxPool.Orphans()
	if verbosity == 0 {
		ids := make([]string, len(orphans))
		for i, o := range orphans {
			ids[i] = o.Txid.String()
		}
		return ids, nil
	}
	out := make([]orphanJSON, len(orphans))
	for i, o := range orphans {
		out[i] = orphanJSON{Txid: o.Txid.String(), Wtxid: o.Wtxid.String(), Bytes: o.Tx.SerializeSize(),
			VSize: o.Tx.VSize(), Weight: o.Tx.Weight(), Entry: o.Entry.Unix(), Expiration: o.Expires.Unix(),
			From: []int64{int64(o.From)}}
		if verbosity == 2 {
			out[i].Hex = hex.EncodeToString(o.Tx.Bytes())
		}
	}
	return out, nil
}

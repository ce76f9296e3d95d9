package rpcserver

// This file holds the network methods, with Bitcoin Core's names,
// parameters, result shapes and error codes (rpc/net.cpp).

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"net"
	"net/netip"
	"sort"
	"strings"
	"time"

	"github.com/tern-org/ternd/internal/rpcjson"
	"github.com/tern-org/ternd/wire"
)

// Core's network RPC error codes not in rpcjson.
const (
	errRPCClientNodeAlreadyAdded rpcjson.RPCErrorCode = -23
	errRPCClientNodeNotConnected rpcjson.RPCErrorCode = -29
	errRPCClientInvalidIPOrNet   rpcjson.RPCErrorCode = -30
	errRPCClientP2PDisabled      rpcjson.RPCErrorCode = -31
)

// netMethods returns the network RPC methods.
func (s *Server) netMethods() []rpcjson.Method {
	str := func(name string, opt bool) rpcjson.ParamSpec {
		return rpcjson.ParamSpec{Name: name, Optional: opt, Type: "string"}
	}
	return []rpcjson.Method{
		{Name: "getconnectioncount", Category: "Network", Handler: s.handleGetConnectionCount,
			Help: "Returns the number of connections to other nodes.\n\nResult:\nn    (numeric) The connection count"},
		{Name: "getpeerinfo", Category: "Network", Handler: s.handleGetPeerInfo,
			Help: "Returns data about each connected network peer as a json array of objects."},
		{Name: "getnetworkinfo", Category: "Network", Handler: s.handleGetNetworkInfo,
			Help: "Returns an object containing various state info regarding P2P networking."},
		{Name: "getnettotals", Category: "Network", Handler: s.handleGetNetTotals,
			Help: "Returns information about network traffic, including bytes in, bytes out,\nand current system time."},
		{Name: "ping", Category: "Network", Handler: s.handlePing,
			Help: "Requests that a ping be sent to all other nodes, to measure ping time.\n" +
				"Results are provided in getpeerinfo, pingtime and pingwait fields are decimal seconds."},
		{Name: "addnode", Category: "Network", Handler: s.handleAddNode,
			Params: []rpcjson.ParamSpec{str("node", false), str("command", false),
				{Name: "v2transport", Optional: true, Type: "boolean"}},
			Help: "Attempts to add or remove a node from the addnode list.\n" +
				"Or try a connection to a node once.\n\nArguments:\n" +
				"1. node       (string, required) The address of the peer to connect to\n" +
				"2. command    (string, required) 'add' to add a node to the list, 'remove' to remove a node from the list, 'onetry' to try a connection to the node once\n" +
				"3. v2transport    (boolean, optional, default=set by -v2transport) Attempt to connect using BIP324 v2 transport protocol (ignored for 'remove' command)\n\nResult:\nnull    (json null)"},
		{Name: "getaddednodeinfo", Category: "Network", Handler: s.handleGetAddedNodeInfo,
			Params: []rpcjson.ParamSpec{str("node", true)},
			Help:   "Returns information about the given added node, or all added nodes\n(note that onetry addnodes are not listed here)"},
		{Name: "disconnectnode", Category: "Network", Handler: s.handleDisconnectNode,
			Params: []rpcjson.ParamSpec{str("address", true), {Name: "nodeid", Optional: true, Type: "numeric"}},
			Help: "Immediately disconnects from the specified peer node.\n\n" +
				"Strictly one out of 'address' and 'nodeid' can be provided to identify the node.\n\n" +
				"To disconnect by nodeid, either set 'address' to the empty string, or call using the named 'nodeid' argument only."},
		{Name: "setban", Category: "Network", Handler: s.handleSetBan,
			Params: []rpcjson.ParamSpec{str("subnet", false), str("command", false),
				{Name: "bantime", Optional: true, Type: "numeric"}, {Name: "absolute", Optional: true, Type: "boolean"}},
			Help: "Attempts to add or remove an IP/Subnet from the banned list.\n\nArguments:\n" +
				"1. subnet      (string, required) The IP/Subnet (see getpeerinfo for nodes IP) with an optional netmask (default is /32 = single IP)\n" +
				"2. command     (string, required) 'add' to add an IP/Subnet to the list, 'remove' to remove an IP/Subnet from the list\n" +
				"3. bantime     (numeric, optional, default=0) time in seconds how long (or until when if [absolute] is set) the IP is banned (0 or empty means using the default time of 24h which can also be overwritten by the -bantime startup argument)\n" +
				"4. absolute    (boolean, optional, default=false) If set, the bantime must be an absolute timestamp expressed in UNIX epoch time"},
		{Name: "listbanned", Category: "Network", Handler: s.handleListBanned,
			Help: "List all manually banned IPs/Subnets."},
		{Name: "clearbanned", Category: "Network", Handler: s.handleClearBanned,
			Help: "Clear all banned IPs."},
		{Name: "getnodeaddresses", Category: "Network", Handler: s.handleGetNodeAddresses,
			Params: []rpcjson.ParamSpec{{Name: "count", Optional: true, Type: "numeric"}, str("network", true)},
			Help: "Return known addresses, after filtering for quality and recency.\n" +
				"These can potentially be used to find new peers in the network.\n" +
				"The total number of addresses known to the node may be higher.\n\nArguments:\n" +
				"1. count      (numeric, optional, default=1) The maximum number of addresses to return. Specify 0 to return all known addresses.\n" +
				"2. network    (string, optional, default=all networks) Return only addresses of the specified network. Can be one of: ipv4, ipv6, onion, i2p, cjdns."},
		{Name: "addpeeraddress", Category: "Hidden", Handler: s.handleAddPeerAddress,
			Params: []rpcjson.ParamSpec{str("address", false), {Name: "port", Type: "numeric"},
				{Name: "tried", Optional: true, Type: "boolean"}},
			Help: "Add the address of a potential peer to the address manager. This RPC is for testing only.\n" +
				"(ternd also relays the address to up to two peers as a fresh address, so that tests can follow its gossip.)\n\nArguments:\n" +
				"1. address    (string, required) The IP address of the peer\n" +
				"2. port       (numeric, required) The port of the peer\n" +
				"3. tried      (boolean, optional, default=false) If true, attempt to add the peer to the tried addresses table\n\n" +
				"Result:\n{\n  \"success\" : true|false,    (boolean) whether the peer address was successfully added to the address manager\n  \"error\" : \"str\"    (string, optional) error description, if the address could not be added\n}"},
	}
}

// running reports whether the P2P server has started (RPC calls can only
// arrive after warm-up, but in-process callers may come early).
func (s *Server) running() bool { return s.cfg.PeerServer.Running() }

// connectionCount is Core's GetNodeCount(ConnectionDirection::Both): the
// connected peers, inbound and outbound; 0 without a P2P server.
func (s *Server) connectionCount() int {
	if s.cfg.PeerServer == nil {
		return 0
	}
	in, out := s.cfg.PeerServer.ConnectionCounts()
	return in + out
}

// errP2PDisabled is Core's error when the connection manager is missing.
var errP2PDisabled = rpcjson.NewRPCError(errRPCClientP2PDisabled,
	"Error: Peer-to-peer functionality missing or disabled")

// handleGetConnectionCount implements getconnectioncount.
func (s *Server) handleGetConnectionCount(context.Context, []json.RawMessage) (any, error) {
	if !s.running() {
		return nil, errP2PDisabled
	}
	return s.connectionCount(), nil
}

// serviceNames are Core's names of service bits, in bit order.
var serviceNames = []struct {
	flag wire.ServiceFlag
	name string
}{
	{wire.SFNodeNetwork, "NETWORK"},
	{wire.SFNodeBloom, "BLOOM"},
	{wire.SFNodeWitness, "WITNESS"},
	{wire.SFNodeCF, "COMPACT_FILTERS"},
	{wire.SFNodeNetworkLimited, "NETWORK_LIMITED"},
	{1 << 11, "P2P_V2"},
}

// serviceStrings renders services as Core's 16-digit hex and name list.
func serviceStrings(f wire.ServiceFlag) (string, []string) {
	names := []string{}
	for _, sn := range serviceNames {
		if f&sn.flag != 0 {
			names = append(names, sn.name)
		}
	}
	for bit := uint(0); bit < 64; bit++ {
		b := wire.ServiceFlag(1) << bit
		if f&b == 0 {
			continue
		}
		known := false
		for _, sn := range serviceNames {
			known = known || sn.flag == b
		}
		if !known {
			names = append(names, fmt.Sprintf("UNKNOWN[2^%d]", bit))
		}
	}
	return fmt.Sprintf("%016x", uint64(f)), names
}

// networkName returns Core's network name of a host:port.
func networkName(hostport string) string {
	host, _, err := net.SplitHostPort(hostport)
	if err != nil {
		host = hostport
	}
	if strings.HasSuffix(host, ".onion") {
		return "onion"
	}
	ip, err := netip.ParseAddr(host)
	if err != nil {
		return "not_publicly_routable"
	}
	if ip.IsLoopback() || ip.IsPrivate() || ip.IsLinkLocalUnicast() || ip.IsUnspecified() {
		return "not_publicly_routable"
	}
	if ip.Unmap().Is4() {
		return "ipv4"
	}
	return "ipv6"
}

// wireNetworkName returns Core's name of an address's network.
func wireNetworkName(id wire.NetworkID) string {
	switch id {
	case wire.NetIPv4:
		return "ipv4"
	case wire.NetIPv6:
		return "ipv6"
	case wire.NetTorV2, wire.NetTorV3:
		return "onion"
	case wire.NetI2P:
		return "i2p"
	case wire.NetCJDNS:
		return "cjdns"
	}
	return "unknown"
}

// peerInfo is one getpeerinfo entry, in Core's field order.
type peerInfo struct {
	ID                  int32             `json:"id"`
	Addr                string            `json:"addr"`
	AddrBind            string            `json:"addrbind,omitempty"`
	Network             string            `json:"network"`
	Services            string            `json:"services"`
	ServicesNames       []string          `json:"servicesnames"`
	RelayTxes           bool              `json:"relaytxes"`
	LastSend            int64             `json:"lastsend"`
	LastRecv            int64             `json:"lastrecv"`
	LastTransaction     int64             `json:"last_transaction"`
	LastBlock           int64             `json:"last_block"`
	BytesSent           uint64            `json:"bytessent"`
	BytesRecv           uint64            `json:"bytesrecv"`
	ConnTime            int64             `json:"conntime"`
	TimeOffset          int64             `json:"timeoffset"`
	PingTime            *float64          `json:"pingtime,omitempty"`
	MinPing             *float64          `json:"minping,omitempty"`
	PingWait            *float64          `json:"pingwait,omitempty"`
	Version             uint32            `json:"version"`
	SubVer              string            `json:"subver"`
	Inbound             bool              `json:"inbound"`
	BIP152HBTo          bool              `json:"bip152_hb_to"`
	BIP152HBFrom        bool              `json:"bip152_hb_from"`
	StartingHeight      int32             `json:"startingheight"`
	PresyncedHeaders    int32             `json:"presynced_headers"`
	SyncedHeaders       int32             `json:"synced_headers"`
	SyncedBlocks        int32             `json:"synced_blocks"`
	Inflight            []int32           `json:"inflight"`
	AddrRelayEnabled    bool              `json:"addr_relay_enabled"`
	AddrProcessed       uint64            `json:"addr_processed"`
	AddrRateLimited     uint64            `json:"addr_rate_limited"`
	Permissions         []string          `json:"permissions"`
	MinFeeFilter        amount            `json:"minfeefilter"`
	BytesSentPerMsg     map[string]uint64 `json:"bytessent_per_msg"`
	BytesRecvPerMsg     map[string]uint64 `json:"bytesrecv_per_msg"`
	ConnectionType      string            `json:"connection_type"`
	TransportProtocol   string            `json:"transport_protocol_type"`
	SessionID           string            `json:"session_id"`
	BanScore            uint32            `json:"banscore"`
	WantsWtxidRelay     bool              `json:"wtxidrelay"`
	WantsAddrV2         bool              `json:"sendaddrv2"`
	WantsHeaderAnnounce bool              `json:"sendheaders"`
}

// unixOrZero is t's unix time, 0 for the zero time.
func unixOrZero(t time.Time) int64 {
	if t.IsZero() {
		return 0
	}
	return t.Unix()
}

// secs renders a duration as decimal seconds, nil when zero.
func secs(d time.Duration) *float64 {
	if d <= 0 {
		return nil
	}
	v := d.Seconds()
	return &v
}

// handleGetPeerInfo implements getpeerinfo: the fully connected peers by
// id.
func (s *Server) handleGetPeerInfo(context.Context, []json.RawMessage) (any, error) {
	if !s.running() {
		return nil, errP2PDisabled
	}
	peers := s.cfg.PeerServer.Peers()
	sort.Slice(peers, func(i, j int) bool { return peers[i].ID < peers[j].ID })
	out := make([]peerInfo, 0, len(peers))
	for i := range peers {
		out = append(out, newPeerInfo(&peers[i]))
	}
	return out, nil
}

// newPeerInfo renders one peer in Core's getpeerinfo shape.
func newPeerInfo(p *PeerInfo) peerInfo {
	svc, names := serviceStrings(p.Services)
	pi := peerInfo{
		ID: p.ID, Addr: p.Addr, Network: networkName(p.Addr),
		Services: svc, ServicesNames: names, RelayTxes: p.RelayTxes,
		LastSend: unixOrZero(p.LastSend), LastRecv: unixOrZero(p.LastRecv),
		LastTransaction: p.LastTx, LastBlock: p.LastBlock,
		BytesSent: p.BytesSent, BytesRecv: p.BytesRecv,
		ConnTime: unixOrZero(p.ConnTime), TimeOffset: int64(p.TimeOffset / time.Second),
		PingTime: secs(p.PingTime), MinPing: secs(p.MinPing), PingWait: secs(p.PingWait),
		Version: p.Version, SubVer: p.SubVer, Inbound: p.Inbound,
		StartingHeight: p.StartingHeight, PresyncedHeaders: -1,
		SyncedHeaders: p.SyncedHeaders, SyncedBlocks: p.SyncedBlocks,
		Inflight: []int32{}, AddrRelayEnabled: p.AddrRelay,
		AddrProcessed: p.AddrProcessed, AddrRateLimited: p.AddrLimited,
		Permissions: []string{}, MinFeeFilter: amount(p.FeeFilter),
		BytesSentPerMsg: map[string]uint64{}, BytesRecvPerMsg: map[string]uint64{},
		ConnectionType: p.ConnectionType, TransportProtocol: p.Transport, SessionID: p.SessionID,
		BanScore: p.BanScore, WantsWtxidRelay: p.WantsWtxid, WantsAddrV2: p.WantsAddrV2,
		WantsHeaderAnnounce: p.WantsHeaders,
		BIP152HBTo:          p.HBTo, BIP152HBFrom: p.HBFrom,
	}
	if p.Whitelisted {
		pi.Permissions = []string{"noban", "relay", "mempool", "download", "addr"}
	}
	for cmd, n := range p.BytesSentByMsg {
		pi.BytesSentPerMsg[cmd] = n
	}
	for cmd, n := range p.BytesRecvByMsg {
		pi.BytesRecvPerMsg[cmd] = n
	}
	return pi
}

// handleGetNetworkInfo implements getnetworkinfo.
func (s *Server) handleGetNetworkInfo(context.Context, []json.RawMessage) (any, error) {
	type network struct {
		Name                      string `json:"name"`
		Limited                   bool   `json:"limited"`
		Reachable                 bool   `json:"reachable"`
		Proxy                     string `json:"proxy"`
		ProxyRandomizeCredentials bool   `json:"proxy_randomize_credentials"`
	}
	type localAddr struct {
		Address string `json:"address"`
		Port    uint16 `json:"port"`
		Score   int    `json:"score"`
	}
	in, outb := 0, 0
	var local []*wire.NetAddressV2
	services := wire.ServiceFlag(0)
	if ps := s.cfg.PeerServer; ps != nil {
		in, outb = ps.ConnectionCounts()
		local = ps.LocalAddresses()
		services = ps.LocalServices()
	}
	svc, names := serviceStrings(services)
	nets := []network{}
	for _, name := range []string{"ipv4", "ipv6", "onion", "i2p", "cjdns"} {
		n := network{Name: name, Proxy: s.cfg.Proxy}
		switch name {
		case "onion":
			if s.cfg.OnionProxy != "" {
				n.Proxy = s.cfg.OnionProxy
			}
			n.Reachable = n.Proxy != ""
		case "i2p", "cjdns":
			n.Proxy = ""
		default:
			n.Reachable = true
		}
		n.Limited = !n.Reachable
		nets = append(nets, n)
	}
	locals := []localAddr{}
	for _, la := range local {
		locals = append(locals, localAddr{Address: la.Host(), Port: la.Port, Score: 1})
	}
	version, subversion := s.cfg.ClientVersion, s.cfg.SubVersion
	if version == 0 {
		major, minor, patch := 0, 0, 0
		fmt.Sscanf(s.cfg.Version, "%d.%d.%d", &major, &minor, &patch)
		version = major*10000 + minor*100 + patch
	}
	if subversion == "" {
		subversion = "/ternd:" + s.cfg.Version + "/"
	}
	return map[string]any{
		"version":            version,
		"subversion":         subversion,
		"protocolversion":    wire.ProtocolVersion,
		"localservices":      svc,
		"localservicesnames": names,
		"localrelay":         true,
		"timeoffset":         0,
		"networkactive":      s.cfg.ConnManager == nil || s.cfg.ConnManager.NetworkActive(),
		"connections":        in + outb,
		"connections_in":     in,
		"connections_out":    outb,
		"networks":           nets,
		"relayfee":           amount(s.cfg.MinRelayTxFee),
		"incrementalfee":     amount(s.cfg.IncrementalRelayFee),
		"localaddresses":     locals,
		"warnings":           s.warnings(),
	}, nil
}

// handleGetNetTotals implements getnettotals.
func (s *Server) handleGetNetTotals(context.Context, []json.RawMessage) (any, error) {
	sent, recv := s.cfg.PeerServer.NetTotals()
	return map[string]any{
		"totalbytesrecv": recv,
		"totalbytessent": sent,
		"timemillis":     time.Now().UnixMilli(),
		"uploadtarget": map[string]any{
			"timeframe": 86400, "target": 0, "target_reached": false,
			"serve_historical_blocks": true, "bytes_left_in_cycle": 0, "time_left_in_cycle": 0,
		},
	}, nil
}

// handlePing implements ping.
func (s *Server) handlePing(context.Context, []json.RawMessage) (any, error) {
	if !s.running() {
		return nil, errP2PDisabled
	}
	s.cfg.PeerServer.PingPeers()
	return nil, nil
}

// handleAddNode implements addnode.
func (s *Server) handleAddNode(_ context.Context, params []json.RawMessage) (any, error) {
	var node, command string
	if _, err := rpcjson.UnmarshalParam(params, 0, "node", &node); err != nil {
		return nil, err
	}
	if _, err := rpcjson.UnmarshalParam(params, 1, "command", &command); err != nil {
		return nil, err
	}
	if command != "onetry" && command != "add" && command != "remove" {
		return nil, rpcjson.NewRPCError(rpcjson.ErrRPCMisc, "addnode \"node\" \"command\" ( v2transport )")
	}
	var v2 bool
	v2Given, err := rpcjson.UnmarshalParam(params, 2, "v2transport", &v2)
	if err != nil {
		return nil, err
	}
	if !s.running() {
		return nil, errP2PDisabled
	}
	// Core: the default is whether this node speaks v2, and asking for v2
	// when it does not is an error.
	v2On := s.cfg.PeerServer.LocalServices()&wire.SFNodeP2PV2 != 0
	if !v2Given {
		v2 = v2On
	} else if v2 && !v2On && command != "remove" {
		return nil, rpcjson.NewRPCError(rpcjson.ErrRPCInvalidParameter,
			"Error: v2transport requested but not enabled (see -v2transport)")
	}
	switch command {
	case "onetry":
		if err := s.cfg.ConnManager.AddNode(node, false, v2); err != nil {
			return nil, rpcjson.NewRPCError(rpcjson.ErrRPCInvalidParameter, err.Error())
		}
	case "add":
		if err := s.cfg.ConnManager.AddNode(node, true, v2); err != nil {
			if errors.Is(err, ErrNodeAlreadyAdded) {
				return nil, rpcjson.NewRPCError(errRPCClientNodeAlreadyAdded, "Error: Node already added")
			}
			return nil, rpcjson.NewRPCError(rpcjson.ErrRPCInvalidParameter, err.Error())
		}
	case "remove":
		if !s.cfg.ConnManager.RemoveAddedNode(node) {
			return nil, rpcjson.NewRPCError(rpcjson.ErrRPCClientNodeNotAdded,
				"Error: Node could not be removed. It has not been added previously.")
		}
	}
	return nil, nil
}

// handleGetAddedNodeInfo implements getaddednodeinfo.
func (s *Server) handleGetAddedNodeInfo(_ context.Context, params []json.RawMessage) (any, error) {
	var node string
	given, err := rpcjson.UnmarshalParam(params, 0, "node", &node)
	if err != nil {
		return nil, err
	}
	if !s.running() {
		return nil, errP2PDisabled
	}
	type addrInfo struct {
		Address   string `json:"address"`
		Connected string `json:"connected"`
	}
	type info struct {
		AddedNode string     `json:"addednode"`
		Connected bool       `json:"connected"`
		Addresses []addrInfo `json:"addresses"`
	}
	var nodes []AddedNode
	for _, n := range s.cfg.ConnManager.AddedNodes() {
		if !given || n.Name == node {
			nodes = append(nodes, n)
		}
	}
	if given && len(nodes) == 0 {
		return nil, rpcjson.NewRPCError(rpcjson.ErrRPCClientNodeNotAdded, "Error: Node has not been added.")
	}
	sort.Slice(nodes, func(i, j int) bool { return nodes[i].Name < nodes[j].Name })
	out := make([]info, 0, len(nodes))
	for _, n := range nodes {
		i := info{AddedNode: n.Name, Addresses: []addrInfo{}}
		if n.Connected {
			i.Connected = true
			i.Addresses = append(i.Addresses, addrInfo{Address: n.Addr, Connected: "outbound"})
		}
		out = append(out, i)
	}
	return out, nil
}

// handleDisconnectNode implements disconnectnode.
func (s *Server) handleDisconnectNode(_ context.Context, params []json.RawMessage) (any, error) {
	var address string
	var nodeID int64
	hasAddr, err := rpcjson.UnmarshalParam(params, 0, "address", &address)
	if err != nil {
		return nil, err
	}
	hasID, err := rpcjson.UnmarshalParam(params, 1, "nodeid", &nodeID)
	if err != nil {
		return nil, err
	}
	if !s.running() {
		return nil, errP2PDisabled
	}
	found := false
	switch {
	case hasAddr && address != "" && !hasID:
		found = s.cfg.ConnManager.DisconnectAddr(address)
	case hasID && (!hasAddr || address == ""):
		found = int64(int32(nodeID)) == nodeID && s.cfg.ConnManager.DisconnectID(int32(nodeID))
	default:
		return nil, rpcjson.NewRPCError(rpcjson.ErrRPCInvalidParams,
			"Only one of address and nodeid should be provided.")
	}
	if !found {
		return nil, rpcjson.NewRPCError(errRPCClientNodeNotConnected, "Node not found in connected nodes")
	}
	return nil, nil
}

// handleSetBan implements setban.
func (s *Server) handleSetBan(_ context.Context, params []json.RawMessage) (any, error) {
	var subnet, command string
	var bantime int64
	var absolute bool
	if _, err := rpcjson.UnmarshalParam(params, 0, "subnet", &subnet); err != nil {
		return nil, err
	}
	if _, err := rpcjson.UnmarshalParam(params, 1, "command", &command); err != nil {
		return nil, err
	}
	if _, err := rpcjson.UnmarshalParam(params, 2, "bantime", &bantime); err != nil {
		return nil, err
	}
	if _, err := rpcjson.UnmarshalParam(params, 3, "absolute", &absolute); err != nil {
		return nil, err
	}
	if command != "add" && command != "remove" {
		return nil, rpcjson.NewRPCError(rpcjson.ErrRPCMisc,
			"setban \"subnet\" \"command\" ( bantime absolute )")
	}
	if !s.running() {
		return nil, errP2PDisabled
	}
	if command == "remove" {
		switch err := s.cfg.BanManager.Unban(subnet); {
		case errors.Is(err, ErrInvalidSubnet):
			return nil, rpcjson.NewRPCError(errRPCClientInvalidIPOrNet, "Error: Invalid IP/Subnet")
		case errors.Is(err, ErrNotBanned):
			return nil, rpcjson.NewRPCError(errRPCClientInvalidIPOrNet,
				"Error: Unban failed. Requested address/subnet was not previously manually banned.")
		case err != nil:
			return nil, err
		}
		return nil, nil
	}
	switch err := s.cfg.BanManager.BanSubnet(subnet, bantime, absolute); {
	case errors.Is(err, ErrInvalidSubnet):
		return nil, rpcjson.NewRPCError(errRPCClientInvalidIPOrNet, "Error: Invalid IP/Subnet")
	case errors.Is(err, ErrAlreadyBanned):
		return nil, rpcjson.NewRPCError(errRPCClientNodeAlreadyAdded, "Error: IP/Subnet already banned")
	case err != nil:
		return nil, err
	}
	return nil, nil
}

// handleListBanned implements listbanned.
func (s *Server) handleListBanned(context.Context, []json.RawMessage) (any, error) {
	type ban struct {
		Address       string `json:"address"`
		BanCreated    int64  `json:"ban_created"`
		BannedUntil   int64  `json:"banned_until"`
		BanDuration   int64  `json:"ban_duration"`
		TimeRemaining int64  `json:"time_remaining"`
	}
	now := time.Now().Unix()
	out := []ban{}
	for _, e := range s.cfg.BanManager.BanEntries() {
		out = append(out, ban{Address: e.Subnet, BanCreated: e.Created.Unix(),
			BannedUntil: e.Until.Unix(), BanDuration: e.Until.Unix() - e.Created.Unix(),
			TimeRemaining: e.Until.Unix() - now})
	}
	return out, nil
}

// handleClearBanned implements clearbanned.
func (s *Server) handleClearBanned(context.Context, []json.RawMessage) (any, error) {
	if err := s.cfg.BanManager.ClearBans(); err != nil {
		return nil, err
	}
	return nil, nil
}

// handleGetNodeAddresses implements getnodeaddresses.
func (s *Server) handleGetNodeAddresses(_ context.Context, params []json.RawMessage) (any, error) {
	count := int64(1)
	var network string
	if _, err := rpcjson.UnmarshalParam(params, 0, "count", &count); err != nil {
		return nil, err
	}
	hasNet, err := rpcjson.UnmarshalParam(params, 1, "network", &network)
	if err != nil {
		return nil, err
	}
	if !s.running() {
		return nil, errP2PDisabled
	}
	if count < 0 {
		return nil, rpcjson.NewRPCError(rpcjson.ErrRPCInvalidParameter, "Address count out of range")
	}
	if hasNet {
		switch network {
		case "ipv4", "ipv6", "onion", "i2p", "cjdns":
		default:
			return nil, rpcjson.NewRPCError(rpcjson.ErrRPCInvalidParameter, "Network not recognized: "+network)
		}
	}
	type nodeAddr struct {
		Time     int64  `json:"time"`
		Services uint64 `json:"services"`
		Address  string `json:"address"`
		Port     uint16 `json:"port"`
		Network  string `json:"network"`
	}
	var id wire.NetworkID // 0: every network
	if hasNet {
		id = map[string]wire.NetworkID{"ipv4": wire.NetIPv4, "ipv6": wire.NetIPv6,
			"onion": wire.NetTorV3, "i2p": wire.NetI2P, "cjdns": wire.NetCJDNS}[network]
	}
	// Core's GetAddresses(count, max_pct=0, network): a random draw of
	// known addresses, none of the terrible ones.
	out := []nodeAddr{}
	for _, na := range s.cfg.AddrManager.Addresses(int(min(count, math.MaxInt32)), id) {
		out = append(out, nodeAddr{Time: na.Timestamp.Unix(), Services: uint64(na.Services),
			Address: na.Host(), Port: na.Port, Network: wireNetworkName(na.Network)})
	}
	return out, nil
}

// handleAddPeerAddress implements addpeeraddress.
func (s *Server) handleAddPeerAddress(_ context.Context, params []json.RawMessage) (any, error) {
	var address string
	var port int64
	var tried bool
	if _, err := rpcjson.UnmarshalParam(params, 0, "address", &address); err != nil {
		return nil, err
	}
	if _, err := rpcjson.UnmarshalParam(params, 1, "port", &port); err != nil {
		return nil, err
	}
	if _, err := rpcjson.UnmarshalParam(params, 2, "tried", &tried); err != nil {
		return nil, err
	}
	if !s.running() {
		return nil, rpcjson.NewRPCError(errRPCClientP2PDisabled,
			"Error: Address manager functionality missing or disabled")
	}
	if port < 0 || port > 65535 {
		return nil, rpcjson.NewRPCError(rpcjson.ErrRPCInvalidParameter, "port out of range")
	}
	switch err := s.cfg.AddrManager.AddPeerAddress(address, uint16(port), tried); {
	case errors.Is(err, ErrNotTried):
		return map[string]any{"success": false, "error": "failed-adding-to-tried"}, nil
	case err != nil:
		return map[string]any{"success": false}, nil
	}
	return map[string]any{"success": true}, nil
}

package main

// The network RPC methods, with Bitcoin Core's names, parameters, result
// shapes and error codes (rpc/net.cpp).

import (
	"context"
	"encoding/json"
	"fmt"
	"math"
	"net"
	"net/netip"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/tern-org/ternd/addrmgr"
	"github.com/tern-org/ternd/connmgr"
	"github.com/tern-org/ternd/internal/rpcjson"
	"github.com/tern-org/ternd/peer"
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
func (s *server) netMethods() []rpcjson.Method {
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
				"3. v2transport    (boolean, optional) Ignored: ternd speaks v1 only\n\nResult:\nnull    (json null)"},
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

// running reports whether Start has built the managers (RPC calls can
// only arrive after warm-up, but tests may call handlers early).
func (s *server) running() bool { return s.cm != nil && s.am != nil }

// errP2PDisabled is Core's error when the connection manager is missing.
var errP2PDisabled = rpcjson.NewRPCError(errRPCClientP2PDisabled,
	"Error: Peer-to-peer functionality missing or disabled")

func (s *server) handleGetConnectionCount(context.Context, []json.RawMessage) (any, error) {
	if !s.running() {
		return nil, errP2PDisabled
	}
	return len(s.allPeers()), nil
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

func (s *server) handleGetPeerInfo(context.Context, []json.RawMessage) (any, error) {
	if !s.running() {
		return nil, errP2PDisabled
	}
	peers := s.allPeers()
	sort.Slice(peers, func(i, j int) bool { return peers[i].ID() < peers[j].ID() })
	out := make([]peerInfo, 0, len(peers))
	for _, sp := range peers {
		st := sp.StatsSnapshot()
		if !st.HandshakeDone {
			// Core lists fully connected peers only.
			continue
		}
		svc, names := serviceStrings(st.Services)
		pi := peerInfo{
			ID: st.ID, Addr: st.Addr, Network: networkName(st.Addr),
			Services: svc, ServicesNames: names, RelayTxes: st.RelayTx,
			LastSend: unixOrZero(st.LastSend), LastRecv: unixOrZero(st.LastRecv),
			LastTransaction: unixOrZero(st.LastTx), LastBlock: sp.lastBlock.Load(),
			BytesSent: st.BytesSent, BytesRecv: st.BytesRecv,
			ConnTime: unixOrZero(st.ConnTime), TimeOffset: int64(st.TimeOffset / time.Second),
			PingTime: secs(st.PingTime), MinPing: secs(st.MinPing), PingWait: secs(st.PingWait),
			Version: st.Version, SubVer: st.UserAgent, Inbound: st.Inbound,
			StartingHeight: st.StartingHeight, PresyncedHeaders: -1,
			SyncedHeaders: st.SyncedHeaders, SyncedBlocks: st.SyncedBlocks,
			Inflight: []int32{}, AddrRelayEnabled: true,
			AddrProcessed: sp.addrProcessed.Load(), AddrRateLimited: sp.addrRateLimited.Load(),
			Permissions: []string{}, MinFeeFilter: amount(st.FeeFilter),
			BytesSentPerMsg: map[string]uint64{}, BytesRecvPerMsg: map[string]uint64{},
			ConnectionType: "inbound", TransportProtocol: "v1",
			BanScore: st.BanScore, WantsWtxidRelay: st.WantsWtxid, WantsAddrV2: st.WantsAddrV2,
			WantsHeaderAnnounce: st.WantsHeaders,
		}
		if sp.whitelisted {
			pi.Permissions = []string{"noban", "relay", "mempool", "download", "addr"}
		}
		pi.ConnectionType = sp.connectionType()
		if !sp.relaysTxs() {
			// Core: no transactions are relayed on a block-relay-only
			// connection, and no addresses either.
			pi.RelayTxes = false
		}
		pi.AddrRelayEnabled = sp.relaysAddrs()
		for cmd, cs := range st.SentByCmd {
			pi.BytesSentPerMsg[cmd] = cs.Bytes
		}
		for cmd, cs := range st.RecvByCmd {
			pi.BytesRecvPerMsg[cmd] = cs.Bytes
		}
		out = append(out, pi)
	}
	return out, nil
}

func (s *server) handleGetNetworkInfo(context.Context, []json.RawMessage) (any, error) {
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
	for _, sp := range s.allPeers() {
		if sp.Inbound() {
			in++
		} else {
			outb++
		}
	}
	svc, names := serviceStrings(peer.DefaultServices)
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
	for _, la := range s.localAddrs {
		locals = append(locals, localAddr{Address: la.Host(), Port: la.Port, Score: 1})
	}
	major, minor, patch := 0, 0, 0
	fmt.Sscanf(appVersion, "%d.%d.%d", &major, &minor, &patch)
	return map[string]any{
		"version":            major*10000 + minor*100 + patch,
		"subversion":         "/ternd:" + version() + "/",
		"protocolversion":    wire.ProtocolVersion,
		"localservices":      svc,
		"localservicesnames": names,
		"localrelay":         true,
		"timeoffset":         0,
		"networkactive":      true,
		"connections":        in + outb,
		"connections_in":     in,
		"connections_out":    outb,
		"networks":           nets,
		"relayfee":           amount(s.cfg.minRelayTxFeeSat),
		"incrementalfee":     amount(s.cfg.incrementalRelayFeeSat),
		"localaddresses":     locals,
		"warnings":           []string{},
	}, nil
}

func (s *server) handleGetNetTotals(context.Context, []json.RawMessage) (any, error) {
	sent, recv := s.bytesSent.Load(), s.bytesRecv.Load()
	for _, sp := range s.allPeers() {
		st := sp.StatsSnapshot()
		sent += st.BytesSent
		recv += st.BytesRecv
	}
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

func (s *server) handlePing(context.Context, []json.RawMessage) (any, error) {
	if !s.running() {
		return nil, errP2PDisabled
	}
	for _, sp := range s.readyPeers() {
		sp.Ping()
	}
	return nil, nil
}

func (s *server) handleAddNode(_ context.Context, params []json.RawMessage) (any, error) {
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
	if !s.running() {
		return nil, errP2PDisabled
	}
	switch command {
	case "onetry":
		if err := s.addNode(node, false); err != nil {
			return nil, rpcjson.NewRPCError(rpcjson.ErrRPCInvalidParameter, err.Error())
		}
	case "add":
		if err := s.addNode(node, true); err != nil {
			if err == errNodeAlreadyAdded {
				return nil, rpcjson.NewRPCError(errRPCClientNodeAlreadyAdded, "Error: Node already added")
			}
			return nil, rpcjson.NewRPCError(rpcjson.ErrRPCInvalidParameter, err.Error())
		}
	case "remove":
		s.addedMu.Lock()
		req, ok := s.added[node]
		delete(s.added, node)
		s.addedMu.Unlock()
		if !ok {
			return nil, rpcjson.NewRPCError(rpcjson.ErrRPCClientNodeNotAdded,
				"Error: Node could not be removed. It has not been added previously.")
		}
		s.cm.Remove(req.ID())
	}
	return nil, nil
}

func (s *server) handleGetAddedNodeInfo(_ context.Context, params []json.RawMessage) (any, error) {
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
	s.addedMu.Lock()
	names := make([]string, 0, len(s.added))
	reqs := make(map[string]*connmgr.ConnReq, len(s.added))
	for name, req := range s.added {
		if !given || name == node {
			names = append(names, name)
			reqs[name] = req
		}
	}
	s.addedMu.Unlock()
	if given && len(names) == 0 {
		return nil, rpcjson.NewRPCError(rpcjson.ErrRPCClientNodeNotAdded, "Error: Node has not been added.")
	}
	sort.Strings(names)
	byReq := make(map[uint64]*serverPeer)
	for _, sp := range s.allPeers() {
		if sp.req != nil {
			byReq[sp.req.ID()] = sp
		}
	}
	out := make([]info, 0, len(names))
	for _, name := range names {
		i := info{AddedNode: name, Addresses: []addrInfo{}}
		if sp, ok := byReq[reqs[name].ID()]; ok && sp.Connected() {
			i.Connected = true
			i.Addresses = append(i.Addresses, addrInfo{Address: sp.Addr(), Connected: "outbound"})
		}
		out = append(out, i)
	}
	return out, nil
}

func (s *server) handleDisconnectNode(_ context.Context, params []json.RawMessage) (any, error) {
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
	var target *serverPeer
	switch {
	case hasAddr && address != "" && !hasID:
		for _, sp := range s.allPeers() {
			if sp.Addr() == address || (sp.req != nil && sp.req.Addr.String() == address) {
				target = sp
				break
			}
		}
	case hasID && (!hasAddr || address == ""):
		target = s.peerByID(int32(nodeID))
		if int64(int32(nodeID)) != nodeID {
			target = nil
		}
	default:
		return nil, rpcjson.NewRPCError(rpcjson.ErrRPCInvalidParams,
			"Only one of address and nodeid should be provided.")
	}
	if target == nil {
		return nil, rpcjson.NewRPCError(errRPCClientNodeNotConnected, "Node not found in connected nodes")
	}
	if target.req != nil {
		// Closing through the manager redials a permanent request after
		// its backoff, as Core's ThreadOpenAddedConnections does.
		s.cm.Disconnect(target.req.ID())
	}
	target.Disconnect(nil)
	return nil, nil
}

func (s *server) handleSetBan(_ context.Context, params []json.RawMessage) (any, error) {
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
	prefix, err := connmgr.ParseBanTarget(subnet)
	if err != nil {
		return nil, rpcjson.NewRPCError(errRPCClientInvalidIPOrNet, "Error: Invalid IP/Subnet")
	}
	if command == "remove" {
		if !s.bans.Unban(prefix) {
			return nil, rpcjson.NewRPCError(errRPCClientInvalidIPOrNet,
				"Error: Unban failed. Requested address/subnet was not previously manually banned.")
		}
		return nil, s.saveBanList()
	}
	for _, e := range s.bans.Entries() {
		if e.Subnet == prefix || (prefix.Bits() == prefix.Addr().BitLen() && e.Subnet.Contains(prefix.Addr())) {
			return nil, rpcjson.NewRPCError(errRPCClientNodeAlreadyAdded, "Error: IP/Subnet already banned")
		}
	}
	// An operator's ban; far times saturate (connmgr.MaxBanUntil) rather
	// than overflow.
	now := time.Now()
	until := now.Add(s.cfg.BanDuration)
	switch {
	case absolute && bantime > 0:
		until = connmgr.BanUntilAfter(time.Unix(0, 0), bantime)
	case bantime > 0:
		until = connmgr.BanUntilAfter(now, bantime)
	}
	s.bans.ManualBanUntil(prefix, until, "manually added")
	for _, sp := range s.allPeers() {
		host, _, err := net.SplitHostPort(sp.Addr())
		if err != nil {
			continue
		}
		if ip, err := netip.ParseAddr(host); err == nil && prefix.Contains(ip.Unmap()) {
			if sp.req != nil {
				s.cm.Disconnect(sp.req.ID())
			}
			sp.Disconnect(nil)
		}
	}
	return nil, s.saveBanList()
}

func (s *server) handleListBanned(context.Context, []json.RawMessage) (any, error) {
	type ban struct {
		Address       string `json:"address"`
		BanCreated    int64  `json:"ban_created"`
		BannedUntil   int64  `json:"banned_until"`
		BanDuration   int64  `json:"ban_duration"`
		TimeRemaining int64  `json:"time_remaining"`
	}
	now := time.Now().Unix()
	out := []ban{}
	for _, e := range s.bans.Entries() {
		out = append(out, ban{Address: e.Subnet.String(), BanCreated: e.Created.Unix(),
			BannedUntil: e.Until.Unix(), BanDuration: e.Until.Unix() - e.Created.Unix(),
			TimeRemaining: e.Until.Unix() - now})
	}
	return out, nil
}

func (s *server) handleClearBanned(context.Context, []json.RawMessage) (any, error) {
	s.bans.Clear()
	return nil, s.saveBanList()
}

func (s *server) handleGetNodeAddresses(_ context.Context, params []json.RawMessage) (any, error) {
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
	for _, na := range s.am.Addresses(int(min(count, math.MaxInt32)), 0, id) {
		out = append(out, nodeAddr{Time: na.Timestamp.Unix(), Services: uint64(na.Services),
			Address: na.Host(), Port: na.Port, Network: wireNetworkName(na.Network)})
	}
	return out, nil
}

func (s *server) handleAddPeerAddress(_ context.Context, params []json.RawMessage) (any, error) {
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
	na, err := addrmgr.ParseNetAddr(net.JoinHostPort(address, strconv.Itoa(int(port))),
		wire.SFNodeNetwork|wire.SFNodeWitness)
	if err != nil || !addrmgr.IsRoutable(na) {
		return map[string]any{"success": false}, nil
	}
	na.Timestamp = time.Now()
	if s.am.AddAddresses([]*wire.NetAddressV2{na}, na) == 0 && s.am.Lookup(na) == nil {
		return map[string]any{"success": false}, nil
	}
	if tried {
		// Core's Good fails when the address does not reach the tried
		// table: here when its tried slot is taken and it waits in new
		// for a feeler to test the occupant (test-before-evict).
		if err := s.am.Good(na); err != nil || !s.am.InTried(na) {
			return map[string]any{"success": false, "error": "failed-adding-to-tried"}, nil
		}
	}
	s.relayAddr(na, 0)
	return map[string]any{"success": true}, nil
}

package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"net"
	"net/netip"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/tern-org/ternd/addrmgr"
	"github.com/tern-org/ternd/chaincfg"
	"github.com/tern-org/ternd/connmgr"
	"github.com/tern-org/ternd/internal/rpcjson"
	"github.com/tern-org/ternd/internal/rpcserver"
	"github.com/tern-org/ternd/peer"
	"github.com/tern-org/ternd/wire"
)

// testServer returns a P2P server on a temporary data dir, not started.
func testServer(t *testing.T) *server {
	t.Helper()
	cfg := defaultConfig()
	cfg.params = &chaincfg.RegressionNetParams
	cfg.netDataDir = t.TempDir()
	return mustNewServer(t, &cfg, nil)
}

func TestBanListPersistence(t *testing.T) {
	s := testServer(t)
	prefix := netip.MustParsePrefix("11.22.0.0/16")
	s.bans.Ban(prefix, time.Hour, "test")
	if err := s.saveBanList(); err != nil {
		t.Fatal(err)
	}
	data, err := os.ReadFile(s.banListPath())
	if err != nil {
		t.Fatal(err)
	}
	var entries []connmgr.BanEntry
	if err := json.Unmarshal(data, &entries); err != nil || len(entries) != 1 {
		t.Fatalf("banlist.json: %v %s", err, data)
	}
	s2 := mustNewServer(t, s.cfg, nil)
	s2.loadBanList()
	if !s2.bans.IsBanned(netip.MustParseAddr("11.22.3.4")) {
		t.Fatal("ban lost across save and load")
	}
	// A damaged file leaves the list empty.
	os.WriteFile(s.banListPath(), []byte("{"), 0o600)
	s3 := mustNewServer(t, s.cfg, nil)
	s3.loadBanList()
	if len(s3.bans.Entries()) != 0 {
		t.Fatal("damaged ban list loaded")
	}
}

// TestKnownAddrsBounded checks that a peer's known-address set stays
// within maxKnownAddrs and forgets its oldest keys first, so the newest
// are never announced twice.
func TestKnownAddrsBounded(t *testing.T) {
	sp := &serverPeer{addrKnown: newKnownAddrs()}
	key := func(i int) string {
		return netip.AddrPortFrom(netip.AddrFrom4([4]byte{11, byte(i >> 16), byte(i >> 8), byte(i)}), 8333).String()
	}
	const n = maxKnownAddrs*2 + 10
	for i := 0; i < n; i++ {
		if sp.knowsAddr(key(i), true) {
			t.Fatalf("fresh key %s known", key(i))
		}
		if !sp.knowsAddr(key(i), false) {
			t.Fatalf("key %s not remembered", key(i))
		}
		if l := sp.addrKnown.set.Len(); l > maxKnownAddrs {
			t.Fatalf("known set grew to %d", l)
		}
	}
	// The last maxKnownAddrs keys are all still known; the one before
	// them was forgotten.
	for i := n - maxKnownAddrs; i < n; i++ {
		if !sp.knowsAddr(key(i), false) {
			t.Fatalf("recent key %s forgotten", key(i))
		}
	}
	if sp.knowsAddr(key(n-maxKnownAddrs-1), false) {
		t.Fatal("oldest key kept past the bound")
	}
}

func TestNetRPCsBeforeStart(t *testing.T) {
	s := testServer(t)
	for _, name := range []string{"getconnectioncount", "getpeerinfo", "ping"} {
		_, err := p2pCall(t, s, name)
		var e *rpcjson.RPCError
		if !errors.As(err, &e) || e.Code != errRPCClientP2PDisabled ||
			e.Message != "Error: Peer-to-peer functionality missing or disabled" {
			t.Errorf("%s before start: %v", name, err)
		}
	}
}

func TestNormalizeNodeAddr(t *testing.T) {
	s := testServer(t)
	tests := []struct{ in, want string }{
		{"1.2.3.4", "1.2.3.4:18444"},
		{"1.2.3.4:9", "1.2.3.4:9"},
		{"[::1]:5", "[::1]:5"},
		{"example.org", "example.org:18444"},
	}
	for _, tc := range tests {
		got, err := s.normalizeNodeAddr(tc.in)
		if err != nil || got != tc.want {
			t.Errorf("normalizeNodeAddr(%s) = %s, %v; want %s", tc.in, got, err, tc.want)
		}
	}
	if _, err := s.normalizeNodeAddr(""); err == nil {
		t.Error("empty address accepted")
	}
}

// Core's network RPC error codes the tests expect.
const (
	errRPCClientNodeAlreadyAdded rpcjson.RPCErrorCode = -23
	errRPCClientInvalidIPOrNet   rpcjson.RPCErrorCode = -30
	errRPCClientP2PDisabled      rpcjson.RPCErrorCode = -31
)

// offlineServer is a server with its managers built but nothing
// started: enough for the RPCs that touch only the address manager and
// the ban list.
func offlineServer(t *testing.T) *server {
	t.Helper()
	s := testServer(t)
	s.am = addrmgr.New(&addrmgr.Config{DataDir: s.cfg.netDataDir, DefaultPort: s.defaultPort()})
	s.cm = connmgr.New(&connmgr.Config{})
	return s
}

// p2pCall runs the named network RPC on s through an RPC server whose
// network methods reach s by the adaptors of rpcadaptors.go, and returns
// its result decoded from JSON.
func p2pCall(t *testing.T, s *server, name string, ps ...any) (any, error) {
	t.Helper()
	rpc, err := rpcserver.New(rpcserver.Config{Backends: rpcserver.Backends{PeerServer: rpcPeers{s},
		ConnManager: rpcPeers{s}, BanManager: rpcBans{s}, AddrManager: rpcAddrs{s}}})
	if err != nil {
		t.Fatal(err)
	}
	rpc.SetWarmupFinished()
	if ps == nil {
		ps = []any{}
	}
	params, err := json.Marshal(ps)
	if err != nil {
		t.Fatal(err)
	}
	raw, rerr := rpc.Execute(context.Background(), name, params)
	if rerr != nil {
		return nil, rerr
	}
	var res any
	if err := json.Unmarshal(raw, &res); err != nil {
		t.Fatalf("%s: decode %s: %v", name, raw, err)
	}
	return res, nil
}

// p2pRPCCode returns the code of an *rpcjson.RPCError (0 for nil).
func p2pRPCCode(t *testing.T, err error) rpcjson.RPCErrorCode {
	t.Helper()
	if err == nil {
		return 0
	}
	var e *rpcjson.RPCError
	if !errors.As(err, &e) {
		t.Fatalf("not an RPC error: %v", err)
	}
	return e.Code
}

func TestNodeAddressesAcrossRestart(t *testing.T) {
	s := offlineServer(t)
	const onion = "pg6mmjiyjmcrsslvykfwnntlaru7p5svn6y2ymmju6nubxndf4pscryd.onion"
	for _, a := range []struct {
		host string
		port int
	}{{"11.4.0.1", 18444}, {"2001:4860::8888", 8333}, {onion, 8333}} {
		res, err := p2pCall(t, s, "addpeeraddress", a.host, a.port)
		if err != nil || !res.(map[string]any)["success"].(bool) {
			t.Fatalf("addpeeraddress %s: %v %v", a.host, res, err)
		}
	}
	// Unroutable and malformed addresses are refused without an error.
	for _, host := range []string{"127.0.0.1", "10.0.0.1", "not-an-address"} {
		res, err := p2pCall(t, s, "addpeeraddress", host, 8333)
		if err != nil || res.(map[string]any)["success"].(bool) {
			t.Fatalf("addpeeraddress %s: %v %v", host, res, err)
		}
	}
	check := func(s *server) {
		t.Helper()
		for _, c := range []struct {
			count   int
			network string
			want    int
		}{{0, "", 3}, {1, "", 1}, {0, "ipv4", 1}, {0, "ipv6", 1}, {0, "onion", 1}, {0, "i2p", 0}} {
			var res any
			var err error
			if c.network == "" {
				res, err = p2pCall(t, s, "getnodeaddresses", c.count)
			} else {
				res, err = p2pCall(t, s, "getnodeaddresses", c.count, c.network)
			}
			if err != nil {
				t.Fatal(err)
			}
			b, _ := json.Marshal(res)
			var got []struct {
				Address string `json:"address"`
				Network string `json:"network"`
			}
			json.Unmarshal(b, &got)
			if len(got) != c.want {
				t.Fatalf("getnodeaddresses %d %q: %s", c.count, c.network, b)
			}
			for _, g := range got {
				if c.network != "" && g.Network != c.network {
					t.Fatalf("network filter %q returned %s", c.network, b)
				}
			}
		}
	}
	check(s)
	if err := s.am.Save(); err != nil {
		t.Fatal(err)
	}
	// A new server on the same data dir finds them through peers.json.
	s2 := mustNewServer(t, s.cfg, nil)
	s2.am = addrmgr.New(&addrmgr.Config{DataDir: s.cfg.netDataDir, DefaultPort: s.defaultPort()})
	if err := s2.am.Load(); err != nil {
		t.Fatal(err)
	}
	s2.cm = connmgr.New(&connmgr.Config{})
	check(s2)

	if code := p2pRPCCode(t, p2pSecond(p2pCall(t, s, "getnodeaddresses", -1))); code != rpcjson.ErrRPCInvalidParameter {
		t.Fatalf("negative count: code %d", code)
	}
	if code := p2pRPCCode(t, p2pSecond(p2pCall(t, s, "getnodeaddresses", 0, "tor"))); code != rpcjson.ErrRPCInvalidParameter {
		t.Fatalf("unknown network: code %d", code)
	}
}

// p2pSecond returns its second argument.
func p2pSecond(_ any, err error) error { return err }

func TestSetBanRPCs(t *testing.T) {
	s := offlineServer(t)
	tests := []struct {
		name string
		args []any
		code rpcjson.RPCErrorCode
	}{
		{"ban a subnet", []any{"11.9.0.0/16", "add", 3600}, 0},
		{"ban it again", []any{"11.9.0.0/16", "add"}, errRPCClientNodeAlreadyAdded},
		{"ban an address inside it", []any{"11.9.1.1", "add"}, errRPCClientNodeAlreadyAdded},
		{"ban until a time", []any{"11.10.0.1", "add", time.Now().Add(time.Hour).Unix(), true}, 0},
		{"bad subnet", []any{"not-an-ip", "add"}, errRPCClientInvalidIPOrNet},
		{"bad command", []any{"11.11.0.1", "ban"}, rpcjson.ErrRPCMisc},
		{"unban", []any{"11.10.0.1", "remove"}, 0},
		{"unban again", []any{"11.10.0.1", "remove"}, errRPCClientInvalidIPOrNet},
	}
	for _, tc := range tests {
		if code := p2pRPCCode(t, p2pSecond(p2pCall(t, s, "setban", tc.args...))); code != tc.code {
			t.Errorf("%s: code %d, want %d", tc.name, code, tc.code)
		}
	}
	res, err := p2pCall(t, s, "listbanned")
	if err != nil {
		t.Fatal(err)
	}
	b, _ := json.Marshal(res)
	var bans []struct {
		Address     string `json:"address"`
		BanDuration int64  `json:"ban_duration"`
	}
	json.Unmarshal(b, &bans)
	if len(bans) != 1 || bans[0].Address != "11.9.0.0/16" || bans[0].BanDuration != 3600 {
		t.Fatalf("listbanned %s", b)
	}
	// The ban list on disk follows every change.
	s2 := mustNewServer(t, s.cfg, nil)
	s2.loadBanList()
	if len(s2.bans.Entries()) != 1 {
		t.Fatalf("banlist.json holds %d entries", len(s2.bans.Entries()))
	}
	if _, err := p2pCall(t, s, "clearbanned"); err != nil {
		t.Fatal(err)
	}
	if len(s.bans.Entries()) != 0 {
		t.Fatal("clearbanned left bans")
	}
}

// TestBanSavedOffTheHotPath checks that an automatic ban
// (onBan, called on the goroutine that saw the offence) does not write
// banlist.json; the save loop writes it once when changed, and Stop's save
// writes whatever is left.
func TestBanSavedOffTheHotPath(t *testing.T) {
	s := testServer(t)
	path := s.banListPath()
	ln, err := net.Listen("tcp4", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	c, err := net.Dial("tcp4", ln.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	p := peer.NewOutboundPeer(&peer.Config{Net: wire.TestNet}, 1, c)
	s.onBan(p, "test")
	if !s.bans.IsBanned(netip.MustParseAddr("127.0.0.1")) {
		t.Fatal("not banned")
	}
	if _, err := os.Stat(path); !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("onBan wrote the ban list synchronously: %v", err)
	}
	s.banSaveInterval = 10 * time.Millisecond
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { s.banSaveLoop(ctx); close(done) }()
	defer func() { cancel(); <-done }()
	deadline := time.Now().Add(10 * time.Second)
	for {
		s2 := mustNewServer(t, s.cfg, nil)
		s2.loadBanList()
		if s2.bans.IsBanned(netip.MustParseAddr("127.0.0.1")) {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("the save loop never wrote the ban")
		}
		time.Sleep(10 * time.Millisecond)
	}
	// Unchanged, the file is not rewritten.
	fi, _ := os.Stat(path)
	time.Sleep(50 * time.Millisecond)
	if fi2, _ := os.Stat(path); !fi2.ModTime().Equal(fi.ModTime()) {
		t.Fatal("unchanged ban list rewritten")
	}
	// Only banlist.json is in its directory: no temporary file is left.
	entries, err := os.ReadDir(filepath.Dir(path))
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		if strings.HasPrefix(e.Name(), connmgr.BanListFilename) && e.Name() != connmgr.BanListFilename {
			t.Fatalf("temporary file %s left behind", e.Name())
		}
	}
}

// TestSetBanHugeBantime checks that a bantime beyond
// time.Duration's range bans for a very long time instead of wrapping into
// the past, and setban bans are manual (spared by the ban list's cap).
func TestSetBanHugeBantime(t *testing.T) {
	s := offlineServer(t)
	if _, err := p2pCall(t, s, "setban", "11.9.0.1", "add", int64(10_000_000_000)); err != nil {
		t.Fatal(err)
	}
	if _, err := p2pCall(t, s, "setban", "11.9.0.2", "add", int64(math.MaxInt64)); err != nil {
		t.Fatal(err)
	}
	if _, err := p2pCall(t, s, "setban", "11.9.0.3", "add", int64(math.MaxInt64), true); err != nil {
		t.Fatal(err)
	}
	for _, ip := range []string{"11.9.0.1", "11.9.0.2", "11.9.0.3"} {
		if !s.bans.IsBanned(netip.MustParseAddr(ip)) {
			t.Fatalf("%s not banned", ip)
		}
	}
	minUntil := time.Now().AddDate(300, 0, 0)
	for _, e := range s.bans.Entries() {
		if !e.Manual || e.Until.Before(minUntil) {
			t.Fatalf("entry %+v", e)
		}
	}
	// The saved list survives a reload.
	s2 := mustNewServer(t, s.cfg, nil)
	s2.loadBanList()
	if n := len(s2.bans.Entries()); n != 3 {
		t.Fatalf("reloaded %d bans", n)
	}
}

// TestEvictInbound checks at the server that with its inbound
// slots full of peers from one host, a new connection evicts the newest
// unprotected one; whitelisted peers are never evicted.
func TestEvictInbound(t *testing.T) {
	s := offlineServer(t)
	ln, err := net.Listen("tcp4", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	var sps []*serverPeer
	for i := 0; i < 24; i++ {
		c, err := net.Dial("tcp4", ln.Addr().String())
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close()
		p := peer.NewInboundPeer(&peer.Config{Net: wire.TestNet}, int32(i+1), c)
		sp := &serverPeer{Peer: p, whitelisted: i == 23}
		sp.na, _ = addrmgr.ParseNetAddr(p.Addr(), 0)
		s.peers[p.ID()] = sp
		sps = append(sps, sp)
		time.Sleep(time.Millisecond) // distinct connection times
	}
	if !s.evictInbound() {
		t.Fatal("nothing evicted")
	}
	for i, sp := range sps {
		if want := i != 22; sp.Connected() != want {
			t.Fatalf("peer %d connected %v, want %v", i, sp.Connected(), want)
		}
	}
	for _, sp := range sps {
		sp.whitelisted = true
	}
	if s.evictInbound() {
		t.Fatal("evicted a whitelisted peer")
	}
}

// TestWaitDoneReleasedAtDisconnect checks at the server that a read goroutine waiting for its block or transaction to be
// handled is released as soon as the peer is disconnected, without Run
// having returned (Run waits for that very goroutine).
func TestWaitDoneReleasedAtDisconnect(t *testing.T) {
	s := testServer(t)
	a, b := net.Pipe()
	defer a.Close()
	p := peer.NewInboundPeer(&peer.Config{Net: wire.TestNet}, 1, b)
	released := make(chan struct{})
	go func() {
		s.waitDone(p, make(chan struct{}, 1))
		close(released)
	}()
	p.Disconnect(nil)
	select {
	case <-released:
	case <-time.After(5 * time.Second):
		t.Fatal("waitDone still blocked after the peer was disconnected")
	}
}

// TestAddPeerAddressTriedCollision adds addresses of one /16 to the tried
// table until two share a tried slot: the second is refused with Core's
// "failed-adding-to-tried" and stays in the new table, while every earlier
// one is tried.
func TestAddPeerAddressTriedCollision(t *testing.T) {
	s := offlineServer(t)
	var added []string
	for i := 1; i < 4096; i++ {
		host := fmt.Sprintf("50.1.%d.%d", i>>8, i&0xff)
		res, err := p2pCall(t, s, "addpeeraddress", host, 8333, true)
		if err != nil {
			t.Fatalf("addpeeraddress %s: %v", host, err)
		}
		r := res.(map[string]any)
		na, perr := addrmgr.ParseNetAddr(net.JoinHostPort(host, "8333"), 0)
		if perr != nil {
			t.Fatal(perr)
		}
		if r["success"].(bool) {
			if !s.am.InTried(na) {
				t.Fatalf("%s reported success but is not tried", host)
			}
			added = append(added, host)
			continue
		}
		if r["error"] != "failed-adding-to-tried" {
			t.Fatalf("%s: %v", host, r)
		}
		if s.am.InTried(na) || s.am.Lookup(na) == nil {
			t.Fatalf("%s: should wait in the new table", host)
		}
		if len(added) == 0 {
			t.Fatal("the first address collided")
		}
		t.Logf("collision after %d tried addresses", len(added))
		return
	}
	t.Fatal("no tried-slot collision in 4095 addresses of one /16")
}

// mustNewServer is newServer for tests: a construction error fails t.
func mustNewServer(t testing.TB, cfg *config, core *node) *server {
	t.Helper()
	s, err := newServer(cfg, core)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

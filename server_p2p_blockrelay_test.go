package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"sort"
	"sync"
	"testing"
	"time"

	"github.com/tern-org/ternd/addrmgr"
	"github.com/tern-org/ternd/connmgr"
	"github.com/tern-org/ternd/peer"
	"github.com/tern-org/ternd/wire"
)

// fakeRemote is an in-process remote node: a listener on 127.0.0.1 whose
// connections run the peer package's handshake and record every message
// they receive. The node under test reaches it through a routable-looking
// address mapped by p2pTestDialer.
type fakeRemote struct {
	l      net.Listener
	ctx    context.Context
	cancel context.CancelFunc
	wg     sync.WaitGroup

	mu     sync.Mutex
	msgs   []wire.Message
	cur    *peer.Peer
	conns  int
	closed int
}

// newFakeRemote starts a fake remote node; it stops at the test's end.
func newFakeRemote(t *testing.T) *fakeRemote {
	t.Helper()
	l, err := net.Listen("tcp4", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	f := &fakeRemote{l: l}
	f.ctx, f.cancel = context.WithCancel(context.Background())
	cfg := &peer.Config{Net: wire.TestNet, UserAgentName: "fake", UserAgentVersion: "1",
		FeeFilter: -1, NewestBlock: func() int32 { return 0 },
		Listeners: peer.MessageListeners{OnRead: func(_ *peer.Peer, _ int, msg wire.Message, err error) {
			if err == nil && msg != nil {
				f.mu.Lock()
				f.msgs = append(f.msgs, msg)
				f.mu.Unlock()
			}
		}}}
	f.wg.Add(1)
	go func() {
		defer f.wg.Done()
		for id := int32(1); ; id++ {
			conn, err := l.Accept()
			if err != nil {
				return
			}
			p := peer.NewInboundPeer(cfg, id, conn)
			f.mu.Lock()
			f.cur = p
			f.conns++
			f.mu.Unlock()
			f.wg.Add(1)
			go func() {
				defer f.wg.Done()
				p.Run(f.ctx)
				f.mu.Lock()
				f.closed++
				f.mu.Unlock()
			}()
		}
	}()
	t.Cleanup(func() {
		f.cancel()
		l.Close()
		f.wg.Wait()
	})
	return f
}

// port is the listener's port, as getpeerinfo shows the connection.
func (f *fakeRemote) addr() string { return f.l.Addr().String() }

// find returns the received messages for which match holds.
func (f *fakeRemote) find(match func(wire.Message) bool) []wire.Message {
	f.mu.Lock()
	defer f.mu.Unlock()
	var out []wire.Message
	for _, m := range f.msgs {
		if match(m) {
			out = append(out, m)
		}
	}
	return out
}

// version returns the first version message received, or nil.
func (f *fakeRemote) version() *wire.MsgVersion {
	vs := f.find(func(m wire.Message) bool { _, ok := m.(*wire.MsgVersion); return ok })
	if len(vs) == 0 {
		return nil
	}
	return vs[0].(*wire.MsgVersion)
}

// counts returns how many connections were accepted and have ended.
func (f *fakeRemote) counts() (conns, closed int) {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.conns, f.closed
}

// send queues msg on the current connection.
func (f *fakeRemote) send(msg wire.Message) {
	f.mu.Lock()
	p := f.cur
	f.mu.Unlock()
	p.QueueMessage(msg, nil)
}

func isCmd(cmd string) func(wire.Message) bool {
	return func(m wire.Message) bool { return m.Command() == cmd }
}

// hasTxInv reports whether m is an inv naming a transaction.
func hasTxInv(m wire.Message) bool {
	inv, ok := m.(*wire.MsgInv)
	if !ok {
		return false
	}
	for _, iv := range inv.InvList {
		if isTxInv(iv.Type) {
			return true
		}
	}
	return false
}

// p2pTestDialer maps routable-looking addresses to fake remotes and
// records the dials in order.
type p2pTestDialer struct {
	mu     sync.Mutex
	routes map[string]string
	dials  []string
}

func newP2PTestDialer() *p2pTestDialer {
	return &p2pTestDialer{routes: make(map[string]string)}
}

func (d *p2pTestDialer) route(from string, to *fakeRemote) {
	d.mu.Lock()
	d.routes[from] = to.addr()
	d.mu.Unlock()
}

func (d *p2pTestDialer) dial(ctx context.Context, network, addr string) (net.Conn, error) {
	d.mu.Lock()
	d.dials = append(d.dials, addr)
	to, ok := d.routes[addr]
	d.mu.Unlock()
	if !ok {
		return nil, errors.New("no route to " + addr)
	}
	var nd net.Dialer
	return nd.DialContext(ctx, "tcp4", to)
}

// startHookedNode starts an in-process regtest node on app (no --connect,
// so it makes automatic connections) with one full-relay and one
// block-relay-only slot, fast timers and dials through d; hook may change
// the P2P server further before it starts.
func startHookedNode(t *testing.T, app string, d *p2pTestDialer, hook func(*server)) (*testNode, *server) {
	t.Helper()
	args := []string{"--appdata=" + app, "--regtest", "--listen=127.0.0.1:" + freeTCPPort(t),
		"--rpclisten=127.0.0.1:" + freeTCPPort(t)}
	n := newTestDaemon(t, args...)
	n.tune = func(n *daemon) {
		s := n.p2p
		s.testDial = d.dial
		s.targetOutbound, s.targetBlockRelay = 1, 1
		s.retryInterval = 20 * time.Millisecond
		s.trickleInterval = 20 * time.Millisecond
		s.feelerInterval = time.Hour
		if hook != nil {
			hook(s)
		}
	}
	tn := &testNode{t: t, n: n}
	if err := n.start(); err != nil {
		n.stop()
		t.Fatal(err)
	}
	tn.up = true
	t.Cleanup(tn.stop)
	return tn, n.p2p
}

// p2pPeerInfo is the part of getpeerinfo these tests read.
type p2pPeerInfo struct {
	ID               int32  `json:"id"`
	Addr             string `json:"addr"`
	ConnType         string `json:"connection_type"`
	RelayTxes        bool   `json:"relaytxes"`
	AddrRelayEnabled bool   `json:"addr_relay_enabled"`
}

// addPeerAddress puts host:18444 in the node's address manager.
func addPeerAddress(t *testing.T, tn *testNode, host string) {
	t.Helper()
	var res struct {
		Success bool `json:"success"`
	}
	tn.mustCall(&res, "addpeeraddress", host, 18444)
	if !res.Success {
		t.Fatalf("addpeeraddress %s failed", host)
	}
}

// connectTwo starts two fake remotes behind 1.1.1.1 and 2.2.2.2, lets the
// node connect to both (one full-relay, one block-relay-only), and returns
// the full-relay remote, the block-relay-only one, the latter's routable
// address and the getpeerinfo entries by remote.
func connectTwo(t *testing.T, tn *testNode, d *p2pTestDialer) (full, block *fakeRemote, blockAddr string,
	info map[*fakeRemote]p2pPeerInfo) {
	t.Helper()
	r1, r2 := newFakeRemote(t), newFakeRemote(t)
	d.route("1.1.1.1:18444", r1)
	d.route("2.2.2.2:18444", r2)
	addPeerAddress(t, tn, "1.1.1.1")
	addPeerAddress(t, tn, "2.2.2.2")
	var ps []p2pPeerInfo
	p2pWait(t, 30*time.Second, "two outbound peers", func() bool {
		tn.mustCall(&ps, "getpeerinfo")
		return len(ps) == 2
	})
	info = make(map[*fakeRemote]p2pPeerInfo)
	for _, pi := range ps {
		// The node dialed the remote's listener: getpeerinfo shows it.
		switch pi.Addr {
		case r1.addr():
			info[r1] = pi
		case r2.addr():
			info[r2] = pi
		}
	}
	if len(info) != 2 {
		t.Fatalf("getpeerinfo %+v does not name both remotes", ps)
	}
	full, block, blockAddr = r1, r2, "2.2.2.2:18444"
	if info[r1].ConnType == "block-relay-only" {
		full, block, blockAddr = r2, r1, "1.1.1.1:18444"
	}
	if info[full].ConnType != "outbound-full-relay" || !info[full].RelayTxes || !info[full].AddrRelayEnabled {
		t.Fatalf("full-relay peer %+v", info[full])
	}
	if info[block].ConnType != "block-relay-only" || info[block].RelayTxes || info[block].AddrRelayEnabled {
		t.Fatalf("block-relay-only peer %+v", info[block])
	}
	return full, block, blockAddr, info
}

// TestP2PBlockRelayOnlyPeer: of an automatic full-relay and a
// block-relay-only connection, the block-relay-only peer gets relay=false
// in our version, no getaddr, no feefilter, no transaction inv and no
// relayed address, its addresses are ignored and a transaction inv from
// it ends the connection, while blocks reach it as they reach the
// full-relay peer (the positive controls).
func TestP2PBlockRelayOnlyPeer(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a node")
	}
	d := newP2PTestDialer()
	tn, s := startHookedNode(t, t.TempDir(), d, nil)
	w := newTestWallet(t, 21)
	var hashes []string
	tn.mustCall(&hashes, "generatetoaddress", 101, w.addr)
	full, block, _, info := connectTwo(t, tn, d)

	if v := full.version(); v == nil || v.DisableRelayTx {
		t.Fatalf("full-relay version %+v", v)
	}
	if v := block.version(); v == nil || !v.DisableRelayTx {
		t.Fatalf("block-relay-only version %+v, want relay=false", v)
	}
	if f, b, _ := s.cm.OutboundCounts(); f != 1 || b != 1 {
		t.Fatalf("OutboundCounts %d full, %d block-relay-only", f, b)
	}
	// Chain-sync eviction covers both; only the full-relay peer counts
	// as full outbound (for protection and the stale-tip extra peer).
	for _, sp := range s.allPeers() {
		isBlock := sp.Addr() == info[block].Addr
		if s.isBlockRelayOnly(sp.Peer) != isBlock || s.isFullOutbound(sp.Peer) == isBlock {
			t.Fatalf("peer %s: isBlockRelayOnly %v, isFullOutbound %v", sp.Addr(),
				s.isBlockRelayOnly(sp.Peer), s.isFullOutbound(sp.Peer))
		}
	}
	p2pWait(t, 10*time.Second, "getaddr to the full-relay peer", func() bool {
		return len(full.find(isCmd(wire.CmdGetAddr))) == 1
	})

	// A transaction is announced to the full-relay peer only.
	spend := w.spend(t, []prevOut{{wire.OutPoint{Hash: tn.coinbaseOf(1)}, 5000000000}},
		[]*wire.TxOut{{Value: 4999990000, PkScript: w.pkScript}}, wire.MaxTxInSequenceNum)
	tn.mustCall(nil, "sendrawtransaction", txHex(spend))
	p2pWait(t, 10*time.Second, "the tx inv at the full-relay peer", func() bool {
		return len(full.find(hasTxInv)) > 0
	})

	// An address from the full-relay peer is stored and would be relayed
	// to up to two others: the only other peer is block-relay-only.
	fresh := func(host string) *wire.MsgAddr {
		na, err := addrmgr.ParseNetAddr(host+":18444", wire.SFNodeNetwork|wire.SFNodeWitness)
		if err != nil {
			t.Fatal(err)
		}
		na.Timestamp = time.Now()
		return addrmgr.AddrMessages([]*wire.NetAddressV2{na}, false)[0].(*wire.MsgAddr)
	}
	full.send(fresh("5.6.7.8"))
	block.send(fresh("9.8.7.6"))
	p2pWait(t, 10*time.Second, "the full-relay peer's address stored", func() bool {
		na, _ := addrmgr.ParseNetAddr("5.6.7.8:18444", 0)
		return s.am.Lookup(na) != nil
	})

	// A block reaches both peers.
	tn.mustCall(&hashes, "generatetoaddress", 1, w.addr)
	announced := func(m wire.Message) bool {
		switch m := m.(type) {
		case *wire.MsgHeaders:
			return len(m.Headers) > 0
		case *wire.MsgInv:
			return len(m.InvList) > 0 && m.InvList[0].Type == wire.InvTypeBlock
		}
		return false
	}
	p2pWait(t, 10*time.Second, "the block at both peers", func() bool {
		return len(full.find(announced)) > 0 && len(block.find(announced)) > 0
	})
	// Many trickle intervals later the block-relay-only peer still has
	// no transaction inv, address or getaddr, and no feefilter.
	time.Sleep(300 * time.Millisecond)
	for _, cmd := range []string{wire.CmdGetAddr, wire.CmdAddr, wire.CmdAddrV2, wire.CmdFeeFilter} {
		if n := len(block.find(isCmd(cmd))); n != 0 {
			t.Errorf("block-relay-only peer got %d %s", n, cmd)
		}
	}
	if n := len(block.find(hasTxInv)); n != 0 {
		t.Errorf("block-relay-only peer got %d transaction invs", n)
	}
	na, _ := addrmgr.ParseNetAddr("9.8.7.6:18444", 0)
	if s.am.Lookup(na) != nil {
		t.Error("an address from the block-relay-only peer was stored")
	}
	if len(full.find(isCmd(wire.CmdFeeFilter))) == 0 {
		t.Error("no feefilter to the full-relay peer")
	}

	// A transaction inv from the block-relay-only peer ends it.
	block.send(&wire.MsgInv{InvList: []*wire.InvVect{{Type: wire.InvTypeWTx, Hash: spend.WitnessHash()}}})
	p2pWait(t, 10*time.Second, "the block-relay-only peer disconnected", func() bool {
		_, closed := block.counts()
		return closed >= 1
	})
	if _, closed := full.counts(); closed != 0 {
		t.Fatal("the full-relay peer was disconnected")
	}
}

// TestP2PAnchors: at stop the block-relay-only peer's address is written
// to anchors.dat; the next start reads and deletes the file and dials the
// anchor first, as block-relay-only. A damaged file is deleted and
// ignored.
func TestP2PAnchors(t *testing.T) {
	if testing.Short() {
		t.Skip("starts nodes")
	}
	app := t.TempDir()
	d := newP2PTestDialer()
	tn, s := startHookedNode(t, app, d, nil)
	_, _, blockAddr, _ := connectTwo(t, tn, d)
	path := filepath.Join(s.cfg.netDataDir, connmgr.AnchorsFilename)
	tn.stop()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("no anchors.dat after stop: %v", err)
	}
	var content struct {
		Anchors []string `json:"anchors"`
	}
	if err := json.Unmarshal(data, &content); err != nil || len(content.Anchors) != 1 ||
		content.Anchors[0] != blockAddr {
		t.Fatalf("anchors.dat %s (%v), want [%s]", data, err, blockAddr)
	}

	// Restart: the anchor is the first automatic request, block-relay-only.
	d2 := newP2PTestDialer()
	r3 := newFakeRemote(t)
	d2.route(blockAddr, r3)
	tn2, s2 := startHookedNode(t, app, d2, nil)
	if _, err := os.Stat(path); !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("anchors.dat not deleted at start: %v", err)
	}
	p2pWait(t, 30*time.Second, "the anchor connected", func() bool {
		var ps []p2pPeerInfo
		tn2.mustCall(&ps, "getpeerinfo")
		for _, pi := range ps {
			if pi.Addr == r3.addr() {
				return pi.ConnType == "block-relay-only"
			}
		}
		return false
	})
	if v := r3.version(); v == nil || !v.DisableRelayTx {
		t.Fatalf("anchor version %+v, want relay=false", v)
	}
	reqs := s2.cm.Requests()
	sort.Slice(reqs, func(i, j int) bool { return reqs[i].ID() < reqs[j].ID() })
	if len(reqs) == 0 || reqs[0].Addr.String() != blockAddr || reqs[0].Type() != connmgr.ConnBlockRelayOnly {
		t.Fatalf("first request %v, want the anchor %s", reqs, blockAddr)
	}
	tn2.stop()

	// A damaged anchors.dat is deleted and ignored.
	if err := os.WriteFile(path, []byte("{\"anchors\": [garbage"), 0o600); err != nil {
		t.Fatal(err)
	}
	d3 := newP2PTestDialer()
	startHookedNode(t, app, d3, nil)
	if _, err := os.Stat(path); !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("damaged anchors.dat not deleted: %v", err)
	}
}

// TestP2PFeeler: with the outbound slots full, a feeler connects to the
// address in the new table with relay=false, the address moves to the
// tried table and the connection closes at once; the slots keep their
// peers.
func TestP2PFeeler(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a node")
	}
	d := newP2PTestDialer()
	tn, s := startHookedNode(t, t.TempDir(), d, func(s *server) {
		s.feelerInterval = 20 * time.Millisecond
	})
	connectTwo(t, tn, d)
	if nNew, nTried := s.am.Counts(); nNew != 0 || nTried != 2 {
		t.Fatalf("before the feeler: new %d, tried %d", nNew, nTried)
	}
	r3 := newFakeRemote(t)
	d.route("3.3.3.3:18444", r3)
	addPeerAddress(t, tn, "3.3.3.3")
	p2pWait(t, 30*time.Second, "the feeler connected and closed", func() bool {
		conns, closed := r3.counts()
		return conns >= 1 && closed >= 1
	})
	if v := r3.version(); v == nil || !v.DisableRelayTx {
		t.Fatalf("feeler version %+v, want relay=false", v)
	}
	if len(r3.find(isCmd(wire.CmdGetAddr))) != 0 {
		t.Fatal("the feeler asked for addresses")
	}
	p2pWait(t, 10*time.Second, "the feeler's address in the tried table", func() bool {
		nNew, nTried := s.am.Counts()
		return nNew == 0 && nTried == 3
	})
	var ps []p2pPeerInfo
	tn.mustCall(&ps, "getpeerinfo")
	if len(ps) != 2 {
		t.Fatalf("getpeerinfo %+v, want the two slot peers", ps)
	}
	if f, b, _ := s.cm.OutboundCounts(); f != 1 || b != 1 {
		t.Fatalf("OutboundCounts %d full, %d block-relay-only after the feeler", f, b)
	}
}

// TestP2PConnectModeNoBlockRelay: with --connect there are no automatic
// connections, so no block-relay-only slots (the inbound slots are
// MaxPeers less the 8 full-relay ones, as before), no feelers and no
// anchors.dat; without it 2 block-relay-only slots come off the inbound
// ones (Core's -maxconnections split).
func TestP2PConnectModeNoBlockRelay(t *testing.T) {
	if testing.Short() {
		t.Skip("starts nodes")
	}
	tests := []struct {
		name        string
		connect     bool
		maxPeers    int
		wantInbound int
		anchorsFile bool
	}{
		{"--connect", true, 20, 12, false},
		{"automatic", false, 20, 10, true},
		{"automatic, --maxpeers=9", false, 9, 0, true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			app := t.TempDir()
			d := newP2PTestDialer()
			hook := func(s *server) {
				s.targetOutbound, s.targetBlockRelay = 0, 0 // the defaults
				s.cfg.MaxPeers = tc.maxPeers
				if tc.connect {
					s.cfg.ConnectPeers = []string{"127.0.0.1:1"}
				}
			}
			tn, s := startHookedNode(t, app, d, hook)
			if got := s.cm.MaxInbound(); got != tc.wantInbound {
				t.Fatalf("MaxInbound %d, want %d", got, tc.wantInbound)
			}
			path := filepath.Join(s.cfg.netDataDir, connmgr.AnchorsFilename)
			tn.stop()
			_, err := os.Stat(path)
			if (err == nil) != tc.anchorsFile {
				t.Fatalf("anchors.dat written %v, want %v", err == nil, tc.anchorsFile)
			}
		})
	}
	t.Logf("%d cases", len(tests))
}

// TestP2PExtraBlockRelay: once the node's tip is recent (out of the
// initial sync) the sync manager starts Core's extra block-relay-only
// connections: with the slots full, a third address in the table is
// dialed as a second block-relay-only peer beyond the target of one,
// with relay=false. (Its eviction is timed by the sync manager's 45-second
// check, tested in internal/netsync.)
func TestP2PExtraBlockRelay(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a node")
	}
	d := newP2PTestDialer()
	tn, s := startHookedNode(t, t.TempDir(), d, func(s *server) {
		s.extraBlockInterval = 20 * time.Millisecond
	})
	w := newTestWallet(t, 22)
	var hashes []string
	tn.mustCall(&hashes, "generatetoaddress", 1, w.addr) // a recent tip
	connectTwo(t, tn, d)
	r3 := newFakeRemote(t)
	d.route("3.3.3.3:18444", r3)
	addPeerAddress(t, tn, "3.3.3.3")
	p2pWait(t, 30*time.Second, "the extra block-relay-only peer", func() bool {
		return s.cm.ExtraBlockRelay() == 1
	})
	var ps []p2pPeerInfo
	tn.mustCall(&ps, "getpeerinfo")
	types := map[string]int{}
	for _, pi := range ps {
		types[pi.ConnType]++
	}
	if types["block-relay-only"] != 2 || types["outbound-full-relay"] != 1 {
		t.Fatalf("connection types %v", types)
	}
	if v := r3.version(); v == nil || !v.DisableRelayTx {
		t.Fatalf("extra peer version %+v, want relay=false", v)
	}
}

// TestP2PFeelerSkipsConnectedCollision: when the address manager offers a
// tried entry for a collision test and an outbound peer is connected to
// it, the feeler source marks it good (it answers) and draws a new table
// address instead of dialing the peer a second time.
func TestP2PFeelerSkipsConnectedCollision(t *testing.T) {
	s := offlineServer(t)
	src, err := addrmgr.ParseNetAddr("60.1.0.1:8333", 0)
	if err != nil {
		t.Fatal(err)
	}
	// Make addresses of one group good until one waits on a collision.
	var old *wire.NetAddressV2
	for i := 1; i < 1<<16 && old == nil; i++ {
		na, _ := addrmgr.ParseNetAddr(fmt.Sprintf("50.1.%d.%d:8333", i>>8, i&0xff), wire.SFNodeNetwork)
		na.Timestamp = time.Now()
		if s.am.AddAddresses([]*wire.NetAddressV2{na}, src) == 0 {
			continue
		}
		s.am.Good(na)
		if ka := s.am.SelectTriedCollision(); ka != nil {
			old = ka.NetAddress()
		}
	}
	if old == nil {
		t.Fatal("no collision")
	}
	// A fresh address in the new table, and an outbound peer at old.
	fresh, _ := addrmgr.ParseNetAddr("70.1.0.1:8333", wire.SFNodeNetwork)
	fresh.Timestamp = time.Now()
	s.am.AddAddresses([]*wire.NetAddressV2{fresh}, src)
	a, b := net.Pipe()
	defer a.Close()
	defer b.Close()
	p := peer.NewOutboundPeer(&peer.Config{Net: wire.TestNet}, 1, b)
	s.peersMu.Lock()
	s.peers[1] = &serverPeer{Peer: p, na: old}
	s.peersMu.Unlock()

	got, err := s.feelerAddress()
	if err != nil {
		t.Fatal(err)
	}
	if got.String() == old.String() {
		t.Fatalf("feeler to the connected peer %v", old)
	}
	if s.am.SelectTriedCollision() != nil {
		t.Fatal("the collision was not resolved by marking the connected peer good")
	}
}

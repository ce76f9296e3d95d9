package itest

import (
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"io"
	"net"
	"net/netip"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/btcsuite/btcd/chaincfg/chainhash"
	"github.com/tern-org/ternd/connmgr"
	"github.com/tern-org/ternd/peer"
	"github.com/tern-org/ternd/wire"
)

// regtest is the network magic of regtest.
const regtest = wire.TestNet

// ourServices is what btcd's getpeerinfo prints for the peer package's
// default services (a peer without v2): NODE_NETWORK|NODE_WITNESS|
// NODE_NETWORK_LIMITED = 1033, as %08d; nodeServices is the ternd node's,
// which adds NODE_P2P_V2 (3081).
const (
	ourServices  = "00001033"
	nodeServices = "00003081"
)

func peerConfig() *peer.Config {
	return &peer.Config{
		Net:              regtest,
		UserAgentName:    "ternd",
		UserAgentVersion: "0.1.0",
		NewestBlock:      func() int32 { return 0 },
		PingInterval:     200 * time.Millisecond,
		HandshakeTimeout: 20 * time.Second,
	}
}

// runPeer runs p until the test ends.
func runPeer(t *testing.T, p *peer.Peer) {
	t.Helper()
	go p.Run(context.Background())
	t.Cleanup(func() {
		p.Disconnect(nil)
		p.WaitForDisconnect()
	})
}

func findPeer(infos []PeerInfo, subver string) (PeerInfo, bool) {
	for _, pi := range infos {
		if pi.SubVer == subver {
			return pi, true
		}
	}
	return PeerInfo{}, false
}

func TestTerndPeerDialsBtcd(t *testing.T) {
	needProcesses(t)
	b := StartBtcd(t)
	conn, err := net.DialTimeout("tcp4", b.P2PAddr, 10*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	p := peer.NewOutboundPeer(peerConfig(), 1, conn)
	runPeer(t, p)
	select {
	case <-p.HandshakeDone():
	case <-p.Done():
		t.Fatal("disconnected during handshake")
	case <-time.After(30 * time.Second):
		t.Fatal("handshake with btcd timed out")
	}
	if !strings.Contains(p.UserAgent(), "/btcd:") || p.ProtocolVersion() != 70016 ||
		!p.Services().HasFlag(wire.SFNodeNetwork|wire.SFNodeWitness) {
		t.Fatalf("btcd: ua %q version %d services %v", p.UserAgent(), p.ProtocolVersion(), p.Services())
	}
	// btcd v0.26.2 sends sendaddrv2 but not wtxidrelay (it skips ours as
	// an unknown message), so transactions are announced to it by txid.
	if !p.WantsAddrV2() || p.WantsWtxid() {
		t.Fatalf("btcd negotiated addrv2 %v, wtxidrelay %v; want true, false",
			p.WantsAddrV2(), p.WantsWtxid())
	}
	// Pings flow: btcd answers ours.
	Wait(t, 20*time.Second, "pong from btcd", func() bool {
		s := p.StatsSnapshot()
		return s.PingTime > 0 && s.RecvByCmd["pong"].Messages >= 2
	})
	var pi PeerInfo
	Wait(t, 20*time.Second, "btcd to list us", func() bool {
		var ok bool
		pi, ok = findPeer(b.GetPeerInfo(t), "/ternd:0.1.0/")
		return ok
	})
	if pi.Version != 70016 || pi.Services != ourServices || !pi.Inbound {
		t.Fatalf("btcd getpeerinfo: %+v", pi)
	}
	if !p.Connected() {
		t.Fatal("disconnected")
	}
	t.Logf("btcd %s, ping %v; btcd sees %+v", p.UserAgent(), p.StatsSnapshot().PingTime, pi)
}

// miniNode is a listening node built from connmgr and peer the way the
// server wires them: bans through a BanList, inbound peers from OnAccept.
type miniNode struct {
	t      *testing.T
	cm     *connmgr.ConnManager
	bans   *connmgr.BanList
	addr   string
	mu     sync.Mutex
	peers  []*peer.Peer
	bansCh chan string
}

func startMiniNode(t *testing.T, maxPeers int) *miniNode {
	t.Helper()
	ls, err := connmgr.Listen([]string{"127.0.0.1:0"})
	if err != nil {
		t.Fatal(err)
	}
	n := &miniNode{t: t, bans: connmgr.NewBanList(), addr: ls[0].Addr().String(),
		bansCh: make(chan string, 100)}
	cfg := peerConfig()
	cfg.OnBan = func(p *peer.Peer, reason string) {
		host, _, _ := net.SplitHostPort(p.Addr())
		if prefix, err := connmgr.ParseBanTarget(host); err == nil {
			n.bans.Ban(prefix, 24*time.Hour, reason)
		}
		n.bansCh <- host + ": " + reason
	}
	var ids int32
	n.cm = connmgr.New(&connmgr.Config{
		Listeners:      ls,
		MaxPeers:       maxPeers,
		TargetOutbound: 8,
		IsBanned:       n.bans.IsBannedAddr,
		OnAccept: func(c net.Conn) {
			n.mu.Lock()
			ids++
			p := peer.NewInboundPeer(cfg, ids, c)
			n.peers = append(n.peers, p)
			n.mu.Unlock()
			go p.Run(context.Background())
		},
	})
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { n.cm.Run(ctx); close(done) }()
	t.Cleanup(func() {
		stopFunc(cancel, done)()
		n.mu.Lock()
		ps := append([]*peer.Peer(nil), n.peers...)
		n.mu.Unlock()
		for _, p := range ps {
			p.Disconnect(nil)
			p.WaitForDisconnect()
		}
	})
	return n
}

// peerByUA returns a connected, handshaken peer whose user agent contains
// part (btcd's is "/btcwire:0.5.0/btcd:0.26.2/").
func (n *miniNode) peerByUA(prefix string) *peer.Peer {
	n.mu.Lock()
	defer n.mu.Unlock()
	for _, p := range n.peers {
		if p.Connected() && p.VerAckReceived() && strings.Contains(p.UserAgent(), prefix) {
			return p
		}
	}
	return nil
}

func TestBtcdDialsTerndPeer(t *testing.T) {
	needProcesses(t)
	n := startMiniNode(t, 125)
	b := StartBtcd(t)
	b.AddNode(t, n.addr, "onetry")
	var p *peer.Peer
	Wait(t, 30*time.Second, "btcd to connect", func() bool {
		p = n.peerByUA("/btcd:")
		return p != nil
	})
	if p.ProtocolVersion() != 70016 || !p.Inbound() {
		t.Fatalf("btcd peer: version %d inbound %v", p.ProtocolVersion(), p.Inbound())
	}
	var pi PeerInfo
	Wait(t, 20*time.Second, "btcd to list us", func() bool {
		var ok bool
		pi, ok = findPeer(b.GetPeerInfo(t), "/ternd:0.1.0/")
		return ok
	})
	if pi.Version != 70016 || pi.Services != ourServices || pi.Inbound || pi.Addr != n.addr {
		t.Fatalf("btcd getpeerinfo: %+v", pi)
	}
	Wait(t, 20*time.Second, "pings", func() bool {
		s := p.StatsSnapshot()
		return s.PingTime > 0 && s.RecvByCmd["pong"].Messages >= 2
	})
}

// rawFrame builds a message header and payload by hand.
func rawFrame(magic wire.BitcoinNet, cmd string, payload []byte, length int64, badSum bool) []byte {
	var hdr [24]byte
	binary.LittleEndian.PutUint32(hdr[0:], uint32(magic))
	copy(hdr[4:16], cmd)
	l := uint32(len(payload))
	if length >= 0 {
		l = uint32(length)
	}
	binary.LittleEndian.PutUint32(hdr[16:], l)
	sum := chainhash.DoubleHashB(payload)
	if badSum {
		sum[0] ^= 0xff
	}
	copy(hdr[20:], sum[:4])
	return append(hdr[:], payload...)
}

// closedWithin reports whether the server closes c within d.
func closedWithin(c net.Conn, d time.Duration) bool {
	c.SetReadDeadline(time.Now().Add(d))
	_, err := io.Copy(io.Discard, c)
	var ne net.Error
	return !(errors.As(err, &ne) && ne.Timeout())
}

// TestBadClientsBannedHonestPeerStays (named before bad framing stopped
// being a ban): bad clients are disconnected and not banned, as Core, while
// the honest btcd stays.
func TestBadClientsBannedHonestPeerStays(t *testing.T) {
	needProcesses(t)
	n := startMiniNode(t, 125)
	b := StartBtcd(t)
	b.AddNode(t, n.addr, "onetry")
	var honest *peer.Peer
	Wait(t, 30*time.Second, "btcd to connect", func() bool {
		honest = n.peerByUA("/btcd:")
		return honest != nil
	})

	var versionFrame bytes.Buffer
	na := &wire.NetAddress{Timestamp: time.Unix(0, 0), IP: net.IPv4zero}
	v := wire.NewMsgVersion(na, na, 777, 0)
	v.ProtocolVersion = 70016
	wire.WriteMessage(&versionFrame, v, wire.ProtocolVersion, regtest)

	tests := []struct {
		name string
		src  string
		raw  []byte
	}{
		{"garbage", "127.0.0.2", bytes.Repeat([]byte{0xde, 0xad, 0xbe, 0xef}, 16)},
		{"bad checksum", "127.0.0.3", rawFrame(regtest, "ping", make([]byte, 8), -1, true)},
		{"wrong magic", "127.0.0.4", rawFrame(wire.MainNet, "version", versionFrame.Bytes()[24:], -1, false)},
		{"oversize length", "127.0.0.5", rawFrame(regtest, "block", nil, 32<<20, false)},
		{"bad checksum after version", "127.0.0.6",
			append(versionFrame.Bytes(), rawFrame(regtest, "ping", make([]byte, 8), -1, true)...)},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			d := net.Dialer{LocalAddr: &net.TCPAddr{IP: net.ParseIP(tc.src)}, Timeout: 5 * time.Second}
			c, err := d.Dial("tcp4", n.addr)
			if err != nil {
				t.Fatal(err)
			}
			defer c.Close()
			c.Write(tc.raw)
			if !closedWithin(c, 10*time.Second) {
				t.Fatal("bad client not disconnected")
			}
			// None of these is misbehaviour in Core: no ban, and the address
			// may connect again.
			select {
			case r := <-n.bansCh:
				t.Fatalf("banned %s", r)
			case <-time.After(200 * time.Millisecond):
			}
			if n.bans.IsBanned(netip.MustParseAddr(tc.src)) {
				t.Fatal("in the ban list")
			}
			c2, err := d.Dial("tcp4", n.addr)
			if err != nil {
				t.Fatalf("reconnect: %v", err)
			}
			defer c2.Close()
			if closedWithin(c2, 2*time.Second) {
				t.Fatal("address refused after a non-misbehaviour disconnect")
			}
		})
	}
	// The honest peer is still connected and pings still flow.
	before := honest.StatsSnapshot().RecvByCmd["pong"].Messages
	Wait(t, 20*time.Second, "fresh pongs from btcd", func() bool {
		return honest.StatsSnapshot().RecvByCmd["pong"].Messages >= before+2
	})
	if !honest.Connected() || honest.BanScore() != 0 {
		t.Fatal("honest peer affected")
	}
	if _, ok := findPeer(b.GetPeerInfo(t), "/ternd:0.1.0/"); !ok {
		t.Fatal("btcd lost its connection to us")
	}
}

func TestConnectionBurstWithinMaxPeers(t *testing.T) {
	needProcesses(t)
	const maxPeers = 20 // 12 inbound slots beside 8 outbound.
	n := startMiniNode(t, maxPeers)
	dialBurst(t, n.addr, 1000)
	in, _ := n.cm.Counts()
	if in > maxPeers-8 {
		t.Fatalf("%d inbound after a burst of 1,000, limit %d", in, maxPeers-8)
	}
	t.Logf("1,000 attempts: %d inbound kept (limit %d)", in, maxPeers-8)
}

// dialBurst opens count TCP connections to addr, 100 at a time, and
// returns those that opened; they are closed when the test ends.
func dialBurst(t *testing.T, addr string, count int) []net.Conn {
	var wg sync.WaitGroup
	sem := make(chan struct{}, 100)
	var mu sync.Mutex
	var conns []net.Conn
	t.Cleanup(func() {
		mu.Lock()
		for _, c := range conns {
			c.Close()
		}
		mu.Unlock()
	})
	for i := 0; i < count; i++ {
		wg.Add(1)
		sem <- struct{}{}
		go func() {
			defer wg.Done()
			defer func() { <-sem }()
			c, err := net.DialTimeout("tcp4", addr, 10*time.Second)
			if err != nil {
				return
			}
			mu.Lock()
			conns = append(conns, c)
			mu.Unlock()
		}()
	}
	wg.Wait()
	return conns
}

// TestPersistentPeerReconnects wires connmgr and peer for an outbound
// permanent connection (--addpeer) to btcd, stops btcd, and checks that the
// connection is redialed with backoff when btcd comes back on the same
// address.
func TestPersistentPeerReconnects(t *testing.T) {
	needProcesses(t)
	b := StartBtcd(t)
	var mu sync.Mutex
	var peers []*peer.Peer
	cfg := peerConfig()
	var ids int32
	cm := connmgr.New(&connmgr.Config{
		TargetOutbound:   -1, // Only the permanent request.
		RetryDuration:    100 * time.Millisecond,
		MaxRetryDuration: 400 * time.Millisecond,
		OnConnection: func(req *connmgr.ConnReq, c net.Conn) {
			mu.Lock()
			ids++
			p := peer.NewOutboundPeer(cfg, ids, c)
			peers = append(peers, p)
			mu.Unlock()
			go p.Run(context.Background())
		},
	})
	addr, err := net.ResolveTCPAddr("tcp4", b.P2PAddr)
	if err != nil {
		t.Fatal(err)
	}
	req := &connmgr.ConnReq{Addr: addr, Permanent: true}
	if err := cm.Connect(req); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { cm.Run(ctx); close(done) }()
	t.Cleanup(func() {
		cm.Remove(req.ID())
		stopFunc(cancel, done)()
		mu.Lock()
		defer mu.Unlock()
		for _, p := range peers {
			p.Disconnect(nil)
			p.WaitForDisconnect()
		}
	})
	handshaken := func(i int) func() bool {
		return func() bool {
			mu.Lock()
			defer mu.Unlock()
			return len(peers) > i && peers[i].VerAckReceived() && peers[i].Connected()
		}
	}
	Wait(t, 30*time.Second, "first connection", handshaken(0))
	b.Stop(t)
	Wait(t, 30*time.Second, "disconnect", func() bool {
		mu.Lock()
		defer mu.Unlock()
		return !peers[0].Connected()
	})
	StartBtcdOn(t, b.P2PAddr)
	Wait(t, 60*time.Second, "reconnection", handshaken(1))
	if st, err := cm.State(req.ID()); err != nil || st != connmgr.ConnEstablished {
		t.Fatalf("request state %v, %v", st, err)
	}
}

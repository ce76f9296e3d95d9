package peer

import (
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"net"
	"runtime"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/btcsuite/btcd/chaincfg/chainhash"
	"github.com/tern-org/ternd/wire"
)

const testNet = wire.TestNet

func testConfig() *Config {
	return &Config{
		Net:              testNet,
		UserAgentName:    "ternd",
		UserAgentVersion: "0.1.0",
		NewestBlock:      func() int32 { return 42 },
		HandshakeTimeout: 5 * time.Second,
		TrickleInterval:  20 * time.Millisecond,
	}
}

// runPeer starts p.Run and returns a channel with its result; cleanup
// disconnects it and waits.
func runPeer(t testing.TB, p *Peer) <-chan error {
	t.Helper()
	ch := make(chan error, 1)
	go func() { ch <- p.Run(context.Background()) }()
	t.Cleanup(func() {
		p.Disconnect(nil)
		select {
		case <-p.Done():
		case <-time.After(10 * time.Second):
			t.Error("peer did not stop")
		}
	})
	return ch
}

func waitErr(t testing.TB, ch <-chan error) error {
	t.Helper()
	select {
	case err := <-ch:
		return err
	case <-time.After(10 * time.Second):
		t.Fatal("timed out waiting for Run to return")
	}
	return nil
}

func waitHandshake(t testing.TB, ps ...*Peer) {
	t.Helper()
	for _, p := range ps {
		select {
		case <-p.HandshakeDone():
		case <-time.After(10 * time.Second):
			t.Fatalf("handshake of %s did not finish", p)
		}
	}
}

func eventually(t testing.TB, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(2 * time.Millisecond)
	}
}

// pair connects an outbound and an inbound peer with conns.
func pair(t testing.TB, a, b net.Conn, outCfg, inCfg *Config) (*Peer, *Peer) {
	out := NewOutboundPeer(outCfg, 1, a)
	in := NewInboundPeer(inCfg, 2, b)
	runPeer(t, out)
	runPeer(t, in)
	waitHandshake(t, out, in)
	return out, in
}

func tcpPair(t testing.TB) (net.Conn, net.Conn) {
	t.Helper()
	ln, err := net.Listen("tcp4", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	ch := make(chan net.Conn, 1)
	go func() {
		c, _ := ln.Accept()
		ch <- c
	}()
	a, err := net.Dial("tcp4", ln.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	b := <-ch
	if b == nil {
		t.Fatal("accept failed")
	}
	return a, b
}

func TestHandshakeBothWays(t *testing.T) {
	for _, transport := range []string{"pipe", "tcp"} {
		t.Run(transport, func(t *testing.T) {
			var a, b net.Conn
			if transport == "pipe" {
				a, b = net.Pipe()
			} else {
				a, b = tcpPair(t)
			}
			var verAcks atomic.Int32
			cfg := testConfig()
			cfg.Listeners.OnVerAck = func(*Peer) { verAcks.Add(1) }
			out, in := pair(t, a, b, cfg, cfg)
			for _, p := range []*Peer{out, in} {
				if p.UserAgent() != "/ternd:0.1.0/" || p.ProtocolVersion() != 70016 ||
					p.Services() != DefaultServices || p.StartingHeight() != 42 {
					t.Fatalf("%s: ua %q version %d services %v height %d", p, p.UserAgent(),
						p.ProtocolVersion(), p.Services(), p.StartingHeight())
				}
				if !p.WantsWtxid() || !p.WantsAddrV2() || !p.RelayTx() {
					t.Fatalf("%s: wtxid %v addrv2 %v", p, p.WantsWtxid(), p.WantsAddrV2())
				}
			}
			eventually(t, "sendheaders and feefilter", func() bool {
				return out.WantsHeaders() && in.WantsHeaders() &&
					out.FeeFilter() == DefaultFeeFilter && in.FeeFilter() == DefaultFeeFilter
			})
			if verAcks.Load() != 2 {
				t.Fatalf("OnVerAck called %d times", verAcks.Load())
			}
			if !out.Connected() || out.Inbound() || !in.Inbound() {
				t.Fatal("direction")
			}
		})
	}
}

// rawPeer is a hand-driven remote end speaking the wire protocol, over v1
// framing or, when v2 is set, over an established BIP324 connection.
type rawPeer struct {
	t    testing.TB
	conn net.Conn
	v2   *v2Transport
}

func (r *rawPeer) send(msg wire.Message) {
	r.t.Helper()
	r.conn.SetWriteDeadline(time.Now().Add(5 * time.Second))
	var err error
	if r.v2 != nil {
		var buf []byte
		buf, err = wire.EncodeMessage(msg, wire.ProtocolVersion, testNet, wire.LatestEncoding)
		if err == nil {
			_, err = r.v2.writeMessage(&queued{msg: msg, buf: buf})
		}
	} else {
		err = wire.WriteMessage(r.conn, msg, wire.ProtocolVersion, testNet)
	}
	if err != nil {
		r.t.Fatalf("raw send %s: %v", msg.Command(), err)
	}
}

func (r *rawPeer) recv() wire.Message {
	r.t.Helper()
	r.conn.SetReadDeadline(time.Now().Add(5 * time.Second))
	var tr transport = &v1Transport{r: r.conn, net: testNet}
	if r.v2 != nil {
		tr = r.v2
	}
	_, msg, _, err := tr.readMessage(wire.ProtocolVersion)
	if err != nil {
		r.t.Fatalf("raw recv: %v", err)
	}
	return msg
}

// recvUntil reads until a message of the command arrives.
func (r *rawPeer) recvUntil(cmd string) wire.Message {
	r.t.Helper()
	for {
		if m := r.recv(); m.Command() == cmd {
			return m
		}
	}
}

func rawVersion(pver int32, nonce uint64) *wire.MsgVersion {
	na := &wire.NetAddress{Timestamp: time.Unix(0, 0), IP: net.IPv4zero}
	v := wire.NewMsgVersion(na, na, nonce, 7)
	v.ProtocolVersion = pver
	v.Services = wire.SFNodeNetwork
	v.UserAgent = "/raw:1/"
	return v
}

// handshakeRaw completes a handshake as the dialing side against an
// inbound peer.
func (r *rawPeer) handshake() {
	r.t.Helper()
	r.send(rawVersion(70016, 12345))
	r.recvUntil(wire.CmdVersion)
	r.send(wire.NewMsgWTxIDRelay())
	r.send(wire.NewMsgSendAddrV2())
	r.send(wire.NewMsgVerAck())
	r.recvUntil(wire.CmdVerAck)
}

// drain discards everything the peer sends until the connection closes.
func (r *rawPeer) drain() {
	go io.Copy(io.Discard, r.conn)
}

func TestHandshakeOrderAndRefusals(t *testing.T) {
	t.Run("order", func(t *testing.T) {
		a, b := net.Pipe()
		p := NewInboundPeer(testConfig(), 1, b)
		runPeer(t, p)
		r := &rawPeer{t: t, conn: a}
		r.send(rawVersion(70016, 99))
		var got []string
		for len(got) == 0 || got[len(got)-1] != wire.CmdVerAck {
			got = append(got, r.recv().Command())
		}
		want := []string{"version", "wtxidrelay", "sendaddrv2", "verack"}
		if fmt.Sprint(got) != fmt.Sprint(want) {
			t.Fatalf("sent %v, want %v", got, want)
		}
		r.send(wire.NewMsgVerAck())
		got = nil
		for len(got) < 3 {
			got = append(got, r.recv().Command())
		}
		if fmt.Sprint(got) != "[sendheaders feefilter ping]" {
			t.Fatalf("after verack: %v", got)
		}
	})
	tests := []struct {
		name    string
		script  func(r *rawPeer, nonces *NonceSet)
		wantErr error
		timeout time.Duration
	}{
		{"old version", func(r *rawPeer, _ *NonceSet) { r.send(rawVersion(60000, 1)) }, ErrOldVersion, 0},
		{"self connection", func(r *rawPeer, n *NonceSet) { r.send(rawVersion(70016, n.newNonce())) },
			ErrSelfConnection, 0},
		{"silent", func(r *rawPeer, _ *NonceSet) {}, ErrHandshakeTimeout, 200 * time.Millisecond},
		{"verack first", func(r *rawPeer, _ *NonceSet) { r.send(wire.NewMsgVerAck()) }, ErrProtocol, 0},
		{"closed", func(r *rawPeer, _ *NonceSet) { r.conn.Close() }, ErrDisconnected, 0},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			a, b := net.Pipe()
			defer a.Close()
			cfg := testConfig()
			cfg.Nonces = NewNonceSet()
			if tc.timeout > 0 {
				cfg.HandshakeTimeout = tc.timeout
			}
			p := NewInboundPeer(cfg, 1, b)
			ch := runPeer(t, p)
			r := &rawPeer{t: t, conn: a}
			r.drain()
			tc.script(r, cfg.Nonces)
			if err := waitErr(t, ch); !errors.Is(err, tc.wantErr) {
				t.Fatalf("Run: %v, want %v", err, tc.wantErr)
			}
			if p.VerAckReceived() {
				t.Fatal("handshake completed")
			}
		})
	}
}

func TestSelfConnectionSharedNonces(t *testing.T) {
	a, b := net.Pipe()
	cfg := testConfig()
	cfg.Nonces = NewNonceSet()
	out := NewOutboundPeer(cfg, 1, a)
	in := NewInboundPeer(cfg, 2, b)
	chOut := runPeer(t, out)
	chIn := runPeer(t, in)
	if err := waitErr(t, chIn); !errors.Is(err, ErrSelfConnection) {
		t.Fatalf("inbound: %v", err)
	}
	waitErr(t, chOut)
}

func TestPingPongAndStats(t *testing.T) {
	a, b := tcpPair(t)
	cfg := testConfig()
	cfg.PingInterval = 30 * time.Millisecond
	out, in := pair(t, a, b, cfg, cfg)
	eventually(t, "ping rtt", func() bool {
		s := out.StatsSnapshot()
		return s.PingTime > 0 && s.MinPing > 0 && s.RecvByCmd["pong"].Messages >= 2
	})
	s := in.StatsSnapshot()
	if !s.Inbound || s.Version != 70016 || s.UserAgent != "/ternd:0.1.0/" || !s.HandshakeDone ||
		s.BytesRecv == 0 || s.BytesSent == 0 || s.SentByCmd["version"].Messages != 1 ||
		s.RecvByCmd["verack"].Bytes != 24 || s.ConnTime.IsZero() || s.StartingHeight != 42 {
		t.Fatalf("stats: %+v", s)
	}
	var sum uint64
	for _, c := range s.RecvByCmd {
		sum += c.Bytes
	}
	if sum != s.BytesRecv {
		t.Fatalf("per-command bytes %d != total %d", sum, s.BytesRecv)
	}
	if s.SyncedHeaders != -1 || s.SyncedBlocks != -1 {
		t.Fatal("synced heights start unknown")
	}
	in.SetSyncedHeights(40, 39)
	if s := in.StatsSnapshot(); s.SyncedHeaders != 40 || s.SyncedBlocks != 39 {
		t.Fatal("SetSyncedHeights")
	}
	if !in.LastTx().IsZero() || !in.StatsSnapshot().LastTx.IsZero() {
		t.Fatal("last transaction time set before any transaction")
	}
	at := time.Unix(1_700_000_000, 0)
	in.SetLastTx(at)
	if !in.LastTx().Equal(at) || !in.StatsSnapshot().LastTx.Equal(at) {
		t.Fatal("SetLastTx")
	}
	in.UpdateLastBlockHeight(50)
	in.UpdateLastBlockHeight(45)
	if in.LastBlock() != 50 {
		t.Fatal("UpdateLastBlockHeight")
	}
}

func TestIdleTimeout(t *testing.T) {
	a, b := net.Pipe()
	cfg := testConfig()
	cfg.IdleTimeout = 200 * time.Millisecond
	p := NewInboundPeer(cfg, 1, b)
	ch := runPeer(t, p)
	r := &rawPeer{t: t, conn: a}
	r.handshake()
	r.drain()
	if err := waitErr(t, ch); !errors.Is(err, ErrIdleTimeout) {
		t.Fatalf("Run: %v", err)
	}
}

func TestWriteStall(t *testing.T) {
	a, b := net.Pipe()
	defer a.Close()
	cfg := testConfig()
	cfg.WriteStallTimeout = 100 * time.Millisecond
	p := NewOutboundPeer(cfg, 1, b) // Sends version; nobody reads.
	ch := runPeer(t, p)
	if err := waitErr(t, ch); !errors.Is(err, ErrWriteStall) {
		t.Fatalf("Run: %v", err)
	}
}

// frame builds a raw message with the given magic, command, payload and
// optional length and checksum overrides.
func frame(magic wire.BitcoinNet, cmd string, payload []byte, length int64, badSum bool) []byte {
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

// validTx returns a well-formed one-input, one-output transaction.
func validTx() *wire.MsgTx {
	tx := wire.NewMsgTx(2)
	tx.AddTxIn(wire.NewTxIn(&wire.OutPoint{Index: 1}, []byte{0x51}, nil))
	tx.AddTxOut(wire.NewTxOut(1000, []byte{0x51}))
	return tx
}

// hostilePayloads builds the payloads of messages no honest peer sends.
func hostilePayloads() map[string][]byte {
	count := func(n uint64) []byte { return wire.AppendVarInt(nil, n) }
	cat := func(parts ...[]byte) []byte { return bytes.Join(parts, nil) }
	garbageBlock := make([]byte, 200_000)
	for i := range garbageBlock {
		garbageBlock[i] = byte(i*7 + i>>8)
	}
	return map[string][]byte{
		"headers 2001":  cat(count(2001), make([]byte, 2001*81)),
		"addr 1001":     cat(count(1001), make([]byte, 1001*30)),
		"inv 50001":     cat(count(50001), make([]byte, 36)),
		"getdata 50001": cat(count(50001)),
		"notfound":      cat(count(50001)),
		"locator 102":   cat(make([]byte, 4), count(102), make([]byte, 103*32)),
		"tx inputs":     cat(make([]byte, 4), []byte{0xff, 0xff, 0xff, 0xff, 0xff, 0, 0, 0, 0}),
		"noncanonical":  cat([]byte{0xfd, 0x01, 0x00}, make([]byte, 36)),
		"garbage block": garbageBlock,
		"tx trailing":   append(validTx().Bytes(), 0),
	}
}

// TestBadMessages checks the fate of each message no honest peer sends,
// during the handshake and after it: nothing is banned during the
// handshake; after it a count over a message's protocol limit is
// misbehaviour (disconnected and banned, as Core), any other message that
// does not check or parse disconnects without a ban (btcd's line, stricter
// than Core's), and trailing bytes are skipped with the connection kept.
func TestBadMessages(t *testing.T) {
	const (
		disconnected = iota
		banned
		skipped
	)
	hp := hostilePayloads()
	tests := []struct {
		name  string
		raw   []byte
		after int // the fate after the handshake; during it, disconnected
	}{
		{"garbage", bytes.Repeat([]byte("GET / HTTP/1.1\r\n"), 4), disconnected},
		{"wrong magic", frame(wire.MainNet, "ping", make([]byte, 8), -1, false), disconnected},
		{"oversize length", frame(testNet, "block", nil, wire.MaxMessagePayload+1, false), disconnected},
		{"bad checksum", frame(testNet, "ping", make([]byte, 8), -1, true), disconnected},
		{"malformed payload", frame(testNet, "ping", make([]byte, 3), -1, false), disconnected},
		{"bad command", frame(testNet, "pi\x00ng", make([]byte, 8), -1, false), disconnected},
		{"over message limit", frame(testNet, "ping", make([]byte, 100), -1, false), disconnected},
		{"tx claiming 2^32-1 inputs", frame(testNet, "tx", hp["tx inputs"], -1, false), disconnected},
		{"non-canonical CompactSize", frame(testNet, "inv", hp["noncanonical"], -1, false), disconnected},
		{"garbage block", frame(testNet, "block", hp["garbage block"], -1, false), disconnected},
		{"ping over its limit", frame(testNet, "ping", make([]byte, 9), -1, false), disconnected},
		{"trailing bytes after a valid tx", frame(testNet, "tx", hp["tx trailing"], -1, false), skipped},
		{"headers 2001", frame(testNet, "headers", hp["headers 2001"], -1, false), banned},
		{"addr 1001", frame(testNet, "addr", hp["addr 1001"], -1, false), banned},
		{"inv claiming 50001", frame(testNet, "inv", hp["inv 50001"], -1, false), banned},
		{"getdata claiming 50001", frame(testNet, "getdata", hp["getdata 50001"], -1, false), banned},
		{"notfound claiming 50001", frame(testNet, "notfound", hp["notfound"], -1, false), banned},
		{"getheaders 102 locators", frame(testNet, "getheaders", hp["locator 102"], -1, false), banned},
	}
	for _, tc := range tests {
		for _, during := range []string{"handshake", "after"} {
			t.Run(tc.name+"/"+during, func(t *testing.T) {
				a, b := tcpPair(t)
				defer a.Close()
				var bans atomic.Int32
				cfg := testConfig()
				cfg.OnBan = func(p *Peer, reason string) { bans.Add(1) }
				p := NewInboundPeer(cfg, 1, b)
				ch := runPeer(t, p)
				r := &rawPeer{t: t, conn: a}
				fate := disconnected
				if during == "after" {
					r.handshake()
					fate = tc.after
				}
				if fate == skipped {
					a.Write(tc.raw)
					r.send(wire.NewMsgPing(77))
					if pong := r.recvUntil(wire.CmdPong).(*wire.MsgPong); pong.Nonce != 77 {
						t.Fatalf("pong nonce %d", pong.Nonce)
					}
					if !p.Connected() || p.BanScore() != 0 || bans.Load() != 0 {
						t.Fatalf("connected %v score %d bans %d", p.Connected(), p.BanScore(),
							bans.Load())
					}
					return
				}
				go io.Copy(io.Discard, a)
				a.Write(tc.raw)
				err := waitErr(t, ch)
				if fate == banned {
					if !errors.Is(err, ErrMisbehaving) || bans.Load() != 1 {
						t.Fatalf("Run: %v, bans %d", err, bans.Load())
					}
					return
				}
				if !errors.Is(err, ErrProtocol) || bans.Load() != 0 || p.BanScore() != 0 {
					t.Fatalf("Run: %v, bans %d, score %d", err, bans.Load(), p.BanScore())
				}
			})
		}
	}
}

// TestSecondVersionIgnored checks that a redundant version message is
// ignored without a score, as Core ignores it.
func TestSecondVersionIgnored(t *testing.T) {
	a, b := tcpPair(t)
	defer a.Close()
	p := NewInboundPeer(testConfig(), 1, b)
	runPeer(t, p)
	r := &rawPeer{t: t, conn: a}
	r.handshake()
	na := &wire.NetAddress{Timestamp: time.Unix(0, 0), IP: net.IPv4zero}
	for range 3 {
		r.send(wire.NewMsgVersion(na, na, 5, 0))
	}
	r.send(wire.NewMsgPing(78))
	if pong := r.recvUntil(wire.CmdPong).(*wire.MsgPong); pong.Nonce != 78 {
		t.Fatalf("pong nonce %d", pong.Nonce)
	}
	if !p.Connected() || p.BanScore() != 0 {
		t.Fatalf("connected %v score %d", p.Connected(), p.BanScore())
	}
}

// TestWhitelistedProtocolLimit checks that a whitelisted peer over a
// protocol limit is neither banned nor disconnected, as Core keeps a noban
// peer, and the message is dropped.
func TestWhitelistedProtocolLimit(t *testing.T) {
	a, b := tcpPair(t)
	defer a.Close()
	var bans atomic.Int32
	cfg := testConfig()
	cfg.OnBan = func(*Peer, string) { bans.Add(1) }
	p := NewInboundPeer(cfg, 1, b)
	p.SetNoBan(true)
	runPeer(t, p)
	r := &rawPeer{t: t, conn: a}
	r.handshake()
	a.Write(frame(testNet, "inv", hostilePayloads()["inv 50001"], -1, false))
	r.send(wire.NewMsgPing(79))
	if pong := r.recvUntil(wire.CmdPong).(*wire.MsgPong); pong.Nonce != 79 {
		t.Fatalf("pong nonce %d", pong.Nonce)
	}
	if !p.Connected() || bans.Load() != 0 {
		t.Fatalf("connected %v bans %d", p.Connected(), bans.Load())
	}
}

func TestUnknownCommandSkipped(t *testing.T) {
	a, b := net.Pipe()
	cfg := testConfig()
	p := NewInboundPeer(cfg, 1, b)
	runPeer(t, p)
	r := &rawPeer{t: t, conn: a}
	r.handshake()
	a.Write(frame(testNet, "futurecmd", []byte{1, 2, 3}, -1, false))
	r.send(wire.NewMsgPing(77))
	pong := r.recvUntil(wire.CmdPong).(*wire.MsgPong)
	if pong.Nonce != 77 || !p.Connected() || p.BanScore() != 0 {
		t.Fatalf("pong %d connected %v score %d", pong.Nonce, p.Connected(), p.BanScore())
	}
	if p.StatsSnapshot().RecvByCmd["*other*"].Messages != 1 {
		t.Fatal("unknown command not counted")
	}
}

func TestWhitelistedNotBanned(t *testing.T) {
	a, b := net.Pipe()
	var banned atomic.Int32
	cfg := testConfig()
	cfg.OnBan = func(*Peer, string) { banned.Add(1) }
	p := NewInboundPeer(cfg, 1, b)
	p.SetNoBan(true)
	runPeer(t, p)
	r := &rawPeer{t: t, conn: a}
	r.handshake()
	r.drain()
	p.Misbehaving(50, "test")
	p.Misbehaving(60, "test")
	if banned.Load() != 0 || !p.Connected() || p.BanScore() != 110 {
		t.Fatal("whitelisted peer banned")
	}
}

func TestMisbehaviourScoreThreshold(t *testing.T) {
	a, b := net.Pipe()
	var reasons []string
	var mu sync.Mutex
	cfg := testConfig()
	cfg.OnBan = func(_ *Peer, reason string) { mu.Lock(); reasons = append(reasons, reason); mu.Unlock() }
	p := NewInboundPeer(cfg, 1, b)
	ch := runPeer(t, p)
	r := &rawPeer{t: t, conn: a}
	r.handshake()
	r.drain()
	p.Misbehaving(60, "first")
	if !p.Connected() {
		t.Fatal("disconnected below threshold")
	}
	p.Misbehaving(40, "second")
	p.Misbehaving(40, "third")
	if err := waitErr(t, ch); !errors.Is(err, ErrMisbehaving) {
		t.Fatal(err)
	}
	if len(reasons) != 1 || reasons[0] != "second" {
		t.Fatalf("ban callbacks: %v", reasons)
	}
}

func TestInventoryTrickle(t *testing.T) {
	a, b := net.Pipe()
	invs := make(chan *wire.MsgInv, 10)
	cfg := testConfig()
	inCfg := testConfig()
	inCfg.Listeners.OnInv = func(_ *Peer, m *wire.MsgInv) { invs <- m }
	out, in := pair(t, a, b, cfg, inCfg)
	var hashes []chainhash.Hash
	for i := 0; i < 5; i++ {
		h := chainhash.HashH([]byte{byte(i)})
		hashes = append(hashes, h)
		out.QueueInventory(wire.NewInvVect(wire.InvTypeWTx, &h))
	}
	var got []*wire.InvVect
	for len(got) < 5 {
		select {
		case m := <-invs:
			got = append(got, m.InvList...)
		case <-time.After(5 * time.Second):
			t.Fatalf("got %d announcements", len(got))
		}
	}
	// Known inventory is not announced twice, in either direction.
	out.QueueInventory(wire.NewInvVect(wire.InvTypeWTx, &hashes[0]))
	if !in.IsKnownInventory(got[0]) || !out.IsKnownInventory(got[0]) {
		t.Fatal("inventory not marked known")
	}
	select {
	case m := <-invs:
		t.Fatalf("re-announced %v", m.InvList[0])
	case <-time.After(200 * time.Millisecond):
	}
}

func TestPoissonDelay(t *testing.T) {
	p := NewOutboundPeer(&Config{Net: testNet}, 1, &net.TCPConn{})
	if p.cfg.TrickleInterval != DefaultOutboundTrickle {
		t.Fatal("outbound default")
	}
	if NewInboundPeer(&Config{}, 1, &net.TCPConn{}).cfg.TrickleInterval != DefaultInboundTrickle {
		t.Fatal("inbound default")
	}
	var sum time.Duration
	const n = 20000
	for i := 0; i < n; i++ {
		sum += p.poissonDelay()
	}
	mean := sum / n
	if mean < 1800*time.Millisecond || mean > 2200*time.Millisecond {
		t.Fatalf("mean delay %v, want about 2s", mean)
	}
}

func TestQueuePriorityAndCap(t *testing.T) {
	cfg := testConfig()
	cfg.MaxQueueBytes = 1000
	p := NewOutboundPeer(cfg, 1, &net.TCPConn{})
	h := chainhash.Hash{}
	inv := wire.NewMsgInv()
	inv.AddInvVect(wire.NewInvVect(wire.InvTypeBlock, &h))
	if err := p.QueueMessage(inv, nil); err != nil {
		t.Fatal(err)
	}
	p.QueueMessage(wire.NewMsgPing(1), nil)
	if q, _ := p.next(); q.msg.Command() != wire.CmdPing {
		t.Fatalf("first out: %s", q.msg.Command())
	}
	if q, _ := p.next(); q.msg.Command() != wire.CmdInv {
		t.Fatal("second out")
	}
	if p.QueuedBytes() != 0 {
		t.Fatal("bytes not released")
	}
	big := wire.NewMsgInv()
	for i := 0; i < 40; i++ {
		big.AddInvVect(wire.NewInvVect(wire.InvTypeBlock, &h))
	}
	done := make(chan struct{}, 1)
	if err := p.QueueMessage(big, done); !errors.Is(err, ErrQueueFull) {
		t.Fatalf("over cap: %v", err)
	}
	<-done
	if p.Connected() {
		t.Fatal("peer over its cap stays connected")
	}
	if err := p.QueueMessage(wire.NewMsgPing(2), nil); !errors.Is(err, ErrDisconnected) {
		t.Fatal(err)
	}
}

func TestKnownInventoryBounded(t *testing.T) {
	k := newKnownInventory(100)
	for i := 0; i < 1000; i++ {
		k.Add(wire.InvVect{Type: wire.InvTypeTx, Hash: chainhash.Hash{byte(i), byte(i >> 8)}})
	}
	if k.set.Len() != 100 {
		t.Fatalf("size %d", k.set.Len())
	}
	if k.Has(wire.InvVect{Type: wire.InvTypeTx, Hash: chainhash.Hash{0, 0}}) ||
		!k.Has(wire.InvVect{Type: wire.InvTypeTx, Hash: chainhash.Hash{byte(999 & 0xff), byte(999 >> 8)}}) {
		t.Fatal("eviction order")
	}
}

func TestGetAddrOnce(t *testing.T) {
	p := NewInboundPeer(testConfig(), 1, &net.TCPConn{})
	if !p.ShouldAnswerGetAddr() || p.ShouldAnswerGetAddr() {
		t.Fatal("getaddr answered more than once")
	}
}

func TestListenersAndNoLeaks(t *testing.T) {
	before := runtime.NumGoroutine()
	for i := 0; i < 3; i++ {
		a, b := tcpPair(t)
		got := make(chan string, 10)
		inCfg := testConfig()
		inCfg.Listeners.OnTx = func(_ *Peer, m *wire.MsgTx) { got <- "tx" }
		inCfg.Listeners.OnGetAddr = func(*Peer, *wire.MsgGetAddr) { got <- "getaddr" }
		inCfg.Listeners.OnMessage = func(_ *Peer, m wire.Message) { got <- m.Command() }
		inCfg.Listeners.OnBlock = func(_ *Peer, m *wire.MsgBlock, raw []byte) {
			got <- fmt.Sprintf("block %d", len(raw))
		}
		out, in := pair(t, a, b, testConfig(), inCfg)
		out.QueueMessage(wire.NewMsgTx(2), nil)
		out.QueueMessage(wire.NewMsgGetAddr(), nil)
		out.QueueMessage(wire.NewMsgSendCmpct(false, 2), nil)
		out.QueueMessage(wire.NewMsgBlock(&wire.BlockHeader{Timestamp: time.Unix(0, 0)}), nil)
		want := map[string]bool{"tx": true, "getaddr": true, "sendcmpct": true, "block 81": true}
		for len(want) > 0 {
			select {
			case s := <-got:
				delete(want, s)
			case <-time.After(5 * time.Second):
				t.Fatalf("missing %v", want)
			}
		}
		out.Disconnect(nil)
		in.WaitForDisconnect()
		out.WaitForDisconnect()
	}
	eventually(t, "goroutines to end", func() bool { return runtime.NumGoroutine() <= before+1 })
}

func TestErrorKinds(t *testing.T) {
	kinds := []ErrorKind{ErrHandshakeTimeout, ErrOldVersion, ErrSelfConnection, ErrProtocol,
		ErrMisbehaving, ErrIdleTimeout, ErrWriteStall, ErrQueueFull, ErrDisconnected,
		ErrV2Handshake, ErrV2PeerSpeaksV1}
	for _, k := range kinds {
		err := fmt.Errorf("x: %w", makeError(k, "d"))
		if !errors.Is(err, k) || k.Error() != string(k) {
			t.Errorf("%s", k)
		}
		for _, o := range kinds {
			if o != k && errors.Is(err, o) {
				t.Errorf("%s is %s", k, o)
			}
		}
	}
}

// TestStalledPeerReleasesServing checks that a listener on the
// read goroutine that queues replies and waits for them (as getdata serving
// does) must be released when the remote stops reading and the write
// stalls, with every queued message's done signalled and its buffer freed,
// and Disconnected must fire before Run returns.
func TestStalledPeerReleasesServing(t *testing.T) {
	a, b := net.Pipe()
	defer a.Close()
	cfg := testConfig()
	cfg.WriteStallTimeout = 300 * time.Millisecond
	type result struct {
		done1, done2 bool
		viaQuit      bool
		queued       int
	}
	res := make(chan result, 1)
	var p *Peer
	cfg.Listeners.OnGetData = func(p *Peer, msg *wire.MsgGetData) {
		big := func() *wire.MsgInv {
			inv := wire.NewMsgInv()
			for i := 0; i < 20000; i++ {
				inv.AddInvVect(wire.NewInvVect(wire.InvTypeTx, &chainhash.Hash{byte(i), byte(i >> 8)}))
			}
			return inv
		}
		d1 := make(chan struct{}, 1)
		d2 := make(chan struct{}, 1)
		p.QueueMessage(big(), d1)
		p.QueueMessage(big(), d2)
		var r result
		// The escape hatch only keeps a failing test from hanging.
		escape := time.After(5 * time.Second)
		for !(r.done1 && r.done2) {
			select {
			case <-d1:
				r.done1 = true
			case <-d2:
				r.done2 = true
			case <-escape:
				res <- r
				return
			}
		}
		select {
		case <-p.Disconnected():
			r.viaQuit = true
		case <-escape:
		}
		r.queued = p.QueuedBytes()
		res <- r
	}
	p = NewInboundPeer(cfg, 1, b)
	ch := runPeer(t, p)
	r := &rawPeer{t: t, conn: a}
	r.handshake()
	// Read what the peer sends right after the handshake, then stop reading.
	var stop atomic.Bool
	go func() {
		buf := make([]byte, 1)
		for !stop.Load() {
			if _, err := a.Read(buf); err != nil {
				return
			}
		}
	}()
	time.Sleep(100 * time.Millisecond)
	stop.Store(true)
	r.send(&wire.MsgGetData{InvList: []*wire.InvVect{wire.NewInvVect(wire.InvTypeBlock, &chainhash.Hash{1})}})
	var got result
	select {
	case got = <-res:
	case <-time.After(10 * time.Second):
		t.Fatal("listener never returned")
	}
	if !got.done1 || !got.done2 || !got.viaQuit || got.queued != 0 {
		t.Fatalf("stalled peer not released: %+v", got)
	}
	if err := waitErr(t, ch); !errors.Is(err, ErrWriteStall) {
		t.Fatalf("Run: %v", err)
	}
}

// TestBlockPayloadNotPinned checks that once the block listener
// returns, the peer keeps no reference to the block's raw payload, so an
// idle peer does not pin the last (up to 4 MB) block it sent.
func TestBlockPayloadNotPinned(t *testing.T) {
	a, b := tcpPair(t)
	freed := make(chan struct{})
	handled := make(chan struct{}, 1)
	inCfg := testConfig()
	inCfg.Listeners.OnBlock = func(_ *Peer, m *wire.MsgBlock, raw []byte) {
		if len(raw) > 0 {
			runtime.SetFinalizer(&raw[0], func(*byte) { close(freed) })
		}
		handled <- struct{}{}
	}
	out, _ := pair(t, a, b, testConfig(), inCfg)
	blk := wire.NewMsgBlock(&wire.BlockHeader{Timestamp: time.Unix(0, 0)})
	tx := wire.NewMsgTx(2)
	tx.AddTxIn(&wire.TxIn{Sequence: wire.MaxTxInSequenceNum})
	tx.AddTxOut(&wire.TxOut{Value: 1, PkScript: make([]byte, 1<<20)})
	blk.Transactions = append(blk.Transactions, tx)
	out.QueueMessage(blk, nil)
	select {
	case <-handled:
	case <-time.After(10 * time.Second):
		t.Fatal("block not delivered")
	}
	deadline := time.Now().Add(5 * time.Second)
	for {
		runtime.GC()
		select {
		case <-freed:
			return
		default:
		}
		if time.Now().After(deadline) {
			t.Fatal("the block payload is still referenced after its listener returned")
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// TestPingOnRequest checks that Ping sends a ping at once (the ping RPC)
// even when the periodic interval is far off, and that its round trip is
// measured like the periodic ones.
func TestPingOnRequest(t *testing.T) {
	a, b := tcpPair(t)
	cfg := testConfig()
	cfg.PingInterval = time.Hour
	out, _ := pair(t, a, b, cfg, cfg)
	eventually(t, "first pong", func() bool { return out.StatsSnapshot().RecvByCmd["pong"].Messages == 1 })
	out.Ping()
	eventually(t, "requested pong", func() bool {
		s := out.StatsSnapshot()
		return s.RecvByCmd["pong"].Messages == 2 && s.SentByCmd["ping"].Messages == 2 && s.PingWait == 0
	})
}

package peer

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"net"
	"runtime"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/tern-org/ternd/peer/v2transport"
	"github.com/tern-org/ternd/wire"
)

// connPair returns two connected ends of kind "pipe" or "tcp".
func connPair(t testing.TB, kind string) (net.Conn, net.Conn) {
	if kind == "pipe" {
		return net.Pipe()
	}
	return tcpPair(t)
}

// v2Config is testConfig with BIP324 enabled for inbound peers.
func v2Config() *Config {
	cfg := testConfig()
	cfg.V2Transport = true
	return cfg
}

// largeBlock returns a block of one transaction whose output script makes
// the block's payload size bytes long.
func largeBlock(size int) *wire.MsgBlock {
	blk := wire.NewMsgBlock(&wire.BlockHeader{Timestamp: time.Unix(0, 0)})
	tx := wire.NewMsgTx(2)
	tx.AddTxIn(&wire.TxIn{Sequence: wire.MaxTxInSequenceNum})
	tx.AddTxOut(&wire.TxOut{Value: 1, PkScript: make([]byte, 0)})
	blk.AddTransaction(tx)
	tx.TxOut[0].PkScript = make([]byte, size-blk.SerializeSize()-4)
	return blk
}

// TestTransportPairs connects each kind of outbound peer to each kind of
// inbound peer and checks the transport they agree on, that the version
// handshake completes, that pings and a block near the 4 MB limit get
// through, and that each side counts the bytes the other one sent.
func TestTransportPairs(t *testing.T) {
	tests := []struct {
		name      string
		outV2     bool
		inV2      bool
		want      string
		wantSvcV2 bool
	}{
		{"v2 to detecting", true, true, TransportV2, true},
		{"v1 to detecting", false, true, TransportV1, true},
		{"v1 to v1-only", false, false, TransportV1, false},
	}
	blk := largeBlock(3_990_000)
	for _, tc := range tests {
		for _, kind := range []string{"pipe", "tcp"} {
			t.Run(tc.name+"/"+kind, func(t *testing.T) {
				a, b := connPair(t, kind)
				blocks := make(chan int, 1)
				inCfg := testConfig()
				inCfg.V2Transport = tc.inV2
				inCfg.Listeners.OnBlock = func(_ *Peer, m *wire.MsgBlock, raw []byte) {
					blocks <- len(raw)
				}
				out := NewOutboundPeer(testConfig(), 1, a)
				if tc.outV2 {
					out = NewOutboundPeerV2(testConfig(), 1, a)
				}
				in := NewInboundPeer(inCfg, 2, b)
				runPeer(t, out)
				runPeer(t, in)
				waitHandshake(t, out, in)
				if got := out.Services() & wire.SFNodeP2PV2; (got != 0) != tc.wantSvcV2 {
					t.Errorf("inbound advertises %v", out.Services())
				}
				out.Ping()
				eventually(t, "pong", func() bool { return out.StatsSnapshot().RecvByCmd["pong"].Messages > 0 })
				out.QueueMessage(blk, nil)
				select {
				case n := <-blocks:
					if n != blk.SerializeSize() {
						t.Fatalf("block of %d bytes arrived as %d", blk.SerializeSize(), n)
					}
				case <-time.After(10 * time.Second):
					t.Fatal("block not delivered")
				}
				eventually(t, "byte counts to agree", func() bool {
					so, si := out.StatsSnapshot(), in.StatsSnapshot()
					return so.BytesSent == si.BytesRecv && si.BytesSent == so.BytesRecv
				})
				so, si := out.StatsSnapshot(), in.StatsSnapshot()
				if so.TransportProtocol != tc.want || si.TransportProtocol != tc.want {
					t.Fatalf("transports %q and %q, want %q", so.TransportProtocol,
						si.TransportProtocol, tc.want)
				}
				if so.SessionID != si.SessionID {
					t.Fatalf("session ids differ: %s and %s", so.SessionID, si.SessionID)
				}
				if id, err := hex.DecodeString(so.SessionID); err != nil ||
					(tc.want == TransportV2) != (len(id) == 32) {
					t.Fatalf("session id %q for %s", so.SessionID, tc.want)
				}
				// v2 bytes are ciphertext: more than the frames v1 would send.
				if blockBytes := so.SentByCmd["block"].Bytes; blockBytes < uint64(blk.SerializeSize()) {
					t.Fatalf("block counted as %d bytes", blockBytes)
				}
			})
		}
	}
}

// TestTransportBeforeDetection checks what StatsSnapshot reports before Run
// has set up the transport.
func TestTransportBeforeDetection(t *testing.T) {
	tests := []struct {
		name string
		p    *Peer
		want string
	}{
		{"inbound v2", NewInboundPeer(v2Config(), 1, &net.TCPConn{}), TransportDetecting},
		{"inbound v1", NewInboundPeer(testConfig(), 1, &net.TCPConn{}), TransportV1},
		{"outbound v2", NewOutboundPeerV2(testConfig(), 1, &net.TCPConn{}), TransportV2},
		{"outbound v1", NewOutboundPeer(v2Config(), 1, &net.TCPConn{}), TransportV1},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if s := tc.p.StatsSnapshot(); s.TransportProtocol != tc.want || s.SessionID != "" {
				t.Fatalf("transport %q session %q, want %q", s.TransportProtocol, s.SessionID, tc.want)
			}
		})
	}
}

// TestV2FallbackToV1 checks the failure that makes a node dial again with
// v1: a v2 outbound peer against a node with v2 disabled ends at once with
// ErrV2Handshake (not a timeout), and the second attempt with v1 works.
func TestV2FallbackToV1(t *testing.T) {
	for _, kind := range []string{"pipe", "tcp"} {
		t.Run(kind, func(t *testing.T) {
			a, b := connPair(t, kind)
			cfg := testConfig()
			cfg.HandshakeTimeout = 10 * time.Second
			out := NewOutboundPeerV2(cfg, 1, a)
			in := NewInboundPeer(cfg, 2, b)
			start := time.Now()
			chOut := runPeer(t, out)
			chIn := runPeer(t, in)
			err := waitErr(t, chOut)
			t.Logf("Run: %v", err)
			if !errors.Is(err, ErrV2Handshake) || errors.Is(err, ErrHandshakeTimeout) ||
				errors.Is(err, ErrV2PeerSpeaksV1) {
				t.Fatalf("outbound Run: %v", err)
			}
			if d := time.Since(start); d > 5*time.Second {
				t.Fatalf("failure took %v", d)
			}
			if err := waitErr(t, chIn); !errors.Is(err, ErrProtocol) {
				t.Fatalf("inbound Run: %v", err)
			}

			a, b = connPair(t, kind)
			out, in = pair(t, a, b, cfg, cfg)
			if s := out.StatsSnapshot(); s.TransportProtocol != TransportV1 {
				t.Fatalf("retry speaks %s", s.TransportProtocol)
			}
		})
	}
}

// TestV2PeerSpeaksV1 checks that a responder answering a v2 handshake with
// a v1 message is reported as such, without waiting for the deadline.
func TestV2PeerSpeaksV1(t *testing.T) {
	a, b := net.Pipe()
	defer b.Close()
	p := NewOutboundPeerV2(testConfig(), 1, a)
	ch := runPeer(t, p)
	r := &rawPeer{t: t, conn: b}
	go io.Copy(io.Discard, b)
	r.send(rawVersion(70016, 7))
	err := waitErr(t, ch)
	if !errors.Is(err, ErrV2PeerSpeaksV1) || !errors.Is(err, ErrV2Handshake) {
		t.Fatalf("Run: %v", err)
	}
}

// tamperConn lets a test alter the bytes of its next Write.
type tamperConn struct {
	net.Conn
	mu     sync.Mutex
	tamper func([]byte)
}

// Write writes b, first altered by a pending tamper function.
func (c *tamperConn) Write(b []byte) (int, error) {
	c.mu.Lock()
	f := c.tamper
	c.tamper = nil
	c.mu.Unlock()
	if f != nil {
		b = bytes.Clone(b)
		f(b)
	}
	return c.Conn.Write(b)
}

// setTamper makes the next Write pass through f.
func (c *tamperConn) setTamper(f func([]byte)) {
	c.mu.Lock()
	c.tamper = f
	c.mu.Unlock()
}

// v2Remote completes BIP324's handshake and the version handshake as the
// dialing side against the inbound peer on the other end of tc.
func v2Remote(t *testing.T, tc *tamperConn) *rawPeer {
	t.Helper()
	tc.SetDeadline(time.Now().Add(5 * time.Second))
	c, err := v2transport.Initiate(tc, &v2transport.Config{Net: testNet})
	if err != nil {
		t.Fatalf("Initiate: %v", err)
	}
	r := &rawPeer{t: t, conn: tc, v2: &v2Transport{conn: c, net: testNet}}
	r.handshake()
	return r
}

// TestHostileInboundV2 sends an inbound peer with v2 enabled what an
// attacker might: each case must end the connection with the right kind of
// error, without a panic and without allocating what the input announces.
func TestHostileInboundV2(t *testing.T) {
	randomKey := func() []byte {
		b := make([]byte, v2transport.EllswiftPubKeyLen)
		rand.Read(b)
		b[0] = ^byte(testNet & 0xff) // never the v1 prefix
		return b
	}
	mainVersion := func() []byte {
		var buf bytes.Buffer
		wire.WriteMessage(&buf, rawVersion(70016, 1), wire.ProtocolVersion, wire.MainNet)
		return buf.Bytes()
	}
	tests := []struct {
		name string
		// script drives the remote end; it returns after sending.
		script func(t *testing.T, c *tamperConn)
		want   []error
	}{
		{"key then silence", func(t *testing.T, c *tamperConn) { c.Write(randomKey()) },
			[]error{ErrV2Handshake, ErrHandshakeTimeout}},
		{"short prefix then close", func(t *testing.T, c *tamperConn) {
			c.Write([]byte("GET / HT"))
			c.Close()
		}, []error{ErrDisconnected}},
		{"prefix then silence", func(t *testing.T, c *tamperConn) { c.Write([]byte("GET / HT")) },
			[]error{ErrHandshakeTimeout}},
		{"no garbage terminator", func(t *testing.T, c *tamperConn) {
			garbage := make([]byte, v2transport.MaxGarbageLen+v2transport.GarbageTerminatorLen+1)
			rand.Read(garbage)
			c.Write(append(randomKey(), garbage...))
		}, []error{ErrV2Handshake, v2transport.ErrNoGarbageTerminator}},
		{"v1 version of another network", func(t *testing.T, c *tamperConn) { c.Write(mainVersion()) },
			[]error{ErrV2Handshake, v2transport.ErrWrongNetwork}},
		{"tampered packet", func(t *testing.T, c *tamperConn) {
			r := v2Remote(t, c)
			c.setTamper(func(b []byte) { b[len(b)-1] ^= 1 })
			r.send(wire.NewMsgPing(1))
		}, []error{ErrProtocol, v2transport.ErrBadTag}},
		{"oversized length", func(t *testing.T, c *tamperConn) {
			r := v2Remote(t, c)
			// The length is a stream cipher's output: flipping its top bit
			// announces 8 MB more.
			c.setTamper(func(b []byte) { b[2] ^= 0x80 })
			r.send(wire.NewMsgPing(1))
		}, []error{ErrProtocol, v2transport.ErrPacketTooLarge}},
	}
	// One handshake first, so that one-time initialisation (the curve's
	// precomputed tables) is not counted against the first case.
	warmA, warmB := net.Pipe()
	go v2transport.Respond(warmB, &v2transport.Config{Net: testNet}, nil)
	if _, err := v2transport.Initiate(warmA, &v2transport.Config{Net: testNet}); err != nil {
		t.Fatal(err)
	}
	warmA.Close()
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			a, b := tcpPair(t)
			defer a.Close()
			cfg := v2Config()
			cfg.HandshakeTimeout = 300 * time.Millisecond
			if tc.name == "tampered packet" || tc.name == "oversized length" {
				cfg.HandshakeTimeout = 5 * time.Second
			}
			p := NewInboundPeer(cfg, 1, b)
			var before, after runtime.MemStats
			runtime.ReadMemStats(&before)
			ch := runPeer(t, p)
			c := &tamperConn{Conn: a}
			tc.script(t, c)
			go io.Copy(io.Discard, a)
			err := waitErr(t, ch)
			runtime.ReadMemStats(&after)
			t.Logf("Run: %v", err)
			for _, want := range tc.want {
				if !errors.Is(err, want) {
					t.Errorf("Run: %v, want %v", err, want)
				}
			}
			if alloc := after.TotalAlloc - before.TotalAlloc; alloc > 2<<20 {
				t.Errorf("allocated %d bytes", alloc)
			}
		})
	}
}

// TestV2UnknownAndBadMessages checks that over v2, as over v1, an unknown
// message type and trailing bytes after a valid tx are skipped with the
// connection kept, while a payload over its message's limit or one that
// does not parse disconnects without a ban.
func TestV2UnknownAndBadMessages(t *testing.T) {
	a, b := tcpPair(t)
	defer a.Close()
	p := NewInboundPeer(v2Config(), 1, b)
	runPeer(t, p)
	c := &tamperConn{Conn: a}
	r := v2Remote(t, c)
	conn := r.v2.conn
	for _, m := range []struct {
		cmd     string
		payload []byte
	}{
		{"futurecmd", []byte{1, 2, 3}},
		{"tx", append(validTx().Bytes(), 0)},
	} {
		if err := conn.WriteMessage(m.cmd, m.payload); err != nil {
			t.Fatal(err)
		}
	}
	r.send(wire.NewMsgPing(77))
	if pong := r.recvUntil(wire.CmdPong).(*wire.MsgPong); pong.Nonce != 77 {
		t.Fatalf("pong nonce %d", pong.Nonce)
	}
	s := p.StatsSnapshot()
	if !p.Connected() || p.BanScore() != 0 || s.RecvByCmd["*other*"].Messages != 2 {
		t.Fatalf("connected %v score %d other %+v", p.Connected(), p.BanScore(), s.RecvByCmd["*other*"])
	}

	for _, m := range []struct {
		name, cmd string
		payload   []byte
	}{
		{"over its limit", "ping", make([]byte, 100)},
		{"short", "ping", make([]byte, 3)},
	} {
		t.Run(m.name, func(t *testing.T) {
			a, b := tcpPair(t)
			defer a.Close()
			var bans atomic.Int32
			cfg := v2Config()
			cfg.OnBan = func(*Peer, string) { bans.Add(1) }
			p := NewInboundPeer(cfg, 1, b)
			ch := runPeer(t, p)
			r := v2Remote(t, &tamperConn{Conn: a})
			go io.Copy(io.Discard, a)
			if err := r.v2.conn.WriteMessage(m.cmd, m.payload); err != nil {
				t.Fatal(err)
			}
			if err := waitErr(t, ch); !errors.Is(err, ErrProtocol) || bans.Load() != 0 {
				t.Fatalf("Run: %v, bans %d", err, bans.Load())
			}
		})
	}
}

// TestWrapError checks that an error wrapped with several kinds matches
// each of them and its cause.
func TestWrapError(t *testing.T) {
	err := fmt.Errorf("run: %w", wrapError(io.EOF, "desc", ErrV2Handshake, ErrV2PeerSpeaksV1))
	for _, want := range []error{ErrV2Handshake, ErrV2PeerSpeaksV1, io.EOF} {
		if !errors.Is(err, want) {
			t.Errorf("not %v", want)
		}
	}
	if errors.Is(err, ErrProtocol) || err.Error() != "run: desc" {
		t.Errorf("%v", err)
	}
}

// TestRunCancelledDuringV2Handshake checks that cancelling Run's context
// ends a v2 handshake the remote never answers, reported as a shutdown.
func TestRunCancelledDuringV2Handshake(t *testing.T) {
	a, b := net.Pipe()
	defer b.Close()
	p := NewOutboundPeerV2(testConfig(), 1, a)
	ctx, cancel := context.WithCancel(context.Background())
	ch := make(chan error, 1)
	go func() { ch <- p.Run(ctx) }()
	key := make([]byte, v2transport.EllswiftPubKeyLen)
	if _, err := io.ReadFull(b, key); err != nil {
		t.Fatal(err)
	}
	go io.Copy(io.Discard, b)
	cancel()
	if err := waitErr(t, ch); !errors.Is(err, ErrDisconnected) || errors.Is(err, ErrV2Handshake) {
		t.Fatalf("Run: %v", err)
	}
}

// customMsg is a message outside wire's set, for encoding edge cases.
type customMsg struct {
	cmd     string
	payload []byte
	max     uint32
}

func (m *customMsg) BtcDecode(io.Reader, uint32, wire.MessageEncoding) error { return nil }
func (m *customMsg) BtcEncode(w io.Writer, _ uint32, _ wire.MessageEncoding) error {
	_, err := w.Write(m.payload)
	return err
}
func (m *customMsg) Command() string                { return m.cmd }
func (m *customMsg) MaxPayloadLength(uint32) uint32 { return m.max }

// TestEncodePayload checks that a v2 payload is the payload of the v1
// frame, and that v2 refuses what v1 refuses with the same kinds.
func TestEncodePayload(t *testing.T) {
	tests := []struct {
		name    string
		msg     wire.Message
		wantErr error
	}{
		{"ping", wire.NewMsgPing(7), nil},
		{"version", rawVersion(70016, 3), nil},
		{"block", largeBlock(100_000), nil},
		{"custom", &customMsg{cmd: "custom", payload: []byte{1, 2}, max: 2}, nil},
		{"command too long", &customMsg{cmd: "thirteenbytes", max: 10}, wire.ErrMalformedCommand},
		{"over its limit", &customMsg{cmd: "custom", payload: make([]byte, 3), max: 2},
			wire.ErrPayloadTooLarge},
		{"over the protocol limit", &customMsg{cmd: "custom",
			payload: make([]byte, wire.MaxMessagePayload+1), max: 1 << 30}, wire.ErrPayloadTooLarge},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			frame, err1 := wire.EncodeMessage(tc.msg, wire.ProtocolVersion, testNet, wire.LatestEncoding)
			payload, err2 := encodePayload(tc.msg, wire.ProtocolVersion)
			if !errors.Is(err1, tc.wantErr) || !errors.Is(err2, tc.wantErr) ||
				(tc.wantErr == nil) != (err1 == nil) || (err1 == nil) != (err2 == nil) {
				t.Fatalf("v1: %v, v2: %v, want %v", err1, err2, tc.wantErr)
			}
			if err1 == nil && !bytes.Equal(frame[wire.MessageHeaderSize:], payload) {
				t.Fatal("v2 payload differs from the v1 frame's")
			}
		})
	}
}

// TestFrameQueuedBeforeDetection checks that a message queued on an
// inbound peer before it knows its transport, and so encoded as a v1
// frame, is sent over v2 without the frame's header.
func TestFrameQueuedBeforeDetection(t *testing.T) {
	a, b := tcpPair(t)
	got := make(chan string, 1)
	outCfg := testConfig()
	outCfg.Listeners.OnRead = func(_ *Peer, _ int, msg wire.Message, err error) {
		if msg != nil && msg.Command() == wire.CmdTx {
			got <- msg.Command()
		}
	}
	in := NewInboundPeer(v2Config(), 2, b)
	if err := in.QueueMessage(wire.NewMsgTx(2), nil); err != nil {
		t.Fatal(err)
	}
	out := NewOutboundPeerV2(outCfg, 1, a)
	runPeer(t, out)
	runPeer(t, in)
	waitHandshake(t, out, in)
	select {
	case <-got:
	case <-time.After(5 * time.Second):
		t.Fatal("the early message did not arrive")
	}
}

package itest

// Hostile peers against the ternd binary: each message no honest
// implementation sends, with its fate (disconnected and banned,
// disconnected, or ignored), the node healthy after each; an honest peer
// getting in while 200 silent connections are open; 100 peers streaming
// garbage blocks, all dropped, with bounded memory; and the malformed v2
// cases of v2transport_test.go.

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/tern-org/ternd/wire"
)

// fate is what a hostile message earns its sender.
type fate int

const (
	// banned: disconnected and discouraged (listbanned holds the address).
	banned fate = iota
	// dropped: disconnected, not banned; the address may connect again.
	dropped
	// ignored: the message is skipped and the connection kept.
	ignored
)

func (f fate) String() string {
	return [...]string{"disconnected+banned", "disconnected", "ignored"}[f]
}

// rawV1 is a hand-driven v1 connection to a node.
type rawV1 struct {
	t    *testing.T
	conn net.Conn
}

// versionFrame returns a regtest v1 version message.
func versionFrame(nonce uint64) []byte {
	na := &wire.NetAddress{Timestamp: time.Unix(0, 0), IP: net.IPv4zero}
	v := wire.NewMsgVersion(na, na, nonce, 0)
	v.ProtocolVersion = 70016
	frame, err := wire.EncodeMessage(v, wire.ProtocolVersion, regtest, wire.LatestEncoding)
	if err != nil {
		panic(err)
	}
	return frame
}

// dialV1 connects from src to addr and completes a v1 handshake: version,
// then before (when not nil: messages sent before the handshake ends),
// the node's verack awaited, then ours.
func dialV1(t *testing.T, src, addr string, before []byte) *rawV1 {
	t.Helper()
	d := net.Dialer{LocalAddr: &net.TCPAddr{IP: net.ParseIP(src)}, Timeout: 5 * time.Second}
	c, err := d.Dial("tcp4", addr)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	r := &rawV1{t: t, conn: bufferedConn{Conn: c, r: bufio.NewReaderSize(c, 1<<16)}}
	r.write(versionFrame(uint64(time.Now().UnixNano())))
	if before != nil {
		r.write(before)
	}
	r.until(wire.CmdVerAck, nil)
	r.write(mustFrame(t, wire.NewMsgVerAck()))
	return r
}

// bufferedConn reads through a bufio.Reader.
type bufferedConn struct {
	net.Conn
	r *bufio.Reader
}

func (c bufferedConn) Read(p []byte) (int, error) { return c.r.Read(p) }

// write sends raw bytes.
func (r *rawV1) write(b []byte) {
	r.t.Helper()
	r.conn.SetWriteDeadline(time.Now().Add(10 * time.Second))
	if _, err := r.conn.Write(b); err != nil {
		r.t.Fatalf("write: %v", err)
	}
}

// until reads messages until one of command cmd for which match (when
// given) holds, within 10 s.
func (r *rawV1) until(cmd string, match func(wire.Message) bool) wire.Message {
	r.t.Helper()
	r.conn.SetReadDeadline(time.Now().Add(10 * time.Second))
	defer r.conn.SetReadDeadline(time.Time{})
	for {
		msg, _, err := wire.ReadMessage(r.conn, wire.ProtocolVersion, regtest)
		if errors.Is(err, wire.ErrUnknownCommand) {
			continue
		}
		if err != nil {
			r.t.Fatalf("waiting for %s: %v", cmd, err)
		}
		if msg.Command() == cmd && (match == nil || match(msg)) {
			return msg
		}
	}
}

// alive checks that the node still answers this connection's ping.
func (r *rawV1) alive(nonce uint64) {
	r.t.Helper()
	r.write(mustFrame(r.t, wire.NewMsgPing(nonce)))
	r.until(wire.CmdPong, func(m wire.Message) bool { return m.(*wire.MsgPong).Nonce == nonce })
}

// mustFrame encodes a regtest message.
func mustFrame(t *testing.T, msg wire.Message) []byte {
	frame, err := wire.EncodeMessage(msg, wire.ProtocolVersion, regtest, wire.LatestEncoding)
	if err != nil {
		t.Fatal(err)
	}
	return frame
}

// hostileFrames returns every hostile message of the issue by name, with
// its expected fate after the handshake.
func hostileFrames(t *testing.T) []struct {
	name  string
	frame []byte
	fate  fate
} {
	count := func(n uint64) []byte { return wire.AppendVarInt(nil, n) }
	cat := func(parts ...[]byte) []byte {
		var out []byte
		for _, p := range parts {
			out = append(out, p...)
		}
		return out
	}
	zeros := func(n int) []byte { return make([]byte, n) }
	tx := wire.NewMsgTx(2)
	tx.AddTxIn(wire.NewTxIn(&wire.OutPoint{Index: 7}, []byte{0x51}, nil))
	tx.AddTxOut(wire.NewTxOut(1000, []byte{0x51}))
	unknown := wire.NewMsgGetData()
	for i := range 1000 {
		unknown.AddInvVect(&wire.InvVect{Type: wire.InvTypeWTx, Hash: [32]byte{byte(i), byte(i >> 8), 0xee}})
	}
	frame := func(cmd string, payload []byte) []byte { return rawFrame(regtest, cmd, payload, -1, false) }
	return []struct {
		name  string
		frame []byte
		fate  fate
	}{
		{"headers with 2,001 entries", frame("headers", cat(count(2001), zeros(2001*81))), banned},
		{"addr with 1,001 entries", frame("addr", cat(count(1001), zeros(1001*30))), banned},
		{"inv claiming 50,001 entries", frame("inv", cat(count(50001), zeros(36))), banned},
		{"getdata with 50,001 entries", frame("getdata", cat(count(50001), zeros(50001*36))), banned},
		{"notfound claiming 50,001 entries", frame("notfound", count(50001)), banned},
		{"getheaders with 102 locators", frame("getheaders", cat(zeros(4), count(102), zeros(103*32))), banned},
		{"tx claiming 2^32-1 inputs", frame("tx", cat(zeros(4), []byte{0xff, 0xff, 0xff, 0xff, 0xff}, zeros(4))), dropped},
		{"garbage block", frame("block", garbageBlock(3_900_000)), dropped},
		{"non-canonical CompactSize", frame("inv", cat([]byte{0xfd, 0x01, 0x00}, zeros(36))), dropped},
		{"bad checksum", rawFrame(regtest, "ping", zeros(8), -1, true), dropped},
		{"wrong magic", rawFrame(wire.MainNet, "ping", zeros(8), -1, false), dropped},
		{"second version", versionFrame(42), ignored},
		{"unknown command", frame("futurecmd", []byte{1, 2, 3}), ignored},
		{"trailing bytes after a valid tx", frame("tx", append(tx.Bytes(), 0, 1, 2)), ignored},
		{"getdata for 1,000 unknown items", mustFrame(t, unknown), ignored},
	}
}

// garbageBlock returns n bytes that do not decode as a block.
func garbageBlock(n int) []byte {
	b := make([]byte, n)
	x := uint32(2463534242)
	for i := range b {
		x ^= x << 13
		x ^= x >> 17
		x ^= x << 5
		b[i] = byte(x)
	}
	// A transaction count that cannot fit in what follows.
	copy(b[80:], []byte{0xfe, 0xff, 0xff, 0xff, 0x7f})
	return b
}

// isBanned reports whether listbanned holds src.
func isBanned(t *testing.T, n *Process, src string) bool {
	var bans []struct {
		Address string `json:"address"`
	}
	n.MustCall(t, "listbanned", &bans)
	for _, b := range bans {
		if b.Address == src+"/32" {
			return true
		}
	}
	return false
}

// memStatus returns the process's VmRSS and VmHWM in bytes.
func memStatus(t *testing.T, p *Process) (rss, hwm int64) {
	t.Helper()
	data, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", p.cmd.Process.Pid))
	if err != nil {
		t.Fatal(err)
	}
	for _, line := range strings.Split(string(data), "\n") {
		f := strings.Fields(line)
		if len(f) < 2 {
			continue
		}
		v, _ := strconv.ParseInt(f[1], 10, 64)
		switch f[0] {
		case "VmRSS:":
			rss = v << 10
		case "VmHWM:":
			hwm = v << 10
		}
	}
	return rss, hwm
}

// resetPeak makes VmHWM start again from the current resident size.
func resetPeak(t *testing.T, p *Process) {
	t.Helper()
	if err := os.WriteFile(fmt.Sprintf("/proc/%d/clear_refs", p.cmd.Process.Pid), []byte("5"), 0); err != nil {
		t.Fatalf("reset VmHWM: %v", err)
	}
}

// healthy checks that the node answers RPC at once and keeps the honest
// btcd peer.
func healthy(t *testing.T, n *Process) {
	t.Helper()
	start := time.Now()
	ps := terndPeers(t, n)
	if d := time.Since(start); d > 5*time.Second {
		t.Fatalf("getpeerinfo took %v", d)
	}
	for _, p := range ps {
		if strings.Contains(p.SubVer, "btcd") {
			return
		}
	}
	t.Fatalf("honest btcd peer lost: %+v", ps)
}

// TestTerndHostilePeers: every hostile message of the issue against a
// ternd with v2 on (v1 clients are told apart by their first bytes), each
// from its own address with its fate checked and the node healthy after
// it; an honest peer getting in while 200 silent connections are open; 100
// peers streaming 3.9 MB garbage blocks, each dropped after its first,
// with resident memory growth under 100 MiB; the v2 cases. The run of
// single cases grows resident memory by less than 20 MiB.
func TestTerndHostilePeers(t *testing.T) {
	needProcesses(t)
	n := StartTernd(t)
	b := StartBtcd(t)
	b.AddNode(t, n.P2PAddr, "add")
	Wait(t, 30*time.Second, "btcd to connect", func() bool { return len(terndPeers(t, n)) == 1 })
	rss0, _ := memStatus(t, n)

	for i, tc := range hostileFrames(t) {
		src := fmt.Sprintf("127.0.0.%d", 30+i)
		t.Run(tc.name, func(t *testing.T) {
			r := dialV1(t, src, n.P2PAddr, nil)
			r.write(tc.frame)
			switch tc.fate {
			case banned, dropped:
				if !closedWithin(r.conn, 10*time.Second) {
					t.Fatalf("not disconnected (want %v)", tc.fate)
				}
				var got bool
				Wait(t, 5*time.Second, "the ban list to settle", func() bool {
					got = isBanned(t, n, src)
					return got == (tc.fate == banned)
				})
			case ignored:
				if strings.HasPrefix(tc.name, "getdata") {
					nf := r.until(wire.CmdNotFound, nil).(*wire.MsgNotFound)
					if len(nf.InvList) != 1000 {
						t.Fatalf("notfound with %d items", len(nf.InvList))
					}
				}
				r.alive(uint64(100 + i))
				if isBanned(t, n, src) {
					t.Fatal("banned")
				}
			}
			healthy(t, n)
		})
	}

	// Messages before the handshake are ignored (the handshake timeout
	// still ends a connection that never completes it).
	t.Run("messages before the handshake", func(t *testing.T) {
		before := append(mustFrame(t, wire.NewMsgPing(9)), mustFrame(t, wire.NewMsgGetAddr())...)
		r := dialV1(t, "127.0.0.60", n.P2PAddr, before)
		r.alive(61)
		healthy(t, n)
	})
	rss1, hwm1 := memStatus(t, n)
	t.Logf("single cases: VmRSS %d -> %d MiB (VmHWM %d MiB)", rss0>>20, rss1>>20, hwm1>>20)
	if rss1-rss0 > 20<<20 {
		t.Errorf("resident memory grew by %d MiB across the single cases", (rss1-rss0)>>20)
	}

	t.Run("honest peer among 200 silent connections", func(t *testing.T) {
		var silent []net.Conn
		defer func() {
			for _, c := range silent {
				c.Close()
			}
		}()
		// 25 addresses with 8 connections each: the per-address cap is 8.
		for i := range 200 {
			d := net.Dialer{LocalAddr: &net.TCPAddr{IP: net.IPv4(127, 0, 2, byte(1+i/8))},
				Timeout: 5 * time.Second}
			if c, err := d.Dial("tcp4", n.P2PAddr); err == nil {
				silent = append(silent, c)
			}
		}
		start := time.Now()
		r := dialV1(t, "127.0.3.1", n.P2PAddr, nil)
		r.alive(62)
		t.Logf("handshake with %d silent connections open took %v", len(silent), time.Since(start))
		healthy(t, n)
	})

	t.Run("100 peers streaming garbage blocks", func(t *testing.T) {
		garbage := rawFrame(regtest, "block", garbageBlock(3_900_000), -1, false)
		rssBefore, _ := memStatus(t, n)
		resetPeak(t, n)
		const peers, rounds = 100, 2
		var (
			wg      sync.WaitGroup
			maxSent atomic.Int64
			kept    atomic.Int64
		)
		start := time.Now()
		for i := range peers {
			wg.Add(1)
			go func() {
				defer wg.Done()
				src := net.IPv4(127, 0, 1, byte(1+i)).String()
				for range rounds {
					sent, closed := streamGarbage(n.P2PAddr, src, garbage)
					if !closed {
						kept.Add(1)
					}
					for {
						m := maxSent.Load()
						if int64(sent) <= m || maxSent.CompareAndSwap(m, int64(sent)) {
							break
						}
					}
				}
			}()
		}
		wg.Wait()
		_, hwm := memStatus(t, n)
		t.Logf("%d peers x %d rounds in %v: at most %d messages sent before the disconnect; "+
			"VmRSS before %d MiB, VmHWM during %d MiB", peers, rounds, time.Since(start),
			maxSent.Load(), rssBefore>>20, hwm>>20)
		if kept.Load() != 0 {
			t.Fatalf("%d garbage streams kept their connection", kept.Load())
		}
		if maxSent.Load() > 4 {
			t.Fatalf("a peer sent %d garbage blocks before being dropped", maxSent.Load())
		}
		if hwm-rssBefore > 100<<20 {
			t.Fatalf("resident memory grew by %d MiB", (hwm-rssBefore)>>20)
		}
		healthy(t, n)
	})

	t.Run("v2", func(t *testing.T) { hostileV2Cases(t, n) })

	// The honest btcd still measures pings.
	b.MustCall(t, "ping", nil)
	Wait(t, 30*time.Second, "btcd to measure a ping", func() bool {
		pi, ok := findPeer(b.GetPeerInfo(t), "/ternd:0.1.0/")
		return ok && pi.PingTime > 0
	})
	healthy(t, n)
}

// streamGarbage handshakes from src and writes garbage frames until the
// node closes the connection (or 8 were written, or 60 s passed). It
// returns the frames fully written and whether the node closed.
func streamGarbage(addr, src string, garbage []byte) (int, bool) {
	d := net.Dialer{LocalAddr: &net.TCPAddr{IP: net.ParseIP(src)}, Timeout: 10 * time.Second}
	c, err := d.Dial("tcp4", addr)
	if err != nil {
		return 0, true
	}
	defer c.Close()
	deadline := time.Now().Add(60 * time.Second)
	c.SetDeadline(deadline)
	br := bufio.NewReader(c)
	if _, err := c.Write(versionFrame(uint64(time.Now().UnixNano()))); err != nil {
		return 0, true
	}
	for {
		msg, _, err := wire.ReadMessage(br, wire.ProtocolVersion, regtest)
		if err != nil && !errors.Is(err, wire.ErrUnknownCommand) {
			return 0, true
		}
		if msg != nil && msg.Command() == wire.CmdVerAck {
			break
		}
	}
	verack, _ := wire.EncodeMessage(wire.NewMsgVerAck(), wire.ProtocolVersion, regtest, wire.LatestEncoding)
	c.Write(verack)
	go func() { _, _ = br.WriteTo(io.Discard) }()
	sent := 0
	for sent < 8 {
		if _, err := c.Write(garbage); err != nil {
			var ne net.Error
			return sent, !(errors.As(err, &ne) && ne.Timeout())
		}
		sent++
	}
	return sent, false
}

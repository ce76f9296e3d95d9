package itest

// BIP324 v2 transport between the ternd binary and btcd v0.26.2: sessions
// both ways with btcd --v2transport, the v1 fallback against a btcd
// without it, and hostile v2 input on a live node.

import (
	"bytes"
	"crypto/rand"
	"encoding/hex"
	"net"
	"sync"
	"testing"
	"time"

	"github.com/tern-org/ternd/peer/v2transport"
	"github.com/tern-org/ternd/wire"
)

// transportPeer is the part of ternd's getpeerinfo that tells the
// transport.
type transportPeer struct {
	Addr      string `json:"addr"`
	Inbound   bool   `json:"inbound"`
	SubVer    string `json:"subver"`
	Transport string `json:"transport_protocol_type"`
	SessionID string `json:"session_id"`
}

// transportPeers returns ternd's peers with their transports.
func transportPeers(t *testing.T, n *Process) []transportPeer {
	t.Helper()
	var out []transportPeer
	n.MustCall(t, "getpeerinfo", &out)
	return out
}

// TestTerndBtcdV2: ternd dials a btcd started with --v2transport and a
// second such btcd dials ternd; both sessions are v2 on ternd's side with
// distinct session ids, blocks mined on either side reach the other and
// transactions relay both ways over the encrypted links.
func TestTerndBtcdV2(t *testing.T) {
	needProcesses(t)
	k := newP2WPKHKey(t, 31)
	b1 := StartBtcd(t, "--v2transport", "--miningaddr="+k.address)
	n := StartTernd(t, "--connect="+b1.P2PAddr)
	b2 := StartBtcd(t, "--v2transport")
	b2.AddNode(t, n.P2PAddr, "add")

	var ps []transportPeer
	Wait(t, 60*time.Second, "two v2 sessions on ternd", func() bool {
		ps = transportPeers(t, n)
		if len(ps) != 2 {
			return false
		}
		for _, p := range ps {
			if p.Transport != "v2" || len(p.SessionID) != 64 {
				return false
			}
		}
		return true
	})
	if ps[0].Inbound == ps[1].Inbound || ps[0].SessionID == ps[1].SessionID {
		t.Fatalf("sessions %+v", ps)
	}

	// btcd → ternd (and on to the other btcd): blocks over v2.
	hashes := b1.Generate(t, 102)
	waitSameTip(t, 90*time.Second, hashes[len(hashes)-1], n, b2)

	// ternd → btcd: a block mined on ternd.
	var mined []string
	n.MustCall(t, "generatetoaddress", &mined, 1, k.address)
	waitSameTip(t, 60*time.Second, mined[0], b1, b2)

	// Transactions both ways.
	tx1 := k.spend(t, coinbaseAt(t, n, 1), 20000)
	var txid string
	n.MustCall(t, "sendrawtransaction", &txid, hex.EncodeToString(serializeTx(t, tx1)))
	waitInMempool(t, b1, txid)
	tx2 := k.spend(t, coinbaseAt(t, n, 2), 20000)
	b2.MustCall(t, "sendrawtransaction", &txid, hex.EncodeToString(serializeTx(t, tx2)))
	waitInMempool(t, n, tx2.TxHash().String())

	// The sessions are still the first ones: nothing fell back to v1.
	for _, p := range transportPeers(t, n) {
		if p.Transport != "v2" {
			t.Fatalf("peer %+v fell back", p)
		}
	}
}

// TestTerndBtcdV1Fallback: ternd dials a btcd without --v2transport by
// --connect (manual peers are dialed with v2 first, as Core); btcd drops
// the v2 handshake, ternd redials with v1 and syncs btcd's chain.
func TestTerndBtcdV1Fallback(t *testing.T) {
	needProcesses(t)
	b := StartBtcd(t)
	hashes := b.Generate(t, 20)
	n := StartTernd(t, "--connect="+b.P2PAddr)
	waitSameTip(t, 90*time.Second, hashes[len(hashes)-1], n)
	ps := transportPeers(t, n)
	if len(ps) != 1 || ps[0].Transport != "v1" || ps[0].SessionID != "" {
		t.Fatalf("peers %+v", ps)
	}
}

// v2Client runs the initiator's side of a v2 handshake against addr from
// src, through a writer the test can corrupt afterwards.
type v2Client struct {
	conn net.Conn
	mu   sync.Mutex
	mod  func([]byte) // applied to each write once set
}

func (c *v2Client) Read(p []byte) (int, error) { return c.conn.Read(p) }

func (c *v2Client) Write(p []byte) (int, error) {
	c.mu.Lock()
	mod := c.mod
	c.mu.Unlock()
	if mod != nil {
		p = bytes.Clone(p)
		mod(p)
	}
	return c.conn.Write(p)
}

// dialV2 completes a v2 handshake with ternd at addr from the loopback
// address src.
func dialV2(t *testing.T, src, addr string) (*v2Client, *v2transport.Conn) {
	t.Helper()
	d := net.Dialer{LocalAddr: &net.TCPAddr{IP: net.ParseIP(src)}, Timeout: 5 * time.Second}
	conn, err := d.Dial("tcp4", addr)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close() })
	conn.SetDeadline(time.Now().Add(30 * time.Second))
	c := &v2Client{conn: conn}
	vc, err := v2transport.Initiate(c, &v2transport.Config{Net: regtest})
	if err != nil {
		t.Fatalf("v2 handshake with ternd: %v", err)
	}
	return c, vc
}

// TestTerndHostileV2: on a node with v2 on (the default) and an honest
// btcd connected over v2, clients that send junk past the 4,095-byte
// garbage limit, a v1 version message of another network, a v2 packet
// whose tag does not verify, or a v2 length over the 4,000,000-byte limit
// are disconnected at once, not banned, and the honest peer stays.
func TestTerndHostileV2(t *testing.T) {
	needProcesses(t)
	n := StartTernd(t)
	b := StartBtcd(t, "--v2transport")
	b.AddNode(t, n.P2PAddr, "add")
	Wait(t, 30*time.Second, "btcd to connect over v2", func() bool {
		ps := transportPeers(t, n)
		return len(ps) == 1 && ps[0].Transport == "v2"
	})

	hostileV2Cases(t, n)

	b.MustCall(t, "ping", nil)
	Wait(t, 30*time.Second, "btcd to measure a ping", func() bool {
		pi, ok := findPeer(b.GetPeerInfo(t), "/ternd:0.1.0/")
		return ok && pi.PingTime > 0
	})
	ps := transportPeers(t, n)
	found := false
	for _, p := range ps {
		found = found || (p.Transport == "v2" && bytes.Contains([]byte(p.SubVer), []byte("btcd")))
	}
	if !found {
		t.Fatalf("honest peer lost: %+v", ps)
	}
}

// hostileV2Cases runs the hostile v2 cases against a node with v2 on:
// clients that send junk past the 4,095-byte garbage limit, a v1 version
// message of another network, a v2 packet whose tag does not verify, or a
// v2 length over the 4,000,000-byte limit are disconnected at once and not
// banned (sources 127.0.0.12 to .15), and an honest v2 client (127.0.0.16)
// gets through the same listener. TestTerndHostileV2 and
// TestTerndHostilePeers share them.
func hostileV2Cases(t *testing.T, n *Process) {
	var versionFrame bytes.Buffer
	na := &wire.NetAddress{Timestamp: time.Unix(0, 0), IP: net.IPv4zero}
	v := wire.NewMsgVersion(na, na, 779, 0)
	v.ProtocolVersion = 70016
	wire.WriteMessage(&versionFrame, v, wire.ProtocolVersion, wire.MainNet)
	junk := make([]byte, 64+4095+16+512)
	rand.Read(junk)

	raw := []struct {
		name string
		src  string
		data []byte
	}{
		{"junk past the garbage limit", "127.0.0.12", junk},
		{"v1 version of another network", "127.0.0.13", versionFrame.Bytes()},
	}
	for _, tc := range raw {
		t.Run(tc.name, func(t *testing.T) {
			d := net.Dialer{LocalAddr: &net.TCPAddr{IP: net.ParseIP(tc.src)}, Timeout: 5 * time.Second}
			conn, err := d.Dial("tcp4", n.P2PAddr)
			if err != nil {
				t.Fatal(err)
			}
			defer conn.Close()
			conn.Write(tc.data)
			if !closedWithin(conn, 10*time.Second) {
				t.Fatal("hostile client not disconnected")
			}
		})
	}

	packets := []struct {
		name string
		src  string
		mod  func([]byte)
	}{
		// The last byte of a packet is its tag's.
		{"tag that does not verify", "127.0.0.14", func(p []byte) { p[len(p)-1] ^= 1 }},
		// The third byte of the encrypted length is its top byte: a
		// flipped top bit adds 8 MiB to the length.
		{"length over the limit", "127.0.0.15", func(p []byte) { p[2] ^= 0x80 }},
	}
	for _, tc := range packets {
		t.Run(tc.name, func(t *testing.T) {
			c, vc := dialV2(t, tc.src, n.P2PAddr)
			c.mu.Lock()
			c.mod = tc.mod
			c.mu.Unlock()
			if err := vc.WriteMessage("ping", make([]byte, 8)); err != nil {
				t.Fatal(err)
			}
			c.conn.SetDeadline(time.Time{})
			if !closedWithin(c.conn, 10*time.Second) {
				t.Fatal("hostile v2 client not disconnected")
			}
		})
	}

	// An honest v2 client gets through the same listener: its version
	// message is answered with ternd's.
	t.Run("honest v2 client", func(t *testing.T) {
		_, vc := dialV2(t, "127.0.0.16", n.P2PAddr)
		var payload bytes.Buffer
		v.ProtocolVersion = 70016
		if err := v.BtcEncode(&payload, wire.ProtocolVersion, wire.WitnessEncoding); err != nil {
			t.Fatal(err)
		}
		if err := vc.WriteMessage("version", payload.Bytes()); err != nil {
			t.Fatal(err)
		}
		cmd, _, err := vc.ReadMessage()
		if err != nil || cmd != "version" {
			t.Fatalf("first message %q: %v", cmd, err)
		}
	})

	var bans []struct {
		Address string `json:"address"`
	}
	n.MustCall(t, "listbanned", &bans)
	for _, b := range bans {
		for _, src := range []string{"127.0.0.12", "127.0.0.13", "127.0.0.14", "127.0.0.15", "127.0.0.16"} {
			if b.Address == src+"/32" {
				t.Fatalf("hostile v2 client %s banned", src)
			}
		}
	}
}

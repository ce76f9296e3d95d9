package itest

import (
	"context"
	"net"
	"sync"
	"testing"
	"time"

	"github.com/tern-org/ternd/peer"
	"github.com/tern-org/ternd/wire"
)

// rawPeer is a test-driven P2P client built on our peer package.
type rawPeer struct {
	*peer.Peer
	mu   sync.Mutex
	msgs []wire.Message
}

// received returns the messages of command cmd read so far.
func (r *rawPeer) received(cmd string) []wire.Message {
	r.mu.Lock()
	defer r.mu.Unlock()
	var out []wire.Message
	for _, m := range r.msgs {
		if m.Command() == cmd {
			out = append(out, m)
		}
	}
	return out
}

// dialRaw connects a raw peer from source address src (127.0.0.x, "" for
// the default) to addr and waits for the handshake. onMsg (optional) sees
// every message read, on the peer's read goroutine.
func dialRaw(t testing.TB, addr, src string, height int32, onMsg func(r *rawPeer, m wire.Message)) *rawPeer {
	t.Helper()
	d := net.Dialer{Timeout: 10 * time.Second}
	if src != "" {
		d.LocalAddr = &net.TCPAddr{IP: net.ParseIP(src)}
	}
	conn, err := d.Dial("tcp4", addr)
	if err != nil {
		t.Fatal(err)
	}
	r := &rawPeer{}
	cfg := &peer.Config{
		Net:              wire.TestNet,
		UserAgentName:    "itest-raw",
		UserAgentVersion: "0.1.0",
		NewestBlock:      func() int32 { return height },
		HandshakeTimeout: 20 * time.Second,
		FeeFilter:        -1,
		Listeners: peer.MessageListeners{
			OnRead: func(p *peer.Peer, _ int, m wire.Message, err error) {
				if err != nil || m == nil {
					return
				}
				r.mu.Lock()
				r.msgs = append(r.msgs, m)
				r.mu.Unlock()
				if onMsg != nil {
					onMsg(r, m)
				}
			},
		},
	}
	r.Peer = peer.NewOutboundPeer(cfg, 1, conn)
	go r.Run(context.Background())
	t.Cleanup(func() {
		r.Disconnect(nil)
		r.WaitForDisconnect()
	})
	select {
	case <-r.HandshakeDone():
	case <-r.Done():
		t.Fatal("raw peer disconnected during the handshake")
	case <-time.After(30 * time.Second):
		t.Fatal("raw peer handshake timed out")
	}
	return r
}

// dialTCPFrom opens a plain TCP connection to addr from source address src.
func dialTCPFrom(addr, src string) (net.Conn, error) {
	d := net.Dialer{Timeout: 5 * time.Second, LocalAddr: &net.TCPAddr{IP: net.ParseIP(src)}}
	return d.Dial("tcp4", addr)
}

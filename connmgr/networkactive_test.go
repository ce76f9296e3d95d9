package connmgr

import (
	"net"
	"sync/atomic"
	"testing"
	"time"
)

// TestSetNetworkActive checks that while networking is off inbound
// connections are refused and a permanent request is not dialled, and
// that both work again once it is back on.
func TestSetNetworkActive(t *testing.T) {
	ls, err := Listen([]string{"127.0.0.1:0"})
	if err != nil {
		t.Fatal(err)
	}
	fn := newFakeNet()
	defer fn.close()
	const addr = "10.9.9.8:8333"
	fn.setUp(addr, true)
	var accepted, connected atomic.Int64
	cm := New(&Config{
		Listeners:        ls,
		TargetOutbound:   -1,
		MaxPeers:         8,
		Dial:             fn.dial,
		RetryDuration:    10 * time.Millisecond,
		MaxRetryDuration: 20 * time.Millisecond,
		GroupKey:         func(a net.Addr) string { return a.String() },
		OnAccept:         func(c net.Conn) { accepted.Add(1) },
		OnConnection:     func(*ConnReq, net.Conn) { connected.Add(1) },
	})
	cm.SetNetworkActive(false)
	if cm.NetworkActive() {
		t.Fatal("still active")
	}
	runManager(t, cm)
	if err := cm.Connect(&ConnReq{Addr: tcpAddr(addr), Permanent: true}); err != nil {
		t.Fatal(err)
	}
	c := dialFrom(t, "127.0.0.1", ls[0].Addr().String())
	defer c.Close()
	if !isClosedByPeer(c) {
		t.Fatal("inbound accepted while inactive")
	}
	time.Sleep(60 * time.Millisecond)
	if accepted.Load() != 0 || connected.Load() != 0 || fn.dialCount(addr) != 0 {
		t.Fatalf("inactive: %d accepted, %d connected, %d dials", accepted.Load(), connected.Load(), fn.dialCount(addr))
	}
	cm.SetNetworkActive(true)
	waitFor(t, "permanent peer", func() bool { return connected.Load() == 1 })
	c2 := dialFrom(t, "127.0.0.1", ls[0].Addr().String())
	defer c2.Close()
	waitFor(t, "inbound", func() bool { return accepted.Load() == 1 })
}

package connmgr

import (
	"fmt"
	"net"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// TestTryNewOutbound: SetTryNewOutbound allows exactly one automatic
// connection beyond the target (Core's extra outbound peer for a stale
// tip), ExtraOutbound counts it, and once it is withdrawn a closed
// connection is not replaced beyond the target.
func TestTryNewOutbound(t *testing.T) {
	fn := newFakeNet()
	defer fn.close()
	var addrs []string
	for g := 1; g <= 6; g++ {
		a := fmt.Sprintf("10.%d.0.1:8333", g)
		addrs = append(addrs, a)
		fn.setUp(a, true)
	}
	var next atomic.Int64
	var mu sync.Mutex
	var conns []net.Conn
	cm := New(&Config{
		TargetOutbound: 2,
		Dial:           fn.dial,
		GetNewAddress: func() (net.Addr, error) {
			i := next.Add(1) - 1
			return tcpAddr(addrs[i%int64(len(addrs))]), nil
		},
		OnConnection: func(_ *ConnReq, c net.Conn) {
			mu.Lock()
			conns = append(conns, c)
			mu.Unlock()
		},
		RetryDuration: 20 * time.Millisecond,
		DialInterval:  5 * time.Millisecond,
	})
	runManager(t, cm)
	established := func() (n int) {
		for _, r := range cm.Requests() {
			if st, _ := cm.State(r.ID()); st == ConnEstablished {
				n++
			}
		}
		return n
	}
	waitFor(t, "2 outbound", func() bool { return established() == 2 })
	if cm.ExtraOutbound() != 0 || cm.TryNewOutbound() {
		t.Fatalf("extra %d, try %v at the target", cm.ExtraOutbound(), cm.TryNewOutbound())
	}
	cm.SetTryNewOutbound(true)
	waitFor(t, "the extra outbound", func() bool { return established() == 3 })
	time.Sleep(100 * time.Millisecond) // several retry ticks
	if n := established(); n != 3 || cm.ExtraOutbound() != 1 {
		t.Fatalf("%d established, extra %d; want 3 and 1", n, cm.ExtraOutbound())
	}
	cm.SetTryNewOutbound(false)
	mu.Lock()
	conns[0].Close()
	mu.Unlock()
	waitFor(t, "back to the target", func() bool { return established() == 2 })
	time.Sleep(100 * time.Millisecond)
	if n := established(); n != 2 || cm.ExtraOutbound() != 0 {
		t.Fatalf("%d established, extra %d after the extra was withdrawn", n, cm.ExtraOutbound())
	}
}

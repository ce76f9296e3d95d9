package peer

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/tern-org/ternd/wire"
)

// TestRecvBudget checks the budget's grants: in order, never above its
// size, a message above the size waiting for all of it, and a waiter that
// gives up unblocking those behind it.
func TestRecvBudget(t *testing.T) {
	ctx := context.Background()
	soon := func() time.Time { return time.Now().Add(50 * time.Millisecond) }
	later := func() time.Time { return time.Now().Add(10 * time.Second) }
	tests := []struct {
		name string
		run  func(t *testing.T, b *RecvBudget)
	}{
		{"grant within size", func(t *testing.T, b *RecvBudget) {
			n1, err1 := b.acquire(ctx, 40, later())
			n2, err2 := b.acquire(ctx, 60, later())
			if err1 != nil || err2 != nil || n1+n2 != 100 || b.InUse() != 100 {
				t.Fatalf("%d %v %d %v in use %d", n1, err1, n2, err2, b.InUse())
			}
		}},
		{"over size clamped", func(t *testing.T, b *RecvBudget) {
			n, err := b.acquire(ctx, 1000, later())
			if err != nil || n != 100 {
				t.Fatalf("%d %v", n, err)
			}
			b.release(n)
			if b.InUse() != 0 {
				t.Fatalf("in use %d", b.InUse())
			}
		}},
		{"wait times out holding nothing", func(t *testing.T, b *RecvBudget) {
			held, _ := b.acquire(ctx, 100, later())
			if _, err := b.acquire(ctx, 1, soon()); err == nil {
				t.Fatal("granted past the size")
			}
			b.release(held)
			if b.InUse() != 0 {
				t.Fatalf("in use %d", b.InUse())
			}
		}},
		{"release grants in order", func(t *testing.T, b *RecvBudget) {
			held, _ := b.acquire(ctx, 100, later())
			got := make(chan int64, 2)
			go func() { n, _ := b.acquire(ctx, 70, later()); got <- n }()
			waitFor(t, func() bool { b.mu.Lock(); defer b.mu.Unlock(); return len(b.waiters) == 1 })
			go func() { n, _ := b.acquire(ctx, 20, later()); got <- n }()
			waitFor(t, func() bool { b.mu.Lock(); defer b.mu.Unlock(); return len(b.waiters) == 2 })
			b.release(held)
			if a, c := <-got, <-got; a+c != 90 || b.InUse() != 90 {
				t.Fatalf("granted %d and %d, in use %d", a, c, b.InUse())
			}
		}},
		{"cancelled waiter unblocks the next", func(t *testing.T, b *RecvBudget) {
			held, _ := b.acquire(ctx, 50, later())
			cctx, cancel := context.WithCancel(ctx)
			errc := make(chan error, 1)
			go func() { _, err := b.acquire(cctx, 100, later()); errc <- err }()
			waitFor(t, func() bool { b.mu.Lock(); defer b.mu.Unlock(); return len(b.waiters) == 1 })
			got := make(chan int64, 1)
			go func() { n, _ := b.acquire(ctx, 30, later()); got <- n }()
			waitFor(t, func() bool { b.mu.Lock(); defer b.mu.Unlock(); return len(b.waiters) == 2 })
			cancel()
			if err := <-errc; !errors.Is(err, context.Canceled) {
				t.Fatalf("cancelled: %v", err)
			}
			if n := <-got; n != 30 || b.InUse() != 80 {
				t.Fatalf("granted %d, in use %d", n, b.InUse())
			}
			b.release(held)
		}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) { tc.run(t, NewRecvBudget(100)) })
	}
}

// waitFor polls cond for up to 5 s.
func waitFor(t *testing.T, cond func() bool) {
	t.Helper()
	for end := time.Now().Add(5 * time.Second); time.Now().Before(end); time.Sleep(time.Millisecond) {
		if cond() {
			return
		}
	}
	t.Fatal("condition not met")
}

// TestPeerRecvBudget checks that a peer holds its share of the budget only
// while a large message is read and handled, and that a large message that
// cannot get a share before the read deadline disconnects.
func TestPeerRecvBudget(t *testing.T) {
	b := NewRecvBudget(4 << 20)
	a, c := tcpPair(t)
	defer a.Close()
	cfg := testConfig()
	cfg.RecvBudget = b
	cfg.IdleTimeout = 300 * time.Millisecond
	got := make(chan int, 1)
	cfg.Listeners.OnBlock = func(p *Peer, m *wire.MsgBlock, raw []byte) { got <- int(b.InUse()) }
	p := NewInboundPeer(cfg, 1, c)
	ch := runPeer(t, p)
	r := &rawPeer{t: t, conn: a}
	r.handshake()
	r.drain()

	blk := wire.NewMsgBlock(&wire.BlockHeader{})
	tx := validTx()
	tx.TxOut[0].PkScript = make([]byte, LargeMessage)
	blk.AddTransaction(tx)
	r.send(blk)
	if inUse := <-got; inUse < LargeMessage {
		t.Fatalf("budget in use while handling the block: %d", inUse)
	}
	waitFor(t, func() bool { return b.InUse() == 0 })

	// With the whole budget taken elsewhere, the next large message waits
	// until the read deadline and disconnects.
	held, _ := b.acquire(context.Background(), 4<<20, time.Now().Add(time.Second))
	defer b.release(held)
	r.send(blk)
	if err := waitErr(t, ch); !errors.Is(err, ErrRecvBudget) {
		t.Fatalf("Run: %v", err)
	}
}

// BenchmarkRecvBudget measures a large message's acquire and release of
// its share when the budget has room, the cost added to each such read.
func BenchmarkRecvBudget(b *testing.B) {
	budget := NewRecvBudget(DefaultRecvBudget)
	ctx := context.Background()
	deadline := time.Now().Add(time.Hour)
	b.ReportAllocs()
	for b.Loop() {
		n, err := budget.acquire(ctx, 4_000_000, deadline)
		if err != nil {
			b.Fatal(err)
		}
		budget.release(n)
	}
}

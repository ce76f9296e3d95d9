package peer

import (
	"context"
	"fmt"
	"sync"
	"time"
)

const (
	// LargeMessage is the payload size from which a message takes its
	// share of the RecvBudget before it is read. Smaller messages are
	// bounded by this size per peer and by the number of peers.
	LargeMessage = 256 << 10

	// DefaultRecvBudget is a RecvBudget size for a node: four 4 MB blocks,
	// or eight of today's usual 2 MB ones, being read at once. Reads are
	// sequential per peer and validation is sequential in the node, so
	// more would buy initial sync little; less memory an attacker can make
	// the node hold matters more.
	DefaultRecvBudget = 16 << 20

	// payloadTimeout bounds the time a large message's payload may take to
	// arrive once it holds its share of the budget, so a peer that
	// announces a large message and stalls does not keep the share for
	// the idle timeout. Two minutes is 4 MB at 33 kB/s.
	payloadTimeout = 2 * time.Minute
)

// RecvBudget bounds the payload bytes of large incoming messages that the
// peers sharing it hold at once: before reading a payload of LargeMessage
// bytes or more, a peer waits for that many bytes of the budget and gives
// them back once the message has been handled. Waiters are served in
// order, and a waiter holds nothing, so peers cannot deadlock each other;
// a message larger than the whole budget waits for all of it. A node
// shares one budget among its peers (Config.RecvBudget), which bounds the
// memory any number of peers streaming large messages can make it hold.
// It is safe for concurrent use.
type RecvBudget struct {
	mu      sync.Mutex
	size    int64
	used    int64
	waiters []*budgetWaiter
}

// budgetWaiter is one peer waiting for n bytes; ready is closed when
// they are granted.
type budgetWaiter struct {
	n     int64
	ready chan struct{}
}

// NewRecvBudget returns a budget of size bytes.
func NewRecvBudget(size int64) *RecvBudget {
	return &RecvBudget{size: max(size, 1)}
}

// InUse returns the bytes currently granted.
func (b *RecvBudget) InUse() int64 {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.used
}

// acquire waits until n bytes (at most the whole budget) are granted, ctx
// is done or deadline passes, and returns the bytes granted, to be handed
// back to release.
func (b *RecvBudget) acquire(ctx context.Context, n int64, deadline time.Time) (int64, error) {
	n = min(n, b.size)
	b.mu.Lock()
	if len(b.waiters) == 0 && b.used+n <= b.size {
		b.used += n
		b.mu.Unlock()
		return n, nil
	}
	w := &budgetWaiter{n: n, ready: make(chan struct{})}
	b.waiters = append(b.waiters, w)
	b.mu.Unlock()

	t := time.NewTimer(time.Until(deadline))
	defer t.Stop()
	var err error
	select {
	case <-w.ready:
		return n, nil
	case <-ctx.Done():
		err = ctx.Err()
	case <-t.C:
		err = fmt.Errorf("no share of the receive budget for a %d-byte message within the read deadline", n)
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	select {
	case <-w.ready:
		// Granted while giving up: hand it back.
		b.used -= n
		b.grantLocked()
	default:
		for i, o := range b.waiters {
			if o == w {
				b.waiters = append(b.waiters[:i], b.waiters[i+1:]...)
				break
			}
		}
		// The front waiter may have been the one blocking the others.
		b.grantLocked()
	}
	return 0, err
}

// release hands back n bytes from acquire.
func (b *RecvBudget) release(n int64) {
	if n == 0 {
		return
	}
	b.mu.Lock()
	b.used -= n
	b.grantLocked()
	b.mu.Unlock()
}

// grantLocked grants waiters in order while the first one fits. The caller
// holds b.mu.
func (b *RecvBudget) grantLocked() {
	for len(b.waiters) > 0 {
		w := b.waiters[0]
		if b.used+w.n > b.size {
			return
		}
		b.used += w.n
		close(w.ready)
		b.waiters = b.waiters[1:]
	}
}

// reserveRecv is the transports' reserve hook: it hands back the budget
// the previous message held and, for a payload of LargeMessage bytes or
// more, waits for its share until the current read deadline, then gives
// the payload payloadTimeout to arrive. It runs on the reading goroutine.
func (p *Peer) reserveRecv(n int) error {
	p.releaseRecv()
	b := p.cfg.RecvBudget
	if b == nil || n < LargeMessage {
		return nil
	}
	got, err := b.acquire(p.ctx, int64(n), p.readDeadline)
	if err != nil {
		return makeError(ErrRecvBudget, fmt.Sprintf("%s: %v", p.addr, err))
	}
	p.recvHeld = got
	if d := time.Now().Add(payloadTimeout); d.Before(p.readDeadline) {
		p.conn.SetReadDeadline(d)
	}
	return nil
}

// releaseRecv hands back the budget the last message held. It runs on the
// reading goroutine.
func (p *Peer) releaseRecv() {
	if p.recvHeld > 0 {
		p.cfg.RecvBudget.release(p.recvHeld)
		p.recvHeld = 0
	}
}

// setReadDeadline sets the connection's read deadline and remembers it for
// reserveRecv. It runs on the reading goroutine.
func (p *Peer) setReadDeadline(t time.Time) {
	p.readDeadline = t
	p.conn.SetReadDeadline(t)
}

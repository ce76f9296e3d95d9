package addrmgr

import (
	"sync"
	"time"
)

// Rate limits of incoming addr messages, Bitcoin Core's
// MAX_ADDR_RATE_PER_SECOND and MAX_ADDR_PROCESSING_TOKEN_BUCKET.
const (
	AddrRatePerSecond = 0.1
	AddrBucketMax     = 1000
)

// TokenBucket rate-limits the addresses a peer may make us process: it
// refills at AddrRatePerSecond up to AddrBucketMax, starts with one token,
// and the server adds GetAddrMax tokens when it sends getaddr so that the
// answer is processed in full (as Core does). Each address costs one token;
// addresses beyond the tokens are dropped. Whitelisted peers bypass it. It
// is safe for concurrent use.
type TokenBucket struct {
	mu     sync.Mutex
	rate   float64
	max    float64
	tokens float64
	last   time.Time
}

// NewAddrTokenBucket returns the per-peer addr bucket with Core's
// parameters, starting with one token at now.
func NewAddrTokenBucket(now time.Time) *TokenBucket {
	return NewTokenBucket(AddrRatePerSecond, AddrBucketMax, 1, now)
}

// NewTokenBucket returns a bucket refilling at rate tokens per second up to
// max, holding initial tokens at now.
func NewTokenBucket(rate, max, initial float64, now time.Time) *TokenBucket {
	return &TokenBucket{rate: rate, max: max, tokens: initial, last: now}
}

// refill adds the tokens earned since the last call; refilling never goes
// past max, though Add may have.
func (b *TokenBucket) refill(now time.Time) {
	if now.After(b.last) {
		if b.tokens < b.max {
			b.tokens = min(b.max, b.tokens+now.Sub(b.last).Seconds()*b.rate)
		}
		b.last = now
	}
}

// Allow takes one token if there is one and reports whether it did.
func (b *TokenBucket) Allow(now time.Time) bool {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.refill(now)
	if b.tokens >= 1 {
		b.tokens--
		return true
	}
	return false
}

// Add adds n tokens, beyond the maximum if need be (after a getaddr).
func (b *TokenBucket) Add(n float64) {
	b.mu.Lock()
	b.tokens += n
	b.mu.Unlock()
}

// Tokens returns the tokens available at now.
func (b *TokenBucket) Tokens(now time.Time) float64 {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.refill(now)
	return b.tokens
}

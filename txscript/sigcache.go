package txscript

import (
	"crypto/sha256"
	"sync"

	"github.com/btcsuite/btcd/chaincfg/chainhash"
)

// SigCache remembers signatures that verified, keyed by a hash of (signature
// hash, signature, public key), so a transaction checked by the mempool is
// not checked again when its block connects. It holds at most maxEntries
// keys; when full, adding evicts an arbitrary entry. It is safe for
// concurrent use, and the zero-capacity cache stores nothing.
type SigCache struct {
	mu         sync.RWMutex
	entries    map[[32]byte]struct{}
	maxEntries uint
}

// NewSigCache returns a cache holding at most maxEntries signatures.
func NewSigCache(maxEntries uint) *SigCache {
	hint := maxEntries
	if hint > 1<<16 {
		hint = 1 << 16
	}
	return &SigCache{entries: make(map[[32]byte]struct{}, hint), maxEntries: maxEntries}
}

// sigCacheKey binds the three values without ambiguity (the signature's
// length is hashed before it).
func sigCacheKey(sigHash chainhash.Hash, sig, pubKey []byte) [32]byte {
	var buf [32 + 1 + 80 + 65]byte
	b := append(buf[:0], sigHash[:]...)
	b = append(b, byte(len(sig)))
	b = append(b, sig...)
	b = append(b, pubKey...)
	return sha256.Sum256(b)
}

// Exists reports whether the signature was recorded as valid.
func (c *SigCache) Exists(sigHash chainhash.Hash, sig, pubKey []byte) bool {
	if c == nil || c.maxEntries == 0 {
		return false
	}
	k := sigCacheKey(sigHash, sig, pubKey)
	c.mu.RLock()
	_, ok := c.entries[k]
	c.mu.RUnlock()
	return ok
}

// Add records a valid signature.
func (c *SigCache) Add(sigHash chainhash.Hash, sig, pubKey []byte) {
	if c == nil || c.maxEntries == 0 {
		return
	}
	k := sigCacheKey(sigHash, sig, pubKey)
	c.mu.Lock()
	defer c.mu.Unlock()
	if uint(len(c.entries)) >= c.maxEntries {
		for victim := range c.entries {
			delete(c.entries, victim)
			break
		}
	}
	c.entries[k] = struct{}{}
}

// Len returns the number of cached signatures.
func (c *SigCache) Len() int {
	c.mu.RLock()
	defer c.mu.RUnlock()
	return len(c.entries)
}

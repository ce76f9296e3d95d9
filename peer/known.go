package peer

import (
	"crypto/rand"
	"encoding/binary"
	"sync"

	"github.com/tern-org/ternd/wire"
)

// DefaultKnownInventory bounds the known-inventory filter of each peer
// (Core's rolling filter holds 50,000 transactions).
const DefaultKnownInventory = 50000

// knownInventory is a bounded set of inventory vectors, forgetting the
// oldest entry when full. It is guarded by its own mutex.
type knownInventory struct {
	mu    sync.Mutex
	set   map[wire.InvVect]struct{}
	ring  []wire.InvVect
	next  int
	limit int
}

func newKnownInventory(limit int) *knownInventory {
	return &knownInventory{set: make(map[wire.InvVect]struct{}, min(limit, 1024)), limit: limit}
}

// Add records iv, evicting the oldest entry when the filter is full.
func (k *knownInventory) Add(iv wire.InvVect) {
	k.mu.Lock()
	defer k.mu.Unlock()
	if _, ok := k.set[iv]; ok {
		return
	}
	if len(k.ring) < k.limit {
		k.ring = append(k.ring, iv)
	} else {
		delete(k.set, k.ring[k.next])
		k.ring[k.next] = iv
		k.next = (k.next + 1) % k.limit
	}
	k.set[iv] = struct{}{}
}

// Has reports whether iv is known.
func (k *knownInventory) Has(iv wire.InvVect) bool {
	k.mu.Lock()
	defer k.mu.Unlock()
	_, ok := k.set[iv]
	return ok
}

// NonceSet remembers the nonces of our own version messages so that a
// connection to ourselves is detected. One set is shared by all the peers
// of a node. It is safe for concurrent use.
type NonceSet struct {
	mu     sync.Mutex
	nonces map[uint64]struct{}
}

// NewNonceSet returns an empty set.
func NewNonceSet() *NonceSet {
	return &NonceSet{nonces: make(map[uint64]struct{})}
}

// newNonce draws a fresh random nonce and records it.
func (s *NonceSet) newNonce() uint64 {
	s.mu.Lock()
	defer s.mu.Unlock()
	for {
		n := randUint64()
		if _, ok := s.nonces[n]; !ok && n != 0 {
			s.nonces[n] = struct{}{}
			return n
		}
	}
}

// Has reports whether n is one of our nonces.
func (s *NonceSet) Has(n uint64) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	_, ok := s.nonces[n]
	return ok
}

// remove forgets n once its connection has ended.
func (s *NonceSet) remove(n uint64) {
	s.mu.Lock()
	delete(s.nonces, n)
	s.mu.Unlock()
}

// randUint64 returns a random number from the operating system.
func randUint64() uint64 {
	var b [8]byte
	rand.Read(b[:])
	return binary.LittleEndian.Uint64(b[:])
}

package peer

import (
	"crypto/rand"
	"encoding/binary"
	"sync"

	"github.com/tern-org/ternd/internal/ringset"
	"github.com/tern-org/ternd/wire"
)

// DefaultKnownInventory bounds the known-inventory filter of each peer
// (Core's rolling filter holds 50,000 transactions).
const DefaultKnownInventory = 50000

// knownInventory is a bounded set of inventory vectors, forgetting the
// oldest entry when full. It is guarded by its own mutex.
type knownInventory struct {
	mu  sync.Mutex
	set *ringset.Set[wire.InvVect]
}

func newKnownInventory(limit int) *knownInventory {
	return &knownInventory{set: ringset.New[wire.InvVect](limit, 1024)}
}

// Add records iv, evicting the oldest entry when the filter is full.
func (k *knownInventory) Add(iv wire.InvVect) {
	k.mu.Lock()
	defer k.mu.Unlock()
	k.set.Add(iv)
}

// Has reports whether iv is known.
func (k *knownInventory) Has(iv wire.InvVect) bool {
	k.mu.Lock()
	defer k.mu.Unlock()
	return k.set.Has(iv)
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

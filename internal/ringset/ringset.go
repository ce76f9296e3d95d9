// Package ringset is a bounded set that forgets its oldest entry when it is
// full: the peers' known-inventory filters and the sync manager's sets of
// recently seen hashes. It does no logging, so it has no logger.
package ringset

// Set is a set of at most Max keys; adding to a full set evicts the key
// added longest ago. It is not safe for concurrent use; its owner guards
// it.
type Set[K comparable] struct {
	set  map[K]struct{}
	ring []K
	next int
	max  int
}

// New returns an empty set of at most limit keys, its map sized for
// min(limit, sizeHint) to start with.
func New[K comparable](limit, sizeHint int) *Set[K] {
	return &Set[K]{set: make(map[K]struct{}, max(0, min(limit, sizeHint))), max: limit}
}

// Add records k, evicting the oldest key when the set is full. A set of
// size 0 or less keeps nothing.
func (s *Set[K]) Add(k K) {
	if s.max <= 0 {
		return
	}
	if _, ok := s.set[k]; ok {
		return
	}
	if len(s.ring) < s.max {
		s.ring = append(s.ring, k)
	} else {
		delete(s.set, s.ring[s.next])
		s.ring[s.next] = k
		s.next = (s.next + 1) % s.max
	}
	s.set[k] = struct{}{}
}

// Has reports whether k is in the set.
func (s *Set[K]) Has(k K) bool {
	_, ok := s.set[k]
	return ok
}

// Reset empties the set, keeping its memory.
func (s *Set[K]) Reset() {
	clear(s.set)
	s.ring = s.ring[:0]
	s.next = 0
}

// Len returns the number of keys held.
func (s *Set[K]) Len() int { return len(s.set) }

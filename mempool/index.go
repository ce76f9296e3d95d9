package mempool

// ordIndex is an ordered set of pool entries (a treap) under a strict total
// order. The pool keeps three: by individual fee rate, by ancestor score
// (mining, CPFP) and by descendant score (eviction). The fields an order
// reads must not change while the entry is in the index: the pool removes
// the entry, updates it, and inserts it again.
//
// It is not safe for concurrent use; the pool lock guards it.
type ordIndex struct {
	root *tnode
	less func(a, b *entry) bool
	rng  uint64
	n    int
}

// tnode is one treap node.
type tnode struct {
	e           *entry
	prio        uint64
	left, right *tnode
}

// newOrdIndex returns an empty index ordered by less.
func newOrdIndex(less func(a, b *entry) bool) *ordIndex {
	return &ordIndex{less: less, rng: 0x9e3779b97f4a7c15}
}

// nextPrio returns a pseudo-random heap priority (xorshift64*).
func (t *ordIndex) nextPrio() uint64 {
	t.rng ^= t.rng >> 12
	t.rng ^= t.rng << 25
	t.rng ^= t.rng >> 27
	return t.rng * 2685821657736338717
}

// split divides n into the nodes ordered before e and the rest.
func (t *ordIndex) split(n *tnode, e *entry) (*tnode, *tnode) {
	if n == nil {
		return nil, nil
	}
	if t.less(n.e, e) {
		l, r := t.split(n.right, e)
		n.right = l
		return n, r
	}
	l, r := t.split(n.left, e)
	n.left = r
	return l, n
}

// merge joins a and b where every node of a orders before every node of b.
func merge(a, b *tnode) *tnode {
	if a == nil {
		return b
	}
	if b == nil {
		return a
	}
	if a.prio > b.prio {
		a.right = merge(a.right, b)
		return a
	}
	b.left = merge(a, b.left)
	return b
}

// insert adds e, which must not be in the index.
func (t *ordIndex) insert(e *entry) {
	t.put(e, nil)
}

// put adds e, which must not be in the index, in node (a node take
// returned for e, reused to save an allocation) or, when node is nil, in a
// new one.
func (t *ordIndex) put(e *entry, node *tnode) {
	if node == nil {
		node = &tnode{e: e, prio: t.nextPrio()}
	}
	node.left, node.right = nil, nil
	l, r := t.split(t.root, e)
	t.root = merge(merge(l, node), r)
	t.n++
}

// remove deletes e, found by its current order keys.
func (t *ordIndex) remove(e *entry) {
	t.take(e)
}

// take deletes e, found by its current order keys, and returns its node
// (nil if e was not in the index) for put.
func (t *ordIndex) take(e *entry) *tnode {
	var taken *tnode
	t.root = t.removeFrom(t.root, e, &taken)
	return taken
}

func (t *ordIndex) removeFrom(n *tnode, e *entry, taken **tnode) *tnode {
	if n == nil {
		return nil
	}
	if n.e == e {
		t.n--
		*taken = n
		return merge(n.left, n.right)
	}
	if t.less(e, n.e) {
		n.left = t.removeFrom(n.left, e, taken)
	} else {
		n.right = t.removeFrom(n.right, e, taken)
	}
	return n
}

// min returns the first entry or nil.
func (t *ordIndex) min() *entry {
	n := t.root
	if n == nil {
		return nil
	}
	for n.left != nil {
		n = n.left
	}
	return n.e
}

// descend calls fn from the last entry to the first until fn returns false.
func (t *ordIndex) descend(fn func(*entry) bool) {
	var walk func(n *tnode) bool
	walk = func(n *tnode) bool {
		if n == nil {
			return true
		}
		return walk(n.right) && fn(n.e) && walk(n.left)
	}
	walk(t.root)
}

// ascend calls fn from the first entry to the last until fn returns false.
func (t *ordIndex) ascend(fn func(*entry) bool) {
	var walk func(n *tnode) bool
	walk = func(n *tnode) bool {
		if n == nil {
			return true
		}
		return walk(n.left) && fn(n.e) && walk(n.right)
	}
	walk(t.root)
}

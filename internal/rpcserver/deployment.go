package rpcserver

import (
	"context"
	"encoding/json"
	"sync"

	"github.com/btcsuite/btcd/chaincfg/chainhash"
	"github.com/tern-org/ternd/blockchain"
	"github.com/tern-org/ternd/chaincfg"
	"github.com/tern-org/ternd/internal/rpcjson"
)

// This file holds getdeploymentinfo: the buried deployments by height and
// the version-bits ones by Core's BIP9 state machine
// (AbstractThresholdConditionChecker), run over the block index.

// thresholdState is a BIP9 deployment's state for a block.
type thresholdState int

// The BIP9 states.
const (
	stateDefined thresholdState = iota
	stateStarted
	stateLockedIn
	stateActive
	stateFailed
)

// String is Core's name for the state.
func (s thresholdState) String() string {
	return [...]string{"defined", "started", "locked_in", "active", "failed"}[s]
}

// Version-bits constants (Core's versionbits.h).
const (
	versionBitsTopBits = 0x20000000
	versionBitsTopMask = 0xe0000000
)

// maxDeploymentCache bounds the per-period state cache; past it the cache
// starts again empty (one entry per deployment and signalling period
// reached, so the main chain alone stays far below it).
const maxDeploymentCache = 100_000

// deploymentCache remembers the state computed for the last block of a
// period, by deployment name and block hash, as Core's versionbits cache.
type deploymentCache struct {
	mu sync.Mutex
	m  map[deploymentKey]thresholdState
}

// deploymentKey names a cached state: a deployment and the last block of
// a period.
type deploymentKey struct {
	name string
	hash chainhash.Hash
}

// bip9Checker computes one deployment's states on one chain.
type bip9Checker struct {
	s     *Server
	dep   *chaincfg.BIP9Deployment
	cache *deploymentCache
}

// ancestor returns the block at height on the branch of b (nil below 0).
func (s *Server) ancestor(b *blockchain.BlockInfo, height int32) (*blockchain.BlockInfo, error) {
	if height < 0 || b == nil {
		return nil, nil
	}
	for b.Height > height && !b.InMainChain {
		prev, err := s.cfg.Chain.BlockInfoByHash(&b.Header.PrevBlock)
		if err != nil {
			return nil, err
		}
		b = prev
	}
	if b.Height == height {
		return b, nil
	}
	h, err := s.cfg.Chain.BlockHashByHeight(height)
	if err != nil {
		return nil, err
	}
	return s.cfg.Chain.BlockInfoByHash(h)
}

// signals reports whether a block's version signals the deployment.
func (c *bip9Checker) signals(b *blockchain.BlockInfo) bool {
	v := uint32(b.Header.Version)
	return v&versionBitsTopMask == versionBitsTopBits && v&(1<<c.dep.Bit) != 0
}

// stateFor is Core's GetStateFor: the state of the block after prev (nil:
// the genesis block).
func (c *bip9Checker) stateFor(prev *blockchain.BlockInfo) (thresholdState, error) {
	d := c.dep
	switch d.StartTime {
	case chaincfg.DeploymentAlwaysActive:
		return stateActive, nil
	case chaincfg.DeploymentNeverActive:
		return stateFailed, nil
	}
	var err error
	if prev != nil {
		// A period's blocks share the state of its first block.
		if prev, err = c.s.ancestor(prev, prev.Height-(prev.Height+1)%d.Period); err != nil {
			return 0, err
		}
	}
	var todo []*blockchain.BlockInfo
	state := stateDefined
	for prev != nil {
		if st, ok := c.cached(prev.Hash); ok {
			state = st
			break
		}
		if prev.MedianTime.Unix() < d.StartTime {
			c.store(prev.Hash, stateDefined)
			break
		}
		todo = append(todo, prev)
		if prev, err = c.s.ancestor(prev, prev.Height-d.Period); err != nil {
			return 0, err
		}
	}
	for i := len(todo) - 1; i >= 0; i-- {
		b := todo[i]
		if state, err = c.next(state, b); err != nil {
			return 0, err
		}
		c.store(b.Hash, state)
	}
	return state, nil
}

// next is one step of the state machine at the last block b of a period.
func (c *bip9Checker) next(state thresholdState, b *blockchain.BlockInfo) (thresholdState, error) {
	d := c.dep
	switch state {
	case stateDefined:
		if b.MedianTime.Unix() >= d.StartTime {
			return stateStarted, nil
		}
	case stateStarted:
		count, _, _, err := c.count(b, d.Period)
		if err != nil {
			return 0, err
		}
		if count >= d.Threshold {
			return stateLockedIn, nil
		}
		if b.MedianTime.Unix() >= d.Timeout {
			return stateFailed, nil
		}
	case stateLockedIn:
		if b.Height+1 >= d.MinActivationHeight {
			return stateActive, nil
		}
	}
	return state, nil
}

// count counts the signalling blocks among the n blocks ending at b and
// returns the pattern of the period so far ('#' signalled, '-' not),
// oldest first.
func (c *bip9Checker) count(b *blockchain.BlockInfo, n int32) (count, elapsed int32, pattern []byte, err error) {
	pattern = make([]byte, n)
	for i := n - 1; i >= 0 && b != nil; i-- {
		elapsed++
		pattern[i] = '-'
		if c.signals(b) {
			count++
			pattern[i] = '#'
		}
		if b.Height == 0 {
			break
		}
		if b, err = c.s.cfg.Chain.BlockInfoByHash(&b.Header.PrevBlock); err != nil {
			return 0, 0, nil, err
		}
	}
	return count, elapsed, pattern, nil
}

// sinceHeight is Core's GetStateSinceHeightFor: the height from which the
// state of the block after prev holds.
func (c *bip9Checker) sinceHeight(prev *blockchain.BlockInfo) (int32, error) {
	if c.dep.StartTime == chaincfg.DeploymentAlwaysActive || c.dep.StartTime == chaincfg.DeploymentNeverActive {
		return 0, nil
	}
	initial, err := c.stateFor(prev)
	if err != nil || initial == stateDefined || prev == nil {
		return 0, err
	}
	p := c.dep.Period
	if prev, err = c.s.ancestor(prev, prev.Height-(prev.Height+1)%p); err != nil {
		return 0, err
	}
	for {
		parent, err := c.s.ancestor(prev, prev.Height-p)
		if err != nil {
			return 0, err
		}
		if parent == nil {
			break
		}
		st, err := c.stateFor(parent)
		if err != nil {
			return 0, err
		}
		if st != initial {
			break
		}
		prev = parent
	}
	return prev.Height + 1, nil
}

// cached returns the state stored for the period ending at h.
func (c *bip9Checker) cached(h chainhash.Hash) (thresholdState, bool) {
	c.cache.mu.Lock()
	defer c.cache.mu.Unlock()
	st, ok := c.cache.m[deploymentKey{c.dep.Name, h}]
	return st, ok
}

// store remembers the state of the period ending at h, starting the cache
// again past maxDeploymentCache entries.
func (c *bip9Checker) store(h chainhash.Hash, st thresholdState) {
	c.cache.mu.Lock()
	defer c.cache.mu.Unlock()
	if c.cache.m == nil || len(c.cache.m) >= maxDeploymentCache {
		c.cache.m = make(map[deploymentKey]thresholdState)
	}
	c.cache.m[deploymentKey{c.dep.Name, h}] = st
}

// orderedField is one member of an orderedObject.
type orderedField struct {
	key   string
	value any
}

// orderedObject is a JSON object whose members keep their order, for the
// results whose order Core fixes and clients print (deployments).
type orderedObject []orderedField

// MarshalJSON implements json.Marshaler.
func (o orderedObject) MarshalJSON() ([]byte, error) {
	buf := []byte{'{'}
	for i, f := range o {
		if i > 0 {
			buf = append(buf, ',')
		}
		k, err := json.Marshal(f.key)
		if err != nil {
			return nil, err
		}
		v, err := json.Marshal(f.value)
		if err != nil {
			return nil, err
		}
		buf = append(append(append(buf, k...), ':'), v...)
	}
	return append(buf, '}'), nil
}

// bip9Stats is the "statistics" object of a started or locked-in
// deployment.
type bip9Stats struct {
	Period    int32  `json:"period"`
	Threshold *int32 `json:"threshold,omitempty"`
	Elapsed   int32  `json:"elapsed"`
	Count     int32  `json:"count"`
	Possible  *bool  `json:"possible,omitempty"`
}

// bip9Info is the "bip9" object of a version-bits deployment.
type bip9Info struct {
	Bit                 *uint8     `json:"bit,omitempty"`
	StartTime           int64      `json:"start_time"`
	Timeout             int64      `json:"timeout"`
	MinActivationHeight int32      `json:"min_activation_height"`
	Status              string     `json:"status"`
	Since               int32      `json:"since"`
	StatusNext          string     `json:"status_next"`
	Statistics          *bip9Stats `json:"statistics,omitempty"`
	Signalling          *string    `json:"signalling,omitempty"`
}

// deploymentJSON is one entry of getdeploymentinfo's "deployments".
type deploymentJSON struct {
	Type   string    `json:"type"`
	Height *int32    `json:"height,omitempty"`
	Active bool      `json:"active"`
	BIP9   *bip9Info `json:"bip9,omitempty"`
}

// buriedJSON describes a deployment buried at height for the block at
// height next.
func buriedJSON(height, next int32) *deploymentJSON {
	return &deploymentJSON{Type: "buried", Height: &height, Active: next >= height}
}

// bip9JSON is Core's SoftForkDescPushBack for a version-bits deployment
// at block b.
func (s *Server) bip9JSON(d *chaincfg.BIP9Deployment, b *blockchain.BlockInfo) (*deploymentJSON, error) {
	c := &bip9Checker{s: s, dep: d, cache: &s.deployments}
	prev, err := s.ancestor(b, b.Height-1)
	if err != nil {
		return nil, err
	}
	cur, err := c.stateFor(prev)
	if err != nil {
		return nil, err
	}
	next, err := c.stateFor(b)
	if err != nil {
		return nil, err
	}
	since, err := c.sinceHeight(prev)
	if err != nil {
		return nil, err
	}
	info := &bip9Info{StartTime: d.StartTime, Timeout: d.Timeout,
		MinActivationHeight: d.MinActivationHeight, Status: cur.String(), Since: since,
		StatusNext: next.String()}
	if cur == stateStarted || cur == stateLockedIn {
		bit := d.Bit
		info.Bit = &bit
		count, elapsed, pattern, err := c.count(b, 1+b.Height%d.Period)
		if err != nil {
			return nil, err
		}
		st := &bip9Stats{Period: d.Period, Elapsed: elapsed, Count: count}
		if cur == stateStarted {
			threshold := d.Threshold
			possible := d.Period-d.Threshold >= elapsed-count
			st.Threshold, st.Possible = &threshold, &possible
		}
		sig := string(pattern[len(pattern)-int(elapsed):])
		info.Statistics, info.Signalling = st, &sig
	}
	out := &deploymentJSON{Type: "bip9", BIP9: info}
	if next == stateActive {
		activeSince, err := c.sinceHeight(b)
		if err != nil {
			return nil, err
		}
		out.Height = &activeSince
		out.Active = activeSince <= b.Height+1
	}
	return out, nil
}

// handleGetDeploymentInfo implements getdeploymentinfo ( "blockhash" ):
// the state of every deployment for the block after the given one (the
// tip by default), in Core's order and shapes.
func (s *Server) handleGetDeploymentInfo(_ context.Context, params []json.RawMessage) (any, error) {
	hash := s.cfg.Chain.BestSnapshot().Hash
	if rpcjson.Present(params, 0) {
		h, err := hashParam(params, 0, "blockhash")
		if err != nil {
			return nil, err
		}
		hash = h
	}
	b, err := s.cfg.Chain.BlockInfoByHash(&hash)
	if err != nil {
		return nil, rpcjson.NewRPCError(rpcjson.ErrRPCInvalidAddressOrKey, "Block not found")
	}
	p := s.cfg.ChainParams
	next := b.Height + 1
	deps := orderedObject{
		{"bip34", buriedJSON(p.BIP0034Height, next)},
		{"bip66", buriedJSON(p.BIP0066Height, next)},
		{"bip65", buriedJSON(p.BIP0065Height, next)},
		{"csv", buriedJSON(p.CSVHeight, next)},
		{"segwit", buriedJSON(p.SegwitHeight, next)},
	}
	for i := range p.Deployments {
		d := &p.Deployments[i]
		if d.StartTime == chaincfg.DeploymentNeverActive {
			continue
		}
		j, err := s.bip9JSON(d, b)
		if err != nil {
			return nil, err
		}
		deps = append(deps, orderedField{d.Name, j})
	}
	return orderedObject{{"hash", b.Hash.String()}, {"height", b.Height}, {"deployments", deps}}, nil
}

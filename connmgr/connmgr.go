package connmgr

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"net"
	"net/netip"
	"sync"
	"sync/atomic"
	"time"
)

// Default values used when the matching Config field is zero.
const (
	// DefaultTargetOutbound is the number of automatic full-relay outbound
	// connections, as in Bitcoin Core.
	DefaultTargetOutbound = 8

	// DefaultTargetBlockRelay is the number of automatic block-relay-only
	// outbound connections the daemon keeps beside the full-relay ones
	// (Core's MAX_BLOCK_RELAY_ONLY_CONNECTIONS).
	DefaultTargetBlockRelay = 2

	// DefaultFeelerInterval is the mean time between two feeler
	// connections (Core's FEELER_INTERVAL).
	DefaultFeelerInterval = 2 * time.Minute

	// DefaultExtraBlockRelayInterval is the mean time between two extra
	// block-relay-only connections once StartExtraBlockRelay was called
	// (Core's EXTRA_BLOCK_RELAY_ONLY_PEER_INTERVAL).
	DefaultExtraBlockRelayInterval = 5 * time.Minute

	// DefaultMaxPeers is the default total of inbound and automatic
	// outbound connections (--maxpeers).
	DefaultMaxPeers = 125

	// DefaultRetryDuration is the first delay before redialing a persistent
	// peer; it doubles on each failure up to MaxRetryDuration.
	DefaultRetryDuration = 5 * time.Second

	// DefaultMaxRetryDuration caps the persistent peer backoff.
	DefaultMaxRetryDuration = 5 * time.Minute

	// maxAddrTries bounds how many addresses one fill round asks for, so a
	// source that keeps returning used groups cannot spin the loop.
	maxAddrTries = 100

	// DefaultDialInterval is the least time between two rounds of
	// automatic dials (Core pauses 500 ms between connection attempts).
	DefaultDialInterval = 500 * time.Millisecond

	// acceptBackoff is the pause after a temporary accept error (EMFILE).
	acceptBackoff = 50 * time.Millisecond
)

// ConnState is the state of a connection request.
type ConnState uint8

// These constants are the states of a ConnReq.
const (
	ConnPending ConnState = iota
	ConnEstablished
	ConnDisconnected
	ConnFailed
)

// String returns the state's name.
func (s ConnState) String() string {
	switch s {
	case ConnPending:
		return "pending"
	case ConnEstablished:
		return "established"
	case ConnDisconnected:
		return "disconnected"
	case ConnFailed:
		return "failed"
	}
	return fmt.Sprintf("ConnState(%d)", uint8(s))
}

// ConnType is the kind of an outbound connection, after Core's
// ConnectionType.
type ConnType uint8

// These constants are the kinds of outbound connection.
const (
	// ConnManual is a connection the operator asked for (--addpeer,
	// --connect, addnode): every request made with Connect.
	ConnManual ConnType = iota

	// ConnFullRelay is an automatic connection that relays blocks,
	// transactions and addresses; TargetOutbound of them are kept.
	ConnFullRelay

	// ConnBlockRelayOnly is an automatic connection that relays blocks
	// and headers only (no transactions, no addresses), so that it is
	// hard to find from outside and hard to eclipse; TargetBlockRelay of
	// them are kept, anchors first.
	ConnBlockRelayOnly

	// ConnFeeler is a short automatic connection that only tests whether
	// an address from the new table answers: the owner completes the
	// handshake, marks the address good and disconnects.
	ConnFeeler
)

// String returns Core's name of the connection type, as getpeerinfo
// reports it.
func (t ConnType) String() string {
	switch t {
	case ConnManual:
		return "manual"
	case ConnFullRelay:
		return "outbound-full-relay"
	case ConnBlockRelayOnly:
		return "block-relay-only"
	case ConnFeeler:
		return "feeler"
	}
	return fmt.Sprintf("ConnType(%d)", uint8(t))
}

// ConnReq is a request for an outbound connection: automatic (chosen from
// the address source) or permanent (--addpeer, --connect, addnode add).
type ConnReq struct {
	// Addr is the address to dial.
	Addr net.Addr

	// Permanent requests are redialed with capped exponential backoff when
	// they fail or disconnect, until removed.
	Permanent bool

	id      uint64
	state   ConnState
	retries uint32
	conn    net.Conn
	group   string
	removed bool
	auto    bool     // started by the manager (not Connect)
	typ     ConnType // set before the request is dialed, never changed
	timer   *time.Timer
}

// Type returns the kind of the connection. Requests made with Connect are
// ConnManual; the manager's automatic requests are full-relay,
// block-relay-only or feelers.
func (c *ConnReq) Type() ConnType {
	return c.typ
}

// ID returns the request's unique id, assigned when it is connected.
func (c *ConnReq) ID() uint64 {
	return atomic.LoadUint64(&c.id)
}

// String returns the address and id.
func (c *ConnReq) String() string {
	if c.Addr == nil {
		return fmt.Sprintf("reqid %d", c.ID())
	}
	return fmt.Sprintf("%s (reqid %d)", c.Addr, c.ID())
}

// Config holds the callbacks and limits of a ConnManager. Callbacks run on
// the manager's goroutines and must not block for long; they may call back
// into the manager.
type Config struct {
	// Listeners accept inbound connections; see Listen. The manager closes
	// them when Run returns. Empty means no inbound connections.
	Listeners []net.Listener

	// OnAccept receives every accepted inbound connection that passed the
	// ban and limit checks. Closing the connection frees its inbound slot.
	OnAccept func(conn net.Conn)

	// OnConnection receives every established outbound connection. Closing
	// the connection (or Disconnect) frees the slot and, for a permanent
	// request, schedules a redial.
	OnConnection func(req *ConnReq, conn net.Conn)

	// OnDisconnection is called after an outbound connection closed.
	OnDisconnection func(req *ConnReq)

	// GetNewAddress is the address source for automatic outbound
	// connections (the address manager). Nil disables automatic outbound
	// connections, which is the --connect mode.
	GetNewAddress func() (net.Addr, error)

	// Dial connects to an address; nil means a direct net.Dialer. Use a
	// Dialer for --proxy and --onion.
	Dial DialFunc

	// GroupKey maps an address to its network group; automatic outbound
	// connections each use a different group and inbound limits count per
	// group. Nil means NetGroup.
	GroupKey func(net.Addr) string

	// IsBanned, when not nil, refuses inbound connections and automatic
	// dials to banned addresses.
	IsBanned func(net.Addr) bool

	// IsWhitelisted, when not nil, exempts inbound addresses from the
	// per-IP and per-group limits and from the ban check (--whitelist).
	IsWhitelisted func(net.Addr) bool

	// TargetOutbound is the number of automatic outbound connections; zero
	// means DefaultTargetOutbound, negative means none.
	TargetOutbound int

	// TargetBlockRelay is the number of automatic block-relay-only
	// outbound connections kept beside TargetOutbound, each in a network
	// group no other outbound connection uses; zero (or negative) means
	// none. The daemon uses DefaultTargetBlockRelay unless --connect.
	TargetBlockRelay int

	// Anchors are dialed first, as block-relay-only connections (the
	// block-relay-only peers of the last run, Core's anchors.dat); at most
	// TargetBlockRelay are used. An anchor that fails is dropped and its
	// slot filled from GetNewAddress.
	Anchors []net.Addr

	// GetFeelerAddress, when not nil, is the address source of feeler
	// connections (the address manager's new table). A feeler is started
	// every FeelerInterval on average (exponentially distributed, as
	// Core) when the full-relay and block-relay-only slots are full; it
	// uses no slot and is exempt from the network-group rule.
	GetFeelerAddress func() (net.Addr, error)

	// FeelerInterval is the mean time between feelers; zero means
	// DefaultFeelerInterval.
	FeelerInterval time.Duration

	// ExtraBlockRelayInterval is the mean time between two extra
	// block-relay-only connections after StartExtraBlockRelay; zero
	// means DefaultExtraBlockRelayInterval.
	ExtraBlockRelayInterval time.Duration

	// MaxPeers bounds inbound plus automatic outbound connections; inbound
	// may use MaxPeers-TargetOutbound-TargetBlockRelay slots. Zero means
	// DefaultMaxPeers.
	MaxPeers int

	// MaxInboundPerIP and MaxInboundPerGroup limit inbound connections
	// from one address and one network group; zero means no limit.
	MaxInboundPerIP    int
	MaxInboundPerGroup int

	// EvictInbound, when not nil, is asked to drop one inbound connection
	// when a new one finds every inbound slot taken (the caller chooses,
	// e.g. with SelectEviction, and closes it before returning true); the
	// new connection then takes the freed slot, as Core's
	// AttemptToEvictConnection. It returns false when nothing may be
	// evicted, and the new connection is refused. It runs on the accept
	// goroutine without the manager's lock.
	EvictInbound func() bool

	// RetryDuration and MaxRetryDuration set the backoff of permanent
	// requests; zero means the defaults.
	RetryDuration    time.Duration
	MaxRetryDuration time.Duration

	// DialTimeout bounds one dial; zero means 30 seconds.
	DialTimeout time.Duration

	// DialInterval is the least time between two rounds of automatic
	// dials, so that failing addresses cannot make the manager spin; zero
	// means DefaultDialInterval.
	DialInterval time.Duration
}

// ConnManager listens for inbound connections and keeps the outbound ones:
// a target of automatic connections, each to a different network group, and
// permanent connections redialed with backoff. It is safe for concurrent
// use; Run drives it.
type ConnManager struct {
	cfg Config

	nextID atomic.Uint64

	mu      sync.Mutex
	running bool
	stopped bool
	// inactive is setnetworkactive false: no dials and no inbound
	// connections until it is cleared.
	inactive    bool
	ctx         context.Context
	wg          sync.WaitGroup
	pending     []*ConnReq          // permanent requests queued before Run
	reqs        map[uint64]*ConnReq // outbound requests by id
	autoCount   int                 // full-relay requests pending or established
	blockCount  int                 // block-relay-only requests pending or established
	feeler      bool                // a feeler is pending or established
	anchors     []net.Addr          // anchors not dialed yet
	outGroups   map[string]int      // groups of every outbound request
	inbound     int
	inboundIP   map[netip.Addr]int
	inboundGrp  map[string]int
	wake        chan struct{}
	dialCancels map[uint64]context.CancelFunc
	// tryNew allows one automatic connection beyond TargetOutbound
	// (Core's m_try_another_outbound_peer); guarded by mu.
	tryNew bool
	// extraBlockOn is set by StartExtraBlockRelay (Core's
	// m_start_extra_block_relay_peers); extraBlockDue when the extra
	// block-relay-only timer fired and no extra connection was started
	// since. Both guarded by mu.
	extraBlockOn  bool
	extraBlockDue bool
}

// New returns a connection manager for cfg, with defaults filled in.
func New(cfg *Config) *ConnManager {
	c := *cfg
	if c.TargetOutbound == 0 {
		c.TargetOutbound = DefaultTargetOutbound
	}
	if c.TargetOutbound < 0 {
		c.TargetOutbound = 0
	}
	if c.TargetBlockRelay < 0 {
		c.TargetBlockRelay = 0
	}
	if c.FeelerInterval <= 0 {
		c.FeelerInterval = DefaultFeelerInterval
	}
	if c.ExtraBlockRelayInterval <= 0 {
		c.ExtraBlockRelayInterval = DefaultExtraBlockRelayInterval
	}
	if c.MaxPeers == 0 {
		c.MaxPeers = DefaultMaxPeers
	}
	if c.RetryDuration <= 0 {
		c.RetryDuration = DefaultRetryDuration
	}
	if c.MaxRetryDuration <= 0 {
		c.MaxRetryDuration = DefaultMaxRetryDuration
	}
	if c.MaxRetryDuration < c.RetryDuration {
		c.MaxRetryDuration = c.RetryDuration
	}
	if c.DialTimeout <= 0 {
		c.DialTimeout = 30 * time.Second
	}
	if c.DialInterval <= 0 {
		c.DialInterval = DefaultDialInterval
	}
	if c.GroupKey == nil {
		c.GroupKey = NetGroup
	}
	if c.Dial == nil {
		d := &Dialer{Timeout: c.DialTimeout}
		c.Dial = d.DialContext
	}
	anchors := append([]net.Addr(nil), c.Anchors...)
	if len(anchors) > c.TargetBlockRelay {
		anchors = anchors[:c.TargetBlockRelay]
	}
	c.Anchors = nil
	return &ConnManager{
		cfg:         c,
		anchors:     anchors,
		reqs:        make(map[uint64]*ConnReq),
		outGroups:   make(map[string]int),
		inboundIP:   make(map[netip.Addr]int),
		inboundGrp:  make(map[string]int),
		wake:        make(chan struct{}, 1),
		dialCancels: make(map[uint64]context.CancelFunc),
	}
}

// MaxInbound returns the number of inbound slots: MaxPeers less the
// automatic full-relay and block-relay-only targets.
func (cm *ConnManager) MaxInbound() int {
	n := cm.cfg.MaxPeers - cm.cfg.TargetOutbound - cm.cfg.TargetBlockRelay
	if n < 0 {
		return 0
	}
	return n
}

// Run accepts inbound connections and keeps the outbound ones until ctx is
// cancelled. It then closes the listeners, cancels pending dials and timers,
// and returns only when every goroutine it started has stopped.
// Established connections belong to the callbacks' owner and stay open.
func (cm *ConnManager) Run(ctx context.Context) error {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()

	cm.mu.Lock()
	if cm.running || cm.stopped {
		cm.mu.Unlock()
		return makeError(ErrNotRunning, "connmgr: Run called twice")
	}
	cm.running = true
	cm.ctx = ctx
	pending := cm.pending
	cm.pending = nil
	for _, req := range pending {
		cm.startLocked(req, 0)
	}
	for _, l := range cm.cfg.Listeners {
		cm.wg.Add(1)
		go cm.acceptLoop(ctx, l)
	}
	if cm.cfg.GetNewAddress != nil && (cm.cfg.TargetOutbound > 0 || cm.cfg.TargetBlockRelay > 0) {
		cm.wg.Add(1)
		go cm.outboundLoop(ctx)
	}
	cm.mu.Unlock()

	<-ctx.Done()

	cm.mu.Lock()
	cm.stopped = true
	for _, l := range cm.cfg.Listeners {
		l.Close()
	}
	for _, c := range cm.dialCancels {
		c()
	}
	for _, req := range cm.reqs {
		if req.timer != nil && req.timer.Stop() {
			cm.wg.Done()
		}
	}
	cm.mu.Unlock()
	cm.wg.Wait()
	return nil
}

// Connect requests an outbound connection. A permanent request is redialed
// until Remove; the request gets its id at once. Requests made before Run
// start when Run starts.
func (cm *ConnManager) Connect(req *ConnReq) error {
	if req.Addr == nil {
		return makeError(ErrInvalidAddress, "connmgr: nil address")
	}
	atomic.StoreUint64(&req.id, cm.nextID.Add(1))
	cm.mu.Lock()
	defer cm.mu.Unlock()
	if cm.stopped {
		return makeError(ErrNotRunning, "connmgr: stopped")
	}
	req.group = cm.cfg.GroupKey(req.Addr)
	req.state = ConnPending
	cm.reqs[req.id] = req
	cm.outGroups[req.group]++
	if !cm.running {
		cm.pending = append(cm.pending, req)
		return nil
	}
	cm.startLocked(req, 0)
	return nil
}

// Disconnect closes the outbound connection of request id. A permanent
// request is redialed after its backoff; an automatic one is replaced.
func (cm *ConnManager) Disconnect(id uint64) error {
	cm.mu.Lock()
	req, ok := cm.reqs[id]
	var conn net.Conn
	if ok {
		conn = req.conn
	}
	cm.mu.Unlock()
	if !ok {
		return makeError(ErrUnknownConn, fmt.Sprintf("connmgr: no request %d", id))
	}
	if conn != nil {
		conn.Close()
	}
	return nil
}

// Redial dials req's address again at once after its connection ended in
// a failed BIP324 handshake, so that the caller can speak v1 to it in the
// same kind of slot (Core reconnects such a peer with v1 straight away
// rather than waiting for the next address). A permanent request waiting
// out its backoff is dialed now; an automatic full-relay or
// block-relay-only one is dialed as a new request of the same type while
// that type still has a free slot and its network group none, and is
// otherwise dropped (the slot went to another address meanwhile). It
// returns the request that will be dialed, nil when none is.
func (cm *ConnManager) Redial(req *ConnReq) (*ConnReq, error) {
	cm.mu.Lock()
	defer cm.mu.Unlock()
	if cm.stopped || !cm.running {
		return nil, makeError(ErrNotRunning, "connmgr: not running")
	}
	if req.Permanent {
		if cur, ok := cm.reqs[req.id]; !ok || cur != req || req.removed {
			return nil, makeError(ErrUnknownConn, fmt.Sprintf("connmgr: no request %d", req.ID()))
		}
		if req.timer != nil && req.timer.Stop() {
			req.timer = nil
			req.retries = 0
			cm.wg.Done()
			cm.startLocked(req, 0)
		}
		return req, nil
	}
	if !req.auto || (req.typ != ConnFullRelay && req.typ != ConnBlockRelayOnly) {
		return nil, nil
	}
	free := cm.autoCount < cm.outboundTargetLocked()
	if req.typ == ConnBlockRelayOnly {
		free = cm.blockCount < cm.blockRelayTargetLocked()
	}
	if !free || cm.outGroups[req.group] > 0 {
		return nil, nil
	}
	again := &ConnReq{Addr: req.Addr, group: req.group, auto: true, typ: req.typ}
	atomic.StoreUint64(&again.id, cm.nextID.Add(1))
	cm.reqs[again.id] = again
	cm.outGroups[again.group]++
	if again.typ == ConnBlockRelayOnly {
		cm.blockCount++
	} else {
		cm.autoCount++
	}
	log.Debugf("Redialing %s connection to %v", again.typ, again.Addr)
	cm.startLocked(again, 0)
	return again, nil
}

// Remove forgets request id: it is never redialed and its connection, if
// any, is closed.
func (cm *ConnManager) Remove(id uint64) error {
	cm.mu.Lock()
	req, ok := cm.reqs[id]
	if !ok {
		cm.mu.Unlock()
		return makeError(ErrUnknownConn, fmt.Sprintf("connmgr: no request %d", id))
	}
	req.removed = true
	conn := req.conn
	if cancel := cm.dialCancels[id]; cancel != nil {
		cancel()
	}
	if req.timer != nil && req.timer.Stop() {
		cm.wg.Done()
		cm.forgetLocked(req)
	}
	if conn == nil && req.state != ConnPending {
		cm.forgetLocked(req)
	}
	for i, p := range cm.pending {
		if p == req {
			cm.pending = append(cm.pending[:i], cm.pending[i+1:]...)
			cm.forgetLocked(req)
			break
		}
	}
	cm.mu.Unlock()
	if conn != nil {
		conn.Close()
	}
	return nil
}

// Requests returns the outbound requests (pending, established or waiting
// to retry), for addnode/getaddednodeinfo.
func (cm *ConnManager) Requests() []*ConnReq {
	cm.mu.Lock()
	defer cm.mu.Unlock()
	out := make([]*ConnReq, 0, len(cm.reqs))
	for _, r := range cm.reqs {
		out = append(out, r)
	}
	return out
}

// State returns the state of request id.
func (cm *ConnManager) State(id uint64) (ConnState, error) {
	cm.mu.Lock()
	defer cm.mu.Unlock()
	req, ok := cm.reqs[id]
	if !ok {
		return 0, makeError(ErrUnknownConn, fmt.Sprintf("connmgr: no request %d", id))
	}
	return req.state, nil
}

// SetTryNewOutbound allows (true) or stops allowing (false) one automatic
// outbound connection beyond TargetOutbound, as Core's
// SetTryNewOutboundPeer: the sync manager asks for it when the tip looks
// stale, so a fresh peer may bring the blocks the others do not, and it
// evicts an extra peer (ExtraOutbound) once one is connected. Safe for
// concurrent use.
func (cm *ConnManager) SetTryNewOutbound(try bool) {
	cm.mu.Lock()
	changed := cm.tryNew != try
	cm.tryNew = try
	if changed && try {
		cm.signal()
	}
	cm.mu.Unlock()
	if changed {
		log.Debugf("Extra outbound connection allowed: %v", try)
	}
}

// TryNewOutbound reports whether an extra outbound connection is allowed.
func (cm *ConnManager) TryNewOutbound() bool {
	cm.mu.Lock()
	defer cm.mu.Unlock()
	return cm.tryNew
}

// ExtraOutbound returns how many established automatic full-relay
// outbound connections exceed TargetOutbound (Core's
// GetExtraFullOutboundCount).
func (cm *ConnManager) ExtraOutbound() int {
	cm.mu.Lock()
	defer cm.mu.Unlock()
	return max(cm.establishedLocked(ConnFullRelay)-cm.cfg.TargetOutbound, 0)
}

// establishedLocked counts the established automatic connections of type
// typ. The caller holds cm.mu.
func (cm *ConnManager) establishedLocked(typ ConnType) int {
	n := 0
	for _, req := range cm.reqs {
		if req.typ == typ && req.state == ConnEstablished {
			n++
		}
	}
	return n
}

// StartExtraBlockRelay starts the periodic extra block-relay-only
// connection, as Core's StartExtraBlockRelayPeers: about every
// ExtraBlockRelayInterval, when every slot is taken, one more
// block-relay-only connection is made, so that a fresh peer regularly
// shows us its headers; the sync manager then evicts the youngest
// block-relay-only peer, or the next youngest when the youngest brought
// a block more recently (ExtraBlockRelay counts the extra ones). The sync
// manager calls it once the initial sync is done. Safe for concurrent
// use.
func (cm *ConnManager) StartExtraBlockRelay() {
	cm.mu.Lock()
	defer cm.mu.Unlock()
	if !cm.extraBlockOn && cm.cfg.TargetBlockRelay > 0 {
		cm.extraBlockOn = true
		log.Debugf("Extra block-relay-only connections enabled")
	}
}

// ExtraBlockRelay returns how many established block-relay-only
// connections exceed TargetBlockRelay (Core's GetExtraBlockRelayCount).
func (cm *ConnManager) ExtraBlockRelay() int {
	cm.mu.Lock()
	defer cm.mu.Unlock()
	return max(cm.establishedLocked(ConnBlockRelayOnly)-cm.cfg.TargetBlockRelay, 0)
}

// blockRelayTargetLocked is the number of block-relay-only connections to
// keep: TargetBlockRelay, plus one when the extra one is due and the
// full-relay slots are taken (Core tries the extra block-relay-only peer
// after the full-relay ones). The caller holds cm.mu.
func (cm *ConnManager) blockRelayTargetLocked() int {
	if cm.extraBlockOn && cm.extraBlockDue && cm.autoCount >= cm.outboundTargetLocked() {
		return cm.cfg.TargetBlockRelay + 1
	}
	return cm.cfg.TargetBlockRelay
}

// outboundTargetLocked is the number of automatic connections to keep:
// TargetOutbound, plus one while SetTryNewOutbound allows it. The caller
// holds cm.mu.
func (cm *ConnManager) outboundTargetLocked() int {
	if cm.tryNew && cm.cfg.TargetOutbound > 0 {
		return cm.cfg.TargetOutbound + 1
	}
	return cm.cfg.TargetOutbound
}

// Counts returns the number of inbound connections and of outbound
// requests (pending or established).
func (cm *ConnManager) Counts() (inbound, outbound int) {
	cm.mu.Lock()
	defer cm.mu.Unlock()
	return cm.inbound, len(cm.reqs)
}

// OutboundCounts returns the automatic outbound requests (pending or
// established) by kind: full-relay, block-relay-only, and feelers (0 or
// 1).
func (cm *ConnManager) OutboundCounts() (fullRelay, blockRelay, feelers int) {
	cm.mu.Lock()
	defer cm.mu.Unlock()
	if cm.feeler {
		feelers = 1
	}
	return cm.autoCount, cm.blockCount, feelers
}

// forgetLocked drops a finished request from the tables. The caller holds
// cm.mu.
func (cm *ConnManager) forgetLocked(req *ConnReq) {
	if _, ok := cm.reqs[req.id]; !ok {
		return
	}
	delete(cm.reqs, req.id)
	if req.typ == ConnFeeler {
		// A feeler takes no slot and no network group.
		cm.feeler = false
		return
	}
	if cm.outGroups[req.group]--; cm.outGroups[req.group] <= 0 {
		delete(cm.outGroups, req.group)
	}
	switch req.typ {
	case ConnFullRelay:
		cm.autoCount--
	case ConnBlockRelayOnly:
		cm.blockCount--
	}
	cm.signal()
}

// signal wakes the outbound loop without blocking.
func (cm *ConnManager) signal() {
	select {
	case cm.wake <- struct{}{}:
	default:
	}
}

// startLocked dials req after delay. The caller holds cm.mu and has checked
// that the manager is running and not stopped.
func (cm *ConnManager) startLocked(req *ConnReq, delay time.Duration) {
	cm.wg.Add(1)
	if delay <= 0 {
		go cm.dial(req)
		return
	}
	req.timer = time.AfterFunc(delay, func() {
		cm.mu.Lock()
		req.timer = nil
		cm.mu.Unlock()
		cm.dial(req)
	})
}

// dial connects req once and hands the connection to OnConnection, or
// schedules a retry. It runs on its own goroutine counted in cm.wg.
func (cm *ConnManager) dial(req *ConnReq) {
	defer cm.wg.Done()
	cm.mu.Lock()
	if cm.stopped || req.removed {
		cm.forgetLocked(req)
		cm.mu.Unlock()
		return
	}
	if cm.inactive {
		// A permanent request waits out its backoff and tries again; an
		// automatic one is dropped and refilled once the network is on.
		req.state = ConnFailed
		cm.retryLocked(req)
		cm.mu.Unlock()
		return
	}
	ctx, cancel := context.WithTimeout(cm.ctx, cm.cfg.DialTimeout)
	cm.dialCancels[req.id] = cancel
	req.state = ConnPending
	cm.mu.Unlock()

	log.Debugf("Attempting to connect to %v", req)
	conn, err := cm.cfg.Dial(ctx, req.Addr.Network(), req.Addr.String())
	cancel()

	cm.mu.Lock()
	delete(cm.dialCancels, req.id)
	if err == nil && (cm.stopped || req.removed) {
		conn.Close()
		err = errors.New("connmgr: stopped during dial")
	}
	if err != nil {
		log.Debugf("Failed to connect to %v: %v", req, err)
		req.state = ConnFailed
		cm.retryLocked(req)
		cm.mu.Unlock()
		return
	}
	req.state = ConnEstablished
	req.retries = 0
	tc := &trackedConn{Conn: conn}
	tc.release = func() { cm.outboundClosed(req) }
	req.conn = tc
	cm.mu.Unlock()

	log.Debugf("Connected to %v", req)
	if cm.cfg.OnConnection != nil {
		cm.cfg.OnConnection(req, tc)
	}
}

// retryLocked schedules a redial of a permanent request with backoff, or
// forgets an automatic one. The caller holds cm.mu.
func (cm *ConnManager) retryLocked(req *ConnReq) {
	if !req.Permanent || req.removed || cm.stopped {
		cm.forgetLocked(req)
		return
	}
	req.retries++
	delay := cm.backoff(req.retries)
	log.Debugf("Retrying connection to %v in %v", req, delay)
	cm.startLocked(req, delay)
}

// backoff returns RetryDuration doubled retries-1 times, capped at
// MaxRetryDuration.
func (cm *ConnManager) backoff(retries uint32) time.Duration {
	d := cm.cfg.RetryDuration
	for i := uint32(1); i < retries && d < cm.cfg.MaxRetryDuration; i++ {
		d *= 2
	}
	if d > cm.cfg.MaxRetryDuration {
		d = cm.cfg.MaxRetryDuration
	}
	return d
}

// outboundClosed runs once when an outbound connection is closed.
func (cm *ConnManager) outboundClosed(req *ConnReq) {
	cm.mu.Lock()
	req.conn = nil
	req.state = ConnDisconnected
	cm.retryLocked(req)
	cm.mu.Unlock()
	if cm.cfg.OnDisconnection != nil {
		cm.cfg.OnDisconnection(req)
	}
}

// outboundLoop keeps TargetOutbound full-relay and TargetBlockRelay
// block-relay-only automatic connections, asking the address source for
// addresses in unused network groups (anchors first), and starts a feeler
// and (after StartExtraBlockRelay) an extra block-relay-only connection
// now and then when every slot is taken.
func (cm *ConnManager) outboundLoop(ctx context.Context) {
	defer cm.wg.Done()
	ticker := time.NewTicker(cm.cfg.RetryDuration)
	defer ticker.Stop()
	var feeler *time.Timer
	var feelerC <-chan time.Time
	if cm.cfg.GetFeelerAddress != nil {
		feeler = time.NewTimer(expDelay(cm.cfg.FeelerInterval))
		defer feeler.Stop()
		feelerC = feeler.C
	}
	var extraBlock *time.Timer
	var extraBlockC <-chan time.Time
	if cm.cfg.TargetBlockRelay > 0 {
		extraBlock = time.NewTimer(expDelay(cm.cfg.ExtraBlockRelayInterval))
		defer extraBlock.Stop()
		extraBlockC = extraBlock.C
	}
	for {
		if cm.fillOutbound() {
			// Pace the rounds: a burst of failing dials must not spin.
			select {
			case <-ctx.Done():
				return
			case <-time.After(cm.cfg.DialInterval):
			}
		}
		select {
		case <-ctx.Done():
			return
		case <-cm.wake:
		case <-ticker.C:
		case <-feelerC:
			cm.startFeeler()
			feeler.Reset(expDelay(cm.cfg.FeelerInterval))
		case <-extraBlockC:
			cm.mu.Lock()
			cm.extraBlockDue = cm.extraBlockOn
			cm.mu.Unlock()
			extraBlock.Reset(expDelay(cm.cfg.ExtraBlockRelayInterval))
		}
	}
}

// expDelay draws the time to the next feeler or extra block-relay-only
// connection: exponentially distributed with the given mean (Core's
// rand_exp_duration), capped at ten times the mean.
func expDelay(mean time.Duration) time.Duration {
	m := float64(mean)
	return time.Duration(min(rand.ExpFloat64()*m, 10*m))
}

// nextAutoTypeLocked returns the kind of automatic connection to start
// next, and false when every slot is taken: block-relay-only while
// anchors wait (Core dials anchors first), then full-relay, then
// block-relay-only. The caller holds cm.mu.
func (cm *ConnManager) nextAutoTypeLocked() (ConnType, bool) {
	switch {
	case cm.stopped:
		return 0, false
	case len(cm.anchors) > 0 && cm.blockCount < cm.cfg.TargetBlockRelay:
		return ConnBlockRelayOnly, true
	case cm.autoCount < cm.outboundTargetLocked():
		return ConnFullRelay, true
	case cm.blockCount < cm.blockRelayTargetLocked():
		return ConnBlockRelayOnly, true
	}
	return 0, false
}

// fillOutbound starts automatic requests until the full-relay and
// block-relay-only targets are met or the address source has nothing
// suitable, and reports whether it started any.
func (cm *ConnManager) fillOutbound() bool {
	started := false
	for tries := 0; tries < maxAddrTries; tries++ {
		cm.mu.Lock()
		typ, need := cm.nextAutoTypeLocked()
		need = need && !cm.inactive
		var addr net.Addr
		if need && typ == ConnBlockRelayOnly && len(cm.anchors) > 0 {
			addr = cm.anchors[0]
			cm.anchors = cm.anchors[1:]
		}
		cm.mu.Unlock()
		if !need {
			return started
		}
		if addr == nil {
			var err error
			addr, err = cm.cfg.GetNewAddress()
			if err != nil || addr == nil {
				return started
			}
		}
		if cm.cfg.IsBanned != nil && cm.cfg.IsBanned(addr) {
			continue
		}
		group := cm.cfg.GroupKey(addr)
		cm.mu.Lock()
		if cm.stopped {
			cm.mu.Unlock()
			return started
		}
		// The slot may have gone while the lock was released
		// (SetTryNewOutbound(false)); only this goroutine fills slots.
		free := cm.autoCount < cm.outboundTargetLocked()
		if typ == ConnBlockRelayOnly {
			free = cm.blockCount < cm.blockRelayTargetLocked()
		}
		if !free || cm.outGroups[group] > 0 {
			cm.mu.Unlock()
			continue
		}
		req := &ConnReq{Addr: addr, group: group, auto: true, typ: typ}
		atomic.StoreUint64(&req.id, cm.nextID.Add(1))
		cm.reqs[req.id] = req
		cm.outGroups[group]++
		if typ == ConnBlockRelayOnly {
			if cm.blockCount >= cm.cfg.TargetBlockRelay {
				// The extra one: the next is drawn by the timer.
				cm.extraBlockDue = false
			}
			cm.blockCount++
		} else {
			cm.autoCount++
		}
		log.Debugf("New %s connection to %v", typ, addr)
		cm.startLocked(req, 0)
		cm.mu.Unlock()
		started = true
	}
	return started
}

// startFeeler starts a feeler connection to an address from
// GetFeelerAddress when the full-relay and block-relay-only slots are all
// taken and no other feeler is running (Core's FEELER connection type).
// A feeler is never redialed and uses no slot or network group.
func (cm *ConnManager) startFeeler() {
	cm.mu.Lock()
	full := cm.autoCount >= cm.cfg.TargetOutbound && cm.blockCount >= cm.cfg.TargetBlockRelay
	busy := cm.stopped || cm.feeler || !full
	cm.mu.Unlock()
	if busy {
		return
	}
	addr, err := cm.cfg.GetFeelerAddress()
	if err != nil || addr == nil {
		return
	}
	if cm.cfg.IsBanned != nil && cm.cfg.IsBanned(addr) {
		return
	}
	cm.mu.Lock()
	defer cm.mu.Unlock()
	if cm.stopped || cm.feeler {
		return
	}
	req := &ConnReq{Addr: addr, group: cm.cfg.GroupKey(addr), auto: true, typ: ConnFeeler}
	atomic.StoreUint64(&req.id, cm.nextID.Add(1))
	cm.reqs[req.id] = req
	cm.feeler = true
	log.Debugf("Feeler connection to %v", addr)
	cm.startLocked(req, 0)
}

// acceptLoop accepts connections on l until it is closed.
func (cm *ConnManager) acceptLoop(ctx context.Context, l net.Listener) {
	defer cm.wg.Done()
	// The daemon logs each listener once, when it binds it.
	log.Debugf("Accepting connections on %s", l.Addr())
	for {
		conn, err := l.Accept()
		if err != nil {
			if ctx.Err() != nil || errors.Is(err, net.ErrClosed) {
				return
			}
			log.Debugf("Accept on %s: %v", l.Addr(), err)
			select {
			case <-ctx.Done():
				return
			case <-time.After(acceptBackoff):
			}
			continue
		}
		cm.handleInbound(conn)
	}
}

// handleInbound checks a new inbound connection against the ban list and
// limits, then hands it to OnAccept.
func (cm *ConnManager) handleInbound(conn net.Conn) {
	addr := conn.RemoteAddr()
	white := cm.cfg.IsWhitelisted != nil && cm.cfg.IsWhitelisted(addr)
	if !white && cm.cfg.IsBanned != nil && cm.cfg.IsBanned(addr) {
		log.Debugf("Refusing banned inbound %s", addr)
		conn.Close()
		return
	}
	ip, _ := AddrIP(addr)
	group := cm.cfg.GroupKey(addr)

	cm.mu.Lock()
	// Evict only for a connection the per-address and per-group limits
	// would accept.
	withinLimits := white || ((cm.cfg.MaxInboundPerIP <= 0 || cm.inboundIP[ip] < cm.cfg.MaxInboundPerIP) &&
		(cm.cfg.MaxInboundPerGroup <= 0 || cm.inboundGrp[group] < cm.cfg.MaxInboundPerGroup))
	if !cm.stopped && cm.inbound >= cm.MaxInbound() && cm.MaxInbound() > 0 &&
		cm.cfg.EvictInbound != nil && withinLimits {
		cm.mu.Unlock()
		evicted := cm.cfg.EvictInbound()
		cm.mu.Lock()
		if evicted {
			log.Debugf("Evicted an inbound connection for %s", addr)
		}
	}
	reason := ""
	switch {
	case cm.stopped:
		reason = "shutting down"
	case cm.inactive:
		reason = "network not active"
	case cm.inbound >= cm.MaxInbound():
		reason = "inbound slots full"
	case !white && cm.cfg.MaxInboundPerIP > 0 && cm.inboundIP[ip] >= cm.cfg.MaxInboundPerIP:
		reason = "too many connections from the address"
	case !white && cm.cfg.MaxInboundPerGroup > 0 && cm.inboundGrp[group] >= cm.cfg.MaxInboundPerGroup:
		reason = "too many connections from the network group"
	}
	if reason != "" {
		cm.mu.Unlock()
		log.Debugf("Refusing inbound %s: %s", addr, reason)
		conn.Close()
		return
	}
	cm.inbound++
	cm.inboundIP[ip]++
	cm.inboundGrp[group]++
	cm.mu.Unlock()

	tc := &trackedConn{Conn: conn}
	tc.release = func() {
		cm.mu.Lock()
		cm.inbound--
		if cm.inboundIP[ip]--; cm.inboundIP[ip] <= 0 {
			delete(cm.inboundIP, ip)
		}
		if cm.inboundGrp[group]--; cm.inboundGrp[group] <= 0 {
			delete(cm.inboundGrp, group)
		}
		cm.mu.Unlock()
	}
	if cm.cfg.OnAccept != nil {
		cm.cfg.OnAccept(tc)
	} else {
		tc.Close()
	}
}

// trackedConn is a connection whose first Close frees its slot in the
// manager.
type trackedConn struct {
	net.Conn
	once    sync.Once
	release func()
}

// Close closes the connection and frees its slot once.
func (c *trackedConn) Close() error {
	err := c.Conn.Close()
	c.once.Do(c.release)
	return err
}

// NetGroup returns the network group of an address as Bitcoin Core computes
// it without an ASMap: the /16 of an IPv4 address, the /32 of an IPv6
// address (with IPv4-mapped, 6to4 and Teredo reduced to their IPv4 /16),
// and the whole host name for names such as .onion hosts.
func NetGroup(a net.Addr) string {
	if a == nil {
		return ""
	}
	ip, ok := AddrIP(a)
	if !ok {
		host, _, err := net.SplitHostPort(a.String())
		if err != nil {
			host = a.String()
		}
		return "host:" + host
	}
	return IPGroup(ip)
}

// IPGroup returns the network group of an IP address (see NetGroup).
func IPGroup(ip netip.Addr) string {
	ip = ip.Unmap()
	if ip.IsLoopback() || ip.IsUnspecified() {
		return "local"
	}
	if ip.Is4() {
		b := ip.As4()
		return fmt.Sprintf("%d.%d", b[0], b[1])
	}
	b := ip.As16()
	switch {
	case b[0] == 0x20 && b[1] == 0x02: // 6to4: the embedded IPv4.
		return fmt.Sprintf("%d.%d", b[2], b[3])
	case b[0] == 0x20 && b[1] == 0x01 && b[2] == 0 && b[3] == 0: // Teredo.
		return fmt.Sprintf("%d.%d", b[12]^0xff, b[13]^0xff)
	}
	return fmt.Sprintf("%x:%x", uint16(b[0])<<8|uint16(b[1]), uint16(b[2])<<8|uint16(b[3]))
}

// Listen opens a TCP listener on each host:port; an IPv4 host uses tcp4,
// an IPv6 host tcp6 (so "[::]:p" does not also take IPv4), and an empty host
// both. On error the listeners already opened are closed.
func Listen(addrs []string) ([]net.Listener, error) {
	var out []net.Listener
	fail := func(err error) ([]net.Listener, error) {
		for _, l := range out {
			l.Close()
		}
		return nil, err
	}
	for _, a := range addrs {
		host, port, err := net.SplitHostPort(a)
		if err != nil {
			return fail(makeError(ErrInvalidAddress, "listen address "+a+": "+err.Error()))
		}
		var nets []string
		var hosts []string
		switch ip, err := netip.ParseAddr(host); {
		case host == "":
			nets, hosts = []string{"tcp4", "tcp6"}, []string{"0.0.0.0", "::"}
		case err == nil && ip.Is4():
			nets, hosts = []string{"tcp4"}, []string{host}
		case err == nil:
			nets, hosts = []string{"tcp6"}, []string{host}
		default:
			nets, hosts = []string{"tcp"}, []string{host}
		}
		for i := range nets {
			l, err := net.Listen(nets[i], net.JoinHostPort(hosts[i], port))
			if err != nil {
				if host == "" && nets[i] == "tcp6" {
					// Hosts without IPv6 still listen on IPv4.
					log.Warnf("Cannot listen on [::]:%s: %v", port, err)
					continue
				}
				return fail(err)
			}
			out = append(out, l)
		}
	}
	return out, nil
}

// DefaultListenAddrs returns the listen addresses used when --listen is not
// given: every IPv4 and IPv6 interface at port.
func DefaultListenAddrs(port string) []string {
	return []string{net.JoinHostPort("", port)}
}

// SetNetworkActive switches networking on or off (Core's
// setnetworkactive): while off no connection is dialled and inbound ones
// are refused; permanent requests keep retrying with their backoff and
// connect again once it is back on. Closing the connections already open
// is the caller's. Safe for concurrent use.
func (cm *ConnManager) SetNetworkActive(active bool) {
	cm.mu.Lock()
	cm.inactive = !active
	cm.mu.Unlock()
	log.Infof("Network activity set to %v", active)
}

// NetworkActive reports whether networking is on.
func (cm *ConnManager) NetworkActive() bool {
	cm.mu.Lock()
	defer cm.mu.Unlock()
	return !cm.inactive
}

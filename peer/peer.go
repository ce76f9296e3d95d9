package peer

import (
	"context"
	"errors"
	"fmt"
	"io"
	"math"
	mrand "math/rand/v2"
	"net"
	"sync"
	"sync/atomic"
	"time"

	"github.com/tern-org/ternd/peer/v2transport"
	"github.com/tern-org/ternd/wire"
)

// Defaults used when the matching Config field is zero.
const (
	// DefaultServices are the services ternd advertises.
	DefaultServices = wire.SFNodeNetwork | wire.SFNodeWitness | wire.SFNodeNetworkLimited

	// MinProtocolVersion is the lowest protocol version accepted by
	// default: 70001 has the BIP37 relay flag in version messages.
	MinProtocolVersion uint32 = 70001

	// DefaultHandshakeTimeout bounds the version handshake (Core: 60 s).
	DefaultHandshakeTimeout = 60 * time.Second

	// DefaultIdleTimeout disconnects a peer that sends nothing, or leaves
	// a ping unanswered, this long (Core's TIMEOUT_INTERVAL).
	DefaultIdleTimeout = 20 * time.Minute

	// DefaultPingInterval is how often a ping is sent (Core: 2 minutes).
	DefaultPingInterval = 2 * time.Minute

	// DefaultWriteStallTimeout disconnects a peer whose socket accepts no
	// data for this long.
	DefaultWriteStallTimeout = 2 * time.Minute

	// DefaultMaxQueueBytes caps the bytes of data messages waiting to be
	// sent to one peer; beyond it the peer is too slow and is dropped.
	DefaultMaxQueueBytes = 32 << 20

	// maxControlQueue caps the control messages waiting to be sent.
	maxControlQueue = 1000

	// DefaultInboundTrickle and DefaultOutboundTrickle are the mean
	// intervals of transaction announcements (Core: 5 s inbound, 2 s
	// outbound), drawn from an exponential distribution.
	DefaultInboundTrickle  = 5 * time.Second
	DefaultOutboundTrickle = 2 * time.Second

	// maxInvPerTrickle bounds one trickle's announcements; the rest wait
	// for the next (Core's INVENTORY_BROADCAST_MAX).
	maxInvPerTrickle = 1000

	// maxPendingInventory bounds announcements waiting to be trickled.
	maxPendingInventory = 100000

	// BanThreshold is the misbehaviour score at which a peer is banned.
	BanThreshold = 100

	// DefaultFeeFilter is the fee rate (sat/kvB) announced in feefilter.
	DefaultFeeFilter = 1000

	// maxHandshakeMessages bounds the messages ignored before the handshake
	// completes.
	maxHandshakeMessages = 100
)

// MessageListeners are callbacks for received messages. They run on the
// peer's read goroutine, in order, so they must not block for long (hand
// long work to another goroutine); a nil listener ignores its message.
// OnVersion may return a non-nil error to refuse the peer.
type MessageListeners struct {
	OnVersion     func(p *Peer, msg *wire.MsgVersion) error
	OnVerAck      func(p *Peer)
	OnGetAddr     func(p *Peer, msg *wire.MsgGetAddr)
	OnAddr        func(p *Peer, msg *wire.MsgAddr)
	OnAddrV2      func(p *Peer, msg *wire.MsgAddrV2)
	OnInv         func(p *Peer, msg *wire.MsgInv)
	OnGetData     func(p *Peer, msg *wire.MsgGetData)
	OnNotFound    func(p *Peer, msg *wire.MsgNotFound)
	OnTx          func(p *Peer, msg *wire.MsgTx)
	OnBlock       func(p *Peer, msg *wire.MsgBlock, raw []byte)
	OnHeaders     func(p *Peer, msg *wire.MsgHeaders)
	OnGetHeaders  func(p *Peer, msg *wire.MsgGetHeaders)
	OnGetBlocks   func(p *Peer, msg *wire.MsgGetBlocks)
	OnMemPool     func(p *Peer, msg *wire.MsgMemPool)
	OnFeeFilter   func(p *Peer, msg *wire.MsgFeeFilter)
	OnSendHeaders func(p *Peer, msg *wire.MsgSendHeaders)
	OnPing        func(p *Peer, msg *wire.MsgPing)
	OnPong        func(p *Peer, msg *wire.MsgPong)

	// OnMessage receives every other message (sendcmpct, cmpctblock,
	// merkleblock, reject...).
	OnMessage func(p *Peer, msg wire.Message)

	// OnRead and OnWrite see every message read and written, with its
	// size on the wire.
	OnRead  func(p *Peer, bytes int, msg wire.Message, err error)
	OnWrite func(p *Peer, bytes int, msg wire.Message, err error)
}

// Config holds what a peer needs from the node. One Config may be shared by
// all peers; it must not change after the first peer starts.
type Config struct {
	// Net is the network magic.
	Net wire.BitcoinNet

	// UserAgentName and UserAgentVersion make the user agent
	// "/name:version/" (e.g. "/ternd:0.1.0/"); UserAgentComments are added
	// in parentheses (BIP14).
	UserAgentName     string
	UserAgentVersion  string
	UserAgentComments []string

	// ProtocolVersion is the version we announce; zero means
	// wire.ProtocolVersion (70016). MinProtocolVersion is the lowest we
	// accept; zero means MinProtocolVersion.
	ProtocolVersion    uint32
	MinProtocolVersion uint32

	// Services are the services we announce; zero means DefaultServices.
	Services wire.ServiceFlag

	// DisableRelayTx sends relay=false (blocks-only).
	DisableRelayTx bool

	// NewestBlock returns our best height for the version message.
	NewestBlock func() int32

	// FeeFilter is the fee rate (sat/kvB) announced after the handshake;
	// zero means DefaultFeeFilter, negative sends no feefilter.
	FeeFilter int64

	// Nonces detects connections to ourselves; share one set between all
	// peers of a node. Nil means a set private to the peer.
	Nonces *NonceSet

	// Listeners receive the messages.
	Listeners MessageListeners

	// OnBan is called once when the misbehaviour score reaches
	// BanThreshold on a peer that is not NoBan, before it is disconnected;
	// the server bans the address for --banduration.
	OnBan func(p *Peer, reason string)

	// Timeouts and intervals; zero means the defaults above.
	HandshakeTimeout  time.Duration
	IdleTimeout       time.Duration
	PingInterval      time.Duration
	WriteStallTimeout time.Duration
	// TrickleInterval overrides the mean announcement interval for both
	// directions (tests).
	TrickleInterval time.Duration

	// RecvBudget, shared by a node's peers, bounds the payload bytes of
	// large messages they read at once (see RecvBudget); nil means no
	// shared bound.
	RecvBudget *RecvBudget

	// MaxQueueBytes caps queued data messages; zero means
	// DefaultMaxQueueBytes.
	MaxQueueBytes int

	// KnownInventory bounds the known-inventory filter; zero means
	// DefaultKnownInventory.
	KnownInventory int

	// V2Transport enables BIP324 for inbound peers: each one reads the
	// first 16 bytes of its connection within HandshakeTimeout and speaks
	// v1 if they are a v1 version header, or answers the v2 handshake
	// otherwise. When false inbound peers speak v1 only, as before. It
	// also adds SFNodeP2PV2 to the default Services. Outbound peers choose
	// their transport by constructor: NewOutboundPeerV2 or NewOutboundPeer.
	V2Transport bool
}

// queued is an encoded message waiting to be written.
type queued struct {
	msg  wire.Message
	buf  []byte
	done chan<- struct{}

	// payloadOnly is set when buf is the bare payload, as encoded for a
	// v2 transport, rather than a v1 frame.
	payloadOnly bool
}

// controlCommands are sent ahead of data messages.
var controlCommands = map[string]bool{
	wire.CmdVersion: true, wire.CmdVerAck: true, wire.CmdPing: true, wire.CmdPong: true,
	wire.CmdWTxIDRelay: true, wire.CmdSendAddrV2: true, wire.CmdSendHeaders: true,
	wire.CmdFeeFilter: true, wire.CmdGetAddr: true, wire.CmdSendCmpct: true,
	wire.CmdReject: true,
}

// Peer is one connection to a remote node. Create it with NewInboundPeer or
// NewOutboundPeer and drive it with Run. Its methods are safe for concurrent
// use.
type Peer struct {
	cfg     Config
	id      int32
	conn    net.Conn
	inbound bool
	addr    string
	nonce   uint64
	noBan   atomic.Bool

	// mode says how Run sets up tr, the transport, before the read and
	// write loops start; neither changes afterwards.
	mode transportMode
	tr   transport

	// v2 is set once the transport is known to be v2 (at construction for
	// NewOutboundPeerV2), from when QueueMessage encodes bare payloads,
	// sparing v1's checksum. Frames queued before then are sent without
	// their header.
	v2 atomic.Bool

	ctx        context.Context
	cancel     context.CancelFunc
	disconnect sync.Once
	reason     error
	done       chan struct{}
	verAckDone chan struct{}
	started    atomic.Bool

	// Outbound queue.
	qmu        sync.Mutex
	qclosed    bool // set once the write loop has gone; guarded by qmu
	control    []queued
	data       []queued
	dataBytes  int
	qsignal    chan struct{}
	known      *knownInventory
	invMu      sync.Mutex
	pendingInv []wire.InvVect

	// Handshake results and statistics, guarded by smu.
	smu             sync.Mutex
	version         *wire.MsgVersion
	protocolVersion uint32
	services        wire.ServiceFlag
	userAgent       string
	startingHeight  int32
	lastBlock       int32
	lastTx          time.Time
	timeOffset      time.Duration
	wantsWtxid      bool
	wantsAddrV2     bool
	wantsHeaders    bool
	peerFeeFilter   int64
	relayTx         bool
	verAckReceived  bool
	connTime        time.Time
	lastSend        time.Time
	lastRecv        time.Time
	bytesSent       uint64
	bytesRecv       uint64
	sentByCmd       map[string]*CmdStats
	recvByCmd       map[string]*CmdStats
	pingNonce       uint64
	pingSent        time.Time
	lastPingRTT     time.Duration
	minPingRTT      time.Duration
	// readDeadline is the current read deadline and recvHeld the bytes
	// of RecvBudget the message being read holds; both belong to the
	// reading goroutine.
	readDeadline time.Time
	recvHeld     int64

	banScore        uint32
	banned          bool
	getAddrAnswered bool
	syncedHeaders   int32
	syncedBlocks    int32

	transportProtocol string // TransportV1, TransportV2 or TransportDetecting
	sessionID         string // hex, set once a v2 handshake succeeds
}

// CmdStats counts the messages and bytes of one command.
type CmdStats struct {
	Messages uint64
	Bytes    uint64
}

// NewInboundPeer returns a peer for an accepted connection. id is the
// server's identifier for it. With cfg.V2Transport, Run first detects
// whether the remote speaks v1 or BIP324's v2; otherwise it speaks v1.
func NewInboundPeer(cfg *Config, id int32, conn net.Conn) *Peer {
	mode := modeV1
	if cfg.V2Transport {
		mode = modeDetect
	}
	return newPeer(cfg, id, conn, true, mode)
}

// NewOutboundPeer returns a peer for a connection we dialed, speaking v1.
func NewOutboundPeer(cfg *Config, id int32, conn net.Conn) *Peer {
	return newPeer(cfg, id, conn, false, modeV1)
}

// NewOutboundPeerV2 returns a peer for a connection we dialed whose Run
// starts with BIP324's initiator handshake, within HandshakeTimeout, before
// the version handshake. When that fails Run returns an error matching
// ErrV2Handshake (and ErrV2PeerSpeaksV1 if the remote answered in v1); the
// remote may be a node without v2, and BIP324 has the caller dial it once
// more with NewOutboundPeer.
func NewOutboundPeerV2(cfg *Config, id int32, conn net.Conn) *Peer {
	return newPeer(cfg, id, conn, false, modeV2Initiate)
}

// newPeer builds a peer whose Run sets up its transport as mode says.
func newPeer(cfg *Config, id int32, conn net.Conn, inbound bool, mode transportMode) *Peer {
	c := *cfg
	if c.ProtocolVersion == 0 {
		c.ProtocolVersion = wire.ProtocolVersion
	}
	if c.MinProtocolVersion == 0 {
		c.MinProtocolVersion = MinProtocolVersion
	}
	if c.Services == 0 {
		c.Services = DefaultServices
		if c.V2Transport {
			c.Services |= wire.SFNodeP2PV2
		}
	}
	if c.FeeFilter == 0 {
		c.FeeFilter = DefaultFeeFilter
	}
	if c.Nonces == nil {
		c.Nonces = NewNonceSet()
	}
	if c.UserAgentName == "" {
		c.UserAgentName, c.UserAgentVersion = "ternd", "0.1.0"
	}
	setDefault(&c.HandshakeTimeout, DefaultHandshakeTimeout)
	setDefault(&c.IdleTimeout, DefaultIdleTimeout)
	setDefault(&c.PingInterval, DefaultPingInterval)
	setDefault(&c.WriteStallTimeout, DefaultWriteStallTimeout)
	if c.TrickleInterval <= 0 {
		c.TrickleInterval = DefaultOutboundTrickle
		if inbound {
			c.TrickleInterval = DefaultInboundTrickle
		}
	}
	if c.MaxQueueBytes <= 0 {
		c.MaxQueueBytes = DefaultMaxQueueBytes
	}
	if c.KnownInventory <= 0 {
		c.KnownInventory = DefaultKnownInventory
	}
	addr := "unknown"
	if ra := conn.RemoteAddr(); ra != nil {
		addr = ra.String()
	}
	ctx, cancel := context.WithCancel(context.Background())
	now := time.Now()
	protocol := TransportV1
	switch mode {
	case modeV2Initiate:
		protocol = TransportV2
	case modeDetect:
		protocol = TransportDetecting
	}
	p := &Peer{
		cfg: c, id: id, conn: conn, inbound: inbound, addr: addr, mode: mode,
		ctx: ctx, cancel: cancel,
		done:       make(chan struct{}),
		verAckDone: make(chan struct{}),
		qsignal:    make(chan struct{}, 1),
		known:      newKnownInventory(c.KnownInventory),
		connTime:   now,
		lastRecv:   now,
		sentByCmd:  make(map[string]*CmdStats),
		recvByCmd:  make(map[string]*CmdStats),
		relayTx:    true,

		syncedHeaders: -1,
		syncedBlocks:  -1,

		transportProtocol: protocol,
	}
	p.v2.Store(mode == modeV2Initiate)
	return p
}

func setDefault(d *time.Duration, v time.Duration) {
	if *d <= 0 {
		*d = v
	}
}

// UserAgent returns our user agent string for cfg, "/name:version/".
func (c *Config) userAgent() string {
	ua := "/" + c.UserAgentName + ":" + c.UserAgentVersion
	if len(c.UserAgentComments) > 0 {
		ua += "("
		for i, s := range c.UserAgentComments {
			if i > 0 {
				ua += "; "
			}
			ua += s
		}
		ua += ")"
	}
	return ua + "/"
}

// ID returns the server's identifier of the peer.
func (p *Peer) ID() int32 { return p.id }

// Addr returns the remote address as host:port.
func (p *Peer) Addr() string { return p.addr }

// Inbound reports whether the remote end connected to us.
func (p *Peer) Inbound() bool { return p.inbound }

// SetNoBan exempts the peer from misbehaviour bans (--whitelist).
func (p *Peer) SetNoBan(v bool) { p.noBan.Store(v) }

// String returns the address and direction.
func (p *Peer) String() string {
	dir := "outbound"
	if p.inbound {
		dir = "inbound"
	}
	return fmt.Sprintf("%s (%s, id %d)", p.addr, dir, p.id)
}

// Run sets up the transport (BIP324's handshake for a v2 peer), performs the
// version handshake, both within HandshakeTimeout, and then serves the
// connection until it ends, ctx is cancelled or Disconnect is called. It
// returns why the connection ended (an error of this package's kinds, or
// the I/O error) and only after every goroutine it started has stopped and
// the connection is closed.
func (p *Peer) Run(ctx context.Context) error {
	if !p.started.CompareAndSwap(false, true) {
		return makeError(ErrProtocol, "peer: Run called twice")
	}
	defer close(p.done)
	deadline := time.Now().Add(p.cfg.HandshakeTimeout)
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		select {
		case <-ctx.Done():
			p.Disconnect(makeError(ErrDisconnected, "shutting down"))
		case <-p.ctx.Done():
		}
	}()

	if err := p.openTransport(deadline); err != nil {
		p.Disconnect(err)
	} else {
		p.serve(deadline, &wg)
	}
	p.Disconnect(makeError(ErrDisconnected, "connection closed"))
	wg.Wait()
	p.cfg.Nonces.remove(p.nonce)
	p.flushDone()
	return p.reason
}

// serve runs the write loop, the version handshake and then the read and
// timer loops on an established transport, returning when the peer is
// disconnected. The loops' goroutines are added to wg.
func (p *Peer) serve(deadline time.Time, wg *sync.WaitGroup) {
	wg.Add(1)
	go func() {
		defer wg.Done()
		p.writeLoop()
	}()
	if err := p.handshake(deadline); err != nil {
		p.Disconnect(err)
		return
	}
	wg.Add(1)
	go func() {
		defer wg.Done()
		p.timerLoop()
	}()
	p.readLoop()
}

// Disconnect closes the connection, recording reason as the cause when it
// is the first. It does not wait; see WaitForDisconnect.
func (p *Peer) Disconnect(reason error) {
	p.disconnect.Do(func() {
		if reason == nil {
			reason = makeError(ErrDisconnected, "disconnected locally")
		}
		p.reason = reason
		log.Debugf("Disconnecting %s: %v", p, reason)
		p.cancel()
		p.conn.Close()
	})
}

// WaitForDisconnect blocks until Run has returned.
func (p *Peer) WaitForDisconnect() {
	<-p.done
}

// Connected reports whether the peer is still connected.
func (p *Peer) Connected() bool {
	return p.ctx.Err() == nil
}

// VerAckReceived reports whether the handshake completed.
func (p *Peer) VerAckReceived() bool {
	select {
	case <-p.verAckDone:
		return true
	default:
		return false
	}
}

// HandshakeDone is closed when the handshake completes.
func (p *Peer) HandshakeDone() <-chan struct{} { return p.verAckDone }

// Done is closed when Run returns. Listeners running on the peer's read
// goroutine must not wait on it (Run waits for them); they use Disconnected.
func (p *Peer) Done() <-chan struct{} { return p.done }

// Disconnected is closed as soon as the peer is disconnected (Disconnect,
// an I/O error or Run's context ending), before Run returns. It is the quit
// channel for work done on the peer's behalf, including from its own read
// goroutine, such as serving getdata or waiting for a block to be handled.
func (p *Peer) Disconnected() <-chan struct{} { return p.ctx.Done() }

// handshake exchanges version, wtxidrelay, sendaddrv2 and verack, then
// sends sendheaders and feefilter. It runs on Run's goroutine before the
// read loop, with reads due by deadline.
func (p *Peer) handshake(deadline time.Time) error {
	p.setReadDeadline(deadline)
	defer p.setReadDeadline(time.Time{})

	if !p.inbound {
		if err := p.sendVersion(); err != nil {
			return err
		}
	}
	gotVersion, gotVerAck := false, false
	for i := 0; !gotVerAck; i++ {
		if i > maxHandshakeMessages {
			return makeError(ErrProtocol, "too many messages before verack")
		}
		msg, _, err := p.readMessage()
		if err != nil {
			var ne net.Error
			if errors.As(err, &ne) && ne.Timeout() {
				return makeError(ErrHandshakeTimeout, "handshake timed out with "+p.addr)
			}
			return err
		}
		if msg == nil {
			continue
		}
		switch m := msg.(type) {
		case *wire.MsgVersion:
			if gotVersion {
				p.Misbehaving(1, "duplicate version")
				continue
			}
			gotVersion = true
			if err := p.handleVersion(m); err != nil {
				return err
			}
			if p.inbound {
				if err := p.sendVersion(); err != nil {
					return err
				}
			}
			pver := p.ProtocolVersion()
			if pver >= wire.WTxIDRelayVersion {
				p.QueueMessage(wire.NewMsgWTxIDRelay(), nil)
			}
			if pver >= wire.AddrV2Version {
				p.QueueMessage(wire.NewMsgSendAddrV2(), nil)
			}
			p.QueueMessage(wire.NewMsgVerAck(), nil)
		case *wire.MsgVerAck:
			if !gotVersion {
				return makeError(ErrProtocol, "verack before version")
			}
			gotVerAck = true
		case *wire.MsgWTxIDRelay:
			if gotVersion {
				p.smu.Lock()
				p.wantsWtxid = p.protocolVersion >= wire.WTxIDRelayVersion
				p.smu.Unlock()
			}
		case *wire.MsgSendAddrV2:
			if gotVersion {
				p.smu.Lock()
				p.wantsAddrV2 = true
				p.smu.Unlock()
			}
		default:
			// Core ignores other messages before the handshake ends.
			log.Debugf("Ignoring %s from %s before verack", msg.Command(), p)
		}
	}

	p.smu.Lock()
	p.verAckReceived = true
	pver := p.protocolVersion
	relay := p.relayTx
	p.smu.Unlock()
	close(p.verAckDone)
	if pver >= wire.SendHeadersVersion {
		p.QueueMessage(wire.NewMsgSendHeaders(), nil)
	}
	if pver >= wire.FeeFilterVersion && p.cfg.FeeFilter > 0 && relay && !p.cfg.DisableRelayTx {
		p.QueueMessage(wire.NewMsgFeeFilter(p.cfg.FeeFilter), nil)
	}
	log.Debugf("Handshake done with %s (version %d, %s)", p, pver, p.UserAgent())
	if l := p.cfg.Listeners.OnVerAck; l != nil {
		l(p)
	}
	return nil
}

// sendVersion queues our version message.
func (p *Peer) sendVersion() error {
	p.nonce = p.cfg.Nonces.newNonce()
	var height int32
	if p.cfg.NewestBlock != nil {
		height = p.cfg.NewestBlock()
	}
	you := &wire.NetAddress{Timestamp: time.Unix(0, 0), IP: make(net.IP, 16)}
	if ta, ok := p.conn.RemoteAddr().(*net.TCPAddr); ok {
		you.IP, you.Port = ta.IP, uint16(ta.Port)
	}
	me := &wire.NetAddress{Timestamp: time.Unix(0, 0), Services: p.cfg.Services, IP: make(net.IP, 16)}
	msg := wire.NewMsgVersion(me, you, p.nonce, height)
	msg.ProtocolVersion = int32(p.cfg.ProtocolVersion)
	msg.Services = p.cfg.Services
	msg.UserAgent = p.cfg.userAgent()
	msg.DisableRelayTx = p.cfg.DisableRelayTx
	return p.QueueMessage(msg, nil)
}

// handleVersion checks and records the peer's version message.
func (p *Peer) handleVersion(m *wire.MsgVersion) error {
	if p.cfg.Nonces.Has(m.Nonce) {
		return makeError(ErrSelfConnection, "connected to self at "+p.addr)
	}
	if m.ProtocolVersion < 0 || uint32(m.ProtocolVersion) < p.cfg.MinProtocolVersion {
		return makeError(ErrOldVersion, fmt.Sprintf("%s has protocol version %d, below the minimum %d",
			p.addr, m.ProtocolVersion, p.cfg.MinProtocolVersion))
	}
	if l := p.cfg.Listeners.OnVersion; l != nil {
		if err := l(p, m); err != nil {
			return err
		}
	}
	p.smu.Lock()
	p.version = m
	p.protocolVersion = min(uint32(m.ProtocolVersion), p.cfg.ProtocolVersion)
	p.services = m.Services
	p.userAgent = m.UserAgent
	p.startingHeight = m.LastBlock
	p.lastBlock = m.LastBlock
	p.timeOffset = time.Until(m.Timestamp).Round(time.Second)
	p.relayTx = !m.DisableRelayTx
	p.smu.Unlock()
	return nil
}

// readMessage reads one message and accounts for it. It returns a nil
// message and nil error for a message to skip (an unknown command, or
// trailing bytes after the handshake) and an error for one that ends the
// connection; it never scores the peer.
//
// raw is the message's payload, handed to the block listener and never
// kept by the peer, so a peer does not pin the last block it sent.
func (p *Peer) readMessage() (wire.Message, []byte, error) {
	n, msg, raw, err := p.tr.readMessage(p.ProtocolVersionOrOurs())
	now := time.Now()
	p.smu.Lock()
	p.bytesRecv += uint64(n)
	if n > 0 {
		p.lastRecv = now
	}
	cmd := "*other*"
	if msg != nil {
		cmd = msg.Command()
	}
	if n > 0 {
		st := p.recvByCmd[cmd]
		if st == nil {
			st = &CmdStats{}
			p.recvByCmd[cmd] = st
		}
		st.Messages++
		st.Bytes += uint64(n)
	}
	p.smu.Unlock()
	if l := p.cfg.Listeners.OnRead; l != nil {
		l(p, n, msg, err)
	}
	if err == nil {
		return msg, raw, nil
	}
	// What ends the connection, and what is only dropped. A framing error
	// that loses the stream (wrong magic, a length above the protocol
	// maximum; v2: a tag that does not verify, a packet too long)
	// disconnects, as in Core. A message that was consumed but does not
	// check or parse (bad checksum, malformed command, a payload over its
	// message's limit, impossible or non-canonical counts, a garbage
	// block) disconnects too: Core ignores most of these, btcd
	// disconnects, no honest peer sends them, and a peer allowed to repeat
	// them makes us read and discard megabytes at no cost to itself. A
	// count over a message's protocol limit is returned as it is, for the
	// read loop to score as misbehaviour. Two things are only skipped, as
	// Core skips them on purpose: an unknown command, and trailing bytes
	// after a message (the message itself is not returned). None of these
	// is scored here.
	switch {
	case errors.Is(err, wire.ErrUnknownCommand):
		return nil, nil, nil
	case raw == nil && (errors.Is(err, wire.ErrWrongNetwork) ||
		errors.Is(err, wire.ErrPayloadTooLarge)):
		return nil, nil, makeError(ErrProtocol, fmt.Sprintf("%s: %v", p.addr, err))
	case errors.Is(err, v2transport.ErrBadTag) || errors.Is(err, v2transport.ErrPacketTooLarge):
		return nil, nil, wrapError(err, fmt.Sprintf("%s: %v", p.addr, err), ErrProtocol)
	case raw != nil && errors.Is(err, wire.ErrTrailingBytes) && p.VerAckReceived():
		log.Debugf("Dropping a message with trailing bytes from %s: %v", p, err)
		return nil, nil, nil
	case raw != nil:
		return nil, nil, wrapError(err, fmt.Sprintf("%s sent a message that does not parse: %v",
			p.addr, err), ErrProtocol)
	}
	if errors.Is(err, io.EOF) {
		return nil, nil, makeError(ErrDisconnected, p.addr+" closed the connection")
	}
	return nil, nil, err
}

// readLoop reads and dispatches messages until the connection ends.
func (p *Peer) readLoop() {
	defer p.releaseRecv()
	for {
		p.setReadDeadline(time.Now().Add(p.cfg.IdleTimeout))
		msg, raw, err := p.readMessage()
		if errors.Is(err, wire.ErrProtocolLimit) && p.VerAckReceived() {
			// Core's Misbehaving for oversized headers, addr, inv and
			// getdata: disconnected and discouraged (a whitelisted peer
			// is kept, as Core keeps a noban peer).
			p.Misbehaving(BanThreshold, err.Error())
			if p.noBan.Load() {
				continue
			}
		}
		if err != nil {
			var ne net.Error
			if errors.As(err, &ne) && ne.Timeout() {
				err = makeError(ErrIdleTimeout, "nothing received from "+p.addr+" for "+
					p.cfg.IdleTimeout.String())
			}
			p.Disconnect(err)
			return
		}
		if msg == nil {
			continue
		}
		p.dispatch(msg, raw)
		p.releaseRecv()
		if p.ctx.Err() != nil {
			return
		}
	}
}

// dispatch handles the messages the peer itself understands and passes the
// rest to the listeners.
//
// raw is the payload of msg, passed to OnBlock.
func (p *Peer) dispatch(msg wire.Message, raw []byte) {
	l := &p.cfg.Listeners
	switch m := msg.(type) {
	case *wire.MsgVersion:
		// Ignored, as Core ignores a redundant version.
		log.Debugf("Ignoring a second version message from %s", p)
	case *wire.MsgVerAck:
		// A second verack is harmless.
	case *wire.MsgWTxIDRelay, *wire.MsgSendAddrV2:
		// BIP339/BIP155: only allowed before verack; Core disconnects.
		p.Disconnect(makeError(ErrProtocol, msg.Command()+" after verack from "+p.addr))
	case *wire.MsgPing:
		p.QueueMessage(wire.NewMsgPong(m.Nonce), nil)
		if l.OnPing != nil {
			l.OnPing(p, m)
		}
	case *wire.MsgPong:
		p.handlePong(m)
		if l.OnPong != nil {
			l.OnPong(p, m)
		}
	case *wire.MsgSendHeaders:
		p.smu.Lock()
		p.wantsHeaders = true
		p.smu.Unlock()
		if l.OnSendHeaders != nil {
			l.OnSendHeaders(p, m)
		}
	case *wire.MsgFeeFilter:
		if m.MinFee >= 0 && m.MinFee <= 21_000_000*100_000_000 {
			p.smu.Lock()
			p.peerFeeFilter = m.MinFee
			p.smu.Unlock()
		}
		if l.OnFeeFilter != nil {
			l.OnFeeFilter(p, m)
		}
	case *wire.MsgGetAddr:
		if l.OnGetAddr != nil {
			l.OnGetAddr(p, m)
		}
	case *wire.MsgAddr:
		if l.OnAddr != nil {
			l.OnAddr(p, m)
		}
	case *wire.MsgAddrV2:
		if l.OnAddrV2 != nil {
			l.OnAddrV2(p, m)
		}
	case *wire.MsgInv:
		for _, iv := range m.InvList {
			p.known.Add(*iv)
		}
		if l.OnInv != nil {
			l.OnInv(p, m)
		}
	case *wire.MsgGetData:
		if l.OnGetData != nil {
			l.OnGetData(p, m)
		}
	case *wire.MsgNotFound:
		if l.OnNotFound != nil {
			l.OnNotFound(p, m)
		}
	case *wire.MsgTx:
		if l.OnTx != nil {
			l.OnTx(p, m)
		}
	case *wire.MsgBlock:
		if l.OnBlock != nil {
			l.OnBlock(p, m, raw)
		}
	case *wire.MsgHeaders:
		if l.OnHeaders != nil {
			l.OnHeaders(p, m)
		}
	case *wire.MsgGetHeaders:
		if l.OnGetHeaders != nil {
			l.OnGetHeaders(p, m)
		}
	case *wire.MsgGetBlocks:
		if l.OnGetBlocks != nil {
			l.OnGetBlocks(p, m)
		}
	case *wire.MsgMemPool:
		if l.OnMemPool != nil {
			l.OnMemPool(p, m)
		}
	default:
		if l.OnMessage != nil {
			l.OnMessage(p, msg)
		}
	}
}

// handlePong records the round trip of our outstanding ping.
func (p *Peer) handlePong(m *wire.MsgPong) {
	p.smu.Lock()
	defer p.smu.Unlock()
	if p.pingNonce == 0 || m.Nonce != p.pingNonce {
		return
	}
	rtt := time.Since(p.pingSent)
	p.lastPingRTT = rtt
	if p.minPingRTT == 0 || rtt < p.minPingRTT {
		p.minPingRTT = rtt
	}
	p.pingNonce = 0
}

// Misbehaving adds to the peer's misbehaviour score; at BanThreshold the
// peer is disconnected and, unless NoBan, OnBan is called once.
func (p *Peer) Misbehaving(howmuch uint32, reason string) {
	p.smu.Lock()
	p.banScore += howmuch
	score := p.banScore
	ban := score >= BanThreshold && !p.banned
	if ban {
		p.banned = true
	}
	p.smu.Unlock()
	log.Debugf("Misbehaving %s: %s (+%d = %d)", p, reason, howmuch, score)
	if !ban {
		return
	}
	if p.noBan.Load() {
		log.Warnf("Not banning whitelisted %s: %s", p, reason)
		return
	}
	log.Infof("Banning %s: %s", p, reason)
	if p.cfg.OnBan != nil {
		p.cfg.OnBan(p, reason)
	}
	p.Disconnect(makeError(ErrMisbehaving, fmt.Sprintf("%s misbehaving: %s", p.addr, reason)))
}

// timerLoop sends pings, enforces the ping timeout and trickles inventory.
func (p *Peer) timerLoop() {
	ping := time.NewTicker(p.cfg.PingInterval)
	defer ping.Stop()
	trickle := time.NewTimer(p.poissonDelay())
	defer trickle.Stop()
	p.sendPing()
	for {
		select {
		case <-p.ctx.Done():
			return
		case <-ping.C:
			p.smu.Lock()
			stale := p.pingNonce != 0 && time.Since(p.pingSent) > p.cfg.IdleTimeout
			p.smu.Unlock()
			if stale {
				p.Disconnect(makeError(ErrIdleTimeout, "ping timeout with "+p.addr))
				return
			}
			p.sendPing()
		case <-trickle.C:
			p.trickle()
			trickle.Reset(p.poissonDelay())
		}
	}
}

// poissonDelay draws the next trickle delay from an exponential
// distribution with mean TrickleInterval, so that announcement times leak
// nothing about when a transaction arrived.
func (p *Peer) poissonDelay() time.Duration {
	d := time.Duration(float64(p.cfg.TrickleInterval) * -math.Log(1-mrand.Float64()))
	return min(d, 10*p.cfg.TrickleInterval)
}

// Ping sends a ping now unless one is outstanding (the ping RPC); its
// round trip is measured like the periodic pings' and shows in
// StatsSnapshot's PingTime, MinPing and PingWait.
func (p *Peer) Ping() { p.sendPing() }

// sendPing sends a ping with a fresh nonce unless one is outstanding.
func (p *Peer) sendPing() {
	p.smu.Lock()
	if p.pingNonce != 0 {
		p.smu.Unlock()
		return
	}
	n := randUint64() | 1
	p.pingNonce = n
	p.pingSent = time.Now()
	p.smu.Unlock()
	p.QueueMessage(wire.NewMsgPing(n), nil)
}

// QueueInventory schedules iv for the next trickled inv message unless the
// peer already knows it. Blocks should rather be announced at once with
// QueueMessage.
func (p *Peer) QueueInventory(iv *wire.InvVect) {
	if p.known.Has(*iv) {
		return
	}
	p.invMu.Lock()
	if len(p.pendingInv) < maxPendingInventory {
		p.pendingInv = append(p.pendingInv, *iv)
	}
	p.invMu.Unlock()
}

// AddKnownInventory records that the peer knows iv.
func (p *Peer) AddKnownInventory(iv *wire.InvVect) {
	p.known.Add(*iv)
}

// IsKnownInventory reports whether the peer is known to have iv.
func (p *Peer) IsKnownInventory(iv *wire.InvVect) bool {
	return p.known.Has(*iv)
}

// trickle sends up to maxInvPerTrickle pending announcements.
func (p *Peer) trickle() {
	p.invMu.Lock()
	n := min(len(p.pendingInv), maxInvPerTrickle)
	batch := append([]wire.InvVect(nil), p.pendingInv[:n]...)
	p.pendingInv = append(p.pendingInv[:0], p.pendingInv[n:]...)
	p.invMu.Unlock()
	if len(batch) == 0 {
		return
	}
	inv := wire.NewMsgInvSizeHint(uint(len(batch)))
	for i := range batch {
		if p.known.Has(batch[i]) {
			continue
		}
		p.known.Add(batch[i])
		inv.AddInvVect(&batch[i])
	}
	if len(inv.InvList) > 0 {
		p.QueueMessage(inv, nil)
	}
}

// QueueMessage encodes msg and queues it: control messages (handshake,
// ping, pong, feefilter...) ahead of data. done, if not nil, receives a
// value once the message is written or dropped at disconnect; it must have
// a buffer of one, since the peer never blocks on it. When the
// queued data would pass MaxQueueBytes the peer is disconnected and
// ErrQueueFull returned.
func (p *Peer) QueueMessage(msg wire.Message, done chan<- struct{}) error {
	if p.ctx.Err() != nil {
		signal(done)
		return makeError(ErrDisconnected, "peer disconnected")
	}
	q := queued{msg: msg, done: done, payloadOnly: p.v2.Load()}
	var err error
	if q.payloadOnly {
		q.buf, err = encodePayload(msg, p.ProtocolVersionOrOurs())
	} else {
		q.buf, err = wire.EncodeMessage(msg, p.ProtocolVersionOrOurs(), p.cfg.Net, wire.LatestEncoding)
	}
	if err != nil {
		signal(done)
		return err
	}
	buf := q.buf
	p.qmu.Lock()
	if p.qclosed {
		// The write loop has gone and flushed the queue; nothing queued now
		// would ever be written or signalled.
		p.qmu.Unlock()
		signal(done)
		return makeError(ErrDisconnected, "peer disconnected")
	}
	if controlCommands[msg.Command()] {
		if len(p.control) >= maxControlQueue {
			p.qmu.Unlock()
			signal(done)
			p.Disconnect(makeError(ErrQueueFull, "control queue full for "+p.addr))
			return makeError(ErrQueueFull, "control queue full")
		}
		p.control = append(p.control, q)
	} else {
		if p.dataBytes+len(buf) > p.cfg.MaxQueueBytes {
			p.qmu.Unlock()
			signal(done)
			p.Disconnect(makeError(ErrQueueFull, "send queue over its byte cap for "+p.addr))
			return makeError(ErrQueueFull, "send queue full")
		}
		p.data = append(p.data, q)
		p.dataBytes += len(buf)
	}
	p.qmu.Unlock()
	select {
	case p.qsignal <- struct{}{}:
	default:
	}
	return nil
}

// signal notifies a QueueMessage caller without blocking; done channels
// need a buffer of one.
func signal(done chan<- struct{}) {
	if done != nil {
		select {
		case done <- struct{}{}:
		default:
		}
	}
}

// QueuedBytes returns the bytes of data messages waiting to be written.
func (p *Peer) QueuedBytes() int {
	p.qmu.Lock()
	defer p.qmu.Unlock()
	return p.dataBytes
}

// next pops the next message to write, control first.
func (p *Peer) next() (queued, bool) {
	p.qmu.Lock()
	defer p.qmu.Unlock()
	if len(p.control) > 0 {
		q := p.control[0]
		p.control[0] = queued{}
		p.control = p.control[1:]
		return q, true
	}
	if len(p.data) > 0 {
		q := p.data[0]
		p.data[0] = queued{}
		p.data = p.data[1:]
		p.dataBytes -= len(q.buf)
		return q, true
	}
	return queued{}, false
}

// writeLoop writes queued messages until the peer disconnects. Each write
// must finish within WriteStallTimeout. When it exits, every message still
// queued (and any queued later) has its done channel signalled and its
// buffer released, so callers waiting on done and the memory they queued
// are freed at once rather than when the read loop ends.
func (p *Peer) writeLoop() {
	defer p.flushDone()
	for {
		q, ok := p.next()
		if !ok {
			select {
			case <-p.ctx.Done():
				return
			case <-p.qsignal:
				continue
			}
		}
		p.conn.SetWriteDeadline(time.Now().Add(p.cfg.WriteStallTimeout))
		n, err := p.tr.writeMessage(&q)
		signal(q.done)
		now := time.Now()
		cmd := q.msg.Command()
		p.smu.Lock()
		p.bytesSent += uint64(n)
		p.lastSend = now
		st := p.sentByCmd[cmd]
		if st == nil {
			st = &CmdStats{}
			p.sentByCmd[cmd] = st
		}
		st.Messages++
		st.Bytes += uint64(n)
		p.smu.Unlock()
		if l := p.cfg.Listeners.OnWrite; l != nil {
			l(p, n, q.msg, err)
		}
		if err != nil {
			var ne net.Error
			if errors.As(err, &ne) && ne.Timeout() {
				err = makeError(ErrWriteStall, "write to "+p.addr+" stalled")
			}
			p.Disconnect(err)
			return
		}
	}
}

// flushDone closes the queue and signals the done channels of messages
// never written.
func (p *Peer) flushDone() {
	p.qmu.Lock()
	p.qclosed = true
	rest := append(p.control, p.data...)
	p.control, p.data, p.dataBytes = nil, nil, 0
	p.qmu.Unlock()
	for _, q := range rest {
		signal(q.done)
	}
}

// ProtocolVersion returns the negotiated protocol version (0 before the
// peer's version message).
func (p *Peer) ProtocolVersion() uint32 {
	p.smu.Lock()
	defer p.smu.Unlock()
	return p.protocolVersion
}

// ProtocolVersionOrOurs returns the negotiated version, or ours before it
// is known (for encoding the handshake).
func (p *Peer) ProtocolVersionOrOurs() uint32 {
	if v := p.ProtocolVersion(); v != 0 {
		return v
	}
	return p.cfg.ProtocolVersion
}

// Services returns the services the peer advertised.
func (p *Peer) Services() wire.ServiceFlag {
	p.smu.Lock()
	defer p.smu.Unlock()
	return p.services
}

// UserAgent returns the peer's user agent.
func (p *Peer) UserAgent() string {
	p.smu.Lock()
	defer p.smu.Unlock()
	return p.userAgent
}

// StartingHeight returns the height in the peer's version message.
func (p *Peer) StartingHeight() int32 {
	p.smu.Lock()
	defer p.smu.Unlock()
	return p.startingHeight
}

// LastBlock returns the best height the peer is known to have.
func (p *Peer) LastBlock() int32 {
	p.smu.Lock()
	defer p.smu.Unlock()
	return p.lastBlock
}

// UpdateLastBlockHeight records a higher height announced by the peer.
func (p *Peer) UpdateLastBlockHeight(h int32) {
	p.smu.Lock()
	if h > p.lastBlock {
		p.lastBlock = h
	}
	p.smu.Unlock()
}

// SetSyncedHeights records the last header and block heights we have in
// common with the peer (netsync keeps them), for getpeerinfo's
// synced_headers and synced_blocks; -1 means unknown.
func (p *Peer) SetSyncedHeights(headers, blocks int32) {
	p.smu.Lock()
	p.syncedHeaders, p.syncedBlocks = headers, blocks
	p.smu.Unlock()
}

// SetLastTx records when the peer last gave us a transaction the pool
// accepted (Core's m_last_tx_time: getpeerinfo's last_transaction, and
// inbound eviction spares recent transaction relayers). The sync manager
// sets it.
func (p *Peer) SetLastTx(t time.Time) {
	p.smu.Lock()
	p.lastTx = t
	p.smu.Unlock()
}

// LastTx returns the time SetLastTx last recorded, zero if none.
func (p *Peer) LastTx() time.Time {
	p.smu.Lock()
	defer p.smu.Unlock()
	return p.lastTx
}

// WantsWtxid reports whether the peer sent wtxidrelay (announce
// transactions by wtxid).
func (p *Peer) WantsWtxid() bool {
	p.smu.Lock()
	defer p.smu.Unlock()
	return p.wantsWtxid
}

// WantsAddrV2 reports whether the peer sent sendaddrv2.
func (p *Peer) WantsAddrV2() bool {
	p.smu.Lock()
	defer p.smu.Unlock()
	return p.wantsAddrV2
}

// WantsHeaders reports whether the peer sent sendheaders.
func (p *Peer) WantsHeaders() bool {
	p.smu.Lock()
	defer p.smu.Unlock()
	return p.wantsHeaders
}

// RelayTx reports whether the peer wants transactions (version relay flag).
func (p *Peer) RelayTx() bool {
	p.smu.Lock()
	defer p.smu.Unlock()
	return p.relayTx
}

// FeeFilter returns the peer's feefilter in sat/kvB (0 if none).
func (p *Peer) FeeFilter() int64 {
	p.smu.Lock()
	defer p.smu.Unlock()
	return p.peerFeeFilter
}

// BanScore returns the misbehaviour score.
func (p *Peer) BanScore() uint32 {
	p.smu.Lock()
	defer p.smu.Unlock()
	return p.banScore
}

// ShouldAnswerGetAddr reports true the first time it is called: getaddr is
// answered once per connection.
func (p *Peer) ShouldAnswerGetAddr() bool {
	p.smu.Lock()
	defer p.smu.Unlock()
	if p.getAddrAnswered {
		return false
	}
	p.getAddrAnswered = true
	return true
}

// StatsSnap is a snapshot of a peer for getpeerinfo.
type StatsSnap struct {
	ID             int32
	Addr           string
	Inbound        bool
	Services       wire.ServiceFlag
	Version        uint32
	UserAgent      string
	StartingHeight int32
	LastBlock      int32
	LastTx         time.Time // zero before the first new transaction
	SyncedHeaders  int32
	SyncedBlocks   int32
	ConnTime       time.Time
	TimeOffset     time.Duration
	LastSend       time.Time
	LastRecv       time.Time
	BytesSent      uint64
	BytesRecv      uint64
	SentByCmd      map[string]CmdStats
	RecvByCmd      map[string]CmdStats
	PingTime       time.Duration
	MinPing        time.Duration
	PingWait       time.Duration
	BanScore       uint32
	RelayTx        bool
	WantsWtxid     bool
	WantsAddrV2    bool
	WantsHeaders   bool
	FeeFilter      int64
	NoBan          bool
	HandshakeDone  bool

	// TransportProtocol is TransportV1, TransportV2 or, for an inbound
	// peer whose first bytes have not arrived, TransportDetecting
	// (getpeerinfo's transport_protocol_type). SessionID is the v2
	// session id in hex once the v2 handshake is done, empty otherwise.
	TransportProtocol string
	SessionID         string
}

// StatsSnapshot returns the peer's statistics.
func (p *Peer) StatsSnapshot() *StatsSnap {
	p.smu.Lock()
	defer p.smu.Unlock()
	s := &StatsSnap{
		ID: p.id, Addr: p.addr, Inbound: p.inbound, Services: p.services,
		Version: p.protocolVersion, UserAgent: p.userAgent, StartingHeight: p.startingHeight,
		LastBlock: p.lastBlock, LastTx: p.lastTx, SyncedHeaders: p.syncedHeaders,
		SyncedBlocks: p.syncedBlocks, ConnTime: p.connTime, TimeOffset: p.timeOffset,
		LastSend: p.lastSend, LastRecv: p.lastRecv, BytesSent: p.bytesSent,
		BytesRecv: p.bytesRecv, PingTime: p.lastPingRTT, MinPing: p.minPingRTT,
		BanScore: p.banScore, RelayTx: p.relayTx, WantsWtxid: p.wantsWtxid,
		WantsAddrV2: p.wantsAddrV2, WantsHeaders: p.wantsHeaders, FeeFilter: p.peerFeeFilter,
		NoBan: p.noBan.Load(), HandshakeDone: p.verAckReceived,
		TransportProtocol: p.transportProtocol, SessionID: p.sessionID,
		SentByCmd: make(map[string]CmdStats, len(p.sentByCmd)),
		RecvByCmd: make(map[string]CmdStats, len(p.recvByCmd)),
	}
	if p.pingNonce != 0 {
		s.PingWait = time.Since(p.pingSent)
	}
	for k, v := range p.sentByCmd {
		s.SentByCmd[k] = *v
	}
	for k, v := range p.recvByCmd {
		s.RecvByCmd[k] = *v
	}
	return s
}

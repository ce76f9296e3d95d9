package zmq

import (
	"context"
	"encoding/binary"
	"fmt"
	stdlog "log"
	"net"
	"strconv"
	"strings"
	"sync"

	"github.com/btcsuite/btcd/chaincfg/chainhash"
	"github.com/go-zeromq/zmq4"
	"github.com/tern-org/ternd/mempool"
	"github.com/tern-org/ternd/wire"
)

// The topics, Core's names.
const (
	TopicHashBlock = "hashblock"
	TopicHashTx    = "hashtx"
	TopicRawBlock  = "rawblock"
	TopicRawTx     = "rawtx"
	TopicSequence  = "sequence"
)

// Topics lists the topics in Core's order of options.
var Topics = []string{TopicHashBlock, TopicHashTx, TopicRawBlock, TopicRawTx, TopicSequence}

// DefaultHWM is the default high-water mark of a socket in messages
// (Core's DEFAULT_ZMQ_SNDHWM); 0 means no limit.
const DefaultHWM = 1000

// The sequence topic's labels.
const (
	labelConnected    = 'C'
	labelDisconnected = 'D'
	labelAdded        = 'A'
	labelRemoved      = 'R'
)

// Endpoint is one -zmqpub<topic> option: the topic, the address its
// socket binds and its high-water mark.
type Endpoint struct {
	Topic   string
	Address string
	HWM     int
}

// Config configures a Notifier.
type Config struct {
	// Endpoints are the topics to publish and where. Topics on the same
	// address share one socket, whose high-water mark is the first's.
	Endpoints []Endpoint
}

// EventSource is the pool as the notifier reads it: its queue of
// additions and removals and the signal that the queue has some.
type EventSource interface {
	TakeEvents() ([]mempool.TxEvent, uint64)
	EventSignal() <-chan struct{}
}

// CheckAddress reports whether addr is an address a socket can bind:
// tcp://host:port (host an IP address, a name or *) or ipc://path.
func CheckAddress(addr string) error {
	scheme, rest, ok := strings.Cut(addr, "://")
	if !ok || rest == "" {
		return zmqError(ErrBadAddress, fmt.Sprintf("%q is not an address like tcp://127.0.0.1:28332", addr))
	}
	switch scheme {
	case "ipc":
		return nil
	case "tcp":
		host, port, err := net.SplitHostPort(rest)
		if err != nil || host == "" {
			return zmqError(ErrBadAddress, fmt.Sprintf("%q has no host:port", addr))
		}
		if n, err := strconv.Atoi(port); err != nil || n < 1 || n > 65535 {
			return zmqError(ErrBadAddress, fmt.Sprintf("%q has a bad port", addr))
		}
		return nil
	}
	return zmqError(ErrBadAddress, fmt.Sprintf("%q: transport %q is not tcp or ipc", addr, scheme))
}

// publisher is one PUB socket and the topics it carries.
type publisher struct {
	address string
	hwm     int
	sock    zmq4.Socket
}

// topicState is one topic's socket and message counter.
type topicState struct {
	ep  Endpoint
	pub *publisher
	seq uint32
}

// Notifier publishes the notifications. Its methods are safe for
// concurrent use; messages leave in the order the calls made them.
type Notifier struct {
	cfg    Config
	pubs   []*publisher
	topics map[string]*topicState

	// mu serialises taking the pool's events and publishing, so that
	// each topic's messages and sequence numbers follow one order.
	mu      sync.Mutex
	src     EventSource
	running bool

	cancel context.CancelFunc
	wg     sync.WaitGroup
}

// New checks cfg and returns a notifier; nothing is bound until Start.
func New(cfg Config) (*Notifier, error) {
	n := &Notifier{cfg: cfg, topics: make(map[string]*topicState)}
	byAddr := make(map[string]*publisher)
	for _, ep := range cfg.Endpoints {
		if !isTopic(ep.Topic) {
			return nil, zmqError(ErrBadTopic, fmt.Sprintf("unknown topic %q", ep.Topic))
		}
		if err := CheckAddress(ep.Address); err != nil {
			return nil, err
		}
		if ep.HWM < 0 {
			return nil, zmqError(ErrBadHWM, fmt.Sprintf("high-water mark %d of %s is negative", ep.HWM, ep.Topic))
		}
		if _, dup := n.topics[ep.Topic]; dup {
			return nil, zmqError(ErrBadTopic, fmt.Sprintf("topic %q given twice", ep.Topic))
		}
		p := byAddr[ep.Address]
		if p == nil {
			p = &publisher{address: ep.Address, hwm: ep.HWM}
			byAddr[ep.Address] = p
			n.pubs = append(n.pubs, p)
		}
		n.topics[ep.Topic] = &topicState{ep: ep, pub: p}
	}
	return n, nil
}

// isTopic reports whether t is one of the published topics.
func isTopic(t string) bool {
	for _, x := range Topics {
		if x == t {
			return true
		}
	}
	return false
}

// Endpoints returns the configured endpoints in Core's order of topics
// (getzmqnotifications).
func (n *Notifier) Endpoints() []Endpoint {
	var out []Endpoint
	for _, t := range Topics {
		if ts := n.topics[t]; ts != nil {
			out = append(out, ts.ep)
		}
	}
	return out
}

// listenAddress is the address zmq4 listens on for a Core address
// (tcp://*:port binds every interface).
func listenAddress(addr string) string {
	if rest, ok := strings.CutPrefix(addr, "tcp://*:"); ok {
		return "tcp://0.0.0.0:" + rest
	}
	return addr
}

// Start binds every socket and starts reading src's events until ctx
// ends or Stop is called. On error nothing stays bound.
func (n *Notifier) Start(ctx context.Context, src EventSource) error {
	ctx, cancel := context.WithCancel(ctx)
	for _, p := range n.pubs {
		p.sock = zmq4.NewPub(ctx, zmq4.WithLogger(stdlog.New(logWriter{}, "", 0)))
		if err := p.sock.SetOption(zmq4.OptionHWM, p.hwm); err != nil {
			cancel()
			n.closeAll()
			return zmqError(ErrBind, fmt.Sprintf("%s: high-water mark: %v", p.address, err))
		}
		if err := p.sock.Listen(listenAddress(p.address)); err != nil {
			cancel()
			n.closeAll()
			return zmqError(ErrBind, fmt.Sprintf("cannot bind %s: %v", p.address, err))
		}
		log.Infof("Publishing ZMQ notifications on %s", p.address)
	}
	n.mu.Lock()
	n.src, n.running, n.cancel = src, true, cancel
	n.mu.Unlock()
	if src != nil && src.EventSignal() != nil {
		n.wg.Add(1)
		go n.run(ctx, src.EventSignal())
	}
	return nil
}

// closeAll closes the sockets that were opened.
func (n *Notifier) closeAll() {
	for _, p := range n.pubs {
		if p.sock != nil {
			p.sock.Close()
			p.sock = nil
		}
	}
}

// Stop publishes what the pool still has queued, then closes the sockets
// and waits for the reader to end.
func (n *Notifier) Stop() {
	n.mu.Lock()
	if !n.running {
		n.mu.Unlock()
		return
	}
	n.drainLocked()
	n.running = false
	n.cancel()
	n.mu.Unlock()
	n.wg.Wait()
	n.closeAll()
}

// run publishes the pool's events each time it signals.
func (n *Notifier) run(ctx context.Context, signal <-chan struct{}) {
	defer n.wg.Done()
	for {
		select {
		case <-ctx.Done():
			return
		case <-signal:
			n.mu.Lock()
			if n.running {
				n.drainLocked()
			}
			n.mu.Unlock()
		}
	}
}

// drainLocked publishes the pool's queued events. n.mu must be held.
func (n *Notifier) drainLocked() {
	if n.src == nil {
		return
	}
	events, lost := n.src.TakeEvents()
	if lost > 0 {
		log.Warnf("%d mempool events were dropped before they could be published", lost)
	}
	for i := range events {
		ev := &events[i]
		if ev.Added {
			n.notifyTx(ev.Tx, ev.Txid)
			n.sequence(ev.Txid, labelAdded, ev.Sequence, true)
		} else {
			n.sequence(ev.Txid, labelRemoved, ev.Sequence, true)
		}
	}
}

// BlockConnected publishes a block connected to the main chain: first
// the pool's queued events (a block's conflicts leave the pool before it
// is announced), then rawtx and hashtx for each of its transactions and
// sequence C; hashblock and rawblock too when isTip (the block is the tip
// once the chain update is over, outside initial block download).
func (n *Notifier) BlockConnected(block *wire.MsgBlock, hash chainhash.Hash, isTip bool) {
	n.mu.Lock()
	defer n.mu.Unlock()
	if !n.running {
		return
	}
	n.drainLocked()
	n.blockTxs(block)
	n.sequence(hash, labelConnected, 0, false)
	if isTip {
		n.publish(TopicHashBlock, func() []byte { return reversed(hash) })
		n.publish(TopicRawBlock, block.Bytes)
	}
}

// BlockDisconnected publishes a block disconnected from the main chain:
// the pool's queued events, rawtx and hashtx for each of its
// transactions, and sequence D.
func (n *Notifier) BlockDisconnected(block *wire.MsgBlock, hash chainhash.Hash) {
	n.mu.Lock()
	defer n.mu.Unlock()
	if !n.running {
		return
	}
	n.drainLocked()
	n.blockTxs(block)
	n.sequence(hash, labelDisconnected, 0, false)
}

// blockTxs publishes rawtx and hashtx for each transaction of block.
func (n *Notifier) blockTxs(block *wire.MsgBlock) {
	if n.topics[TopicRawTx] == nil && n.topics[TopicHashTx] == nil {
		return
	}
	for _, tx := range block.Transactions {
		n.notifyTx(tx, tx.TxHash())
	}
}

// notifyTx publishes rawtx and hashtx for one transaction.
func (n *Notifier) notifyTx(tx *wire.MsgTx, txid chainhash.Hash) {
	n.publish(TopicHashTx, func() []byte { return reversed(txid) })
	n.publish(TopicRawTx, tx.Bytes)
}

// sequence publishes one sequence message: the hash, the label and, for
// pool events, the pool's sequence number.
func (n *Notifier) sequence(hash chainhash.Hash, label byte, poolSeq uint64, withSeq bool) {
	n.publish(TopicSequence, func() []byte {
		body := append(reversed(hash), label)
		if withSeq {
			body = binary.LittleEndian.AppendUint64(body, poolSeq)
		}
		return body
	})
}

// publish sends topic's message with the body body makes (only when the
// topic is published) and the topic's next sequence number. zmq4 queues
// it without blocking, or drops it past the socket's high-water mark;
// either way the number is used, as in Core.
func (n *Notifier) publish(topic string, body func() []byte) {
	ts := n.topics[topic]
	if ts == nil || ts.pub.sock == nil {
		return
	}
	var seq [4]byte
	binary.LittleEndian.PutUint32(seq[:], ts.seq)
	ts.seq++
	if err := ts.pub.sock.Send(zmq4.NewMsgFrom([]byte(topic), body(), seq[:])); err != nil {
		log.Debugf("ZMQ %s on %s: %v", topic, ts.pub.address, err)
	}
}

// logWriter hands zmq4's log lines (a subscriber that failed its
// handshake, a connection dropped) to the package logger at debug level,
// so the library writes nothing of its own.
type logWriter struct{}

// Write implements io.Writer.
func (logWriter) Write(p []byte) (int, error) {
	log.Debugf("zmq4: %s", strings.TrimSpace(string(p)))
	return len(p), nil
}

// reversed returns the hash in the byte order RPC prints it.
func reversed(h chainhash.Hash) []byte {
	out := make([]byte, chainhash.HashSize)
	for i := range h {
		out[chainhash.HashSize-1-i] = h[i]
	}
	return out
}

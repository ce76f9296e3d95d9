package v2transport

import (
	"bufio"
	"bytes"
	"crypto/rand"
	"encoding/binary"
	"fmt"
	"io"

	"github.com/tern-org/ternd/wire"
)

// Handshake constants of BIP324.
const (
	// MaxGarbageLen is the most garbage either side may send after its
	// public key, and so the most a receiver scans for the terminator.
	MaxGarbageLen = 4095

	// V1PrefixLen is the size of the prefix that tells a v1 peer apart:
	// the network magic and the 12-byte command "version".
	V1PrefixLen = 4 + wire.CommandSize
)

// Config holds the parameters of a handshake. The zero value of every field
// but Net is the right choice for a node; the others let tests and traffic
// shaping pick the bytes sent.
type Config struct {
	// Net is the network. Its magic enters the key derivation, so peers
	// of different networks fail the handshake, and it is the first part
	// of the v1 prefix a responder checks for.
	Net wire.BitcoinNet

	// Garbage, when not nil, is sent as the garbage after the public key
	// and must be at most MaxGarbageLen bytes. When nil, a length from 0
	// to MaxGarbageLen and the bytes are drawn from Rand, as Bitcoin Core
	// does, so that the handshake has no fixed size.
	Garbage []byte

	// Decoys lists the contents lengths of decoy packets to send between
	// the garbage terminator and the version packet.
	Decoys []int

	// Rand is the source of random garbage; nil means crypto/rand. The
	// ephemeral key always comes from crypto/rand.
	Rand io.Reader
}

// V1Prefix returns the first 16 bytes every v1 peer of net sends: the
// network magic and "version" padded with NULs to 12 bytes.
func V1Prefix(net wire.BitcoinNet) [V1PrefixLen]byte {
	var p [V1PrefixLen]byte
	binary.LittleEndian.PutUint32(p[:4], uint32(net))
	copy(p[4:], "version")
	return p
}

// MatchesV1Prefix reports whether b, up to its first V1PrefixLen bytes,
// agrees with V1Prefix(net). A listener that has peeked V1PrefixLen bytes
// treats a match as a v1 peer; with fewer bytes a match means undecided.
func MatchesV1Prefix(net wire.BitcoinNet, b []byte) bool {
	p := V1Prefix(net)
	n := min(len(b), V1PrefixLen)
	return bytes.Equal(b[:n], p[:n])
}

// Initiate runs the initiator's side of the handshake over rw, a connection
// we opened, and returns the established Conn. It sends our public key and
// garbage at once, reads the responder's key, then sends our garbage
// terminator, decoys and version packet, and returns after the responder's
// version packet has been authenticated (its contents are ignored, as
// BIP324 reserves them for future versions).
//
// Initiate sets no deadline: the caller bounds it with a deadline on rw.
// Writes run on a helper goroutine so that an unbuffered rw such as
// net.Pipe cannot deadlock. A failure after the first write closes rw if
// it is an io.Closer, which also ends that goroutine, and Initiate returns
// only after it has stopped; earlier failures leave rw untouched.
func Initiate(rw io.ReadWriter, cfg *Config) (*Conn, error) {
	if cfg == nil {
		return nil, makeError(ErrInvalidArgument, "v2transport: no config")
	}
	key, err := newEphemeralKey()
	if err != nil {
		return nil, fmt.Errorf("v2transport: creating ephemeral key: %w", err)
	}
	h, err := newHandshake(rw, cfg, key, true)
	if err != nil {
		return nil, err
	}
	return h.initiate()
}

// Respond runs the responder's side of the handshake over rw, a connection
// the remote opened. prefix holds the bytes the caller already read from
// rw (up to 64, typically the V1PrefixLen bytes peeked to detect a v1
// peer); Respond reads the rest.
//
// While the bytes seen match V1Prefix(cfg.Net), Respond reads nothing past
// the 16th byte of the stream and writes nothing; if all 16 match it
// returns ErrV1Peer, and rw, positioned right after that prefix, stays
// usable for v1. Otherwise it sends our public key and garbage, reads the
// rest of the initiator's key (ErrWrongNetwork if it looks like a v1
// version message of another network), sends our terminator, decoys and
// version packet and returns after the initiator's version packet.
// Deadlines, the helper goroutine and closing on failure are as for
// Initiate.
func Respond(rw io.ReadWriter, cfg *Config, prefix []byte) (*Conn, error) {
	if cfg == nil {
		return nil, makeError(ErrInvalidArgument, "v2transport: no config")
	}
	if len(prefix) > EllswiftPubKeyLen {
		return nil, errorf(ErrInvalidArgument,
			"v2transport: %d already-read bytes exceed the %d-byte public key",
			len(prefix), EllswiftPubKeyLen)
	}
	key, err := newEphemeralKey()
	if err != nil {
		return nil, fmt.Errorf("v2transport: creating ephemeral key: %w", err)
	}
	h, err := newHandshake(rw, cfg, key, false)
	if err != nil {
		return nil, err
	}
	return h.respond(prefix)
}

// handshake is the state of one side's handshake. It lives on the calling
// goroutine; only its writes go through the asyncWriter.
type handshake struct {
	rw        io.ReadWriter
	net       wire.BitcoinNet
	initiator bool
	key       ephemeralKey
	garbage   []byte
	decoys    []int
	br        *bufio.Reader
	out       *asyncWriter
	received  uint64
}

// newHandshake checks cfg and draws the garbage for a handshake with key.
func newHandshake(rw io.ReadWriter, cfg *Config, key ephemeralKey,
	initiator bool) (*handshake, error) {

	h := &handshake{rw: rw, net: cfg.Net, initiator: initiator, key: key, decoys: cfg.Decoys}
	for _, n := range cfg.Decoys {
		if n < 0 || n > MaxContentsLen {
			return nil, errorf(ErrInvalidArgument, "v2transport: decoy length %d outside 0..%d",
				n, MaxContentsLen)
		}
	}
	if cfg.Garbage != nil {
		if len(cfg.Garbage) > MaxGarbageLen {
			return nil, errorf(ErrInvalidArgument, "v2transport: %d bytes of garbage exceed %d",
				len(cfg.Garbage), MaxGarbageLen)
		}
		h.garbage = cfg.Garbage
		return h, nil
	}
	var err error
	h.garbage, err = randomGarbage(cfg.Rand)
	if err != nil {
		return nil, err
	}
	return h, nil
}

// randomGarbage draws a uniform length in 0..MaxGarbageLen and that many
// bytes from src (crypto/rand if nil).
func randomGarbage(src io.Reader) ([]byte, error) {
	if src == nil {
		src = rand.Reader
	}
	var n [2]byte
	if _, err := io.ReadFull(src, n[:]); err != nil {
		return nil, fmt.Errorf("v2transport: drawing garbage length: %w", err)
	}
	garbage := make([]byte, binary.LittleEndian.Uint16(n[:])&MaxGarbageLen)
	if _, err := io.ReadFull(src, garbage); err != nil {
		return nil, fmt.Errorf("v2transport: drawing garbage: %w", err)
	}
	return garbage, nil
}

// initiate runs the initiator's side after setup.
func (h *handshake) initiate() (*Conn, error) {
	h.sendKeyAndGarbage()
	var theirs [EllswiftPubKeyLen]byte
	if err := h.readKey(theirs[:], 0); err != nil {
		return h.fail(err)
	}
	return h.finish(theirs)
}

// respond runs the responder's side after setup, starting from the prefix
// the caller already read.
func (h *handshake) respond(prefix []byte) (*Conn, error) {
	var theirs [EllswiftPubKeyLen]byte
	n := copy(theirs[:], prefix)
	n, err := h.readV1Prefix(&theirs, n)
	h.received = uint64(n)
	if err != nil {
		// Nothing was written, so rw is left as it is: open for v1 on
		// ErrV1Peer, and the caller's to close otherwise.
		return nil, err
	}
	h.sendKeyAndGarbage()
	if err := h.readKey(theirs[:], n); err != nil {
		return h.fail(err)
	}
	v1 := V1Prefix(h.net)
	if bytes.Equal(theirs[4:V1PrefixLen], v1[4:]) {
		return h.fail(makeError(ErrWrongNetwork,
			"v2transport: remote sent a v1 version message of another network"))
	}
	return h.finish(theirs)
}

// readV1Prefix reads from rw, unbuffered so that nothing past the prefix is
// consumed, until buf[:n] stops matching the v1 prefix or holds all of it.
// It returns ErrV1Peer in the latter case.
func (h *handshake) readV1Prefix(buf *[EllswiftPubKeyLen]byte, n int) (int, error) {
	var err error
	for MatchesV1Prefix(h.net, buf[:n]) {
		if n >= V1PrefixLen {
			return n, makeError(ErrV1Peer, "v2transport: remote speaks the v1 protocol")
		}
		// A read error counts only once the bytes read with it have
		// been looked at, as io.Reader asks.
		if err != nil {
			return n, fmt.Errorf("v2transport: reading public key: %w", err)
		}
		var m int
		m, err = h.rw.Read(buf[n:V1PrefixLen])
		n += m
	}
	return n, nil
}

// sendKeyAndGarbage starts the writer goroutine with our public key and
// garbage, and buffers all later reads.
func (h *handshake) sendKeyAndGarbage() {
	h.out = startWriter(h.rw)
	h.out.send(append(h.key.ellswift[:], h.garbage...))
	h.br = bufio.NewReader(h.rw)
}

// readKey reads the rest of the remote's public key into buf, of which n
// bytes are already there.
func (h *handshake) readKey(buf []byte, n int) error {
	m, err := io.ReadFull(h.br, buf[n:])
	h.received += uint64(m)
	if err != nil {
		return fmt.Errorf("v2transport: reading public key: %w", err)
	}
	return nil
}

// finish derives the session from the remote's key, sends our garbage
// terminator, decoys and version packet (the first packet authenticating
// our garbage), skips the remote's garbage and reads its version packet.
func (h *handshake) finish(theirs [EllswiftPubKeyLen]byte) (*Conn, error) {
	secret, err := sharedSecret(h.key, theirs, h.initiator)
	if err != nil {
		return h.fail(err)
	}
	s, err := newSession(secret, h.net, h.initiator)
	clear(secret[:])
	if err != nil {
		return h.fail(fmt.Errorf("v2transport: creating ciphers: %w", err))
	}
	h.out.send(h.versionFlight(s))

	c := &Conn{sessionID: s.sessionID, initiator: h.initiator, r: h.br, recv: s.recv,
		w: h.rw, send: s.send}
	garbage, err := h.readGarbage(s.recvTerminator)
	c.bytesReceived.Store(h.received)
	if err != nil {
		return h.fail(err)
	}
	// The first packet, decoy or not, authenticates the remote's garbage;
	// the first one that is not a decoy is the version packet.
	for aad := garbage; ; aad = nil {
		_, ignore, err := c.readPacket(aad)
		if err != nil {
			return h.fail(err)
		}
		if !ignore {
			break
		}
	}
	sent, err := h.out.wait()
	h.out = nil
	c.bytesSent.Store(sent)
	if err != nil {
		return h.fail(fmt.Errorf("v2transport: writing handshake: %w", err))
	}
	return c, nil
}

// versionFlight returns our garbage terminator followed by the decoys and
// the version packet (empty contents), the first packet carrying our
// garbage as associated data.
func (h *handshake) versionFlight(s *session) []byte {
	size := GarbageTerminatorLen + packetLen(0)
	for _, n := range h.decoys {
		size += packetLen(n)
	}
	buf := make([]byte, 0, size)
	buf = append(buf, s.sendTerminator[:]...)
	aad := h.garbage
	for _, n := range h.decoys {
		buf = s.send.appendDecoy(buf, n, aad)
		aad = nil
	}
	return s.send.appendPacket(buf, nil, aad, false)
}

// readGarbage reads up to MaxGarbageLen bytes of garbage and the terminator
// after them, and returns the garbage. It never reads more than
// MaxGarbageLen+GarbageTerminatorLen bytes.
func (h *handshake) readGarbage(term [GarbageTerminatorLen]byte) ([]byte, error) {
	buf := make([]byte, GarbageTerminatorLen, MaxGarbageLen+GarbageTerminatorLen)
	m, err := io.ReadFull(h.br, buf)
	h.received += uint64(m)
	for err == nil && !bytes.Equal(buf[len(buf)-GarbageTerminatorLen:], term[:]) {
		if len(buf) == cap(buf) {
			return nil, errorf(ErrNoGarbageTerminator,
				"v2transport: no garbage terminator within %d bytes", MaxGarbageLen)
		}
		var b byte
		if b, err = h.br.ReadByte(); err == nil {
			h.received++
			buf = append(buf, b)
		}
	}
	if err != nil {
		return nil, fmt.Errorf("v2transport: reading garbage: %w", err)
	}
	return buf[:len(buf)-GarbageTerminatorLen], nil
}

// fail ends a handshake that has started writing: it closes rw when it can,
// which unblocks a pending write, and waits for the writer goroutine.
func (h *handshake) fail(err error) (*Conn, error) {
	if h.out != nil {
		if c, ok := h.rw.(io.Closer); ok {
			_ = c.Close()
		}
		_, _ = h.out.wait()
		h.out = nil
	}
	return nil, err
}

// asyncWriter performs a handshake's writes, in order, on its own goroutine.
// Both sides write before they read; on a connection without buffering
// (net.Pipe) doing that on the reading goroutine would deadlock.
type asyncWriter struct {
	queue chan []byte
	done  chan struct{}

	// n and err are written by the goroutine and read after done closes.
	n   uint64
	err error
}

// handshakeWrites is the number of writes a handshake makes: public key
// and garbage, then terminator, decoys and version packet.
const handshakeWrites = 2

// startWriter starts the goroutine writing to w.
func startWriter(w io.Writer) *asyncWriter {
	a := &asyncWriter{queue: make(chan []byte, handshakeWrites), done: make(chan struct{})}
	go a.run(w)
	return a
}

// run writes the queued buffers until the queue is closed, skipping them
// after the first error.
func (a *asyncWriter) run(w io.Writer) {
	defer close(a.done)
	for buf := range a.queue {
		if a.err != nil {
			continue
		}
		m, err := w.Write(buf)
		a.n += uint64(m)
		a.err = err
	}
}

// send queues buf. The queue holds handshakeWrites buffers, so send never
// blocks.
func (a *asyncWriter) send(buf []byte) {
	a.queue <- buf
}

// wait closes the queue, waits until everything is written and returns the
// bytes written and the first error.
func (a *asyncWriter) wait() (uint64, error) {
	close(a.queue)
	<-a.done
	return a.n, a.err
}

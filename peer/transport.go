package peer

import (
	"bytes"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"net"
	"time"

	"github.com/tern-org/ternd/peer/v2transport"
	"github.com/tern-org/ternd/wire"
)

// Transport protocol names, as getpeerinfo's transport_protocol_type shows
// them.
const (
	// TransportV1 is the plaintext framing of the original protocol.
	TransportV1 = "v1"

	// TransportV2 is BIP324's encrypted transport.
	TransportV2 = "v2"

	// TransportDetecting is an inbound peer of a node with v2 enabled
	// whose first bytes have not arrived yet.
	TransportDetecting = "detecting"
)

// transportMode is how a peer sets up its transport in Run.
type transportMode int

const (
	// modeV1 speaks v1 at once: outbound peers, and inbound peers of a
	// node with v2 disabled.
	modeV1 transportMode = iota

	// modeV2Initiate runs the BIP324 initiator handshake first.
	modeV2Initiate

	// modeDetect reads the first 16 bytes of an inbound connection and
	// answers v1 or v2 accordingly.
	modeDetect
)

// transport moves messages between the peer and its connection. Peer has
// one reading goroutine and one writing goroutine, so readMessage and
// writeMessage may run concurrently with each other but not with
// themselves.
type transport interface {
	// readMessage reads the next message with the contract of
	// wire.ReadMessageWithEncodingN: n counts the bytes consumed from the
	// connection; a non-nil raw with an error means the message was
	// consumed and the stream is still in step; wire.ErrUnknownCommand
	// means an unknown message to skip.
	readMessage(pver uint32) (n int, msg wire.Message, raw []byte, err error)

	// writeMessage writes q, as QueueMessage encoded it, and returns the
	// bytes written to the connection. A v1 transport is only ever given
	// v1 frames.
	writeMessage(q *queued) (n int, err error)
}

// v1Transport is the original framing: wire's header (magic, command,
// length, checksum) before each payload.
type v1Transport struct {
	r       io.Reader
	w       io.Writer
	net     wire.BitcoinNet
	reserve func(n int) error
}

// readMessage reads one framed message.
func (t *v1Transport) readMessage(pver uint32) (int, wire.Message, []byte, error) {
	return wire.ReadMessageReserveN(t.r, pver, t.net, wire.LatestEncoding, t.reserve)
}

// writeMessage writes the frame as it was queued.
func (t *v1Transport) writeMessage(q *queued) (int, error) {
	return t.w.Write(q.buf)
}

// v2Transport carries messages over an established BIP324 connection. A
// message is its command and payload, without v1's header; the payload is
// decoded by handing wire's v1 reader a frame with a header made up for it,
// so that every check (per-command limits, unknown commands, malformed or
// trailing bytes) is the one v1 applies.
type v2Transport struct {
	conn *v2transport.Conn
	net  wire.BitcoinNet
}

// readMessage reads one message and reports the ciphertext bytes it took,
// decoys read before it included.
func (t *v2Transport) readMessage(pver uint32) (int, wire.Message, []byte, error) {
	before := t.conn.BytesReceived()
	cmd, payload, err := t.conn.ReadMessage()
	n := int(t.conn.BytesReceived() - before)
	switch {
	case errors.Is(err, v2transport.ErrUnknownMessageType):
		// An authentic packet of a type we do not know: skipped, like an
		// unknown v1 command.
		return n, nil, nil, wire.Error{Err: wire.ErrUnknownCommand, Description: err.Error()}
	case err != nil:
		return n, nil, nil, err
	}
	msg, err := wire.DecodePayload(cmd, payload, pver, wire.LatestEncoding)
	return n, msg, payload, err
}

// writeMessage sends the queued message's command and payload in one
// packet.
func (t *v2Transport) writeMessage(q *queued) (int, error) {
	payload := q.buf
	if !q.payloadOnly {
		payload = payload[wire.MessageHeaderSize:]
	}
	before := t.conn.BytesSent()
	err := t.conn.WriteMessage(q.msg.Command(), payload)
	return int(t.conn.BytesSent() - before), err
}

// encodePayload encodes msg's payload for a v2 transport, refusing what
// wire.EncodeMessage refuses for v1: a command without an encoding, a
// payload above MaxMessagePayload or above the message's own limit.
func encodePayload(msg wire.Message, pver uint32) ([]byte, error) {
	cmd := msg.Command()
	var typ [1 + wire.CommandSize]byte
	if _, err := v2transport.AppendMessageType(typ[:0], cmd); err != nil {
		return nil, wire.Error{Err: wire.ErrMalformedCommand, Description: err.Error()}
	}
	var b bytes.Buffer
	if err := msg.BtcEncode(&b, pver, wire.LatestEncoding); err != nil {
		return nil, err
	}
	n := b.Len()
	if n > wire.MaxMessagePayload || uint32(n) > msg.MaxPayloadLength(pver) {
		return nil, wire.Error{Err: wire.ErrPayloadTooLarge, Description: fmt.Sprintf(
			"%s message payload of %d bytes exceeds its limit", cmd, n)}
	}
	return b.Bytes(), nil
}

// openTransport sets up the peer's transport before the version handshake:
// nothing for v1, BIP324's handshake for v2, and for an inbound peer of a
// node with v2 enabled the detection of which one the remote speaks. It
// runs on Run's goroutine before the read and write loops start, with the
// connection's deadlines at deadline.
func (p *Peer) openTransport(deadline time.Time) error {
	switch p.mode {
	case modeV2Initiate:
		return p.initiateV2(deadline)
	case modeDetect:
		return p.detectTransport(deadline)
	}
	p.tr = &v1Transport{r: p.conn, w: p.conn, net: p.cfg.Net, reserve: p.reserveRecv}
	return nil
}

// initiateV2 runs BIP324's initiator handshake. A failure is ErrV2Handshake,
// and ErrV2PeerSpeaksV1 too when the remote answered with our magic.
func (p *Peer) initiateV2(deadline time.Time) error {
	p.conn.SetDeadline(deadline)
	defer p.conn.SetWriteDeadline(time.Time{})
	rc := &recordingConn{Conn: p.conn}
	binary.LittleEndian.PutUint32(rc.magic[:], uint32(p.cfg.Net))
	c, err := v2transport.Initiate(rc, &v2transport.Config{Net: p.cfg.Net})
	if err != nil {
		if rc.v1 {
			return wrapError(err, fmt.Sprintf("v2 handshake with %s: it answered in v1", p.addr),
				ErrV2Handshake, ErrV2PeerSpeaksV1)
		}
		return p.v2HandshakeError(err)
	}
	p.useV2(c)
	return nil
}

// detectTransport reads the first V1PrefixLen bytes of an inbound
// connection: a v1 peer's version header goes on as v1 with those bytes
// read again by the v1 reader; anything else is a v2 initiator's key, to
// which BIP324's responder handshake answers.
func (p *Peer) detectTransport(deadline time.Time) error {
	p.conn.SetDeadline(deadline)
	defer p.conn.SetWriteDeadline(time.Time{})
	var prefix [v2transport.V1PrefixLen]byte
	n, err := io.ReadFull(p.conn, prefix[:])
	if err != nil {
		p.countHandshakeBytes(0, uint64(n))
		if isTimeout(err) {
			return wrapError(err, "handshake timed out with "+p.addr, ErrHandshakeTimeout)
		}
		return wrapError(err, fmt.Sprintf("%s closed the connection: %v", p.addr, err),
			ErrDisconnected)
	}
	if v2transport.MatchesV1Prefix(p.cfg.Net, prefix[:]) {
		r := io.MultiReader(bytes.NewReader(prefix[:]), p.conn)
		p.tr = &v1Transport{r: r, w: p.conn, net: p.cfg.Net, reserve: p.reserveRecv}
		p.setTransportInfo(TransportV1, "")
		return nil
	}
	c, err := v2transport.Respond(p.conn, &v2transport.Config{Net: p.cfg.Net}, prefix[:])
	if err != nil {
		p.countHandshakeBytes(0, uint64(n))
		return p.v2HandshakeError(err)
	}
	p.useV2(c)
	return nil
}

// v2HandshakeError describes a failed BIP324 handshake.
func (p *Peer) v2HandshakeError(err error) error {
	desc := fmt.Sprintf("v2 handshake with %s failed: %v", p.addr, err)
	if isTimeout(err) {
		return wrapError(err, desc, ErrV2Handshake, ErrHandshakeTimeout)
	}
	return wrapError(err, desc, ErrV2Handshake)
}

// useV2 makes c the peer's transport and counts its handshake's bytes.
func (p *Peer) useV2(c *v2transport.Conn) {
	c.SetReserve(p.reserveRecv)
	p.tr = &v2Transport{conn: c, net: p.cfg.Net}
	p.v2.Store(true)
	p.countHandshakeBytes(c.BytesSent(), c.BytesReceived())
	id := c.SessionID()
	p.setTransportInfo(TransportV2, hex.EncodeToString(id[:]))
}

// setTransportInfo records the transport for StatsSnapshot.
func (p *Peer) setTransportInfo(protocol, sessionID string) {
	p.smu.Lock()
	p.transportProtocol, p.sessionID = protocol, sessionID
	p.smu.Unlock()
}

// countHandshakeBytes adds bytes exchanged while setting up the transport
// to the totals; they belong to no message.
func (p *Peer) countHandshakeBytes(sent, recv uint64) {
	now := time.Now()
	p.smu.Lock()
	p.bytesSent += sent
	p.bytesRecv += recv
	if sent > 0 {
		p.lastSend = now
	}
	if recv > 0 {
		p.lastRecv = now
	}
	p.smu.Unlock()
}

// recordingConn watches the first bytes a v2 responder sends: a node that
// answers in v1 starts with the network magic, which it reports as an error
// at once rather than letting the handshake wait for a key that never
// comes. A v2 responder's random key starts that way with probability
// 2^-32, and that costs only a retry over v1.
type recordingConn struct {
	net.Conn
	magic [4]byte
	head  [4]byte
	n     int
	v1    bool
}

// errAnsweredV1 ends a handshake whose responder answered in v1.
var errAnsweredV1 = errors.New("the responder answered with a v1 message")

// Read reads from the connection, checking the first bytes.
func (c *recordingConn) Read(b []byte) (int, error) {
	n, err := c.Conn.Read(b)
	if c.n < len(c.head) {
		c.n += copy(c.head[c.n:], b[:n])
		if c.n == len(c.head) && c.head == c.magic {
			c.v1 = true
			return n, errAnsweredV1
		}
	}
	return n, err
}

// isTimeout reports whether err is a deadline's expiry.
func isTimeout(err error) bool {
	var ne net.Error
	return errors.As(err, &ne) && ne.Timeout()
}

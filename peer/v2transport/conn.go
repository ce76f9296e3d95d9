package v2transport

import (
	"bufio"
	"fmt"
	"io"
	"sync/atomic"

	"github.com/tern-org/ternd/wire"
)

// Limits of what a connection accepts and sends.
const (
	// MaxPayloadLen is the largest message payload, the v1 protocol's
	// limit (wire.MaxMessagePayload, 4,000,000 bytes).
	MaxPayloadLen = wire.MaxMessagePayload

	// MaxContentsLen is the longest packet contents a connection accepts
	// or sends: the longest message type encoding (13 bytes) plus
	// MaxPayloadLen, as in Bitcoin Core. A received length above it ends
	// the connection before anything is allocated for the packet.
	MaxContentsLen = longTypeLen + MaxPayloadLen

	// readChunk is the most a connection allocates for a packet before its
	// bytes arrive. Longer packets grow their buffer fourfold each time it
	// fills (or to the full size once that is less than twice the next
	// step), so a peer that announces 4 MB and sends nothing costs 64 KiB,
	// and one that sends part of a packet at most eight times that part.
	readChunk = 64 << 10

	// readGrowth is the factor by which a packet's buffer grows.
	readGrowth = 4

	// maxKeptWriteBuf is the largest write buffer a connection keeps
	// between messages; larger messages get a buffer of their own so
	// that an idle connection never pins megabytes.
	maxKeptWriteBuf = 256 << 10
)

// Conn is an established v2 connection: it encrypts messages written to it
// and decrypts messages read from it, over the io.ReadWriter the handshake
// ran on. One goroutine may read while another writes; neither
// ReadMessage nor the write methods may be called concurrently with
// themselves. BytesSent, BytesReceived and SessionID are safe for
// concurrent use. Conn does not own the underlying connection; its owner
// closes it.
type Conn struct {
	sessionID [32]byte
	initiator bool

	// Read side, used only by the reading goroutine. field holds the
	// length field being read; a local array would escape to the heap
	// through the io.Reader interface on every packet.
	r     *bufio.Reader
	recv  receiver
	rerr  error
	field [LengthFieldLen]byte

	// reserve, when set, is called with each packet's length before the
	// packet is read (see SetReserve).
	reserve func(n int) error

	// Write side, used only by the writing goroutine.
	w    io.Writer
	send sender
	wbuf []byte
	werr error

	bytesSent     atomic.Uint64
	bytesReceived atomic.Uint64
}

// SetReserve makes the reading side call reserve with each packet's length
// (header, contents and tag) once the length has passed its check and
// before the packet is read or allocated (it is then read into one buffer
// of its size, the caller having accounted for it); an error from reserve ends the
// read, and the connection, with that error. It lets a caller bound the
// bytes many connections hold at once. It must be called before the first
// ReadMessage, or from the reading goroutine.
func (c *Conn) SetReserve(reserve func(n int) error) {
	c.reserve = reserve
}

// SessionID returns the 32-byte session id both ends derived. Operators may
// compare it out of band to detect a man in the middle.
func (c *Conn) SessionID() [32]byte {
	return c.sessionID
}

// Initiator reports whether this side opened the connection.
func (c *Conn) Initiator() bool {
	return c.initiator
}

// BytesSent returns the number of bytes written to the connection so far,
// the handshake included.
func (c *Conn) BytesSent() uint64 {
	return c.bytesSent.Load()
}

// BytesReceived returns the number of bytes of the connection consumed so
// far, the handshake included.
func (c *Conn) BytesReceived() uint64 {
	return c.bytesReceived.Load()
}

// ReadMessage reads packets until one that is not a decoy arrives and
// returns its command and payload; the payload belongs to the caller. A
// packet with an unknown message type yields ErrUnknownMessageType and the
// connection stays usable. Any other error (ErrBadTag, ErrPacketTooLarge for
// contents above MaxContentsLen or a payload above MaxPayloadLen, an I/O
// error) is final and is returned again by later calls.
func (c *Conn) ReadMessage() (command string, payload []byte, err error) {
	if c.rerr != nil {
		return "", nil, c.rerr
	}
	for {
		contents, ignore, err := c.readPacket(nil)
		if err != nil {
			c.rerr = err
			return "", nil, err
		}
		if ignore {
			continue
		}
		command, payload, err := DecodeMessageType(contents)
		if len(payload) > MaxPayloadLen {
			c.rerr = errorf(ErrPacketTooLarge, "v2transport: %s message of %d bytes exceeds %d",
				command, len(payload), MaxPayloadLen)
			return "", nil, c.rerr
		}
		return command, payload, err
	}
}

// readPacket reads, authenticates and decrypts one packet with aad and
// returns its contents and ignore bit. The announced length is checked
// against MaxContentsLen before anything is allocated for the packet.
func (c *Conn) readPacket(aad []byte) (contents []byte, ignore bool, err error) {
	if _, err := io.ReadFull(c.r, c.field[:]); err != nil {
		return nil, false, fmt.Errorf("v2transport: reading packet length: %w", err)
	}
	c.bytesReceived.Add(LengthFieldLen)
	n := c.recv.decryptLength(c.field)
	if n > MaxContentsLen {
		return nil, false, errorf(ErrPacketTooLarge,
			"v2transport: packet of %d bytes exceeds %d", n, MaxContentsLen)
	}
	var ct []byte
	if c.reserve != nil {
		if err := c.reserve(HeaderLen + n + TagLen); err != nil {
			return nil, false, err
		}
		// The bytes are accounted for: one buffer of the right size.
		ct = make([]byte, HeaderLen+n+TagLen)
		var m int
		m, err = io.ReadFull(c.r, ct)
		ct = ct[:m]
		if err == io.EOF {
			err = io.ErrUnexpectedEOF
		}
	} else {
		ct, err = readGrowing(c.r, HeaderLen+n+TagLen)
	}
	c.bytesReceived.Add(uint64(len(ct)))
	if err != nil {
		return nil, false, fmt.Errorf("v2transport: reading packet: %w", err)
	}
	return c.recv.open(ct, aad)
}

// readGrowing reads exactly n bytes into a new buffer that grows as the
// bytes arrive, so memory follows what the peer actually sent rather than
// what it announced. On error it returns the bytes read so far; a stream
// that ends early yields io.ErrUnexpectedEOF.
func readGrowing(r io.Reader, n int) ([]byte, error) {
	buf := make([]byte, 0, min(n, readChunk))
	for len(buf) < n {
		if len(buf) == cap(buf) {
			next := readGrowth * cap(buf)
			if 2*next > n {
				// The step after this one would pass n anyway; take
				// all of it now instead of copying once more.
				next = n
			}
			grown := make([]byte, len(buf), next)
			copy(grown, buf)
			buf = grown
		}
		m, err := io.ReadFull(r, buf[len(buf):cap(buf)])
		buf = buf[:len(buf)+m]
		if err == io.EOF {
			// The stream ended inside the packet, at its start or at a
			// growth boundary.
			err = io.ErrUnexpectedEOF
		}
		if err != nil {
			return buf, err
		}
	}
	return buf, nil
}

// WriteMessage encrypts command and payload into one packet and writes it
// in a single Write. A command without encoding (ErrBadCommand) or a
// payload above MaxPayloadLen (ErrPacketTooLarge) is refused without
// touching the connection. A failed write is final: the stream's state is
// unknown, so later writes return the same error.
func (c *Conn) WriteMessage(command string, payload []byte) error {
	if c.werr != nil {
		return c.werr
	}
	var typ [longTypeLen]byte
	enc, err := AppendMessageType(typ[:0], command)
	if err != nil {
		return err
	}
	if len(payload) > MaxPayloadLen {
		return errorf(ErrPacketTooLarge, "v2transport: %s message of %d bytes exceeds %d",
			command, len(payload), MaxPayloadLen)
	}
	n := len(enc) + len(payload)
	buf := c.writeBuf(packetLen(n))
	body := buf[LengthFieldLen+HeaderLen:]
	k := copy(body, enc)
	copy(body[k:], payload)
	return c.writePacket(buf, n, false)
}

// WriteDecoy writes a decoy packet with n bytes of contents, which the
// remote authenticates and drops. Decoys let a sender shape its traffic;
// when and how large to send them is the caller's policy.
func (c *Conn) WriteDecoy(n int) error {
	if c.werr != nil {
		return c.werr
	}
	if n < 0 || n > MaxContentsLen {
		return errorf(ErrInvalidArgument, "v2transport: decoy length %d outside 0..%d",
			n, MaxContentsLen)
	}
	buf := c.writeBuf(packetLen(n))
	clear(buf[LengthFieldLen+HeaderLen:][:n])
	return c.writePacket(buf, n, true)
}

// writeBuf returns a buffer of n bytes, reusing the connection's own when
// it is large enough and keeping new ones only up to maxKeptWriteBuf.
func (c *Conn) writeBuf(n int) []byte {
	if n <= cap(c.wbuf) {
		return c.wbuf[:n]
	}
	buf := make([]byte, n)
	if n <= maxKeptWriteBuf {
		c.wbuf = buf
	}
	return buf
}

// writePacket seals the n bytes of contents in buf and writes the packet.
func (c *Conn) writePacket(buf []byte, n int, ignore bool) error {
	pkt := c.send.seal(buf, n, nil, ignore)
	m, err := c.w.Write(pkt)
	c.bytesSent.Add(uint64(m))
	if err != nil {
		c.werr = fmt.Errorf("v2transport: writing packet: %w", err)
		return c.werr
	}
	return nil
}

package wire

import (
	"bytes"
	"encoding/binary"
	"errors"
	"io"

	"github.com/btcsuite/btcd/chaincfg/chainhash"
)

// MessageEncoding selects how a message is encoded: with or without witness
// data.
type MessageEncoding uint32

const (
	// BaseEncoding is the legacy encoding without witness data.
	BaseEncoding MessageEncoding = 1 << iota

	// WitnessEncoding is the BIP144 encoding with witness data.
	WitnessEncoding

	// LatestEncoding is the most recent encoding.
	LatestEncoding = WitnessEncoding
)

// MaxMessagePayload is the largest payload of any message, Bitcoin Core's
// MAX_PROTOCOL_MESSAGE_LENGTH.
const MaxMessagePayload = 4000000

// Commands of the messages this package knows.
const (
	CmdVersion      = "version"
	CmdVerAck       = "verack"
	CmdGetAddr      = "getaddr"
	CmdAddr         = "addr"
	CmdAddrV2       = "addrv2"
	CmdSendAddrV2   = "sendaddrv2"
	CmdGetBlocks    = "getblocks"
	CmdInv          = "inv"
	CmdGetData      = "getdata"
	CmdNotFound     = "notfound"
	CmdBlock        = "block"
	CmdTx           = "tx"
	CmdGetHeaders   = "getheaders"
	CmdHeaders      = "headers"
	CmdPing         = "ping"
	CmdPong         = "pong"
	CmdMemPool      = "mempool"
	CmdMerkleBlock  = "merkleblock"
	CmdReject       = "reject"
	CmdSendHeaders  = "sendheaders"
	CmdFeeFilter    = "feefilter"
	CmdWTxIDRelay   = "wtxidrelay"
	CmdSendCmpct    = "sendcmpct"
	CmdCmpctBlock   = "cmpctblock"
	CmdGetBlockTxns = "getblocktxn"
	CmdBlockTxns    = "blocktxn"
	CmdGetCFilters  = "getcfilters"
	CmdCFilter      = "cfilter"
	CmdGetCFHeaders = "getcfheaders"
	CmdCFHeaders    = "cfheaders"
	CmdGetCFCheckpt = "getcfcheckpt"
	CmdCFCheckpt    = "cfcheckpt"
)

// CommandSize is the size of the command field of a message header.
const CommandSize = 12

// MessageHeaderSize is the size of a message header: magic, command,
// payload length and checksum.
const MessageHeaderSize = 24

// Message is a Bitcoin protocol message. BtcDecode and BtcEncode read and
// write the payload only; ReadMessage and WriteMessage add the framing.
type Message interface {
	BtcDecode(io.Reader, uint32, MessageEncoding) error
	BtcEncode(io.Writer, uint32, MessageEncoding) error
	Command() string
	MaxPayloadLength(uint32) uint32
}

// payloadCodec is implemented by every message of this package: decoding
// from a decoder (slice or stream) and encoding by appending to a buffer,
// which is what makes ReadMessage and WriteMessage fast.
type payloadCodec interface {
	decode(d *decoder, pver uint32, enc MessageEncoding)
	appendPayload(dst []byte, pver uint32, enc MessageEncoding) ([]byte, error)
}

// sizeHinter is implemented by messages that can tell the size of their
// payload cheaply, so that encoding allocates once.
type sizeHinter interface {
	payloadSizeHint() int
}

// beginDecode prepares d to decode a message's payload from r: in place
// from a *bytes.Buffer, with read-ahead from a seekable reader, field by
// field otherwise. compact lets the decoder reuse its buffer, which is right
// unless decoded values keep slices of it (transactions). d is meant to
// live on the caller's stack; endDecode finishes.
func beginDecode(d *decoder, r io.Reader, compact bool) {
	if buf, ok := r.(*bytes.Buffer); ok {
		d.b, d.buf = buf.Bytes(), buf
		return
	}
	d.r, d.compact = r, compact
	if s, ok := r.(io.Seeker); ok {
		d.seeker = s
		d.b = make([]byte, 0, 512)
	}
}

// endDecode consumes exactly the decoded bytes from the reader given to
// beginDecode and returns the decoding error.
func endDecode(d *decoder) error {
	if d.buf != nil {
		d.buf.Next(d.off)
	} else {
		d.release()
	}
	return d.err
}

// encodeTo runs a codec and writes the result in one call.
func encodeTo(m payloadCodec, w io.Writer, pver uint32, enc MessageEncoding) error {
	size := 64
	if h, ok := m.(sizeHinter); ok {
		size = h.payloadSizeHint()
	}
	var b []byte
	if bb, ok := w.(*bytes.Buffer); ok {
		bb.Grow(size)
		b = bb.AvailableBuffer()
	} else {
		b = make([]byte, 0, size)
	}
	b, err := m.appendPayload(b, pver, enc)
	if err != nil {
		return err
	}
	return writeAll(w, b)
}

// makeEmptyMessage returns a new message for command, or nil when the
// command is unknown.
func makeEmptyMessage(command string) Message {
	switch command {
	case CmdVersion:
		return &MsgVersion{}
	case CmdVerAck:
		return &MsgVerAck{}
	case CmdGetAddr:
		return &MsgGetAddr{}
	case CmdAddr:
		return &MsgAddr{}
	case CmdAddrV2:
		return &MsgAddrV2{}
	case CmdSendAddrV2:
		return &MsgSendAddrV2{}
	case CmdGetBlocks:
		return &MsgGetBlocks{}
	case CmdInv:
		return &MsgInv{}
	case CmdGetData:
		return &MsgGetData{}
	case CmdNotFound:
		return &MsgNotFound{}
	case CmdBlock:
		return &MsgBlock{}
	case CmdTx:
		return &MsgTx{}
	case CmdGetHeaders:
		return &MsgGetHeaders{}
	case CmdHeaders:
		return &MsgHeaders{}
	case CmdPing:
		return &MsgPing{}
	case CmdPong:
		return &MsgPong{}
	case CmdMemPool:
		return &MsgMemPool{}
	case CmdMerkleBlock:
		return &MsgMerkleBlock{}
	case CmdReject:
		return &MsgReject{}
	case CmdSendHeaders:
		return &MsgSendHeaders{}
	case CmdFeeFilter:
		return &MsgFeeFilter{}
	case CmdWTxIDRelay:
		return &MsgWTxIDRelay{}
	case CmdSendCmpct:
		return &MsgSendCmpct{}
	case CmdCmpctBlock:
		return &MsgCmpctBlock{}
	case CmdGetBlockTxns:
		return &MsgGetBlockTxns{}
	case CmdBlockTxns:
		return &MsgBlockTxns{}
	case CmdGetCFilters:
		return &MsgGetCFilters{}
	case CmdCFilter:
		return &MsgCFilter{}
	case CmdGetCFHeaders:
		return &MsgGetCFHeaders{}
	case CmdCFHeaders:
		return &MsgCFHeaders{}
	case CmdGetCFCheckpt:
		return &MsgGetCFCheckpt{}
	case CmdCFCheckpt:
		return &MsgCFCheckpt{}
	}
	return nil
}

// messageHeader is a decoded message header.
type messageHeader struct {
	magic    BitcoinNet
	command  string
	length   uint32
	checksum [4]byte
}

// parseCommand returns the command of a header's 12-byte field. It must be
// printable ASCII followed only by NUL bytes.
func parseCommand(b []byte) (string, bool) {
	n := bytes.IndexByte(b, 0)
	if n < 0 {
		n = len(b)
	}
	for i, c := range b {
		if i < n && (c < 0x20 || c > 0x7e) {
			return "", false
		}
		if i >= n && c != 0 {
			return "", false
		}
	}
	return string(b[:n]), true
}

// readPayload reads n bytes from r, growing the buffer as bytes arrive so
// that a header claiming a large payload cannot make us allocate it all
// before the peer sends it.
func readPayload(r io.Reader, n int) ([]byte, int, error) {
	buf := make([]byte, 0, min(n, 1<<18))
	for len(buf) < n {
		if len(buf) == cap(buf) {
			grown := make([]byte, len(buf), min(2*cap(buf), n))
			copy(grown, buf)
			buf = grown
		}
		m, err := io.ReadFull(r, buf[len(buf):cap(buf)])
		buf = buf[:len(buf)+m]
		if err != nil {
			if err == io.EOF {
				err = io.ErrUnexpectedEOF
			}
			return nil, len(buf), err
		}
	}
	return buf, n, nil
}

// readPayloadExact reads n bytes into one buffer of that size.
func readPayloadExact(r io.Reader, n int) ([]byte, int, error) {
	buf := make([]byte, n)
	m, err := io.ReadFull(r, buf)
	if err != nil {
		if err == io.EOF {
			err = io.ErrUnexpectedEOF
		}
		return nil, m, err
	}
	return buf, n, nil
}

// readState holds ReadMessage's header buffer and payload decoder.
type readState struct {
	d   decoder
	hdr [MessageHeaderSize]byte
}

// ReadMessage reads, checks and decodes one message from r for network
// btcnet at protocol version pver, with witness encoding. It returns the
// message and its raw payload. Decoded scripts and other byte fields share
// the payload's memory, so the payload must not be modified.
func ReadMessage(r io.Reader, pver uint32, btcnet BitcoinNet) (Message, []byte, error) {
	_, msg, payload, err := ReadMessageWithEncodingN(r, pver, btcnet, LatestEncoding)
	return msg, payload, err
}

// ReadMessageN is ReadMessage that also returns the number of bytes read.
func ReadMessageN(r io.Reader, pver uint32, btcnet BitcoinNet) (int, Message, []byte, error) {
	return ReadMessageWithEncodingN(r, pver, btcnet, LatestEncoding)
}

// ReadMessageWithEncodingN reads one message with the given encoding and
// returns the bytes read, the message and its payload.
//
// The checks, in order: a payload length above MaxMessagePayload
// (ErrPayloadTooLarge) and a foreign magic (ErrWrongNetwork) fail at once,
// without reading the payload, since the stream cannot be trusted any more.
// Otherwise the payload is read, so the stream stays in step, and a
// malformed command (ErrMalformedCommand), a bad checksum (ErrBadChecksum),
// an unknown command (ErrUnknownCommand), a payload above the message's own
// limit (ErrPayloadTooLarge), a malformed payload or trailing bytes
// (ErrTrailingBytes) make it fail with the payload consumed.
func ReadMessageWithEncodingN(r io.Reader, pver uint32, btcnet BitcoinNet,
	enc MessageEncoding) (int, Message, []byte, error) {

	return ReadMessageReserveN(r, pver, btcnet, enc, nil)
}

// ReadMessageReserveN is ReadMessageWithEncodingN with reserve, when not
// nil, called with the payload's length once the header has passed its
// checks and before any of the payload is read or allocated, and the
// payload is then read into one buffer of its size (the caller has
// accounted for it). An error from reserve is returned as it is, with
// nothing more read. It lets a caller
// with many connections bound the payload bytes they hold together (a
// reserve that waits for its share of a budget).
func ReadMessageReserveN(r io.Reader, pver uint32, btcnet BitcoinNet,
	enc MessageEncoding, reserve func(payloadLen int) error) (int, Message, []byte, error) {

	// The header buffer and the payload decoder share one allocation.
	st := new(readState)
	hdrBuf := st.hdr[:]
	n, err := io.ReadFull(r, hdrBuf)
	if err != nil {
		return n, nil, nil, err
	}
	hdr := messageHeader{
		magic:  BitcoinNet(binary.LittleEndian.Uint32(hdrBuf[0:4])),
		length: binary.LittleEndian.Uint32(hdrBuf[16:20]),
	}
	copy(hdr.checksum[:], hdrBuf[20:24])
	if hdr.length > MaxMessagePayload {
		return n, nil, nil, errorf(ErrPayloadTooLarge, "message payload is too large - "+
			"header indicates %d bytes, but max message payload is %d bytes",
			hdr.length, MaxMessagePayload)
	}
	if hdr.magic != btcnet {
		return n, nil, nil, errorf(ErrWrongNetwork, "message from other network [%v]", hdr.magic)
	}
	read := readPayload
	if reserve != nil {
		if err := reserve(int(hdr.length)); err != nil {
			return n, nil, nil, err
		}
		// The bytes are accounted for: one buffer of the right size
		// spares the copies of a growing one.
		read = readPayloadExact
	}
	payload, m, err := read(r, int(hdr.length))
	n += m
	if err != nil {
		return n, nil, nil, err
	}
	command, ok := parseCommand(hdrBuf[4:16])
	if !ok {
		return n, nil, payload, errorf(ErrMalformedCommand, "invalid command %q", hdrBuf[4:16])
	}
	hdr.command = command
	sum := chainhash.DoubleHashH(payload)
	if !bytes.Equal(sum[:4], hdr.checksum[:]) {
		return n, nil, payload, errorf(ErrBadChecksum, "payload checksum failed - header "+
			"indicates %x, but actual checksum is %x", hdr.checksum, sum[:4])
	}
	msg, err := decodePayload(st, command, payload, pver, enc)
	return n, msg, payload, err
}

// DecodePayload decodes the payload of a message whose command is already
// known, as a transport without v1's header delivers it (BIP324 v2): the
// same checks as ReadMessageWithEncodingN after its checksum, in the same
// order (ErrPayloadTooLarge above MaxMessagePayload, ErrUnknownCommand,
// ErrPayloadTooLarge above the message's own limit, a malformed payload,
// ErrTrailingBytes). Decoded scripts and other byte fields share the
// payload's memory, so the payload must not be modified afterwards.
func DecodePayload(command string, payload []byte, pver uint32, enc MessageEncoding) (Message, error) {
	if len(payload) > MaxMessagePayload {
		return nil, errorf(ErrPayloadTooLarge, "message payload is too large - %d bytes, "+
			"but max message payload is %d bytes", len(payload), MaxMessagePayload)
	}
	return decodePayload(new(readState), command, payload, pver, enc)
}

// decodePayload is the part of reading a message that follows its framing:
// the command's message type, its size limit, the decode and the trailing
// bytes check. st provides the decoder.
func decodePayload(st *readState, command string, payload []byte, pver uint32,
	enc MessageEncoding) (Message, error) {

	msg := makeEmptyMessage(command)
	if msg == nil {
		log.Tracef("Received unknown message %q (%d bytes)", command, len(payload))
		return nil, errorf(ErrUnknownCommand, "received unknown message %q", command)
	}
	d := &st.d
	*d = decoder{b: payload, alias: true}
	if max := msg.MaxPayloadLength(pver); uint32(len(payload)) > max {
		// A payload too large for its message usually claims more items
		// than the protocol allows (2,001 full headers); that is the more
		// telling error, so the count, checked before any allocation,
		// is looked at first.
		msg.(payloadCodec).decode(d, pver, enc)
		if errors.Is(d.err, ErrProtocolLimit) {
			return nil, d.err
		}
		return nil, errorf(ErrPayloadTooLarge, "payload exceeds max length - "+
			"header indicates %d bytes, but max payload size for messages of type [%s] is %d",
			len(payload), command, max)
	}
	msg.(payloadCodec).decode(d, pver, enc)
	if d.err != nil {
		return nil, d.err
	}
	if d.off != len(payload) && command != CmdVersion {
		return nil, errorf(ErrTrailingBytes, "%d trailing bytes after %s message",
			len(payload)-d.off, command)
	}
	return msg, nil
}

// WriteMessage frames msg for network btcnet and writes it to w in a single
// Write call, with witness encoding.
func WriteMessage(w io.Writer, msg Message, pver uint32, btcnet BitcoinNet) error {
	_, err := WriteMessageWithEncodingN(w, msg, pver, btcnet, LatestEncoding)
	return err
}

// WriteMessageN is WriteMessage that also returns the number of bytes
// written.
func WriteMessageN(w io.Writer, msg Message, pver uint32, btcnet BitcoinNet) (int, error) {
	return WriteMessageWithEncodingN(w, msg, pver, btcnet, LatestEncoding)
}

// EncodeMessage returns the framed encoding of msg.
func EncodeMessage(msg Message, pver uint32, btcnet BitcoinNet, enc MessageEncoding) ([]byte, error) {
	cmd := msg.Command()
	if len(cmd) > CommandSize {
		return nil, errorf(ErrMalformedCommand, "command [%s] is too long [max %v]", cmd, CommandSize)
	}
	size := 64
	if h, ok := msg.(sizeHinter); ok {
		size = h.payloadSizeHint()
	}
	buf := make([]byte, MessageHeaderSize, MessageHeaderSize+size)
	if c, ok := msg.(payloadCodec); ok {
		var err error
		if buf, err = c.appendPayload(buf, pver, enc); err != nil {
			return nil, err
		}
	} else {
		var b bytes.Buffer
		b.Write(buf)
		if err := msg.BtcEncode(&b, pver, enc); err != nil {
			return nil, err
		}
		buf = b.Bytes()
	}
	plen := len(buf) - MessageHeaderSize
	if plen > MaxMessagePayload {
		return nil, errorf(ErrPayloadTooLarge, "message payload is too large - encoded "+
			"%d bytes, but maximum message payload is %d bytes", plen, MaxMessagePayload)
	}
	if max := msg.MaxPayloadLength(pver); uint32(plen) > max {
		return nil, errorf(ErrPayloadTooLarge, "message payload is too large - encoded "+
			"%d bytes, but maximum message payload size for messages of type [%s] is %d",
			plen, cmd, max)
	}
	binary.LittleEndian.PutUint32(buf[0:4], uint32(btcnet))
	copy(buf[4:16], make([]byte, CommandSize))
	copy(buf[4:16], cmd)
	binary.LittleEndian.PutUint32(buf[16:20], uint32(plen))
	sum := chainhash.DoubleHashH(buf[MessageHeaderSize:])
	copy(buf[20:24], sum[:4])
	return buf, nil
}

// WriteMessageWithEncodingN frames and writes msg with the given encoding
// and returns the number of bytes written.
func WriteMessageWithEncodingN(w io.Writer, msg Message, pver uint32, btcnet BitcoinNet,
	enc MessageEncoding) (int, error) {

	buf, err := EncodeMessage(msg, pver, btcnet, enc)
	if err != nil {
		return 0, err
	}
	return w.Write(buf)
}

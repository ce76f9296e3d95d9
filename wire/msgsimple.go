package wire

import "io"

// emptyPayload is embedded by the messages that carry no payload.
type emptyPayload struct{}

// BtcDecode reads nothing: the message has no payload.
func (emptyPayload) BtcDecode(r io.Reader, pver uint32, enc MessageEncoding) error { return nil }

// BtcEncode writes nothing: the message has no payload.
func (emptyPayload) BtcEncode(w io.Writer, pver uint32, enc MessageEncoding) error { return nil }

// MaxPayloadLength is zero: the message has no payload.
func (emptyPayload) MaxPayloadLength(pver uint32) uint32 { return 0 }

func (emptyPayload) decode(d *decoder, pver uint32, enc MessageEncoding) {}

func (emptyPayload) appendPayload(dst []byte, pver uint32, enc MessageEncoding) ([]byte, error) {
	return dst, nil
}

// MsgVerAck acknowledges a version message; the handshake completes when
// both sides have sent one.
type MsgVerAck struct{ emptyPayload }

// NewMsgVerAck returns a verack message.
func NewMsgVerAck() *MsgVerAck { return &MsgVerAck{} }

// Command returns "verack".
func (msg *MsgVerAck) Command() string { return CmdVerAck }

// MsgGetAddr asks a peer for known addresses.
type MsgGetAddr struct{ emptyPayload }

// NewMsgGetAddr returns a getaddr message.
func NewMsgGetAddr() *MsgGetAddr { return &MsgGetAddr{} }

// Command returns "getaddr".
func (msg *MsgGetAddr) Command() string { return CmdGetAddr }

// MsgSendHeaders asks a peer to announce blocks with headers (BIP130).
type MsgSendHeaders struct{ emptyPayload }

// NewMsgSendHeaders returns a sendheaders message.
func NewMsgSendHeaders() *MsgSendHeaders { return &MsgSendHeaders{} }

// Command returns "sendheaders".
func (msg *MsgSendHeaders) Command() string { return CmdSendHeaders }

// MsgMemPool asks a peer for the txids in its mempool (BIP35).
type MsgMemPool struct{ emptyPayload }

// NewMsgMemPool returns a mempool message.
func NewMsgMemPool() *MsgMemPool { return &MsgMemPool{} }

// Command returns "mempool".
func (msg *MsgMemPool) Command() string { return CmdMemPool }

// MsgWTxIDRelay announces, before verack, that transactions should be
// announced by wtxid (BIP339).
type MsgWTxIDRelay struct{ emptyPayload }

// NewMsgWTxIDRelay returns a wtxidrelay message.
func NewMsgWTxIDRelay() *MsgWTxIDRelay { return &MsgWTxIDRelay{} }

// Command returns "wtxidrelay".
func (msg *MsgWTxIDRelay) Command() string { return CmdWTxIDRelay }

// MsgSendAddrV2 announces, before verack, that addresses should be sent
// with addrv2 (BIP155).
type MsgSendAddrV2 struct{ emptyPayload }

// NewMsgSendAddrV2 returns a sendaddrv2 message.
func NewMsgSendAddrV2() *MsgSendAddrV2 { return &MsgSendAddrV2{} }

// Command returns "sendaddrv2".
func (msg *MsgSendAddrV2) Command() string { return CmdSendAddrV2 }

// MsgPing checks that a connection is alive. Its nonce is sent only after
// BIP0031Version.
type MsgPing struct {
	Nonce uint64
}

// NewMsgPing returns a ping with the given nonce.
func NewMsgPing(nonce uint64) *MsgPing { return &MsgPing{Nonce: nonce} }

// Command returns "ping".
func (msg *MsgPing) Command() string { return CmdPing }

// MaxPayloadLength returns 8, or 0 before BIP0031Version.
func (msg *MsgPing) MaxPayloadLength(pver uint32) uint32 {
	if pver > BIP0031Version {
		return 8
	}
	return 0
}

func (msg *MsgPing) decode(d *decoder, pver uint32, enc MessageEncoding) {
	if pver > BIP0031Version {
		msg.Nonce = d.u64()
	}
}

func (msg *MsgPing) appendPayload(dst []byte, pver uint32, enc MessageEncoding) ([]byte, error) {
	if pver > BIP0031Version {
		dst = appendU64(dst, msg.Nonce)
	}
	return dst, nil
}

// BtcDecode reads the payload from r.
func (msg *MsgPing) BtcDecode(r io.Reader, pver uint32, enc MessageEncoding) error {
	var d decoder
	beginDecode(&d, r, true)
	msg.decode(&d, pver, enc)
	return endDecode(&d)
}

// BtcEncode writes the payload to w.
func (msg *MsgPing) BtcEncode(w io.Writer, pver uint32, enc MessageEncoding) error {
	return encodeTo(msg, w, pver, enc)
}

// MsgPong answers a ping with its nonce (BIP31).
type MsgPong struct {
	Nonce uint64
}

// NewMsgPong returns a pong with the given nonce.
func NewMsgPong(nonce uint64) *MsgPong { return &MsgPong{Nonce: nonce} }

// Command returns "pong".
func (msg *MsgPong) Command() string { return CmdPong }

// MaxPayloadLength returns 8, or 0 before the message existed.
func (msg *MsgPong) MaxPayloadLength(pver uint32) uint32 {
	if pver > BIP0031Version {
		return 8
	}
	return 0
}

func (msg *MsgPong) decode(d *decoder, pver uint32, enc MessageEncoding) {
	if pver <= BIP0031Version {
		d.fail(errorf(ErrInvalidMessage, "pong message invalid for protocol version %d", pver))
		return
	}
	msg.Nonce = d.u64()
}

func (msg *MsgPong) appendPayload(dst []byte, pver uint32, enc MessageEncoding) ([]byte, error) {
	if pver <= BIP0031Version {
		return nil, errorf(ErrInvalidMessage, "pong message invalid for protocol version %d", pver)
	}
	return appendU64(dst, msg.Nonce), nil
}

// BtcDecode reads the payload from r.
func (msg *MsgPong) BtcDecode(r io.Reader, pver uint32, enc MessageEncoding) error {
	var d decoder
	beginDecode(&d, r, true)
	msg.decode(&d, pver, enc)
	return endDecode(&d)
}

// BtcEncode writes the payload to w.
func (msg *MsgPong) BtcEncode(w io.Writer, pver uint32, enc MessageEncoding) error {
	return encodeTo(msg, w, pver, enc)
}

// MsgFeeFilter asks a peer not to announce transactions below MinFee
// satoshis per 1000 virtual bytes (BIP133).
type MsgFeeFilter struct {
	MinFee int64
}

// NewMsgFeeFilter returns a feefilter message.
func NewMsgFeeFilter(minfee int64) *MsgFeeFilter { return &MsgFeeFilter{MinFee: minfee} }

// Command returns "feefilter".
func (msg *MsgFeeFilter) Command() string { return CmdFeeFilter }

// MaxPayloadLength returns 8.
func (msg *MsgFeeFilter) MaxPayloadLength(pver uint32) uint32 { return 8 }

func (msg *MsgFeeFilter) decode(d *decoder, pver uint32, enc MessageEncoding) {
	msg.MinFee = int64(d.u64())
}

func (msg *MsgFeeFilter) appendPayload(dst []byte, pver uint32, enc MessageEncoding) ([]byte, error) {
	return appendU64(dst, uint64(msg.MinFee)), nil
}

// BtcDecode reads the payload from r.
func (msg *MsgFeeFilter) BtcDecode(r io.Reader, pver uint32, enc MessageEncoding) error {
	var d decoder
	beginDecode(&d, r, true)
	msg.decode(&d, pver, enc)
	return endDecode(&d)
}

// BtcEncode writes the payload to w.
func (msg *MsgFeeFilter) BtcEncode(w io.Writer, pver uint32, enc MessageEncoding) error {
	return encodeTo(msg, w, pver, enc)
}

// MsgSendCmpct negotiates compact block relay (BIP152): AnnounceUsingCmpctBlock
// asks for high-bandwidth mode and Version is the compact block version (2
// with witnesses).
type MsgSendCmpct struct {
	AnnounceUsingCmpctBlock bool
	Version                 uint64
}

// NewMsgSendCmpct returns a sendcmpct message.
func NewMsgSendCmpct(announce bool, version uint64) *MsgSendCmpct {
	return &MsgSendCmpct{AnnounceUsingCmpctBlock: announce, Version: version}
}

// Command returns "sendcmpct".
func (msg *MsgSendCmpct) Command() string { return CmdSendCmpct }

// MaxPayloadLength returns 9.
func (msg *MsgSendCmpct) MaxPayloadLength(pver uint32) uint32 { return 9 }

func (msg *MsgSendCmpct) decode(d *decoder, pver uint32, enc MessageEncoding) {
	msg.AnnounceUsingCmpctBlock = d.u8() != 0
	msg.Version = d.u64()
}

func (msg *MsgSendCmpct) appendPayload(dst []byte, pver uint32, enc MessageEncoding) ([]byte, error) {
	b := byte(0)
	if msg.AnnounceUsingCmpctBlock {
		b = 1
	}
	return appendU64(append(dst, b), msg.Version), nil
}

// BtcDecode reads the payload from r.
func (msg *MsgSendCmpct) BtcDecode(r io.Reader, pver uint32, enc MessageEncoding) error {
	var d decoder
	beginDecode(&d, r, true)
	msg.decode(&d, pver, enc)
	return endDecode(&d)
}

// BtcEncode writes the payload to w.
func (msg *MsgSendCmpct) BtcEncode(w io.Writer, pver uint32, enc MessageEncoding) error {
	return encodeTo(msg, w, pver, enc)
}

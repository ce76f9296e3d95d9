package wire

import (
	"io"
	"strings"
	"time"
)

// MaxUserAgentLen is the longest user agent a version message may carry
// (Core's MAX_SUBVERSION_LENGTH).
const MaxUserAgentLen = 256

// DefaultUserAgent is the user agent of this package, extended by the
// daemon with AddUserAgent.
const DefaultUserAgent = "/ternwire:0.1.0/"

// MsgVersion opens the handshake: it advertises the sender's protocol
// version, services, addresses, user agent, best height and whether it
// wants transactions relayed.
type MsgVersion struct {
	ProtocolVersion int32
	Services        ServiceFlag
	Timestamp       time.Time
	AddrYou         NetAddress
	AddrMe          NetAddress
	Nonce           uint64
	UserAgent       string
	LastBlock       int32

	// DisableRelayTx is the inverse of the BIP37 relay flag: true asks the
	// peer not to announce transactions (blocks-only). A version message
	// without the flag relays.
	DisableRelayTx bool
}

// NewMsgVersion returns a version message at ProtocolVersion with the
// current time.
func NewMsgVersion(me *NetAddress, you *NetAddress, nonce uint64, lastBlock int32) *MsgVersion {
	return &MsgVersion{
		ProtocolVersion: int32(ProtocolVersion),
		Timestamp:       time.Unix(time.Now().Unix(), 0),
		AddrYou:         *you,
		AddrMe:          *me,
		Nonce:           nonce,
		UserAgent:       DefaultUserAgent,
		LastBlock:       lastBlock,
	}
}

// HasService reports whether the sender advertised service.
func (msg *MsgVersion) HasService(service ServiceFlag) bool {
	return msg.Services&service == service
}

// AddService adds service to the advertised services.
func (msg *MsgVersion) AddService(service ServiceFlag) {
	msg.Services |= service
}

// AddUserAgent appends "name:version(comments; ...)/" to the user agent as
// BIP14 describes. It fails when the result would exceed MaxUserAgentLen.
func (msg *MsgVersion) AddUserAgent(name string, version string, comments ...string) error {
	ua := name + ":" + version
	if len(comments) != 0 {
		ua += "(" + strings.Join(comments, "; ") + ")"
	}
	ua = msg.UserAgent + ua + "/"
	if len(ua) > MaxUserAgentLen {
		return errorf(ErrFieldTooLong, "user agent too long [len %v, max %v]", len(ua), MaxUserAgentLen)
	}
	msg.UserAgent = ua
	return nil
}

// Command returns "version".
func (msg *MsgVersion) Command() string { return CmdVersion }

// MaxPayloadLength returns the largest payload of the message.
func (msg *MsgVersion) MaxPayloadLength(pver uint32) uint32 {
	return 33 + 2*(maxNetAddressPayload-4) + MaxVarIntPayload + MaxUserAgentLen
}

func (msg *MsgVersion) decode(d *decoder, pver uint32, enc MessageEncoding) {
	msg.ProtocolVersion = int32(d.u32())
	msg.Services = ServiceFlag(d.u64())
	msg.Timestamp = time.Unix(int64(d.u64()), 0)
	decodeNetAddress(d, &msg.AddrYou, false, nil)
	// Bitcoin Core treats the remaining fields as optional; a stream has
	// no end to test, so there they are required.
	if d.err != nil || d.remaining() == 0 {
		return
	}
	decodeNetAddress(d, &msg.AddrMe, false, nil)
	msg.Nonce = d.u64()
	ua := d.varBytesRef(MaxUserAgentLen, "user agent")
	msg.UserAgent = string(ua)
	msg.LastBlock = int32(d.u32())
	msg.DisableRelayTx = false
	if d.err != nil {
		return
	}
	if d.r != nil && d.off < len(d.b) {
		msg.DisableRelayTx = d.u8() == 0
		return
	}
	if d.r != nil {
		// The relay flag is optional: a clean end of stream means absent.
		var b [1]byte
		if n, err := io.ReadFull(d.r, b[:]); n == 1 {
			d.b = append(d.b, b[0])
			d.off = len(d.b)
			msg.DisableRelayTx = b[0] == 0
		} else if err != io.EOF {
			d.fail(err)
		}
		return
	}
	if d.remaining() > 0 {
		msg.DisableRelayTx = d.u8() == 0
	}
}

func (msg *MsgVersion) appendPayload(dst []byte, pver uint32, enc MessageEncoding) ([]byte, error) {
	if len(msg.UserAgent) > MaxUserAgentLen {
		return nil, errorf(ErrFieldTooLong, "user agent too long [len %v, max %v]",
			len(msg.UserAgent), MaxUserAgentLen)
	}
	dst = appendU32(dst, uint32(msg.ProtocolVersion))
	dst = appendU64(dst, uint64(msg.Services))
	dst = appendU64(dst, uint64(msg.Timestamp.Unix()))
	dst = appendNetAddress(dst, &msg.AddrYou, false)
	dst = appendNetAddress(dst, &msg.AddrMe, false)
	dst = appendU64(dst, msg.Nonce)
	dst = AppendVarString(dst, msg.UserAgent)
	dst = appendU32(dst, uint32(msg.LastBlock))
	if pver >= BIP0037Version {
		relay := byte(1)
		if msg.DisableRelayTx {
			relay = 0
		}
		dst = append(dst, relay)
	}
	return dst, nil
}

// BtcDecode reads the payload from r. From a stream the relay flag is read
// only when r is a *bytes.Buffer or *bytes.Reader with bytes left, so that
// a connection is never blocked on an absent optional byte.
func (msg *MsgVersion) BtcDecode(r io.Reader, pver uint32, enc MessageEncoding) error {
	if lr, ok := r.(interface{ Len() int }); ok {
		// Buffers know their length: decode the remainder as a payload.
		buf := make([]byte, lr.Len())
		if _, err := io.ReadFull(r, buf); err != nil {
			return err
		}
		d := newSliceDecoder(buf, false)
		msg.decode(d, pver, enc)
		return d.err
	}
	var d decoder
	beginDecode(&d, r, true)
	msg.decode(&d, pver, enc)
	return endDecode(&d)
}

// BtcEncode writes the payload to w.
func (msg *MsgVersion) BtcEncode(w io.Writer, pver uint32, enc MessageEncoding) error {
	return encodeTo(msg, w, pver, enc)
}

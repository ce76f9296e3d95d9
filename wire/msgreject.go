package wire

import (
	"fmt"
	"io"

	"github.com/btcsuite/btcd/chaincfg/chainhash"
)

// RejectCode is the code of a BIP61 reject message. The message is obsolete
// (Core stopped sending it in 0.20), but the codes remain a convenient
// vocabulary and old peers may still send it.
type RejectCode uint8

// These constants are the BIP61 reject codes.
const (
	RejectMalformed       RejectCode = 0x01
	RejectInvalid         RejectCode = 0x10
	RejectObsolete        RejectCode = 0x11
	RejectDuplicate       RejectCode = 0x12
	RejectNonstandard     RejectCode = 0x40
	RejectDust            RejectCode = 0x41
	RejectInsufficientFee RejectCode = 0x42
	RejectCheckpoint      RejectCode = 0x43
)

// rejectCodeStrings names the reject codes.
var rejectCodeStrings = map[RejectCode]string{
	RejectMalformed:       "REJECT_MALFORMED",
	RejectInvalid:         "REJECT_INVALID",
	RejectObsolete:        "REJECT_OBSOLETE",
	RejectDuplicate:       "REJECT_DUPLICATE",
	RejectNonstandard:     "REJECT_NONSTANDARD",
	RejectDust:            "REJECT_DUST",
	RejectInsufficientFee: "REJECT_INSUFFICIENTFEE",
	RejectCheckpoint:      "REJECT_CHECKPOINT",
}

// String returns the code's name.
func (code RejectCode) String() string {
	if s, ok := rejectCodeStrings[code]; ok {
		return s
	}
	return fmt.Sprintf("Unknown RejectCode (%d)", uint8(code))
}

// maxRejectReasonLen is Core's MAX_REJECT_MESSAGE_LENGTH.
const maxRejectReasonLen = 111

// MsgReject is the obsolete BIP61 reject message. It is decoded so that old
// peers' messages can be logged; encoding it fails.
type MsgReject struct {
	Cmd    string
	Code   RejectCode
	Reason string
	Hash   chainhash.Hash
}

// Command returns "reject".
func (msg *MsgReject) Command() string { return CmdReject }

// MaxPayloadLength returns the message limit.
func (msg *MsgReject) MaxPayloadLength(pver uint32) uint32 { return MaxMessagePayload }

// decode reads a reject leniently: the message is only logged, and old
// peers (btcd among them) send reasons longer than Core's limit, so a long
// command or reason is cut to its limit rather than refused (the payload
// itself is bounded by MaxMessagePayload).
func (msg *MsgReject) decode(d *decoder, pver uint32, enc MessageEncoding) {
	msg.Cmd = truncate(d.varString(MaxMessagePayload, "reject command"), CommandSize)
	msg.Code = RejectCode(d.u8())
	msg.Reason = truncate(d.varString(MaxMessagePayload, "reject reason"), maxRejectReasonLen)
	if d.err == nil && (msg.Cmd == CmdBlock || msg.Cmd == CmdTx) && d.remaining() > 0 {
		d.hash(&msg.Hash)
	}
}

func (msg *MsgReject) appendPayload(dst []byte, pver uint32, enc MessageEncoding) ([]byte, error) {
	return nil, makeError(ErrInvalidMessage, "the reject message is obsolete and is never sent")
}

// BtcDecode reads the payload from r.
func (msg *MsgReject) BtcDecode(r io.Reader, pver uint32, enc MessageEncoding) error {
	var d decoder
	beginDecode(&d, r, true)
	msg.decode(&d, pver, enc)
	return endDecode(&d)
}

// BtcEncode fails: the message is obsolete.
func (msg *MsgReject) BtcEncode(w io.Writer, pver uint32, enc MessageEncoding) error {
	return encodeTo(msg, w, pver, enc)
}

// truncate returns s cut to at most n bytes.
func truncate(s string, n int) string {
	if len(s) > n {
		return s[:n]
	}
	return s
}

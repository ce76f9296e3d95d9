package wire

import (
	"fmt"
	"io"

	"github.com/btcsuite/btcd/chaincfg/chainhash"
)

// These constants bound inventory messages.
const (
	// MaxInvPerMsg is the most inventory vectors an inv, getdata or
	// notfound message may hold (Core's MAX_INV_SZ).
	MaxInvPerMsg = 50000

	// maxInvVectPayload is the size of one encoded inventory vector.
	maxInvVectPayload = 4 + chainhash.HashSize
)

// InvType is the type of an inventory vector.
type InvType uint32

// These constants are the inventory types (Core's GetDataMsg).
const (
	InvTypeError         InvType = 0
	InvTypeTx            InvType = 1
	InvTypeBlock         InvType = 2
	InvTypeFilteredBlock InvType = 3
	InvTypeCmpctBlock    InvType = 4
	InvTypeWTx           InvType = 5

	// InvWitnessFlag asks for witness data (BIP144).
	InvWitnessFlag InvType = 1 << 30

	InvTypeWitnessTx            = InvTypeTx | InvWitnessFlag
	InvTypeWitnessBlock         = InvTypeBlock | InvWitnessFlag
	InvTypeFilteredWitnessBlock = InvTypeFilteredBlock | InvWitnessFlag
)

// ivStrings names the inventory types.
var ivStrings = map[InvType]string{
	InvTypeError:                "ERROR",
	InvTypeTx:                   "MSG_TX",
	InvTypeBlock:                "MSG_BLOCK",
	InvTypeFilteredBlock:        "MSG_FILTERED_BLOCK",
	InvTypeCmpctBlock:           "MSG_CMPCT_BLOCK",
	InvTypeWTx:                  "MSG_WTX",
	InvTypeWitnessTx:            "MSG_WITNESS_TX",
	InvTypeWitnessBlock:         "MSG_WITNESS_BLOCK",
	InvTypeFilteredWitnessBlock: "MSG_FILTERED_WITNESS_BLOCK",
}

// String returns Core's name of the type.
func (t InvType) String() string {
	if s, ok := ivStrings[t]; ok {
		return s
	}
	return fmt.Sprintf("Unknown InvType (%d)", uint32(t))
}

// InvVect is an inventory vector: a type and a hash.
type InvVect struct {
	Type InvType
	Hash chainhash.Hash
}

// NewInvVect returns an inventory vector.
func NewInvVect(typ InvType, hash *chainhash.Hash) *InvVect {
	return &InvVect{Type: typ, Hash: *hash}
}

// invList is the shared body of inv, getdata and notfound.
type invList struct {
	InvList []*InvVect
}

// AddInvVect appends an inventory vector; it fails past MaxInvPerMsg.
func (l *invList) AddInvVect(iv *InvVect) error {
	if len(l.InvList)+1 > MaxInvPerMsg {
		return errorf(ErrTooManyItems, "too many invvect in message [max %v]", MaxInvPerMsg)
	}
	l.InvList = append(l.InvList, iv)
	return nil
}

// MaxPayloadLength returns the largest payload of the message.
func (l *invList) MaxPayloadLength(pver uint32) uint32 {
	return MaxVarIntPayload + MaxInvPerMsg*maxInvVectPayload
}

func (l *invList) decode(d *decoder, pver uint32, enc MessageEncoding) {
	n := d.limitedCount(MaxInvPerMsg, maxInvVectPayload, "inventory vectors")
	if d.err != nil {
		return
	}
	vects := make([]InvVect, n)
	l.InvList = make([]*InvVect, n)
	for i := range vects {
		vects[i].Type = InvType(d.u32())
		d.hash(&vects[i].Hash)
		l.InvList[i] = &vects[i]
	}
}

func (l *invList) appendPayload(dst []byte, pver uint32, enc MessageEncoding) ([]byte, error) {
	if len(l.InvList) > MaxInvPerMsg {
		return nil, errorf(ErrTooManyItems, "too many invvect in message [%v]", len(l.InvList))
	}
	dst = AppendVarInt(dst, uint64(len(l.InvList)))
	for _, iv := range l.InvList {
		dst = appendU32(dst, uint32(iv.Type))
		dst = append(dst, iv.Hash[:]...)
	}
	return dst, nil
}

// MsgInv announces inventory.
type MsgInv struct {
	InvList []*InvVect
}

// NewMsgInv returns an empty inv message.
func NewMsgInv() *MsgInv { return &MsgInv{} }

// NewMsgInvSizeHint returns a inv message with room for sizeHint vectors.
func NewMsgInvSizeHint(sizeHint uint) *MsgInv {
	return &MsgInv{InvList: make([]*InvVect, 0, min(sizeHint, MaxInvPerMsg))}
}

// Command returns "inv".
func (msg *MsgInv) Command() string { return CmdInv }

// AddInvVect appends an inventory vector; it fails past MaxInvPerMsg.
func (msg *MsgInv) AddInvVect(iv *InvVect) error { return (*invList)(msg).AddInvVect(iv) }

// MaxPayloadLength returns the largest payload of the message.
func (msg *MsgInv) MaxPayloadLength(pver uint32) uint32 {
	return (*invList)(msg).MaxPayloadLength(pver)
}

// BtcDecode reads the payload from r.
func (msg *MsgInv) BtcDecode(r io.Reader, pver uint32, enc MessageEncoding) error {
	var d decoder
	beginDecode(&d, r, true)
	msg.decode(&d, pver, enc)
	return endDecode(&d)
}

// BtcEncode writes the payload to w.
func (msg *MsgInv) BtcEncode(w io.Writer, pver uint32, enc MessageEncoding) error {
	return encodeTo(msg, w, pver, enc)
}

func (msg *MsgInv) decode(d *decoder, pver uint32, enc MessageEncoding) {
	(*invList)(msg).decode(d, pver, enc)
}

func (msg *MsgInv) appendPayload(dst []byte, pver uint32, enc MessageEncoding) ([]byte, error) {
	return (*invList)(msg).appendPayload(dst, pver, enc)
}

// MsgGetData requests inventory.
type MsgGetData struct {
	InvList []*InvVect
}

// NewMsgGetData returns an empty getdata message.
func NewMsgGetData() *MsgGetData { return &MsgGetData{} }

// NewMsgGetDataSizeHint returns a getdata message with room for sizeHint vectors.
func NewMsgGetDataSizeHint(sizeHint uint) *MsgGetData {
	return &MsgGetData{InvList: make([]*InvVect, 0, min(sizeHint, MaxInvPerMsg))}
}

// Command returns "getdata".
func (msg *MsgGetData) Command() string { return CmdGetData }

// AddInvVect appends an inventory vector; it fails past MaxInvPerMsg.
func (msg *MsgGetData) AddInvVect(iv *InvVect) error { return (*invList)(msg).AddInvVect(iv) }

// MaxPayloadLength returns the largest payload of the message.
func (msg *MsgGetData) MaxPayloadLength(pver uint32) uint32 {
	return (*invList)(msg).MaxPayloadLength(pver)
}

// BtcDecode reads the payload from r.
func (msg *MsgGetData) BtcDecode(r io.Reader, pver uint32, enc MessageEncoding) error {
	var d decoder
	beginDecode(&d, r, true)
	msg.decode(&d, pver, enc)
	return endDecode(&d)
}

// BtcEncode writes the payload to w.
func (msg *MsgGetData) BtcEncode(w io.Writer, pver uint32, enc MessageEncoding) error {
	return encodeTo(msg, w, pver, enc)
}

func (msg *MsgGetData) decode(d *decoder, pver uint32, enc MessageEncoding) {
	(*invList)(msg).decode(d, pver, enc)
}

func (msg *MsgGetData) appendPayload(dst []byte, pver uint32, enc MessageEncoding) ([]byte, error) {
	return (*invList)(msg).appendPayload(dst, pver, enc)
}

// MsgNotFound answers a getdata for inventory the peer does not have.
type MsgNotFound struct {
	InvList []*InvVect
}

// NewMsgNotFound returns an empty notfound message.
func NewMsgNotFound() *MsgNotFound { return &MsgNotFound{} }

// NewMsgNotFoundSizeHint returns a notfound message with room for sizeHint vectors.
func NewMsgNotFoundSizeHint(sizeHint uint) *MsgNotFound {
	return &MsgNotFound{InvList: make([]*InvVect, 0, min(sizeHint, MaxInvPerMsg))}
}

// Command returns "notfound".
func (msg *MsgNotFound) Command() string { return CmdNotFound }

// AddInvVect appends an inventory vector; it fails past MaxInvPerMsg.
func (msg *MsgNotFound) AddInvVect(iv *InvVect) error { return (*invList)(msg).AddInvVect(iv) }

// MaxPayloadLength returns the largest payload of the message.
func (msg *MsgNotFound) MaxPayloadLength(pver uint32) uint32 {
	return (*invList)(msg).MaxPayloadLength(pver)
}

// BtcDecode reads the payload from r.
func (msg *MsgNotFound) BtcDecode(r io.Reader, pver uint32, enc MessageEncoding) error {
	var d decoder
	beginDecode(&d, r, true)
	msg.decode(&d, pver, enc)
	return endDecode(&d)
}

// BtcEncode writes the payload to w.
func (msg *MsgNotFound) BtcEncode(w io.Writer, pver uint32, enc MessageEncoding) error {
	return encodeTo(msg, w, pver, enc)
}

func (msg *MsgNotFound) decode(d *decoder, pver uint32, enc MessageEncoding) {
	(*invList)(msg).decode(d, pver, enc)
}

func (msg *MsgNotFound) appendPayload(dst []byte, pver uint32, enc MessageEncoding) ([]byte, error) {
	return (*invList)(msg).appendPayload(dst, pver, enc)
}

// payloadSizeHint implements sizeHinter.
func (msg *MsgInv) payloadSizeHint() int {
	return MaxVarIntPayload + len(msg.InvList)*maxInvVectPayload
}

// payloadSizeHint implements sizeHinter.
func (msg *MsgGetData) payloadSizeHint() int {
	return MaxVarIntPayload + len(msg.InvList)*maxInvVectPayload
}

// payloadSizeHint implements sizeHinter.
func (msg *MsgNotFound) payloadSizeHint() int {
	return MaxVarIntPayload + len(msg.InvList)*maxInvVectPayload
}

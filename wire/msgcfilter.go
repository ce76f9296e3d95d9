package wire

import (
	"io"

	"github.com/btcsuite/btcd/chaincfg/chainhash"
)

// BIP157 limits.
const (
	// MaxGetCFiltersReqRange is the most filters one getcfilters may ask
	// for (Core's MAX_GETCFILTERS_SIZE).
	MaxGetCFiltersReqRange = 1000

	// MaxCFHeadersPerMsg is the most filter hashes one cfheaders may carry
	// (Core's MAX_GETCFHEADERS_SIZE).
	MaxCFHeadersPerMsg = 2000

	// CFCheckptInterval is the height interval of the headers a cfcheckpt
	// carries.
	CFCheckptInterval = 1000

	// maxCFilterSize bounds the filter of a cfilter message: the message
	// limit less its fixed fields.
	maxCFilterSize = MaxMessagePayload - 1 - chainhash.HashSize - MaxVarIntPayload

	// maxCFCheckpts bounds the headers of a cfcheckpt message by what the
	// message limit can hold.
	maxCFCheckpts = (MaxMessagePayload - 1 - chainhash.HashSize - MaxVarIntPayload) / chainhash.HashSize
)

// FilterType is a BIP157 filter type; 0 is BIP158's basic filter.
type FilterType uint8

// GCSFilterRegular is the basic filter type (btcd's name).
const GCSFilterRegular FilterType = 0

// MsgGetCFilters asks for the filters of the main-chain blocks from
// StartHeight up to StopHash.
type MsgGetCFilters struct {
	FilterType  FilterType
	StartHeight uint32
	StopHash    chainhash.Hash
}

// NewMsgGetCFilters returns a getcfilters message.
func NewMsgGetCFilters(t FilterType, start uint32, stop *chainhash.Hash) *MsgGetCFilters {
	return &MsgGetCFilters{FilterType: t, StartHeight: start, StopHash: *stop}
}

// Command returns "getcfilters".
func (msg *MsgGetCFilters) Command() string { return CmdGetCFilters }

// MaxPayloadLength returns the fixed payload size.
func (msg *MsgGetCFilters) MaxPayloadLength(uint32) uint32 { return 1 + 4 + chainhash.HashSize }

func (msg *MsgGetCFilters) decode(d *decoder, pver uint32, enc MessageEncoding) {
	msg.FilterType = FilterType(d.u8())
	msg.StartHeight = d.u32()
	d.hash(&msg.StopHash)
}

func (msg *MsgGetCFilters) appendPayload(dst []byte, pver uint32, enc MessageEncoding) ([]byte, error) {
	dst = append(dst, byte(msg.FilterType))
	dst = appendU32(dst, msg.StartHeight)
	return append(dst, msg.StopHash[:]...), nil
}

// BtcDecode reads the payload from r.
func (msg *MsgGetCFilters) BtcDecode(r io.Reader, pver uint32, enc MessageEncoding) error {
	return decodeFrom(msg, r, pver, enc)
}

// BtcEncode writes the payload to w.
func (msg *MsgGetCFilters) BtcEncode(w io.Writer, pver uint32, enc MessageEncoding) error {
	return encodeTo(msg, w, pver, enc)
}

// MsgCFilter carries the filter of one block.
type MsgCFilter struct {
	FilterType FilterType
	BlockHash  chainhash.Hash
	Data       []byte
}

// NewMsgCFilter returns a cfilter message.
func NewMsgCFilter(t FilterType, hash *chainhash.Hash, data []byte) *MsgCFilter {
	return &MsgCFilter{FilterType: t, BlockHash: *hash, Data: data}
}

// Command returns "cfilter".
func (msg *MsgCFilter) Command() string { return CmdCFilter }

// MaxPayloadLength returns the message limit.
func (msg *MsgCFilter) MaxPayloadLength(uint32) uint32 { return MaxMessagePayload }

func (msg *MsgCFilter) payloadSizeHint() int { return 1 + chainhash.HashSize + 9 + len(msg.Data) }

func (msg *MsgCFilter) decode(d *decoder, pver uint32, enc MessageEncoding) {
	msg.FilterType = FilterType(d.u8())
	d.hash(&msg.BlockHash)
	msg.Data = d.varBytes(maxCFilterSize, "cfilter data")
}

func (msg *MsgCFilter) appendPayload(dst []byte, pver uint32, enc MessageEncoding) ([]byte, error) {
	if len(msg.Data) > maxCFilterSize {
		return nil, errorf(ErrFieldTooLong, "cfilter of %d bytes, max %d", len(msg.Data), maxCFilterSize)
	}
	dst = append(dst, byte(msg.FilterType))
	dst = append(dst, msg.BlockHash[:]...)
	return AppendVarBytes(dst, msg.Data), nil
}

// BtcDecode reads the payload from r; Data does not alias r's bytes.
func (msg *MsgCFilter) BtcDecode(r io.Reader, pver uint32, enc MessageEncoding) error {
	return decodeFrom(msg, r, pver, enc)
}

// BtcEncode writes the payload to w.
func (msg *MsgCFilter) BtcEncode(w io.Writer, pver uint32, enc MessageEncoding) error {
	return encodeTo(msg, w, pver, enc)
}

// MsgGetCFHeaders asks for the filter hashes of the main-chain blocks from
// StartHeight up to StopHash, with the filter header before them.
type MsgGetCFHeaders struct {
	FilterType  FilterType
	StartHeight uint32
	StopHash    chainhash.Hash
}

// NewMsgGetCFHeaders returns a getcfheaders message.
func NewMsgGetCFHeaders(t FilterType, start uint32, stop *chainhash.Hash) *MsgGetCFHeaders {
	return &MsgGetCFHeaders{FilterType: t, StartHeight: start, StopHash: *stop}
}

// Command returns "getcfheaders".
func (msg *MsgGetCFHeaders) Command() string { return CmdGetCFHeaders }

// MaxPayloadLength returns the fixed payload size.
func (msg *MsgGetCFHeaders) MaxPayloadLength(uint32) uint32 { return 1 + 4 + chainhash.HashSize }

func (msg *MsgGetCFHeaders) decode(d *decoder, pver uint32, enc MessageEncoding) {
	msg.FilterType = FilterType(d.u8())
	msg.StartHeight = d.u32()
	d.hash(&msg.StopHash)
}

func (msg *MsgGetCFHeaders) appendPayload(dst []byte, pver uint32, enc MessageEncoding) ([]byte, error) {
	dst = append(dst, byte(msg.FilterType))
	dst = appendU32(dst, msg.StartHeight)
	return append(dst, msg.StopHash[:]...), nil
}

// BtcDecode reads the payload from r.
func (msg *MsgGetCFHeaders) BtcDecode(r io.Reader, pver uint32, enc MessageEncoding) error {
	return decodeFrom(msg, r, pver, enc)
}

// BtcEncode writes the payload to w.
func (msg *MsgGetCFHeaders) BtcEncode(w io.Writer, pver uint32, enc MessageEncoding) error {
	return encodeTo(msg, w, pver, enc)
}

// MsgCFHeaders answers getcfheaders: the filter header of the block before
// the range (PrevFilterHeader) and the filter hash of each block of the
// range, from which a client chains the headers up to StopHash.
type MsgCFHeaders struct {
	FilterType       FilterType
	StopHash         chainhash.Hash
	PrevFilterHeader chainhash.Hash
	FilterHashes     []*chainhash.Hash
}

// NewMsgCFHeaders returns an empty cfheaders message.
func NewMsgCFHeaders() *MsgCFHeaders { return &MsgCFHeaders{} }

// AddCFHash appends a filter hash; it fails past MaxCFHeadersPerMsg.
func (msg *MsgCFHeaders) AddCFHash(h *chainhash.Hash) error {
	if len(msg.FilterHashes)+1 > MaxCFHeadersPerMsg {
		return errorf(ErrTooManyItems, "too many filter hashes [max %d]", MaxCFHeadersPerMsg)
	}
	msg.FilterHashes = append(msg.FilterHashes, h)
	return nil
}

// Command returns "cfheaders".
func (msg *MsgCFHeaders) Command() string { return CmdCFHeaders }

// MaxPayloadLength returns the largest payload of the message.
func (msg *MsgCFHeaders) MaxPayloadLength(uint32) uint32 {
	return 1 + 2*chainhash.HashSize + MaxVarIntPayload + MaxCFHeadersPerMsg*chainhash.HashSize
}

func (msg *MsgCFHeaders) payloadSizeHint() int {
	return 1 + 2*chainhash.HashSize + 3 + len(msg.FilterHashes)*chainhash.HashSize
}

func (msg *MsgCFHeaders) decode(d *decoder, pver uint32, enc MessageEncoding) {
	msg.FilterType = FilterType(d.u8())
	d.hash(&msg.StopHash)
	d.hash(&msg.PrevFilterHeader)
	msg.FilterHashes = decodeHashes(d, MaxCFHeadersPerMsg, "filter hashes")
}

func (msg *MsgCFHeaders) appendPayload(dst []byte, pver uint32, enc MessageEncoding) ([]byte, error) {
	if len(msg.FilterHashes) > MaxCFHeadersPerMsg {
		return nil, errorf(ErrTooManyItems, "too many filter hashes [%d, max %d]",
			len(msg.FilterHashes), MaxCFHeadersPerMsg)
	}
	dst = append(dst, byte(msg.FilterType))
	dst = append(dst, msg.StopHash[:]...)
	dst = append(dst, msg.PrevFilterHeader[:]...)
	return appendHashes(dst, msg.FilterHashes), nil
}

// BtcDecode reads the payload from r.
func (msg *MsgCFHeaders) BtcDecode(r io.Reader, pver uint32, enc MessageEncoding) error {
	return decodeFrom(msg, r, pver, enc)
}

// BtcEncode writes the payload to w.
func (msg *MsgCFHeaders) BtcEncode(w io.Writer, pver uint32, enc MessageEncoding) error {
	return encodeTo(msg, w, pver, enc)
}

// MsgGetCFCheckpt asks for the filter headers of every CFCheckptInterval-th
// main-chain block up to StopHash.
type MsgGetCFCheckpt struct {
	FilterType FilterType
	StopHash   chainhash.Hash
}

// NewMsgGetCFCheckpt returns a getcfcheckpt message.
func NewMsgGetCFCheckpt(t FilterType, stop *chainhash.Hash) *MsgGetCFCheckpt {
	return &MsgGetCFCheckpt{FilterType: t, StopHash: *stop}
}

// Command returns "getcfcheckpt".
func (msg *MsgGetCFCheckpt) Command() string { return CmdGetCFCheckpt }

// MaxPayloadLength returns the fixed payload size.
func (msg *MsgGetCFCheckpt) MaxPayloadLength(uint32) uint32 { return 1 + chainhash.HashSize }

func (msg *MsgGetCFCheckpt) decode(d *decoder, pver uint32, enc MessageEncoding) {
	msg.FilterType = FilterType(d.u8())
	d.hash(&msg.StopHash)
}

func (msg *MsgGetCFCheckpt) appendPayload(dst []byte, pver uint32, enc MessageEncoding) ([]byte, error) {
	dst = append(dst, byte(msg.FilterType))
	return append(dst, msg.StopHash[:]...), nil
}

// BtcDecode reads the payload from r.
func (msg *MsgGetCFCheckpt) BtcDecode(r io.Reader, pver uint32, enc MessageEncoding) error {
	return decodeFrom(msg, r, pver, enc)
}

// BtcEncode writes the payload to w.
func (msg *MsgGetCFCheckpt) BtcEncode(w io.Writer, pver uint32, enc MessageEncoding) error {
	return encodeTo(msg, w, pver, enc)
}

// MsgCFCheckpt answers getcfcheckpt: the filter headers of the main-chain
// blocks at heights CFCheckptInterval, 2*CFCheckptInterval, ... up to
// StopHash.
type MsgCFCheckpt struct {
	FilterType    FilterType
	StopHash      chainhash.Hash
	FilterHeaders []*chainhash.Hash
}

// NewMsgCFCheckpt returns a cfcheckpt message with room for n headers.
func NewMsgCFCheckpt(t FilterType, stop *chainhash.Hash, n int) *MsgCFCheckpt {
	return &MsgCFCheckpt{FilterType: t, StopHash: *stop,
		FilterHeaders: make([]*chainhash.Hash, 0, min(n, maxCFCheckpts))}
}

// AddCFHeader appends a checkpoint header.
func (msg *MsgCFCheckpt) AddCFHeader(h *chainhash.Hash) error {
	if len(msg.FilterHeaders)+1 > maxCFCheckpts {
		return errorf(ErrTooManyItems, "too many checkpoints [max %d]", maxCFCheckpts)
	}
	msg.FilterHeaders = append(msg.FilterHeaders, h)
	return nil
}

// Command returns "cfcheckpt".
func (msg *MsgCFCheckpt) Command() string { return CmdCFCheckpt }

// MaxPayloadLength returns the message limit.
func (msg *MsgCFCheckpt) MaxPayloadLength(uint32) uint32 { return MaxMessagePayload }

func (msg *MsgCFCheckpt) payloadSizeHint() int {
	return 1 + chainhash.HashSize + 5 + len(msg.FilterHeaders)*chainhash.HashSize
}

func (msg *MsgCFCheckpt) decode(d *decoder, pver uint32, enc MessageEncoding) {
	msg.FilterType = FilterType(d.u8())
	d.hash(&msg.StopHash)
	msg.FilterHeaders = decodeHashes(d, maxCFCheckpts, "filter checkpoints")
}

func (msg *MsgCFCheckpt) appendPayload(dst []byte, pver uint32, enc MessageEncoding) ([]byte, error) {
	if len(msg.FilterHeaders) > maxCFCheckpts {
		return nil, errorf(ErrTooManyItems, "too many checkpoints [%d, max %d]",
			len(msg.FilterHeaders), maxCFCheckpts)
	}
	dst = append(dst, byte(msg.FilterType))
	dst = append(dst, msg.StopHash[:]...)
	return appendHashes(dst, msg.FilterHeaders), nil
}

// BtcDecode reads the payload from r.
func (msg *MsgCFCheckpt) BtcDecode(r io.Reader, pver uint32, enc MessageEncoding) error {
	return decodeFrom(msg, r, pver, enc)
}

// BtcEncode writes the payload to w.
func (msg *MsgCFCheckpt) BtcEncode(w io.Writer, pver uint32, enc MessageEncoding) error {
	return encodeTo(msg, w, pver, enc)
}

// decodeHashes reads a CompactSize count of at most max hashes and the
// hashes, in one allocation for the values and one for the pointers.
func decodeHashes(d *decoder, max uint64, what string) []*chainhash.Hash {
	n := d.count(max, chainhash.HashSize, what)
	if d.err != nil {
		return nil
	}
	vals := make([]chainhash.Hash, n)
	ptrs := make([]*chainhash.Hash, n)
	for i := range vals {
		d.hash(&vals[i])
		ptrs[i] = &vals[i]
	}
	return ptrs
}

// appendHashes appends a CompactSize count and the hashes.
func appendHashes(dst []byte, hashes []*chainhash.Hash) []byte {
	dst = AppendVarInt(dst, uint64(len(hashes)))
	for _, h := range hashes {
		dst = append(dst, h[:]...)
	}
	return dst
}

// decodeFrom runs a codec over r, copying what it keeps.
func decodeFrom(m payloadCodec, r io.Reader, pver uint32, enc MessageEncoding) error {
	var d decoder
	beginDecode(&d, r, true)
	m.decode(&d, pver, enc)
	return endDecode(&d)
}

package wire

import "io"

// MaxAddrPerMsg is the most addresses an addr or addrv2 message may hold
// (Core's MAX_ADDR_TO_SEND).
const MaxAddrPerMsg = 1000

// maxNetAddressPayload is the size of a legacy address with timestamp.
const maxNetAddressPayload = 30

// MsgAddr carries legacy network addresses.
type MsgAddr struct {
	AddrList []*NetAddress
}

// NewMsgAddr returns an empty addr message.
func NewMsgAddr() *MsgAddr { return &MsgAddr{} }

// AddAddress appends an address; it fails past MaxAddrPerMsg.
func (msg *MsgAddr) AddAddress(na *NetAddress) error {
	if len(msg.AddrList)+1 > MaxAddrPerMsg {
		return errorf(ErrTooManyItems, "too many addresses in message [max %v]", MaxAddrPerMsg)
	}
	msg.AddrList = append(msg.AddrList, na)
	return nil
}

// AddAddresses appends several addresses.
func (msg *MsgAddr) AddAddresses(netAddrs ...*NetAddress) error {
	for _, na := range netAddrs {
		if err := msg.AddAddress(na); err != nil {
			return err
		}
	}
	return nil
}

// ClearAddresses removes all addresses.
func (msg *MsgAddr) ClearAddresses() { msg.AddrList = nil }

// Command returns "addr".
func (msg *MsgAddr) Command() string { return CmdAddr }

// MaxPayloadLength returns the largest payload of the message.
func (msg *MsgAddr) MaxPayloadLength(pver uint32) uint32 {
	if pver < MultipleAddressVersion {
		return MaxVarIntPayload + maxNetAddressPayload
	}
	return MaxVarIntPayload + MaxAddrPerMsg*maxNetAddressPayload
}

func (msg *MsgAddr) decode(d *decoder, pver uint32, enc MessageEncoding) {
	ts := pver >= NetAddressTimeVersion
	size := maxNetAddressPayload
	if !ts {
		size -= 4
	}
	n := d.limitedCount(MaxAddrPerMsg, size, "addresses")
	if d.err != nil {
		return
	}
	addrs := make([]NetAddress, n)
	ips := make([]byte, 16*n)
	msg.AddrList = make([]*NetAddress, n)
	for i := range addrs {
		decodeNetAddress(d, &addrs[i], ts, ips[16*i:16*i+16:16*i+16])
		msg.AddrList[i] = &addrs[i]
	}
}

func (msg *MsgAddr) appendPayload(dst []byte, pver uint32, enc MessageEncoding) ([]byte, error) {
	max := MaxAddrPerMsg
	if pver < MultipleAddressVersion {
		max = 1
	}
	if len(msg.AddrList) > max {
		return nil, errorf(ErrTooManyItems, "too many addresses for message of protocol "+
			"version %v [count %v, max %v]", pver, len(msg.AddrList), max)
	}
	ts := pver >= NetAddressTimeVersion
	dst = AppendVarInt(dst, uint64(len(msg.AddrList)))
	for _, na := range msg.AddrList {
		dst = appendNetAddress(dst, na, ts)
	}
	return dst, nil
}

// BtcDecode reads the payload from r.
func (msg *MsgAddr) BtcDecode(r io.Reader, pver uint32, enc MessageEncoding) error {
	var d decoder
	beginDecode(&d, r, true)
	msg.decode(&d, pver, enc)
	return endDecode(&d)
}

// BtcEncode writes the payload to w.
func (msg *MsgAddr) BtcEncode(w io.Writer, pver uint32, enc MessageEncoding) error {
	return encodeTo(msg, w, pver, enc)
}

// minAddrV2Payload is the smallest addrv2 entry: time, services, network,
// an empty address and port.
const minAddrV2Payload = 4 + 1 + 1 + 1 + 2

// MsgAddrV2 carries BIP155 network addresses. Entries of networks BIP155
// does not define are skipped while decoding, as Bitcoin Core does; entries
// of a known network with the wrong address length fail the message.
type MsgAddrV2 struct {
	AddrList []*NetAddressV2
}

// NewMsgAddrV2 returns an empty addrv2 message.
func NewMsgAddrV2() *MsgAddrV2 { return &MsgAddrV2{} }

// AddAddress appends an address; it fails past MaxAddrPerMsg.
func (msg *MsgAddrV2) AddAddress(na *NetAddressV2) error {
	if len(msg.AddrList)+1 > MaxAddrPerMsg {
		return errorf(ErrTooManyItems, "too many addresses in message [max %v]", MaxAddrPerMsg)
	}
	msg.AddrList = append(msg.AddrList, na)
	return nil
}

// Command returns "addrv2".
func (msg *MsgAddrV2) Command() string { return CmdAddrV2 }

// MaxPayloadLength returns the largest payload: the message limit, since
// entries are of variable size.
func (msg *MsgAddrV2) MaxPayloadLength(pver uint32) uint32 { return MaxMessagePayload }

func (msg *MsgAddrV2) decode(d *decoder, pver uint32, enc MessageEncoding) {
	n := d.limitedCount(MaxAddrPerMsg, minAddrV2Payload, "addresses")
	if d.err != nil {
		return
	}
	addrs := make([]NetAddressV2, n)
	msg.AddrList = make([]*NetAddressV2, 0, n)
	total := 0
	for i := 0; i < n && d.err == nil; i++ {
		if decodeNetAddressV2(d, &addrs[i]) {
			msg.AddrList = append(msg.AddrList, &addrs[i])
			total += len(addrs[i].Addr)
		}
	}
	if d.err != nil || d.r != nil {
		return
	}
	// From a slice the addresses still point into the payload: move them
	// into one exactly sized buffer, so that an address kept by the
	// address manager does not keep the whole message alive.
	arena := make([]byte, 0, total)
	for _, na := range msg.AddrList {
		start := len(arena)
		arena = append(arena, na.Addr...)
		na.Addr = arena[start:len(arena):len(arena)]
	}
}

func (msg *MsgAddrV2) appendPayload(dst []byte, pver uint32, enc MessageEncoding) ([]byte, error) {
	if len(msg.AddrList) > MaxAddrPerMsg {
		return nil, errorf(ErrTooManyItems, "too many addresses in message [%v]", len(msg.AddrList))
	}
	dst = AppendVarInt(dst, uint64(len(msg.AddrList)))
	var err error
	for _, na := range msg.AddrList {
		if dst, err = appendNetAddressV2(dst, na); err != nil {
			return nil, err
		}
	}
	return dst, nil
}

// BtcDecode reads the payload from r.
func (msg *MsgAddrV2) BtcDecode(r io.Reader, pver uint32, enc MessageEncoding) error {
	var d decoder
	beginDecode(&d, r, true)
	msg.decode(&d, pver, enc)
	return endDecode(&d)
}

// BtcEncode writes the payload to w.
func (msg *MsgAddrV2) BtcEncode(w io.Writer, pver uint32, enc MessageEncoding) error {
	return encodeTo(msg, w, pver, enc)
}

// payloadSizeHint implements sizeHinter.
func (msg *MsgAddr) payloadSizeHint() int {
	return MaxVarIntPayload + len(msg.AddrList)*maxNetAddressPayload
}

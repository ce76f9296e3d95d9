package wire

import (
	"bytes"
	"encoding/hex"
	"errors"
	"io"
	"net"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/btcsuite/btcd/chaincfg/chainhash"
)

// onlyReader hides a reader's other methods, forcing the stream paths.
type onlyReader struct{ r io.Reader }

func (o onlyReader) Read(p []byte) (int, error) { return o.r.Read(p) }

// sampleTx returns a small segwit transaction.
func sampleTx() *MsgTx {
	tx := NewMsgTx(2)
	tx.AddTxIn(NewTxIn(&OutPoint{Hash: chainhash.Hash{9}, Index: 3}, []byte{1, 2, 3},
		[][]byte{{4, 5}, {}}))
	tx.AddTxIn(NewTxIn(&OutPoint{Hash: chainhash.Hash{8}, Index: 0}, nil, nil))
	tx.AddTxOut(NewTxOut(12345, []byte{0x51}))
	tx.LockTime = 7
	return tx
}

// sampleHeader returns a block header.
func sampleHeader() BlockHeader {
	return BlockHeader{Version: 4, PrevBlock: chainhash.Hash{1}, MerkleRoot: chainhash.Hash{2},
		Timestamp: time.Unix(1700000000, 0), Bits: 0x1d00ffff, Nonce: 42}
}

// allMessages returns one populated value of every message type.
func allMessages(t testing.TB) []Message {
	t.Helper()
	ts := time.Unix(1600000000, 0)
	me := NewNetAddressTimestamp(ts, SFNodeNetwork, net.ParseIP("127.0.0.1"), 8333)
	you := NewNetAddressTimestamp(ts, SFNodeWitness, net.ParseIP("2001:db8::1"), 18444)
	ver := NewMsgVersion(me, you, 0x1122334455667788, 800000)
	ver.Services = SFNodeNetwork | SFNodeWitness | SFNodeNetworkLimited
	ver.Timestamp = ts
	ver.DisableRelayTx = true
	if err := ver.AddUserAgent("ternd", "0.1.0", "test"); err != nil {
		t.Fatal(err)
	}
	addr := NewMsgAddr()
	addr.AddAddresses(me, you)
	onion := make([]byte, 32)
	onion[0] = 0xab
	addrv2 := NewMsgAddrV2()
	for _, a := range []struct {
		net  NetworkID
		addr []byte
	}{
		{NetIPv4, []byte{1, 2, 3, 4}}, {NetIPv6, net.ParseIP("2001:db8::2")},
		{NetTorV3, onion}, {NetI2P, onion}, {NetCJDNS, net.ParseIP("fc00::1")},
	} {
		na, err := NewNetAddressV2(a.net, a.addr, 8333, SFNodeNetwork|SFNodeP2PV2, ts)
		if err != nil {
			t.Fatal(err)
		}
		addrv2.AddAddress(na)
	}
	inv := NewMsgInv()
	inv.AddInvVect(NewInvVect(InvTypeWitnessTx, &chainhash.Hash{3}))
	inv.AddInvVect(NewInvVect(InvTypeBlock, &chainhash.Hash{4}))
	getdata := NewMsgGetData()
	getdata.AddInvVect(NewInvVect(InvTypeWTx, &chainhash.Hash{5}))
	notfound := NewMsgNotFound()
	notfound.AddInvVect(NewInvVect(InvTypeCmpctBlock, &chainhash.Hash{6}))
	hdr := sampleHeader()
	headers := NewMsgHeaders()
	headers.AddBlockHeader(&hdr)
	headers.AddBlockHeader(&hdr)
	gh := NewMsgGetHeaders()
	gh.AddBlockLocatorHash(&chainhash.Hash{7})
	gh.HashStop = chainhash.Hash{8}
	gb := NewMsgGetBlocks(&chainhash.Hash{9})
	gb.AddBlockLocatorHash(&chainhash.Hash{10})
	blk := NewMsgBlock(&hdr)
	blk.AddTransaction(sampleTx())
	legacy := sampleTx()
	legacy.TxIn[0].Witness = nil
	blk.AddTransaction(legacy)
	mb := NewMsgMerkleBlock(&hdr)
	mb.Transactions = 3
	mb.AddTxHash(&chainhash.Hash{11})
	mb.Flags = []byte{0x1d}
	return []Message{
		ver, NewMsgVerAck(), NewMsgGetAddr(), addr, addrv2, NewMsgSendAddrV2(),
		inv, getdata, notfound, sampleTx(), legacy, blk, headers, gh, gb,
		NewMsgSendHeaders(), NewMsgFeeFilter(1000), NewMsgWTxIDRelay(), NewMsgMemPool(),
		NewMsgPing(99), NewMsgPong(100), NewMsgSendCmpct(true, 2),
		&MsgCmpctBlock{Header: hdr, Nonce: 5, ShortIDs: []uint64{1, 0xffffffffffff},
			PrefilledTxs: []PrefilledTx{{0, sampleTx()}, {5, legacy}}},
		&MsgGetBlockTxns{BlockHash: chainhash.Hash{12}, Indexes: []uint16{0, 1, 5, 65535}},
		&MsgBlockTxns{BlockHash: chainhash.Hash{13}, Txs: []*MsgTx{sampleTx(), legacy}},
		mb,
		NewMsgGetCFilters(GCSFilterRegular, 7, &chainhash.Hash{14}),
		NewMsgCFilter(GCSFilterRegular, &chainhash.Hash{15}, []byte{0x01, 0x9d, 0xfc, 0xa8}),
		NewMsgCFilter(GCSFilterRegular, &chainhash.Hash{15}, []byte{}),
		NewMsgGetCFHeaders(GCSFilterRegular, 1, &chainhash.Hash{16}),
		&MsgCFHeaders{StopHash: chainhash.Hash{17}, PrevFilterHeader: chainhash.Hash{18},
			FilterHashes: []*chainhash.Hash{{19}, {20}}},
		NewMsgGetCFCheckpt(GCSFilterRegular, &chainhash.Hash{21}),
		&MsgCFCheckpt{StopHash: chainhash.Hash{22}, FilterHeaders: []*chainhash.Hash{{23}}},
	}
}

// TestMessageRoundTrip frames, reads, and re-encodes every message type
// through ReadMessage, BtcDecode from a buffer and BtcDecode from a plain
// stream, and checks all give the same bytes.
func TestMessageRoundTrip(t *testing.T) {
	msgs := allMessages(t)
	for _, msg := range msgs {
		var buf bytes.Buffer
		n, err := WriteMessageN(&buf, msg, ProtocolVersion, MainNet)
		if err != nil {
			t.Fatalf("%s: write: %v", msg.Command(), err)
		}
		framed := append([]byte(nil), buf.Bytes()...)
		if n != len(framed) {
			t.Fatalf("%s: wrote %d, reported %d", msg.Command(), len(framed), n)
		}
		rn, got, payload, err := ReadMessageN(&buf, ProtocolVersion, MainNet)
		if err != nil {
			t.Fatalf("%s: read: %v", msg.Command(), err)
		}
		if rn != len(framed) || got.Command() != msg.Command() ||
			!bytes.Equal(payload, framed[MessageHeaderSize:]) {
			t.Fatalf("%s: read mismatch", msg.Command())
		}
		again, err := EncodeMessage(got, ProtocolVersion, MainNet, LatestEncoding)
		if err != nil || !bytes.Equal(again, framed) {
			t.Fatalf("%s: re-encoding differs: %v", msg.Command(), err)
		}
		for name, r := range map[string]io.Reader{
			"buffer": bytes.NewBuffer(payload),
			"reader": bytes.NewReader(payload),
			"stream": onlyReader{bytes.NewReader(payload)},
		} {
			fresh := makeEmptyMessage(msg.Command())
			if err := fresh.BtcDecode(r, ProtocolVersion, LatestEncoding); err != nil {
				t.Fatalf("%s %s: BtcDecode: %v", msg.Command(), name, err)
			}
			var out bytes.Buffer
			if err := fresh.BtcEncode(&out, ProtocolVersion, LatestEncoding); err != nil {
				t.Fatalf("%s %s: BtcEncode: %v", msg.Command(), name, err)
			}
			if !bytes.Equal(out.Bytes(), payload) {
				t.Fatalf("%s %s: payload differs\n got %x\nwant %x", msg.Command(), name,
					out.Bytes(), payload)
			}
		}
	}
	t.Logf("%d messages round-tripped", len(msgs))
}

// TestMessageGolden checks exact encodings built by hand from the protocol
// documentation.
func TestMessageGolden(t *testing.T) {
	h := func(s string) []byte { return mustHex(t, strings.ReplaceAll(s, " ", "")) }
	hash3 := strings.Repeat("03", 1) + strings.Repeat("00", 31)
	hdr := sampleHeader()
	hdrHex := "04000000" + "01" + strings.Repeat("00", 31) + "02" + strings.Repeat("00", 31) +
		"00f15365" + "ffff001d" + "2a000000"
	ts := time.Unix(1600000000, 0)
	tests := []struct {
		msg     Message
		payload []byte
	}{
		{NewMsgVerAck(), nil},
		{NewMsgPing(0x0102030405060708), h("0807060504030201")},
		{NewMsgFeeFilter(1000), h("e803000000000000")},
		{NewMsgSendCmpct(false, 2), h("00 0200000000000000")},
		{&MsgInv{InvList: []*InvVect{NewInvVect(InvTypeWitnessTx, &chainhash.Hash{3})}},
			h("01 01000040" + hash3)},
		{&MsgHeaders{Headers: []*BlockHeader{&hdr}}, h("01" + hdrHex + "00")},
		{&MsgGetHeaders{ProtocolVersion: 70016, BlockLocatorHashes: []*chainhash.Hash{{3}}},
			h("80110100 01" + hash3 + strings.Repeat("00", 32))},
		{&MsgAddr{AddrList: []*NetAddress{NewNetAddressTimestamp(ts, SFNodeNetwork|SFNodeWitness,
			net.ParseIP("10.0.0.1"), 8333)}},
			h("01 00105e5f 0900000000000000 00000000000000000000ffff0a000001 208d")},
		{&MsgAddrV2{AddrList: []*NetAddressV2{{Timestamp: ts, Services: SFNodeNetwork,
			Network: NetIPv4, Addr: []byte{10, 0, 0, 1}, Port: 8333}}},
			h("01 00105e5f 01 01 04 0a000001 208d")},
		{&MsgGetBlockTxns{BlockHash: chainhash.Hash{3}, Indexes: []uint16{1, 2, 10}},
			h(hash3 + "03 01 00 07")},
		{NewMsgGetCFilters(0, 0x010203, &chainhash.Hash{3}), h("00 03020100" + hash3)},
		{NewMsgCFilter(0, &chainhash.Hash{3}, []byte{0x01, 0x9d}), h("00" + hash3 + "02 019d")},
		{NewMsgGetCFHeaders(0, 2000, &chainhash.Hash{3}), h("00 d0070000" + hash3)},
		{&MsgCFHeaders{StopHash: chainhash.Hash{3}, PrevFilterHeader: chainhash.Hash{3},
			FilterHashes: []*chainhash.Hash{{3}}}, h("00" + hash3 + hash3 + "01" + hash3)},
		{NewMsgGetCFCheckpt(0, &chainhash.Hash{3}), h("00" + hash3)},
		{&MsgCFCheckpt{StopHash: chainhash.Hash{3}}, h("00" + hash3 + "00")},
		{&MsgVersion{ProtocolVersion: 70016, Services: SFNodeNetwork | SFNodeWitness | SFNodeNetworkLimited,
			Timestamp: ts, AddrYou: NetAddress{Services: SFNodeNetwork, IP: net.ParseIP("192.168.0.1"), Port: 8333},
			AddrMe: NetAddress{IP: net.IPv4zero, Port: 0}, Nonce: 0x0102030405060708,
			UserAgent: "/ternd:0.1.0/", LastBlock: 840000},
			h("80110100 0904000000000000 00105e5f00000000" +
				"0100000000000000 00000000000000000000ffffc0a80001 208d" +
				"0000000000000000 00000000000000000000ffff00000000 0000" +
				"0807060504030201 0d 2f7465726e643a302e312e302f 40d10c00 01")},
		{&MsgCmpctBlock{Header: hdr, Nonce: 1, ShortIDs: []uint64{0x0605040302010},
			PrefilledTxs: []PrefilledTx{{Index: 0, Tx: &MsgTx{Version: 1}}, {Index: 3, Tx: &MsgTx{Version: 1}}}},
			h(hdrHex + "0100000000000000 01 102030405060" + "02 00 01000000000000000000 02 01000000000000000000")},
	}
	for _, tc := range tests {
		b, err := EncodeMessage(tc.msg, ProtocolVersion, MainNet, LatestEncoding)
		if err != nil {
			t.Fatalf("%s: %v", tc.msg.Command(), err)
		}
		if !bytes.Equal(b[MessageHeaderSize:], tc.payload) {
			t.Errorf("%s: payload\n got %x\nwant %x", tc.msg.Command(), b[MessageHeaderSize:], tc.payload)
		}
		sum := chainhash.DoubleHashB(tc.payload)
		if !bytes.Equal(b[:4], []byte{0xf9, 0xbe, 0xb4, 0xd9}) || !bytes.Equal(b[20:24], sum[:4]) ||
			string(bytes.TrimRight(b[4:16], "\x00")) != tc.msg.Command() {
			t.Errorf("%s: bad header %x", tc.msg.Command(), b[:24])
		}
	}
	// The verack of mainnet, as every node sends it.
	verack, _ := EncodeMessage(NewMsgVerAck(), ProtocolVersion, MainNet, LatestEncoding)
	if hex.EncodeToString(verack) != "f9beb4d976657261636b000000000000000000005df6e0e2" {
		t.Errorf("verack %x", verack)
	}
	t.Logf("%d golden encodings", len(tests)+1)
}

// frame builds a raw message with a correct or chosen checksum.
func frame(net BitcoinNet, cmd string, payload []byte) []byte {
	b := make([]byte, MessageHeaderSize, MessageHeaderSize+len(payload))
	le := func(off int, v uint32) {
		b[off], b[off+1], b[off+2], b[off+3] = byte(v), byte(v>>8), byte(v>>16), byte(v>>24)
	}
	le(0, uint32(net))
	copy(b[4:16], cmd)
	le(16, uint32(len(payload)))
	sum := chainhash.DoubleHashB(payload)
	copy(b[20:], sum[:4])
	return append(b, payload...)
}

// TestReadMessageErrors checks every framing error and that the stream
// stays usable where it should.
func TestReadMessageErrors(t *testing.T) {
	ping := frame(MainNet, "ping", make([]byte, 8))
	badSum := frame(MainNet, "ping", make([]byte, 8))
	badSum[20] ^= 0xff
	oversize := frame(MainNet, "ping", nil)
	oversize[16], oversize[17], oversize[18], oversize[19] = 0x01, 0x09, 0x3d, 0x00 // 4,000,001
	tests := []struct {
		name      string
		raw       []byte
		want      error
		recovered bool // the following ping can still be read
	}{
		{"wrong network", frame(TestNet, "ping", make([]byte, 8)), ErrWrongNetwork, false},
		{"oversize payload", oversize, ErrPayloadTooLarge, false},
		{"bad checksum", badSum, ErrBadChecksum, true},
		{"unknown command", frame(MainNet, "sendtxrcncl", make([]byte, 12)), ErrUnknownCommand, true},
		{"malformed command", frame(MainNet, "pi\x00ng", nil), ErrMalformedCommand, true},
		{"non-printable command", frame(MainNet, "ping\x01", nil), ErrMalformedCommand, true},
		{"trailing bytes", frame(MainNet, "ping", make([]byte, 9)), ErrPayloadTooLarge, true},
		{"trailing bytes feefilter", frame(MainNet, "sendheaders", []byte{0}), ErrPayloadTooLarge, true},
		{"trailing bytes inv", frame(MainNet, "inv", make([]byte, 2)), ErrTrailingBytes, true},
		{"too many inv", frame(MainNet, "inv", mustHex(t, "fd51c3")), ErrTooManyItems, true},
		{"short payload", frame(MainNet, "ping", make([]byte, 4)), io.ErrUnexpectedEOF, true},
		{"truncated", frame(MainNet, "ping", make([]byte, 8))[:30], io.ErrUnexpectedEOF, false},
		{"truncated header", ping[:10], io.ErrUnexpectedEOF, false},
		{"empty", nil, io.EOF, false},
	}
	for _, tc := range tests {
		r := bytes.NewReader(append(append([]byte(nil), tc.raw...), ping...))
		if !tc.recovered {
			r = bytes.NewReader(tc.raw)
		}
		_, _, err := ReadMessage(r, ProtocolVersion, MainNet)
		if !errors.Is(err, tc.want) {
			t.Errorf("%s: err %v, want %v", tc.name, err, tc.want)
			continue
		}
		if tc.recovered {
			if msg, _, err := ReadMessage(r, ProtocolVersion, MainNet); err != nil || msg.Command() != CmdPing {
				t.Errorf("%s: next message: %v", tc.name, err)
			}
		}
	}
}

// TestMessageLimits checks that every count limit is enforced, on decode
// and on encode.
func TestMessageLimits(t *testing.T) {
	count := func(n uint64) []byte { return AppendVarInt(nil, n) }
	zeros := func(n int) []byte { return make([]byte, n) }
	cat := func(parts ...[]byte) []byte { return bytes.Join(parts, nil) }
	tests := []struct {
		name    string
		cmd     string
		payload []byte
		want    error
	}{
		{"inv 50001", CmdInv, cat(count(50001), zeros(50001*36)), ErrProtocolLimit},
		{"getdata 50001", CmdGetData, cat(count(50001)), ErrProtocolLimit},
		{"notfound 50001", CmdNotFound, cat(count(50001)), ErrProtocolLimit},
		{"addr 1001", CmdAddr, cat(count(1001), zeros(1001*30)), ErrProtocolLimit},
		{"addrv2 1001", CmdAddrV2, cat(count(1001), zeros(1001*9)), ErrProtocolLimit},
		{"headers 2001", CmdHeaders, cat(count(2001), zeros(2001*81)), ErrProtocolLimit},
		{"getheaders 102", CmdGetHeaders, cat(zeros(4), count(102), zeros(103*32)), ErrProtocolLimit},
		{"getblocks 102", CmdGetBlocks, cat(zeros(4), count(102), zeros(103*32)), ErrProtocolLimit},
		{"cfheaders 2001", CmdCFHeaders, cat(zeros(65), count(2001), zeros(2001*32)), ErrTooManyItems},
		{"cfheaders short", CmdCFHeaders, cat(zeros(65), count(3), zeros(2*32)), ErrTooManyItems},
		{"cfcheckpt short", CmdCFCheckpt, cat(zeros(33), count(2), zeros(32)), ErrTooManyItems},
		{"inv beyond payload", CmdInv, cat(count(2), zeros(36)), ErrTooManyItems},
		{"addrv2 ipv4 length 5", CmdAddrV2, cat(count(1), zeros(4), count(1), []byte{1}, count(5),
			zeros(7)), ErrInvalidAddress},
		{"addrv2 torv3 length 16", CmdAddrV2, cat(count(1), zeros(4), count(1), []byte{4},
			count(16), zeros(18)), ErrInvalidAddress},
		{"addrv2 address 513", CmdAddrV2, cat(count(1), zeros(4), count(1), []byte{9}, count(513),
			zeros(515)), ErrFieldTooLong},
		{"user agent 257", CmdVersion, cat(zeros(4+8+8+26+26+8), count(257), zeros(257+4)),
			ErrFieldTooLong},
		{"cmpct index overflow", CmdGetBlockTxns, cat(zeros(32), count(2), count(65535), count(0)),
			ErrInvalidMessage},
		{"cmpct index huge", CmdGetBlockTxns, cat(zeros(32), count(1), count(1<<40)), ErrInvalidMessage},
		{"non-canonical count", CmdInv, cat([]byte{0xfd, 0x01, 0x00}, zeros(36)), ErrNonCanonicalVarInt},
		{"cmpct prefilled overflow", CmdCmpctBlock, cat(zeros(88), count(0), count(2), count(65535),
			sampleTx().Bytes(), count(0), sampleTx().Bytes()), ErrInvalidMessage},
		{"cmpct short ids over limit", CmdCmpctBlock, cat(zeros(88), count(MaxCmpctBlockTxs+1),
			zeros((MaxCmpctBlockTxs+1)*6)), ErrTooManyItems},
		{"cmpct short ids beyond payload", CmdCmpctBlock, cat(zeros(88), count(10), zeros(59)), ErrTooManyItems},
		{"cmpct bad prefilled tx", CmdCmpctBlock, cat(zeros(88), count(0), count(1), count(0),
			mustHex(t, "0200000000020000000000")), ErrMalformedTx},
		{"blocktxn beyond payload", CmdBlockTxns, cat(zeros(32), count(3), zeros(25)), ErrTooManyItems},
		{"getblocktxn over limit", CmdGetBlockTxns, cat(zeros(32), count(MaxCmpctBlockTxs+1),
			zeros(MaxCmpctBlockTxs+1)), ErrTooManyItems},
		{"merkleblock hashes beyond payload", CmdMerkleBlock, cat(zeros(84), count(2), zeros(40)),
			ErrTooManyItems},
		{"merkleblock flags too long", CmdMerkleBlock, cat(zeros(84), count(0), count(maxFlagsPerMerkleBlock+1),
			zeros(maxFlagsPerMerkleBlock+1)), ErrFieldTooLong},
		{"short ping", CmdPing, zeros(7), io.ErrUnexpectedEOF},
		{"short version", CmdVersion, zeros(45), io.ErrUnexpectedEOF},
		{"block tx count", CmdBlock, cat(zeros(80), count(1<<31)), ErrTooManyItems},
	}
	for _, tc := range tests {
		// The decoder itself, past the per-message payload limit.
		d := newSliceDecoder(tc.payload, true)
		makeEmptyMessage(tc.cmd).(payloadCodec).decode(d, ProtocolVersion, LatestEncoding)
		if !errors.Is(d.err, tc.want) {
			t.Errorf("%s: decode err %v, want %v", tc.name, d.err, tc.want)
		}
		// Framed, the payload limit may catch it first.
		_, _, err := ReadMessage(bytes.NewReader(frame(MainNet, tc.cmd, tc.payload)), ProtocolVersion, MainNet)
		if !errors.Is(err, tc.want) && !errors.Is(err, ErrPayloadTooLarge) {
			t.Errorf("%s: err %v, want %v", tc.name, err, tc.want)
		}
		// A count over a protocol limit is reported as such even when the
		// payload is also too large for its message, and only then.
		if got, want := errors.Is(err, ErrProtocolLimit), tc.want == ErrProtocolLimit; got != want {
			t.Errorf("%s: framed err %v: ErrProtocolLimit %v, want %v", tc.name, err, got, want)
		}
		if tc.want == ErrProtocolLimit && !errors.Is(err, ErrTooManyItems) {
			t.Errorf("%s: framed err %v does not match ErrTooManyItems", tc.name, err)
		}
	}
	// Unknown BIP155 networks are skipped, not fatal.
	unknown := cat(count(2), zeros(4), count(1), []byte{42}, count(3), zeros(5),
		zeros(4), count(1), []byte{1}, count(4), []byte{1, 2, 3, 4}, []byte{0x20, 0x8d})
	msg, _, err := ReadMessage(bytes.NewReader(frame(MainNet, CmdAddrV2, unknown)), ProtocolVersion, MainNet)
	if err != nil || len(msg.(*MsgAddrV2).AddrList) != 1 || msg.(*MsgAddrV2).AddrList[0].Port != 8333 {
		t.Errorf("unknown network: %v", err)
	}
	// Entries Core treats as invalid are skipped.
	entry := func(network byte, addr []byte) []byte {
		return cat(zeros(4), count(1), []byte{network}, count(uint64(len(addr))), addr, []byte{0x20, 0x8d})
	}
	mixed := cat(count(5),
		entry(2, net.ParseIP("::ffff:1.2.3.4")), entry(2, net.ParseIP("fd87:d87e:eb43::1")),
		entry(6, net.ParseIP("2001:db8::1")), entry(6, net.ParseIP("fc00::1")),
		entry(2, net.ParseIP("2001:db8::1")))
	msg, _, err = ReadMessage(bytes.NewReader(frame(MainNet, CmdAddrV2, mixed)), ProtocolVersion, MainNet)
	if err != nil || len(msg.(*MsgAddrV2).AddrList) != 2 ||
		msg.(*MsgAddrV2).AddrList[0].Network != NetCJDNS || msg.(*MsgAddrV2).AddrList[1].Network != NetIPv6 {
		t.Errorf("invalid entries: %v", err)
	}
	// Encoding enforces the same limits.
	inv := &MsgInv{InvList: make([]*InvVect, MaxInvPerMsg+1)}
	if _, err := EncodeMessage(inv, ProtocolVersion, MainNet, LatestEncoding); !errors.Is(err, ErrTooManyItems) {
		t.Errorf("encode inv: %v", err)
	}
	if err := NewMsgInv().AddInvVect(&InvVect{}); err != nil {
		t.Errorf("AddInvVect: %v", err)
	}
	gbt := &MsgGetBlockTxns{Indexes: []uint16{3, 3}}
	if _, err := EncodeMessage(gbt, ProtocolVersion, MainNet, LatestEncoding); !errors.Is(err, ErrInvalidMessage) {
		t.Errorf("encode non-increasing indexes: %v", err)
	}
	if _, err := EncodeMessage(&MsgReject{}, ProtocolVersion, MainNet, LatestEncoding); !errors.Is(err, ErrInvalidMessage) {
		t.Errorf("encode reject: %v", err)
	}
	torv2 := &MsgAddrV2{AddrList: []*NetAddressV2{{Network: NetTorV2, Addr: make([]byte, 10)}}}
	if _, err := EncodeMessage(torv2, ProtocolVersion, MainNet, LatestEncoding); !errors.Is(err, ErrInvalidAddress) {
		t.Errorf("encode torv2: %v", err)
	}
	long := &MsgVersion{UserAgent: strings.Repeat("x", 257)}
	if _, err := EncodeMessage(long, ProtocolVersion, MainNet, LatestEncoding); !errors.Is(err, ErrFieldTooLong) {
		t.Errorf("encode long user agent: %v", err)
	}
}

// TestRejectDecode checks decoding of the obsolete reject message.
func TestRejectDecode(t *testing.T) {
	payload := append(AppendVarString(AppendVarString(nil, "tx"), ""), 0x42)
	payload = AppendVarString(payload[:len(payload)-1], "")
	payload = append(AppendVarString(nil, "tx"), 0x42)
	payload = AppendVarString(payload, "insufficient fee")
	payload = append(payload, bytes.Repeat([]byte{7}, 32)...)
	msg, _, err := ReadMessage(bytes.NewReader(frame(MainNet, CmdReject, payload)), ProtocolVersion, MainNet)
	if err != nil {
		t.Fatal(err)
	}
	rej := msg.(*MsgReject)
	if rej.Cmd != "tx" || rej.Code != RejectInsufficientFee || rej.Reason != "insufficient fee" ||
		rej.Hash[0] != 7 || rej.Code.String() != "REJECT_INSUFFICIENTFEE" {
		t.Fatalf("decoded %+v", rej)
	}

	// btcd sends reasons longer than Core's 111 bytes: the message still
	// decodes (it is only logged), its reason cut to the limit.
	long := strings.Repeat("r", 130)
	payload = append(AppendVarString(nil, "tx"), 0x10)
	payload = AppendVarString(payload, long)
	payload = append(payload, bytes.Repeat([]byte{9}, 32)...)
	msg, _, err = ReadMessage(bytes.NewReader(frame(MainNet, CmdReject, payload)), ProtocolVersion, MainNet)
	if err != nil {
		t.Fatalf("a long reject reason: %v", err)
	}
	if rej := msg.(*MsgReject); rej.Reason != long[:maxRejectReasonLen] || rej.Hash[0] != 9 {
		t.Fatalf("decoded %+v", rej)
	}
}

// TestVersionOptionalFields checks Core's optional version fields and the
// relay flag.
func TestVersionOptionalFields(t *testing.T) {
	msgs := allMessages(t)
	ver := msgs[0].(*MsgVersion)
	full, err := ver.appendPayload(nil, ProtocolVersion, LatestEncoding)
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name    string
		payload []byte
		relay   bool
	}{
		{"with relay=0", full, false},
		{"without relay", full[:len(full)-1], true},
		{"with relay=1", append(append([]byte(nil), full[:len(full)-1]...), 1), true},
		{"with trailing data", append(append([]byte(nil), full...), 9, 9), false},
	} {
		msg, _, err := ReadMessage(bytes.NewReader(frame(MainNet, CmdVersion, tc.payload)),
			ProtocolVersion, MainNet)
		if err != nil {
			t.Fatalf("%s: %v", tc.name, err)
		}
		got := msg.(*MsgVersion)
		if got.DisableRelayTx == tc.relay || got.UserAgent != ver.UserAgent || got.LastBlock != 800000 ||
			got.Nonce != ver.Nonce || !got.AddrYou.IP.Equal(ver.AddrYou.IP) {
			t.Errorf("%s: decoded %+v", tc.name, got)
		}
	}
	// Only the mandatory fields.
	msg, _, err := ReadMessage(bytes.NewReader(frame(MainNet, CmdVersion, full[:46])), ProtocolVersion, MainNet)
	if err != nil || msg.(*MsgVersion).ProtocolVersion != int32(ProtocolVersion) {
		t.Errorf("mandatory fields only: %v", err)
	}
	if ver.UserAgent != "/ternwire:0.1.0/ternd:0.1.0(test)/" {
		t.Errorf("user agent %q", ver.UserAgent)
	}
}

// TestHeadersByteReader checks the byte-reader decoding path of headers.
func TestHeadersByteReader(t *testing.T) {
	hdr := sampleHeader()
	full := NewMsgHeaders()
	for i := 0; i < MaxBlockHeadersPerMsg; i++ {
		full.AddBlockHeader(&hdr)
	}
	payload, err := full.appendPayload(nil, ProtocolVersion, LatestEncoding)
	if err != nil {
		t.Fatal(err)
	}
	var got MsgHeaders
	r := bytes.NewReader(append(payload, 0xee))
	if err := got.BtcDecode(r, ProtocolVersion, LatestEncoding); err != nil {
		t.Fatal(err)
	}
	if len(got.Headers) != MaxBlockHeadersPerMsg || got.Headers[1999].BlockHash() != hdr.BlockHash() || r.Len() != 1 {
		t.Fatalf("decoded %d headers, %d bytes left", len(got.Headers), r.Len())
	}
	tests := []struct {
		name    string
		payload []byte
		want    error
	}{
		{"2001 headers", AppendVarInt(nil, 2001), ErrTooManyItems},
		{"non-canonical count", []byte{0xfd, 1, 0}, ErrNonCanonicalVarInt},
		{"truncated header", payload[:50], io.ErrUnexpectedEOF},
		{"truncated count", payload[:1+80], io.ErrUnexpectedEOF},
		{"empty", nil, io.EOF},
	}
	for _, tc := range tests {
		var m MsgHeaders
		if err := m.BtcDecode(bytes.NewReader(tc.payload), ProtocolVersion, LatestEncoding); !errors.Is(err, tc.want) {
			t.Errorf("%s: err %v, want %v", tc.name, err, tc.want)
		}
	}
}

// TestDecodePayload checks the headerless decode a v2 transport uses: for
// every message type it gives what ReadMessage gives for the same payload,
// and it refuses what ReadMessage refuses after the framing, with the
// same error kinds.
func TestDecodePayload(t *testing.T) {
	for _, msg := range allMessages(t) {
		framed, err := EncodeMessage(msg, ProtocolVersion, MainNet, LatestEncoding)
		if err != nil {
			t.Fatal(err)
		}
		want, payload, err := ReadMessage(bytes.NewReader(framed), ProtocolVersion, MainNet)
		if err != nil {
			t.Fatalf("%s: %v", msg.Command(), err)
		}
		got, err := DecodePayload(msg.Command(), payload, ProtocolVersion, LatestEncoding)
		if err != nil {
			t.Fatalf("%s: %v", msg.Command(), err)
		}
		if !reflect.DeepEqual(got, want) {
			t.Fatalf("%s: decoded %+v, want %+v", msg.Command(), got, want)
		}
	}
	tests := []struct {
		name    string
		command string
		payload []byte
		want    ErrorKind
	}{
		{"unknown command", "nonsense", nil, ErrUnknownCommand},
		{"over the message's limit", CmdPing, make([]byte, 9), ErrPayloadTooLarge},
		{"over the payload limit", CmdBlock, make([]byte, MaxMessagePayload+1), ErrPayloadTooLarge},
		{"trailing bytes", CmdInv, []byte{0, 0xff}, ErrTrailingBytes},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if _, err := DecodePayload(tc.command, tc.payload, ProtocolVersion, LatestEncoding); !errors.Is(err, tc.want) {
				t.Fatalf("got %v, want %v", err, tc.want)
			}
		})
	}
}

// TestReadMessageReserve checks that reserve sees the payload length after
// the header checks and before the payload is read, that its error is
// returned with nothing more read, and that a header failing its checks
// never reaches it.
func TestReadMessageReserve(t *testing.T) {
	errNoRoom := errors.New("no room")
	ping := frame(MainNet, CmdPing, make([]byte, 8))
	tests := []struct {
		name     string
		raw      []byte
		deny     bool
		want     error
		reserved []int
		left     int // bytes left unread in the stream
	}{
		{"granted", ping, false, nil, []int{8}, 0},
		{"denied", ping, true, errNoRoom, []int{8}, 8},
		{"wrong magic", frame(TestNet, CmdPing, make([]byte, 8)), false, ErrWrongNetwork, nil, 8},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var reserved []int
			r := bytes.NewReader(tc.raw)
			_, msg, _, err := ReadMessageReserveN(r, ProtocolVersion, MainNet, LatestEncoding,
				func(n int) error {
					reserved = append(reserved, n)
					if tc.deny {
						return errNoRoom
					}
					return nil
				})
			if !errors.Is(err, tc.want) || (tc.want == nil && msg == nil) {
				t.Fatalf("err %v, want %v", err, tc.want)
			}
			if !slices.Equal(reserved, tc.reserved) || r.Len() != tc.left {
				t.Fatalf("reserved %v, %d bytes left", reserved, r.Len())
			}
		})
	}
}

/*
Package wire implements the Bitcoin peer-to-peer protocol encoding: the
CompactSize and other primitives, transactions and blocks in their legacy and
BIP144 witness forms, message framing, and every message a modern node
exchanges. Names follow btcd's wire package so that code written against it
reads the same here.

# Transactions and blocks

MsgTx, TxIn, TxOut, OutPoint, BlockHeader and MsgBlock carry the btcd names
and methods: TxHash (txid), WitnessHash (wtxid), HasWitness, Copy,
Serialize/SerializeNoWitness/Deserialize/DeserializeNoWitness over io.Writer
and io.Reader, SerializeSize, SerializeSizeStripped, and Weight/VSize
(vsize = ceil(weight/4), WitnessScaleFactor = 4).

The byte-slice fast paths avoid io.Reader entirely and should be preferred
when the bytes are already in memory:

	n, err := tx.DeserializeBytes(raw)   // returns bytes used; tx keeps no reference to raw
	n, err := blk.DeserializeBytes(raw)  // a whole block in about eight allocations
	n, err := blk.DeserializeBytesAlias(raw) // scripts alias raw: raw must not change
	raw := tx.Bytes()                    // also BytesNoWitness, AppendBytes(dst)
	raw := blk.Bytes()

The io.Reader methods are fast too: a *bytes.Buffer is parsed in place and
only the object's bytes are consumed from it; a seekable reader (bytes.Reader,
os.File) is read ahead in chunks and left positioned just after the object;
any other reader is read field by field without reading past the object.

Decoding scans the encoding first, checking every count against the bytes
that remain and counting inputs, outputs, witness items and script bytes, and
only then allocates, exactly. So a short message that claims 2^32 inputs
fails before anything is allocated, and a decoded block's transactions share
a few backing arrays (every slice is capped at its length, so appending to one
never overwrites another).

# Messages

Every message implements Message (BtcDecode, BtcEncode, Command,
MaxPayloadLength). ReadMessage reads one framed message (24-byte header:
magic, NUL-padded command, payload length, checksum), reads the payload once
into a buffer and parses it from there; WriteMessage frames and writes a
message in a single Write. ReadMessageN and WriteMessageN also report the
byte counts. Errors have kinds tested with errors.Is: ErrWrongNetwork,
ErrPayloadTooLarge, ErrBadChecksum, ErrUnknownCommand (the payload has been
consumed; the stream stays usable), ErrTrailingBytes, ErrTooManyItems,
ErrNonCanonicalVarInt, ErrFieldTooLong, ErrProtocolLimit (with ErrTooManyItems, for a count over
a message's protocol limit, which a node may treat as misbehaviour), ErrMalformedTx, ErrInvalidAddress,
ErrInvalidMessage. Short input surfaces as io.EOF or io.ErrUnexpectedEOF.

# Addresses

NetAddress is the legacy address (services, IPv6 or IPv4-mapped IP, port,
and a timestamp in addr messages). NetAddressV2 is the BIP155 address; its
NetworkID names the network (ipv4, ipv6, torv2 (decoded only), onion (Tor
v3), i2p, cjdns) and fixes the address length. Host, ParseHost,
EncodeOnionV3 and DecodeOnionV3 convert to and from text, checking the
onion v3 checksum and version.

# Limits

Every count is checked against its protocol limit and against what the
remaining bytes can hold before anything is allocated: MaxInvPerMsg (50,000)
for inv/getdata/notfound, MaxAddrPerMsg (1,000) for addr/addrv2,
MaxBlockHeadersPerMsg (2,000), MaxBlockLocatorsPerMsg (101),
MaxUserAgentLen (256), MaxAddrV2Size (512), MaxCmpctBlockTxs and 16-bit
compact block indexes, and MaxMessagePayload (4,000,000) for every payload.

# Concurrency

Messages are plain values: not safe for concurrent mutation, safe for
concurrent reads. Package functions keep no state apart from the logger.
*/
package wire

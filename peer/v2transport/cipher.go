package v2transport

import (
	"crypto/cipher"
	"crypto/sha256"
	"encoding/binary"
	"io"
	"slices"

	"github.com/tern-org/ternd/wire"
	"golang.org/x/crypto/chacha20"
	"golang.org/x/crypto/chacha20poly1305"
	"golang.org/x/crypto/hkdf"
)

// Packet layout constants of BIP324. A packet is the encrypted 3-byte
// length of its contents, then the AEAD encryption of a 1-byte header and
// the contents, followed by a 16-byte Poly1305 tag.
const (
	// RekeyInterval is the number of messages after which both the length
	// cipher and the packet AEAD of one direction switch to a new key.
	RekeyInterval = 224

	// LengthFieldLen is the size of the encrypted contents length.
	LengthFieldLen = 3

	// HeaderLen is the size of the encrypted header byte.
	HeaderLen = 1

	// TagLen is the size of the Poly1305 authentication tag.
	TagLen = chacha20poly1305.Overhead

	// PacketOverhead is the number of bytes a packet adds to its contents.
	PacketOverhead = LengthFieldLen + HeaderLen + TagLen

	// IgnoreBit is the header bit that marks a decoy packet, which the
	// receiver authenticates and then drops.
	IgnoreBit = 0x80

	// MaxPacketContentsLen is the most contents the 3-byte length field
	// can describe. The packet functions accept it; connections enforce
	// the much lower MaxContentsLen.
	MaxPacketContentsLen = 1<<24 - 1
)

// GarbageTerminatorLen is the size of the garbage terminators.
const GarbageTerminatorLen = 16

// keyLen is the size of every ChaCha20 key.
const keyLen = chacha20.KeySize

// fsChaCha20 is BIP324's FSChaCha20: the ChaCha20 stream that encrypts the
// length fields of one direction. Consecutive length fields take
// consecutive keystream bytes under one nonce; after RekeyInterval of them
// the next 32 keystream bytes become the key and the nonce's epoch count
// goes up, so a later key compromise does not reveal earlier lengths.
type fsChaCha20 struct {
	key    [keyLen]byte
	stream *chacha20.Cipher
	chunks uint64
}

// newFSChaCha20 returns a length cipher starting from key.
func newFSChaCha20(key [keyLen]byte) *fsChaCha20 {
	c := &fsChaCha20{key: key}
	c.startEpoch()
	return c
}

// startEpoch restarts the keystream at block 0 with the current key and the
// nonce 0x00000000 || LE64(rekeys so far).
func (c *fsChaCha20) startEpoch() {
	var nonce [chacha20.NonceSize]byte
	binary.LittleEndian.PutUint64(nonce[4:], c.chunks/RekeyInterval)
	// Key and nonce have the sizes the constructor checks for, so it
	// cannot fail.
	c.stream, _ = chacha20.NewUnauthenticatedCipher(c.key[:], nonce[:])
}

// crypt encrypts or decrypts one 3-byte length field in place. Only
// LengthFieldLen-byte chunks keep the keystream aligned as BIP324 requires:
// 224 of them use 672 bytes, leaving exactly 32 of the 11th block for the
// next key.
func (c *fsChaCha20) crypt(field *[LengthFieldLen]byte) {
	c.stream.XORKeyStream(field[:], field[:])
	c.chunks++
	if c.chunks%RekeyInterval == 0 {
		var next [keyLen]byte
		c.stream.XORKeyStream(next[:], next[:])
		c.key = next
		c.startEpoch()
	}
}

// fsAEAD is BIP324's FSChaCha20Poly1305: the ChaCha20-Poly1305 AEAD of one
// direction's packets. The nonce of a packet is LE32(packets since the last
// rekey) || LE64(rekeys so far); after RekeyInterval packets the key becomes
// the first 32 bytes of the encryption of 32 zero bytes under the nonce
// 0xffffffff || LE64(rekeys so far).
type fsAEAD struct {
	aead    cipher.AEAD
	packets uint64

	// nonce is scratch space for the current nonce; it lives in the
	// struct because a local array passed to the AEAD interface would be
	// allocated on every packet.
	nonce [chacha20poly1305.NonceSize]byte
}

// newFSAEAD returns a packet AEAD starting from key. It fails only when the
// runtime forbids ChaCha20-Poly1305 (FIPS 140-only mode).
func newFSAEAD(key [keyLen]byte) (*fsAEAD, error) {
	aead, err := chacha20poly1305.New(key[:])
	if err != nil {
		return nil, err
	}
	return &fsAEAD{aead: aead}, nil
}

// nextNonce sets c.nonce to the nonce of the next packet and returns it.
func (c *fsAEAD) nextNonce() []byte {
	binary.LittleEndian.PutUint32(c.nonce[:4], uint32(c.packets%RekeyInterval))
	binary.LittleEndian.PutUint64(c.nonce[4:], c.packets/RekeyInterval)
	return c.nonce[:]
}

// seal encrypts plaintext with aad, appends ciphertext and tag to dst and
// moves on to the next packet. dst may be plaintext[:0] to encrypt in place.
func (c *fsAEAD) seal(dst, plaintext, aad []byte) []byte {
	out := c.aead.Seal(dst, c.nextNonce(), plaintext, aad)
	c.advance()
	return out
}

// open authenticates and decrypts ciphertext (tag included) with aad,
// appends the plaintext to dst and moves on to the next packet whether or
// not the tag was right, as the BIP's reference does.
func (c *fsAEAD) open(dst, ciphertext, aad []byte) ([]byte, error) {
	out, err := c.aead.Open(dst, c.nextNonce(), ciphertext, aad)
	c.advance()
	return out, err
}

// advance counts one packet and rekeys after every RekeyInterval packets.
func (c *fsAEAD) advance() {
	if (c.packets+1)%RekeyInterval == 0 {
		var nonce [chacha20poly1305.NonceSize]byte
		binary.LittleEndian.PutUint32(nonce[:4], 0xffffffff)
		binary.LittleEndian.PutUint64(nonce[4:], c.packets/RekeyInterval)
		var buf [keyLen + TagLen]byte
		out := c.aead.Seal(buf[:0], nonce[:], buf[:keyLen], nil)
		// The first key was accepted by the same constructor in the same
		// process, so a new one of the same size is too.
		c.aead, _ = chacha20poly1305.New(out[:keyLen])
	}
	c.packets++
}

// sessionKeys is everything BIP324 derives from the ECDH shared secret.
type sessionKeys struct {
	initiatorL, initiatorP [keyLen]byte
	responderL, responderP [keyLen]byte
	initiatorTerminator    [GarbageTerminatorLen]byte
	responderTerminator    [GarbageTerminatorLen]byte
	sessionID              [32]byte
}

// deriveKeys runs HKDF-SHA256 over the shared secret with the salt
// "bitcoin_v2_shared_secret" || network magic, so that peers of different
// networks derive unrelated keys and fail at the garbage terminator.
func deriveKeys(secret [32]byte, net wire.BitcoinNet) sessionKeys {
	salt := make([]byte, 0, 28)
	salt = append(salt, "bitcoin_v2_shared_secret"...)
	salt = binary.LittleEndian.AppendUint32(salt, uint32(net))
	prk := hkdf.Extract(sha256.New, secret[:], salt)

	var k sessionKeys
	var terminators [2 * GarbageTerminatorLen]byte
	for _, out := range []struct {
		info string
		dst  []byte
	}{
		{"session_id", k.sessionID[:]},
		{"initiator_L", k.initiatorL[:]},
		{"initiator_P", k.initiatorP[:]},
		{"responder_L", k.responderL[:]},
		{"responder_P", k.responderP[:]},
		{"garbage_terminators", terminators[:]},
	} {
		// Reading 32 bytes from HKDF-SHA256 is far below its output
		// limit, so it cannot fail.
		_, _ = io.ReadFull(hkdf.Expand(sha256.New, prk, []byte(out.info)), out.dst)
	}
	copy(k.initiatorTerminator[:], terminators[:GarbageTerminatorLen])
	copy(k.responderTerminator[:], terminators[GarbageTerminatorLen:])
	clear(prk)
	return k
}

// sender encrypts the packets of one direction. It is not safe for
// concurrent use.
type sender struct {
	length *fsChaCha20
	aead   *fsAEAD
}

// receiver decrypts the packets of one direction. It is not safe for
// concurrent use.
type receiver struct {
	length *fsChaCha20
	aead   *fsAEAD
}

// session holds both directions' ciphers of one connection.
type session struct {
	send           sender
	recv           receiver
	sessionID      [32]byte
	sendTerminator [GarbageTerminatorLen]byte
	recvTerminator [GarbageTerminatorLen]byte
}

// newSession derives the ciphers and terminators of one side of a
// connection from the ECDH shared secret. The initiator sends with the
// initiator keys and receives with the responder keys; the responder the
// other way round.
func newSession(secret [32]byte, net wire.BitcoinNet, initiator bool) (*session, error) {
	k := deriveKeys(secret, net)
	sendL, sendP, recvL, recvP := k.initiatorL, k.initiatorP, k.responderL, k.responderP
	s := &session{sessionID: k.sessionID}
	s.sendTerminator, s.recvTerminator = k.initiatorTerminator, k.responderTerminator
	if !initiator {
		sendL, sendP, recvL, recvP = recvL, recvP, sendL, sendP
		s.sendTerminator, s.recvTerminator = s.recvTerminator, s.sendTerminator
	}
	var err error
	if s.send.aead, err = newFSAEAD(sendP); err != nil {
		return nil, err
	}
	if s.recv.aead, err = newFSAEAD(recvP); err != nil {
		return nil, err
	}
	s.send.length = newFSChaCha20(sendL)
	s.recv.length = newFSChaCha20(recvL)
	return s, nil
}

// packetLen returns the wire size of a packet with n bytes of contents.
func packetLen(n int) int {
	return PacketOverhead + n
}

// seal turns buf into a packet in place and returns it. buf must hold
// packetLen(n) bytes of which buf[HeaderLen+LengthFieldLen:][:n] are the
// contents; seal writes the length field, the header (with the ignore bit
// if ignore) and the tag around them and encrypts. aad is authenticated
// with the packet: the sent garbage for the first packet, else nil.
func (s *sender) seal(buf []byte, n int, aad []byte, ignore bool) []byte {
	buf = buf[:packetLen(n)]
	buf[LengthFieldLen] = 0
	if ignore {
		buf[LengthFieldLen] = IgnoreBit
	}
	plain := buf[LengthFieldLen : LengthFieldLen+HeaderLen+n]
	s.aead.seal(plain[:0], plain, aad)
	field := (*[LengthFieldLen]byte)(buf)
	putUint24(field, uint32(n))
	s.length.crypt(field)
	return buf
}

// appendPacket appends the packet carrying contents to dst;
// len(contents) must not exceed MaxPacketContentsLen.
func (s *sender) appendPacket(dst, contents, aad []byte, ignore bool) []byte {
	dst, pkt := growPacket(dst, len(contents))
	copy(pkt[LengthFieldLen+HeaderLen:], contents)
	s.seal(pkt, len(contents), aad, ignore)
	return dst
}

// appendDecoy appends a decoy packet with n zero bytes of contents to dst.
func (s *sender) appendDecoy(dst []byte, n int, aad []byte) []byte {
	dst, pkt := growPacket(dst, n)
	clear(pkt)
	s.seal(pkt, n, aad, true)
	return dst
}

// growPacket extends dst by the size of a packet with n bytes of contents
// and returns it with the new part.
func growPacket(dst []byte, n int) (grown, pkt []byte) {
	start := len(dst)
	dst = slices.Grow(dst, packetLen(n))[:start+packetLen(n)]
	return dst, dst[start:]
}

// decryptLength decrypts a packet's length field and returns the contents
// length it announces. The caller checks it against its limit before
// reading or allocating anything for the rest of the packet.
func (r *receiver) decryptLength(field [LengthFieldLen]byte) int {
	r.length.crypt(&field)
	return int(uint24(&field))
}

// open authenticates and decrypts the rest of a packet (header, contents
// and tag, decryptLength's n plus HeaderLen+TagLen bytes) in place. It
// returns the contents, which alias ct, and whether the ignore bit is set.
func (r *receiver) open(ct, aad []byte) (contents []byte, ignore bool, err error) {
	plain, err := r.aead.open(ct[:0], ct, aad)
	if err != nil {
		return nil, false, makeError(ErrBadTag, "v2transport: packet authentication failed")
	}
	return plain[HeaderLen:], plain[0]&IgnoreBit != 0, nil
}

// putUint24 stores v little-endian in three bytes.
func putUint24(b *[LengthFieldLen]byte, v uint32) {
	b[0], b[1], b[2] = byte(v), byte(v>>8), byte(v>>16)
}

// uint24 loads a little-endian three-byte integer.
func uint24(b *[LengthFieldLen]byte) uint32 {
	return uint32(b[0]) | uint32(b[1])<<8 | uint32(b[2])<<16
}

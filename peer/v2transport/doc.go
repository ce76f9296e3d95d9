/*
Package v2transport implements BIP324, the version 2 P2P transport: an
opportunistically encrypted and authenticated byte stream between two
Bitcoin nodes that replaces v1's plaintext framing (magic, command, length,
checksum). It is a self-contained library over any io.ReadWriter; it knows
nothing of peers, services or addresses, and it does no logging.

# Handshake

Each side sends a 64-byte ElligatorSwift-encoded ephemeral public key, which
looks like random bytes, followed by 0 to 4,095 bytes of random garbage.
From the x-only ECDH of the two keys, hashed together with both exact
encodings, HKDF-SHA256 (salted with the network magic) derives two keys per
direction, two 16-byte garbage terminators and a 32-byte session id. Each
side then sends its garbage terminator and a version packet (optionally after
decoy packets); the first packet in each direction authenticates that
direction's garbage. The opening side calls Initiate, the accepting side
Respond:

	conn, err := v2transport.Initiate(netConn, &v2transport.Config{Net: wire.MainNet})

A listener cannot know in advance whether the remote speaks v1 or v2. A v1
peer always starts with the network magic and "version" padded to 12 bytes
(V1Prefix); a v2 peer's random key matches that with probability 2^-128. The
node peeks those 16 bytes, or hands Respond whatever it has read:

	conn, err := v2transport.Respond(netConn, cfg, peeked)
	if errors.Is(err, v2transport.ErrV1Peer) {
		// Exactly V1Prefix(cfg.Net) has been consumed and nothing written:
		// carry on with the v1 protocol on netConn.
	}

An outbound v2 attempt that fails early (the remote closes the connection)
is retried over v1 by the caller, as BIP324 suggests; that policy, the
NODE_P2P_V2 service bit and the deadlines that bound a handshake belong to
the peer and server packages, not to this one.

# Messages

After the handshake a Conn carries messages. Each message is one packet:
a 3-byte length encrypted with FSChaCha20, then a header byte and the
contents encrypted and authenticated with FSChaCha20Poly1305, both of which
move to a new key every 224 messages for forward secrecy. The contents are
the message type (a 1-byte id from BIP324's table, such as 18 for ping, or a
zero byte and the 12-byte command) and the payload:

	err := conn.WriteMessage("ping", payload)
	cmd, payload, err := conn.ReadMessage()

Packets with the header's ignore bit set are decoys: WriteDecoy sends them
and ReadMessage authenticates and drops them. A received packet longer than
MaxContentsLen ends the connection before anything is allocated for it, and
larger packets' buffers grow only as their bytes arrive.

The peer package is to sit on a Conn the way it sits on the v1 framing of
the wire package: its read goroutine calls ReadMessage and decodes the
payload by command, its write goroutine encodes payloads and calls
WriteMessage. One reader and one writer may use a Conn concurrently, and
BytesSent, BytesReceived and SessionID (for getpeerinfo) may be read from
any goroutine.

# Errors

Errors are of type Error wrapping an ErrorKind, so callers test them with
errors.Is (ErrBadTag, ErrNoGarbageTerminator, ErrPacketTooLarge, ...);
failures of the underlying connection are returned wrapped. Hostile input
never panics and never makes the package buffer more than the limits above.
*/
package v2transport

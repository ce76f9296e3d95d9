/*
Package peer runs one Bitcoin P2P connection: the version handshake, the
read and write loops, the outbound queue, inventory trickling, pings, and
the misbehaviour score. It knows nothing of the chain or the mempool; the
server reacts to messages through MessageListeners.

# Life of a peer

	cfg := &peer.Config{Net: params.Net, UserAgentName: "ternd", UserAgentVersion: version,
		NewestBlock: bestHeight, Nonces: nonces, // one NonceSet shared by all peers
		Listeners: peer.MessageListeners{OnVerAck: s.onVerAck, OnInv: s.onInv, ...},
		OnBan: func(p *peer.Peer, reason string) { s.ban(p.Addr(), reason) }}
	p := peer.NewInboundPeer(cfg, id, conn) // or NewOutboundPeer for a dialed conn
	go func() { err := p.Run(ctx); s.peerDone(p, err) }()

Run performs the handshake: the dialing side sends version first; each side
answers a version with wtxidrelay and sendaddrv2 (protocol 70016) and verack;
after the peer's verack it sends sendheaders and feefilter and calls OnVerAck.
We announce protocol 70016, services NODE_NETWORK|NODE_WITNESS|
NODE_NETWORK_LIMITED, user agent /ternd:<version>/, our height and the relay
flag. Versions below MinProtocolVersion, our own nonce (a connection to
ourselves, detected through the shared NonceSet), a verack before version
and a handshake slower than HandshakeTimeout end the connection.

After the handshake Run reads messages until the connection ends, answering
pings and recording pongs itself and handing everything else to the
listeners, which run on the read goroutine in order and must not block.
Run returns why the connection ended (errors.Is with the ErrorKind values)
only when its goroutines have stopped and the connection is closed.

# Sending

QueueMessage encodes a message at once and queues it: control messages
(version, verack, ping, pong, feefilter, sendheaders, ...) go ahead of data.
Queued data is capped at MaxQueueBytes and each write must finish within
WriteStallTimeout; a peer that cannot keep up is disconnected.
QueueInventory adds an announcement to the trickle: every Poisson-distributed
interval (mean 2 s outbound, 5 s inbound) up to 1,000 pending announcements
the peer does not already know go out in one inv. The known-inventory filter
is bounded (50,000 entries, oldest forgotten first) and fed by both
directions.

# Policing

A ping goes out every PingInterval (2 minutes) with a random nonce; the
matching pong gives the round trip time; Ping sends one at once (the ping
RPC) unless one is outstanding. Nothing received for IdleTimeout
(20 minutes), or a ping unanswered as long, disconnects. Misbehaving adds to
the score; at BanThreshold (100) OnBan is called once and the peer is
disconnected, unless SetNoBan (--whitelist) was set. After the handshake a
count over a message's protocol limit (wire.ErrProtocolLimit: more than
2,000 headers, 1,000 addresses, 50,000 inventory vectors or 101 locator
hashes) is misbehaviour at BanThreshold, as in Core. Other bad messages
are never scored but disconnect with ErrProtocol: framing that loses the
stream (wrong magic, a length above the protocol maximum), a bad checksum,
a malformed command, a payload over its message's limit or one that does
not decode (impossible or non-canonical counts, a garbage block). Core
ignores the latter; ternd, like btcd, disconnects, since no honest peer
sends them and skipping them lets a peer make us read and discard
megabytes forever. Unknown commands, a second version and trailing bytes
after a message (the message itself dropped) are skipped, as Core skips
them.

Listeners run on the peer's read goroutine. Work they wait for on the
peer's behalf (serving getdata, a block being handled) uses Disconnected as
its quit channel, which closes at disconnection; Done closes only when Run
returns, after the read goroutine. When the write loop ends, the done
channel of every message still queued is signalled and the queue freed.

# Transports

Below the handshake a peer speaks one of two transports: v1, the plaintext
framing of the wire package, or v2, BIP324's encrypted transport from the
v2transport package. Everything above them (handshake, queues, listeners,
policing, statistics) is the same. The transport is set up at the start of
Run, within the HandshakeTimeout that also bounds the version handshake:

	cfg.V2Transport = true // inbound peers detect v1 or v2
	in := peer.NewInboundPeer(cfg, id, conn)
	out := peer.NewOutboundPeerV2(cfg, id, conn) // the address has NODE_P2P_V2
	out = peer.NewOutboundPeer(cfg, id, conn)    // v1, or the retry after ErrV2Handshake

An inbound peer with V2Transport reads the first 16 bytes: a v1 peer's
network magic and "version" carry on as v1, those bytes read again by the
v1 reader; anything else is answered with the v2 responder handshake. With
V2Transport false inbound peers speak v1 only, and the default services do
not include NODE_P2P_V2 (wire.SFNodeP2PV2).

A failed v2 handshake ends Run with an error matching ErrV2Handshake, also
matching its cause (io.EOF, a reset, a timeout and ErrHandshakeTimeout,
v2transport.ErrNoGarbageTerminator...). When the remote's first bytes were
our magic, it answered in v1 and the error matches ErrV2PeerSpeaksV1 too. A
node that sees ErrV2Handshake from an outbound v2 peer dials the address
once more with NewOutboundPeer, as BIP324 suggests; a shutdown during the
handshake is ErrDisconnected instead.

Config.RecvBudget, one RecvBudget shared by a node's peers, bounds the
bytes of large messages (LargeMessage, 256 KiB, and more) read at once:
such a payload waits for its share before it is read or allocated, must
then arrive within two minutes, and hands the share back once handled. A
hundred peers streaming 4 MB messages thus cost the budget (16 MiB by
default), not 400 MB; one that cannot get a share before its read
deadline is disconnected with ErrRecvBudget.

A v2 message carries its command and payload without v1's header. Its
payload is decoded by wire's v1 reader behind a header made up for it, so
the limits (4,000,000 bytes, each message's own), unknown commands (skipped)
and bad payloads are treated exactly as over v1. A packet that fails authentication or announces
more than the limit loses the stream and disconnects with ErrProtocol, like
a wrong v1 magic.

StatsSnapshot gives what getpeerinfo shows: addresses, direction, services,
version, user agent, heights, bytes and messages per command, ping times,
ban score, relay preferences, the transport ("v1", "v2", or "detecting"
before an inbound peer's first bytes) and the v2 session id in hex. Byte
counts are what crossed the connection: for v2 the ciphertext, handshake
included, which belongs to no command.
*/
package peer
